"""Keep the list alive: find new papers for its topics and file them where they belong.

``watch(path)`` looks for papers published since the last watch (or ``since``) in two places:

* **arXiv**: per topic, one query for the newest papers built from the topic's own entries:
  its characteristic terms (:meth:`wsskg.suggest.TopicModel.characteristic_terms`) and the
  arXiv categories its papers carry (learned from their cached arXiv records, looked up by id
  when not cached), e.g. ``all:"affinity" AND (all:"semantic" OR all:"level") AND (cat:cs.CV)``;
* **Semantic Scholar**: the papers citing each of the topic's papers that have an S2 id.

Candidates are merged by identity (S2 paperId, arXiv id, DOI, title), works already in the
catalog (same ids, or a title that :func:`wsskg.enrich.matching.choose`'s rules call the same
paper) and rejected ones are dropped, the rest are looked up once in the S2 batch (abstract,
references) so each can be measured against the list: how many of each topic's papers it cites
and how close its title/abstract is (:mod:`wsskg.suggest`). A candidate is kept when it cites
at least :data:`MIN_CITES` papers of one watched topic, or cites one and reads close to them,
or (found by the arXiv query) reads close to them *and* carries one of their arXiv categories:
words alone in another field ("binding affinity" in q-bio) are not enough. Ranking: most
papers of one watched topic cited first (a paper citing three affinity papers before one citing
an affinity and a context paper), then papers of the watched topics cited, then text
closeness, then the newest. Each carries its evidence and a proposed
topic (the topic model's first choice, citations included).

**Requests, time and cache.** The same sources, cache, rate limits, circuit breakers and run
deadline as ``enrich`` (:class:`wsskg.sources.http.Guard`); ``offline`` uses the cache only.
The "what is new" questions (arXiv listings, citations) are cached with a ``max_age`` of
:data:`FRESH_FOR` seconds so a second watch the same day costs nothing and the next day asks
again; lookups by id are cached for good. Cost: one arXiv request per watched topic, one S2
request per watched paper with an S2 id, one S2 batch per 100 candidates and one arXiv id
lookup per 100 ids whose records are not cached.

**State** lives in a small JSON file beside the catalog, ``<catalog>.watch.json``: the date of
the last complete watch, the rejected works (every id they are known by, so a rejected paper
does not come back under another id) and the pending candidates (so ``--add``/``--reject``
work on what was shown, without the network). It is written atomically under the catalog's
lock. It is not in the sidecar because the sidecar is derived, bulky data that most commands
skip; it is not in catalog.yaml because candidates are not the list. The last-watch date moves
only after a watch in which every question was answered (not offline, nothing failed), so a
failed run never skips papers.

**Acting on it.** :func:`add` files accepted candidates through :func:`wsskg.enrich.add_paper`
(status unread, the evidence kept as a note, the date added recorded, topic as proposed unless
given); :func:`reject` remembers a no.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from wsskg.catalog import Catalog, Entry, normalize_title, resolve_topic, strip_arxiv_version
from wsskg.errors import RateLimited, SourceError, WsskgError
from wsskg.suggest import TopicModel

STATE_SUFFIX = ".watch.json"
STATE_VERSION = 1
#: Seconds an answer to "what is new" stays fresh in the cache (a second watch the same day is free).
FRESH_FOR = 12 * 3600.0
#: Newest papers asked of arXiv per topic.
ARXIV_PER_TOPIC = 50
#: Citing papers asked of Semantic Scholar per catalog paper (newest first is not promised by
#: the API; a paper with more citations than this may hide some).
CITATIONS_PER_PAPER = 200
#: Papers of one watched topic a candidate must cite to be kept on citations alone.
MIN_CITES = 2
#: Text closeness (the topic model's text score) a candidate needs without citations; a
#: held-out paper of the shipped list scores about 0.5-0.8 against its own topic and 0-0.2
#: against unrelated ones.
TEXT_MIN = 0.3
#: A category must be carried by this share of a topic's papers with known categories to
#: count as one of the topic's fields.
CATEGORY_SHARE = 0.2
#: At most this many categories per topic in the arXiv query.
MAX_CATEGORIES = 3
Progress = Callable[[int, int, str], None]


# -- dates ----------------------------------------------------------------------------------------------

def parse_date(text: str) -> dt.date:
    """``YYYY-MM-DD``, ``YYYY-MM`` (the 1st) or ``YYYY`` (1 January); anything else is an error."""
    t = (text or "").strip()
    for fmt, pat in (("%Y-%m-%d", r"\d{4}-\d{2}-\d{2}"), ("%Y-%m", r"\d{4}-\d{2}"), ("%Y", r"\d{4}")):
        if re.fullmatch(pat, t):
            try:
                return dt.datetime.strptime(t, fmt).date()
            except ValueError:
                break
    raise WsskgError(f"not a date: {text!r} (use YYYY-MM-DD, YYYY-MM or YYYY)")


def _published(rec: dict) -> dt.date | None:
    for key in ("published", "publicationDate"):
        v = rec.get(key)
        if isinstance(v, str) and re.match(r"^\d{4}-\d{2}-\d{2}", v):
            try:
                return dt.date.fromisoformat(v[:10])
            except ValueError:
                pass
    return None


# -- state ------------------------------------------------------------------------------------------------

def state_path(catalog_path: Path) -> Path:
    """``catalog.watch.json`` beside the real catalog file (symlinks followed, like the sidecar)."""
    from wsskg.store import real_path

    real = real_path(Path(catalog_path))
    return real.with_name(real.stem + STATE_SUFFIX)


@dataclass
class WatchState:
    last_watch: str | None = None
    rejected: dict[str, dict] = field(default_factory=dict)  # key -> {title, on, id}
    pending: dict[str, dict] = field(default_factory=dict)  # candidate id -> candidate JSON

    def to_json(self) -> dict:
        return {"wsskg_watch": STATE_VERSION, "last_watch": self.last_watch, "rejected": self.rejected,
                "pending": self.pending}


def load_state(catalog_path: Path) -> WatchState:
    p = state_path(catalog_path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        return WatchState()
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise WsskgError(f"{p}: not a wsskg watch file ({e}); move it away to start afresh") from None
    if not isinstance(data, dict) or data.get("wsskg_watch") != STATE_VERSION:
        raise WsskgError(f"{p}: not a wsskg watch file (version {STATE_VERSION}); move it away to start afresh")
    last = data.get("last_watch")
    rejected, pending = data.get("rejected") or {}, data.get("pending") or {}
    if (last is not None and not isinstance(last, str)) or not isinstance(rejected, dict) or not isinstance(pending, dict):
        raise WsskgError(f"{p}: malformed watch file; move it away to start afresh")
    return WatchState(last_watch=last, rejected={str(k): v for k, v in rejected.items() if isinstance(v, dict)},
                      pending={str(k): v for k, v in pending.items() if isinstance(v, dict)})


def save_state(catalog_path: Path, state: WatchState) -> None:
    """Write the state atomically (the caller holds the catalog lock)."""
    from wsskg.store import atomic_write

    data = json.dumps(state.to_json(), ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8") + b"\n"
    atomic_write(state_path(catalog_path), data)


# -- identity ---------------------------------------------------------------------------------------------

def record_keys(rec: dict) -> set[str]:
    """Every id a record is known by: S2 paperId, arXiv id, DOI, normalised title."""
    keys = set()
    if rec.get("paperId"):
        keys.add("s2:" + str(rec["paperId"]).lower())
    if rec.get("arxiv_id"):
        keys.add("ax:" + strip_arxiv_version(str(rec["arxiv_id"])).lower())
    if rec.get("doi"):
        keys.add("doi:" + str(rec["doi"]).lower())
    t = normalize_title(rec.get("title") or "")
    if len(t.split()) >= 3:
        keys.add("t:" + t)
    return keys


class Listed:
    """Is this work already in the catalog? :class:`wsskg.recommend.HeldWorks` (the one "held"
    test ``discover`` uses: S2 id, arXiv id unless marked a wrong link, DOI, normalised title,
    short names), plus a title that enrichment's matching rules call the same paper (close
    ratio and every differing word a typo: "networks" for "network", never "Webly" for "Weakly")."""

    def __init__(self, catalog: Catalog):
        from wsskg.recommend import HeldWorks

        self.held = HeldWorks(catalog)
        self.titles = sorted({n for e in catalog.entries if e.kind == "paper"
                              for n in (normalize_title(e.title), normalize_title(e.canonical_title or ""))
                              if len(n.split()) >= HeldWorks.MIN_TITLE_WORDS})

    def holds(self, rec: dict) -> bool:
        from rapidfuzz import fuzz, process

        from wsskg.enrich.matching import TITLE_THRESHOLD, words_agree

        if self.held.holds(rec.get("paperId"), rec):
            return True
        t = normalize_title(rec.get("title") or "")
        if len(t.split()) < 3 or not self.titles:
            return False
        return any(words_agree(t, found) for found, _, _ in
                   process.extract(t, self.titles, scorer=fuzz.ratio, limit=3, score_cutoff=TITLE_THRESHOLD))


# -- candidates -------------------------------------------------------------------------------------------

@dataclass
class Candidate:
    """A paper outside the catalog that may belong in it."""

    id: str  # arXiv id when known, else the S2 paperId: what --add/--reject take
    title: str
    year: int | None = None
    published: str | None = None
    venue: str | None = None
    authors: list[str] = field(default_factory=list)
    arxiv_id: str | None = None
    s2_id: str | None = None
    doi: str | None = None
    abstract: str | None = None
    categories: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)  # S2 paperIds it cites
    cites: list[str] = field(default_factory=list)  # catalog entry ids it cites
    watched_cites: int = 0  # of those, papers in the watched topics
    topic_best: int = 0  # the most papers of any one watched topic it cites ("several of the topic's papers")
    found_by: list[str] = field(default_factory=list)
    watched_topics: list[str] = field(default_factory=list)  # the topics whose search found it
    topic_cites: dict[str, int] = field(default_factory=dict)  # topic -> its papers cited (any topic)
    text: float = 0.0  # closeness to the closest watched topic (topic model text score)
    proposed_topic: str | None = None
    alternatives: list[dict] = field(default_factory=list)  # next topics with scores
    evidence: list[str] = field(default_factory=list)
    score: float = 0.0
    first_seen: str | None = None
    new: bool = True
    conflict: str | None = None  # two records of one id with different titles

    def keys(self) -> set[str]:
        return record_keys({"paperId": self.s2_id, "arxiv_id": self.arxiv_id, "doi": self.doi, "title": self.title})

    def add_ref(self) -> str:
        """What :func:`wsskg.enrich.add_paper` is given to add it: the S2 paperId first (the
        watch's batch cached its record, references included), else the arXiv id."""
        if self.s2_id:
            return self.s2_id
        if self.arxiv_id:
            return f"arXiv:{self.arxiv_id}"
        if self.doi:
            return self.doi
        return self.title

    def merge(self, rec: dict) -> None:
        """Fill what is missing from another record of the same work."""
        self.title = self.title or rec.get("title") or ""
        self.year = self.year or (rec.get("year") if isinstance(rec.get("year"), int) else None)
        pub = _published(rec)
        if pub and not self.published:
            self.published = pub.isoformat()
        self.venue = self.venue or rec.get("venue") or None
        if not self.authors and rec.get("authors"):
            self.authors = [str(a.get("name", "")) if isinstance(a, dict) else str(a) for a in rec["authors"]]
        if rec.get("arxiv_id") and not self.arxiv_id:
            self.arxiv_id = strip_arxiv_version(str(rec["arxiv_id"]))
        self.s2_id = self.s2_id or rec.get("paperId") or None
        self.doi = self.doi or rec.get("doi") or None
        self.abstract = self.abstract or rec.get("abstract") or None
        cats = list(rec.get("categories") or []) or ([rec["primary_category"]] if rec.get("primary_category") else [])
        for c in cats:
            if c not in self.categories:
                self.categories.append(c)
        refs = rec.get("references")
        if isinstance(refs, dict) and refs and not self.references:
            self.references = [str(r) for r in refs]

    def date(self) -> dt.date | None:
        if self.published:
            return dt.date.fromisoformat(self.published)
        return None

    def to_json(self) -> dict:
        d = dataclasses.asdict(self)
        d.pop("references")
        d["add"] = f"wsskg watch --add {self.id}"
        d["url"] = (f"https://arxiv.org/abs/{self.arxiv_id}" if self.arxiv_id else
                    f"https://doi.org/{self.doi}" if self.doi else
                    f"https://www.semanticscholar.org/paper/{self.s2_id}" if self.s2_id else None)
        return d

    @classmethod
    def from_json(cls, d: dict) -> "Candidate":
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


def candidate_id(rec: dict) -> str | None:
    if rec.get("arxiv_id"):
        return strip_arxiv_version(str(rec["arxiv_id"]))
    if rec.get("paperId"):
        return str(rec["paperId"]).lower()
    return None


# -- the report -------------------------------------------------------------------------------------------

@dataclass
class WatchReport:
    since: str
    topics: list[str]
    candidates: list[Candidate] = field(default_factory=list)
    considered: int = 0  # distinct works seen before filtering
    dropped: dict[str, int] = field(default_factory=dict)  # reason -> count
    notices: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    offline_missing: int = 0
    complete: bool = True
    requests: dict[str, int] = field(default_factory=dict)
    cache_hits: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    state_file: str = ""

    def drop(self, why: str) -> None:
        self.dropped[why] = self.dropped.get(why, 0) + 1

    def notice(self, text: str) -> None:
        if text not in self.notices:
            self.notices.append(text)

    def to_dict(self) -> dict:
        return {"since": self.since, "topics": self.topics, "candidates": [c.to_json() for c in self.candidates],
                "considered": self.considered, "dropped": dict(self.dropped), "notices": list(self.notices),
                "failed": list(self.failed), "offline_missing": self.offline_missing, "complete": self.complete,
                "requests": dict(self.requests), "cache_hits": dict(self.cache_hits),
                "seconds": round(self.seconds, 3)}

    def summary(self) -> str:
        from wsskg.sources.http import SERVICE_NAMES

        req = ", ".join(f"{SERVICE_NAMES[s]} {n}" for s, n in self.requests.items())
        line = (f"{len(self.candidates)} candidate(s) since {self.since} for {len(self.topics)} topic(s) "
                f"({self.considered} works considered); HTTP requests: {req}")
        if self.offline_missing:
            line += f"; offline, not in cache: {self.offline_missing}"
        if not self.complete:
            line += "; incomplete: the last-watch date was not moved"
        return line


# -- the run ----------------------------------------------------------------------------------------------

def arxiv_query(terms: list[str], categories: list[str]) -> str | None:
    """An arXiv ``search_query`` for a topic: its first term AND any of the others, within its
    categories. Terms are the model's stems (plural folded), quoted as phrases."""
    def q(t: str) -> str:
        return 'all:"' + re.sub(r'["()]', " ", t).strip() + '"'

    terms = [t for t in terms if re.sub(r'["()\s]', "", t)]
    if not terms:
        return None
    query = q(terms[0])
    if len(terms) > 1:
        query += " AND (" + " OR ".join(q(t) for t in terms[1:]) + ")"
    if categories:
        query = f"({query}) AND (" + " OR ".join(f"cat:{c}" for c in categories) + ")"
    return query


class WatchRun:
    """One watch of the catalog at ``path``: the phases below, in order, in :meth:`run`."""

    def __init__(self, path: Path, topic: str | list[str] | None = None, since: str | None = None, limit: int = 20,
                 offline: bool = False, progress: Progress | None = None, settings=None,
                 sleep: Callable[[float], None] | None = None, timeout: float | None = None,
                 today: dt.date | None = None):
        from wsskg.sources.http import Guard, Settings, Stats
        from wsskg.store import load_catalog

        if limit < 1:
            raise WsskgError(f"the limit must be at least 1, got {limit}")
        self.path = Path(path)
        self.started = time.monotonic()
        self.settings = (settings or Settings.from_env()).with_run_timeout(timeout)
        self.guard = Guard(self.settings)
        self.stats = Stats()
        self.sleep = time.sleep if sleep is None else sleep
        self.offline = offline
        self.progress = progress
        self.limit = limit
        self.today = today or dt.date.today()
        self.catalog = load_catalog(self.path)
        self.state = load_state(self.path)
        self.model = TopicModel(self.catalog)
        self.topics = self._watched(topic)
        self.since = self._since(since)
        self.report = WatchReport(since=self.since.isoformat(), topics=list(self.topics),
                                  state_file=str(state_path(self.path)))
        self.blocked: dict[str, str] = {}
        self.cands: dict[str, Candidate] = {}
        self.key_to_cid: dict[str, str] = {}
        self.step, self.total = 0, 0

    # -- setup ---------------------------------------------------------------------------------------
    def _watched(self, topic: str | list[str] | None) -> list[str]:
        leaves = self.model.topics
        if not leaves:
            raise WsskgError("the catalog has no topic holding papers to watch for")
        if not topic:
            return list(leaves)
        chosen: list[str] = []
        for name in [topic] if isinstance(topic, str) else topic:
            path = resolve_topic(self.catalog, name)
            under = [t for t in leaves if t == path or t.startswith(path + "/")]
            if not under:
                raise WsskgError(f"topic {path!r} holds no papers (or only a results table) to watch for")
            chosen += [t for t in under if t not in chosen]
        return chosen

    def _since(self, since: str | None) -> dt.date:
        if since:
            return parse_date(since)
        if self.state.last_watch:
            return parse_date(self.state.last_watch)
        from wsskg.graph import entry_year

        years = [entry_year(e) for e in self.catalog.entries if e.kind == "paper"]
        years = [y for y in years if y]
        return dt.date(max(years), 1, 1) if years else self.today.replace(month=1, day=1)

    # -- plumbing ------------------------------------------------------------------------------------
    def tick(self, msg: str) -> None:
        self.step += 1
        if self.progress:
            self.progress(min(self.step, self.total), self.total, msg)

    def ask(self, service: str, what: str, fn: Callable[[], Any]) -> Any:
        """``fn()``, or None when the service is blocked, the answer is not cached (offline) or
        the request failed; every such case is reported and makes the run incomplete."""
        from wsskg.sources.http import SERVICE_NAMES, OfflineMiss, RunTimedOut, ServiceDown, SERVICES

        if service in self.blocked:
            return None
        try:
            return fn()
        except OfflineMiss:
            self.report.offline_missing += 1
            self.report.complete = False
        except RunTimedOut:
            why = f"stopped: the run's time limit ({self.settings.run_timeout:g} s) was spent; run again to continue"
            for s in SERVICES:
                self.blocked.setdefault(s, why)
            self.report.notice(why)
            self.report.complete = False
        except (RateLimited, ServiceDown) as e:
            self.blocked[service] = str(e)
            self.report.notice(str(e) if isinstance(e, ServiceDown) else
                               f"{SERVICE_NAMES[service]} not asked any more in this run: {e}")
            self.report.complete = False
        except SourceError as e:
            self.report.failed.append(f"{what}: {e}")
            self.report.complete = False
        return None

    def run(self) -> WatchReport:
        from wsskg.sources import open_sources
        from wsskg.sources.http import Cache

        stable = self.stable = Cache(offline=self.offline)
        fresh = Cache(offline=self.offline, max_age=FRESH_FOR)
        try:
            self.arxiv, self.s2 = open_sources(self.settings, stable, self.stats, sleep=self.sleep, guard=self.guard)
            self.arxiv_new, self.s2_new = open_sources(self.settings, fresh, self.stats, sleep=self.sleep,
                                                       guard=self.guard)
            members = {e.id for t in self.topics for e in self.catalog.entries_in(t)}
            self.watched_papers = [e for e in self.catalog.entries if e.id in members and e.kind == "paper"]
            with_s2 = [e for e in self.watched_papers if e.s2_id]
            if not with_s2:
                self.report.notice("no paper of the watched topics has a Semantic Scholar id, so no citing papers "
                                   "were asked for: run `wsskg enrich` first")
            self.total = 1 + len(self.topics) + len(with_s2) + 2
            cats = self.topic_categories()
            for t in self.topics:
                self.search_arxiv(t, cats.get(t, []))
            for e in with_s2:
                self.citing(e)
            self.filter_known()
            self.details()
            self.measure(cats)
        finally:
            stable.close()
            fresh.close()
        self.report.requests = dict(self.stats.requests)
        self.report.cache_hits = dict(self.stats.cache_hits)
        for why in self.guard.down.values():
            self.report.notice(why)
            self.report.complete = False
        self.save()
        self.report.seconds = time.monotonic() - self.started
        return self.report

    # -- 1. the topics' arXiv categories ---------------------------------------------------------------
    def topic_categories(self) -> dict[str, list[str]]:
        """Each watched topic's arXiv categories: those carried by at least
        :data:`CATEGORY_SHARE` of its papers with a known arXiv record, else the whole list's."""
        from wsskg.enrich.matching import entry_arxiv_id

        papers = [e for e in self.catalog.entries if e.kind == "paper"]
        ax_of = {e.id: entry_arxiv_id(e) for e in papers}
        ids = sorted({a for a in ax_of.values() if a})
        recs = (self.ask("arxiv", "arXiv lookup of the topics' papers", lambda: self.arxiv.fetch_ids(ids)) or {}) if ids else {}
        self.tick("arXiv categories of the topics' papers")
        out: dict[str, list[str]] = {}
        for t in self.topics:
            counts: Counter[str] = Counter()
            known = 0
            for e in self.catalog.entries_in(t):
                rec = recs.get(ax_of.get(e.id) or "")
                if not rec:
                    continue
                cs = list(rec.get("categories") or []) or ([rec["primary_category"]] if rec.get("primary_category") else [])
                if cs:
                    known += 1
                    counts.update(set(cs))
            out[t] = [c for c, n in counts.most_common(MAX_CATEGORIES) if n >= max(1, CATEGORY_SHARE * known)]
        # a topic none of whose papers has a known arXiv record takes the whole list's fields
        overall: Counter[str] = Counter()
        known = 0
        for e in papers:
            rec = recs.get(ax_of.get(e.id) or "")
            cs = (list(rec.get("categories") or []) or ([rec["primary_category"]] if rec.get("primary_category") else [])) if rec else []
            if cs:
                known += 1
                overall.update(set(cs))
        fallback = [c for c, n in overall.most_common(MAX_CATEGORIES) if n >= max(1, CATEGORY_SHARE * known)]
        return {t: cs or fallback for t, cs in out.items()}

    # -- 2. arXiv: the newest papers per topic ---------------------------------------------------------
    def search_arxiv(self, topic: str, categories: list[str]) -> None:
        name = topic.rsplit("/", 1)[-1]
        query = arxiv_query([self.model.surface(t) for t in self.model.characteristic_terms(topic)], categories)
        recs = self.ask("arxiv", f"arXiv query for {name}",
                        lambda: self.arxiv_new.recent(query, limit=ARXIV_PER_TOPIC)) if query else None
        self.tick(f"arXiv: {name}")
        if recs:  # the same records a lookup by id gives: `watch --add` needs no second request
            self.stable.put_many({f"arxiv:id:{r['arxiv_id']}": r for r in recs if r.get("arxiv_id")})
        for rec in recs or []:
            d = _published(rec)
            if d and d < self.since:
                continue  # newest first: older ones are before the watch window
            c = self._candidate(rec)
            if c is not None:
                if f"arXiv query for {name}" not in c.found_by:
                    c.found_by.append(f"arXiv query for {name}")
                if topic not in c.watched_topics:
                    c.watched_topics.append(topic)

    # -- 3. Semantic Scholar: papers citing the topics' papers --------------------------------------------
    def citing(self, e: Entry) -> None:
        recs = self.ask("s2", f"citations of {e.id}", lambda: self.s2_new.citations(e.s2_id, limit=CITATIONS_PER_PAPER))
        self.tick(f"Semantic Scholar: citations of {e.id}")
        for rec in recs or []:
            y = rec.get("year")
            if isinstance(y, int) and y < self.since.year:
                continue  # older than the watch window: not even a candidate
            c = self._candidate(rec)
            if c is None:
                continue
            if e.id not in c.cites:
                c.cites.append(e.id)
            if "Semantic Scholar citations" not in c.found_by:
                c.found_by.append("Semantic Scholar citations")
            for t in e.topics:
                if t in self.topics and t not in c.watched_topics:
                    c.watched_topics.append(t)

    def _candidate(self, rec: dict) -> Candidate | None:
        keys = record_keys(rec)
        cid = next((self.key_to_cid[k] for k in keys if k in self.key_to_cid), None)
        if cid is None:
            cid = candidate_id(rec)
            if cid is None:
                return None
            self.cands[cid] = Candidate(id=cid, title=rec.get("title") or "", first_seen=self.today.isoformat())
        c = self.cands[cid]
        if rec.get("title") and c.title and not _same_title(rec["title"], c.title):
            # one id, two titles: a wrong link somewhere; never a wrong paper, so neither is kept
            c.conflict = f"{rec['title']!r} and {c.title!r} share an id"
        c.merge(rec)
        for k in keys | c.keys():
            self.key_to_cid.setdefault(k, cid)
        return c

    # -- 4. already listed, rejected ------------------------------------------------------------------
    def filter_known(self) -> None:
        self.report.considered = len(self.cands)
        listed = Listed(self.catalog)
        for cid, c in list(self.cands.items()):
            if c.conflict:
                self.report.drop("ids disagree about the title")
                del self.cands[cid]
            elif listed.holds({"paperId": c.s2_id, "arxiv_id": c.arxiv_id, "doi": c.doi, "title": c.title}):
                self.report.drop("already in the catalog")
                del self.cands[cid]
            elif c.keys() & set(self.state.rejected):
                self.report.drop("rejected before")
                del self.cands[cid]
        self.listed = listed

    # -- 5. details: abstract, references, dates ---------------------------------------------------------
    def details(self) -> None:
        """One S2 batch for every candidate (abstract, references: exact citation counts), then
        arXiv records for those with an arXiv id but no date or categories."""
        keys = {}
        for cid, c in self.cands.items():
            key = c.s2_id or (f"ARXIV:{c.arxiv_id}" if c.arxiv_id else None)
            if key:
                keys[key] = cid
        got = self.ask("s2", "Semantic Scholar batch of the candidates", lambda: self.s2.fetch_batch(list(keys))) if keys else None
        self.tick("Semantic Scholar: candidates' details")
        for key, rec in (got or {}).items():
            if rec and keys.get(key) in self.cands:
                c = self.cands[keys[key]]
                if rec.get("title") and c.title and not _same_title(rec["title"], c.title):
                    self.report.drop("ids disagree about the title")  # never a wrong paper
                    del self.cands[keys[key]]
                    continue
                c.merge(rec)
        need = [c.arxiv_id for c in self.cands.values() if c.arxiv_id and (not c.published or not c.categories)]
        recs = self.ask("arxiv", "arXiv lookup of the candidates", lambda: self.arxiv.fetch_ids(need)) if need else None
        self.tick("arXiv: candidates' dates and categories")
        for c in self.cands.values():
            rec = (recs or {}).get(c.arxiv_id or "")
            if rec and _same_title(rec.get("title") or "", c.title):
                c.merge(rec)

    # -- 6. measure, keep, rank ------------------------------------------------------------------------
    def measure(self, cats: dict[str, list[str]]) -> None:
        s2_to_entry = {e.s2_id.lower(): e.id for e in self.catalog.entries if e.s2_id}
        by_id = self.catalog.by_id()
        watched = set(self.topics)
        kept: list[Candidate] = []
        for cid, c in list(self.cands.items()):
            if self.listed.holds({"paperId": c.s2_id, "arxiv_id": c.arxiv_id, "doi": c.doi, "title": c.title}):
                self.report.drop("already in the catalog")
                continue
            if c.keys() & set(self.state.rejected):
                self.report.drop("rejected before")
                continue
            d = c.date()
            if (d and d < self.since) or (not d and c.year and c.year < self.since.year):
                self.report.drop("published before the watch window")
                continue
            for r in c.references:
                eid = s2_to_entry.get(r.lower())
                if eid and eid not in c.cites:
                    c.cites.append(eid)
            c.topic_cites = {}
            in_watched = {eid for eid in c.cites if any(t in watched for t in (by_id[eid].topics if eid in by_id else ()))}
            for eid in c.cites:
                for t in by_id[eid].topics if eid in by_id else ():
                    c.topic_cites[t] = c.topic_cites.get(t, 0) + 1
            probe = Entry(id="watch:" + cid, title=c.title, abstract=c.abstract, authors=list(c.authors),
                          venue=c.venue)
            sugg = self.model.suggest(probe, k=len(self.model.topics), references=c.references)
            text = {s.topic: s.text for s in sugg}
            c.text = max((text.get(t, 0.0) for t in watched), default=0.0)
            n_cites = c.watched_cites = len(in_watched)
            c.topic_best = max((n for t, n in c.topic_cites.items() if t in watched), default=0)
            field_ok = not c.categories or any(x in c.categories for t in c.watched_topics for x in cats.get(t, [])) \
                or not any(cats.get(t) for t in c.watched_topics)
            keep = (c.topic_best >= MIN_CITES or (n_cites >= 1 and c.text >= TEXT_MIN)
                    or (c.text >= TEXT_MIN and field_ok and "arXiv" in " ".join(c.found_by)))
            if not keep:
                self.report.drop("too far from the topics (few citations, other words or another field)")
                continue
            c.proposed_topic = sugg[0].topic if sugg else None
            c.alternatives = [{"topic": s.topic, "score": round(s.score, 3)} for s in sugg[1:3]]
            c.score = round(n_cites + c.text, 4)
            c.evidence = self._evidence(c, sugg[0] if sugg else None, field_ok)
            kept.append(c)
        # pending candidates of earlier watches of these topics, still neither added nor rejected
        now = {k for c in kept for k in c.keys()}
        for cid, d in self.state.pending.items():
            old = Candidate.from_json(d)
            if old.keys() & now or not (set(old.watched_topics) & watched or old.proposed_topic in watched):
                continue
            if self.listed.holds({"paperId": old.s2_id, "arxiv_id": old.arxiv_id, "doi": old.doi, "title": old.title}):
                continue
            if old.keys() & set(self.state.rejected):
                continue
            old.new = False
            kept.append(old)
            now |= old.keys()
        kept.sort(key=lambda c: (-c.topic_best, -c.watched_cites, -c.text, -len(c.cites), -(c.date() or dt.date.min).toordinal(), c.id))
        self.all_kept = kept
        self.report.candidates = kept[:self.limit]

    def _evidence(self, c: Candidate, top, field_ok: bool) -> list[str]:
        ev = []
        shown = sorted(c.topic_cites.items(), key=lambda kv: (-kv[1], kv[0] != c.proposed_topic, kv[0]))[:3]
        for t, n in shown:
            size = len([e for e in self.catalog.entries_in(t) if e.kind == "paper"])
            ev.append(f"cites {n} of {size} papers in {t.rsplit('/', 1)[-1]}")
        if top is not None:
            close = [ev_ for ev_ in top.evidence if ev_.startswith("title/abstract close to")]
            if close and top.text > 0:
                ev.append(close[0] + f" ({top.topic.rsplit('/', 1)[-1]}, text {top.text:.2f})")
        if c.categories and field_ok:
            ev.append("arXiv " + ", ".join(c.categories[:3]))
        when = c.published or (str(c.year) if c.year else None)
        if when:
            ev.append(f"published {when}")
        return ev

    # -- 7. state --------------------------------------------------------------------------------------
    def save(self) -> None:
        from wsskg.store import locked

        with locked(self.path):
            state = load_state(self.path)  # another process may have rejected or added meanwhile
            for c in getattr(self, "all_kept", []):
                if c.keys() & set(state.rejected):
                    continue
                old = state.pending.get(c.id)
                d = c.to_json()
                if old and old.get("first_seen"):
                    d["first_seen"] = old["first_seen"]
                d["new"] = False
                state.pending[c.id] = d
            if self.report.complete and not self.offline:
                state.last_watch = self.today.isoformat()
            save_state(self.path, state)


def _same_title(a: str, b: str) -> bool:
    from rapidfuzz import fuzz

    na, nb = normalize_title(a), normalize_title(b)
    return not na or not nb or fuzz.token_set_ratio(na, nb) >= 80


def watch(path: Path, topic: str | list[str] | None = None, since: str | None = None, limit: int = 20, offline: bool = False,
          progress: Progress | None = None, settings=None, sleep: Callable[[float], None] | None = None,
          timeout: float | None = None, today: dt.date | None = None) -> WatchReport:
    """Find new papers for the catalog at ``path`` (see the module docstring)."""
    return WatchRun(path, topic=topic, since=since, limit=limit, offline=offline, progress=progress,
                    settings=settings, sleep=sleep, timeout=timeout, today=today).run()


# -- acting on candidates ------------------------------------------------------------------------------------

def _find_pending(state: WatchState, ref: str) -> tuple[str, dict]:
    r = ref.strip()
    low = re.sub(r"^(arxiv|s2):\s*", "", r, flags=re.I).lower()
    low = strip_arxiv_version(low) if re.match(r"^\d{4}\.\d{4,5}(v\d+)?$", low) else low
    if low in state.pending:
        return low, state.pending[low]
    hits = [(cid, d) for cid, d in state.pending.items()
            if (len(low) >= 8 and str(d.get("s2_id") or "").lower().startswith(low))
            or low in (str(d.get("arxiv_id") or "").lower(), str(d.get("doi") or "").lower())]
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        raise WsskgError(f"{ref!r} matches {len(hits)} pending candidates: {', '.join(h[0] for h in hits[:5])}")
    raise WsskgError(f"{ref!r} is not a pending candidate (run `wsskg watch` first, or use `wsskg add`)")


@dataclass
class ActionResult:
    id: str
    ok: bool
    message: str
    entry: str | None = None
    topic: str | None = None

    def to_json(self) -> dict:
        return dataclasses.asdict(self)


def add(path: Path, refs: Iterable[str], topic: str | None = None, settings=None,
        sleep: Callable[[float], None] | None = None, offline: bool = False,
        today: dt.date | None = None) -> list[ActionResult]:
    """File pending candidates in the catalog through :func:`wsskg.enrich.add_paper`: status
    unread, the evidence as a note, the date added, under ``topic`` or the proposed topic. A
    candidate already in the catalog (added meanwhile) leaves the pending list with a message."""
    from wsskg.enrich import add_paper
    from wsskg.store import load_catalog, locked

    path = Path(path)
    day = (today or dt.date.today()).isoformat()
    state = load_state(path)
    picked = [_find_pending(state, r) for r in refs]  # every ref checked before anything is added
    catalog = load_catalog(path, bulky=False)
    topic_path = resolve_topic(catalog, topic) if topic else None
    out: list[ActionResult] = []
    for cid, d in picked:
        c = Candidate.from_json(d)
        where = topic_path or c.proposed_topic
        if where and catalog.topic(where) is None and not catalog.entries_in(where):
            where = None  # the proposed topic was removed from the list since
        note = "wsskg watch " + day + ": " + "; ".join(c.evidence or ["found by wsskg watch"])
        try:
            e = add_paper(path, c.add_ref(), topic=where, settings=settings, sleep=sleep, offline=offline,
                          notes=[note], today=day)
            out.append(ActionResult(cid, True, f"added {e.id}" + (f" under {where}" if where else ""), e.id, where))
            done = True
        except WsskgError as err:
            done = str(err).startswith("already in the catalog")
            out.append(ActionResult(cid, False, str(err)))
        if done:
            with locked(path):
                st = load_state(path)
                st.pending.pop(cid, None)
                save_state(path, st)
    return out


def reject(path: Path, refs: Iterable[str], today: dt.date | None = None) -> list[ActionResult]:
    """Remember that these candidates do not belong: they never come back, under any of their ids."""
    from wsskg.store import locked

    path = Path(path)
    day = (today or dt.date.today()).isoformat()
    out = []
    with locked(path):
        state = load_state(path)
        picked = [_find_pending(state, r) for r in refs]
        for cid, d in picked:
            c = Candidate.from_json(d)
            for k in c.keys():
                state.rejected[k] = {"id": cid, "title": c.title, "on": day}
            state.pending.pop(cid, None)
            out.append(ActionResult(cid, True, f"rejected {cid}: {c.title}"))
        save_state(path, state)
    return out


def pending(path: Path) -> list[Candidate]:
    """The candidates shown by earlier watches and not yet added or rejected."""
    return [Candidate.from_json(d) for d in load_state(path).pending.values()]


__all__ = ["Candidate", "WatchReport", "WatchRun", "WatchState", "add", "arxiv_query", "load_state", "parse_date",
           "pending", "reject", "state_path", "watch"]
