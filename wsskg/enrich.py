"""Enrichment: match catalog entries to arXiv / Semantic Scholar records and fill them in.

Usable without the CLI::

    from wsskg.enrich import enrich
    report = enrich(Path("catalog.yaml"), source="all")
    print(report.summary())

**Order of work.** Entries that are not papers (``kind`` code/resource) and titles that read
like a concept ("dilated convolution") are skipped. Entries with only a title are matched by
title first (one S2 relevance search; when S2 has no close candidate, one arXiv ``ti:``
query), so that those S2 found can join the S2 batch. Then entries with an arXiv id (the
field or an arxiv.org link) are looked up with ``id_list`` in chunks of 100, and every entry
with an id (S2 id, arXiv id, DOI, or a paperId found by title) through the S2 batch endpoint
in chunks of 500, which also brings the papers it cites (stored in ``Catalog.external``).
For a catalog of N papers, M with ids and T title-only, that is at most ceil(M/500) S2
batches + ceil(M/100) arXiv calls + 2 per title-only entry; 0 on a second run (every answer
is cached, and entries already enriched are skipped).

**Never a wrong paper.** A title match needs the normalised titles to agree closely
(``rapidfuzz`` ratio >= 90, and every word that differs is a typo of the other title's word,
not a different word: "Webly" is not "Weakly"), and the candidate's year/venue must not
contradict the list's. Several close candidates that are different papers (a conference
paper and its later journal version, with no year to tell them apart) or none leave the
entry unmatched and reported. A lookup by id is checked too: when the list names the paper
("FickleNet") and the id's paper names itself otherwise ("CIAN: ..."), it is a conflict.

**Saving.** After every batch (an arXiv chunk, an S2 batch, or ``save_every`` title lookups)
the results are written under the catalog lock by :func:`wsskg.store.editing`, so a SIGKILL
loses at most the batch in flight, and answers already received are in the cache. What
the list said (title, venue, year, notes, links, status) is never changed.
"""

from __future__ import annotations

import math
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from wsskg.catalog import (
    ARXIV_ID_RE, Catalog, Entry, Link, arxiv_id_from_url, normalize_title, resolve, slugify,
    strip_arxiv_version, unique_id,
)
from wsskg.errors import CatalogError, RateLimited, SourceError, WsskgError
from wsskg.sources.http import SERVICE_NAMES, Cache, OfflineMiss, Settings, Stats

SOURCES = ("arxiv", "s2", "all")
TITLE_THRESHOLD = 90.0  # rapidfuzz ratio of normalised titles
WORD_TYPO = 80.0  # a differing word must be this close to its partner
Progress = Callable[[int, int, str], None]

_STOP = {"a", "an", "the", "of", "for", "and", "with", "to", "in", "on", "by", "from", "via", "using",
         "is", "are", "at", "as", "its", "into", "towards", "toward"}
_DOI_RE = re.compile(r"(?:doi\.org/|^doi:\s*|^)(10\.\d{4,9}/\S+)$", re.I)
_S2_ID_RE = re.compile(r"^[0-9a-f]{40}$")

_VENUES = {
    "cvpr": ["computer vision and pattern recognition", "cvpr"],
    "iccv": ["international conference on computer vision", "iccv"],
    "eccv": ["european conference on computer vision", "eccv"],
    "neurips": ["neural information processing systems", "neurips", "nips"],
    "bmvc": ["british machine vision conference", "bmvc"],
    "icml": ["international conference on machine learning", "icml"],
    "iclr": ["international conference on learning representations", "iclr"],
    "aaai": ["aaai"],
    "ijcai": ["international joint conference on artificial intelligence", "ijcai"],
    "tpami": ["pattern analysis and machine intelligence", "tpami", "pami"],
    "tip": ["transactions on image processing"],
    "ijcv": ["international journal of computer vision", "ijcv"],
    "wacv": ["applications of computer vision", "wacv"],
    "accv": ["asian conference on computer vision", "accv"],
    "miccai": ["medical image computing and computer assisted intervention", "miccai"],
    "kdd": ["knowledge discovery and data mining", "kdd"],
    "arxiv": ["arxiv", "corr"],
}


# -- the report ----------------------------------------------------------------------------------

@dataclass
class EnrichReport:
    """What a run did. ``unmatched``/``failed`` hold ``(entry id, reason)``."""

    source: str = "all"
    enriched: list[str] = field(default_factory=list)
    unmatched: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    skipped: dict[str, list[str]] = field(default_factory=dict)  # reason -> entry ids
    offline_missing: list[str] = field(default_factory=list)
    stats: Stats = field(default_factory=Stats)
    seconds: float = 0.0

    def skip(self, reason: str, entry_id: str) -> None:
        self.skipped.setdefault(reason, []).append(entry_id)

    @property
    def skipped_count(self) -> int:
        return sum(len(v) for v in self.skipped.values())

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "enriched": list(self.enriched),
            "unmatched": [{"id": i, "reason": r} for i, r in self.unmatched],
            "failed": [{"id": i, "reason": r} for i, r in self.failed],
            "skipped": {k: list(v) for k, v in self.skipped.items()},
            "offline_missing": list(self.offline_missing),
            "requests": dict(self.stats.requests),
            "cache_hits": dict(self.stats.cache_hits),
            "retries": dict(self.stats.retries),
            "seconds": round(self.seconds, 3),
        }

    def summary(self) -> str:
        req = ", ".join(f"{SERVICE_NAMES[s]} {n}" for s, n in self.stats.requests.items())
        line = (f"enriched {len(self.enriched)}, unmatched {len(self.unmatched)}, failed {len(self.failed)}, "
                f"skipped {self.skipped_count}; HTTP requests: {req}")
        if self.offline_missing:
            line += f"; offline, not in cache: {len(self.offline_missing)}"
        return line


# -- matching --------------------------------------------------------------------------------------

def venue_key(text: str | None) -> str | None:
    """The venue a text names (``cvpr``, ``tpami``, ``arxiv``...), or None when unknown."""
    t = " ".join(re.sub(r"[^a-z0-9]+", " ", (text or "").lower()).split())
    if not t:
        return None
    for key, pats in _VENUES.items():
        for p in pats:
            if re.search(rf"(?:^| ){re.escape(p)}(?:\d{{2,4}})?(?: |$)", t):
                return key
    return None


def _words_agree(a: str, b: str) -> bool:
    """Every significant word that differs between two normalised titles is a typo of a word
    of the other title (``segmetation``/``segmentation``), not another word (``webly``/``weakly``)."""
    ca, cb = Counter(a.split()), Counter(b.split())
    only_a = [w for w in (ca - cb).elements() if w not in _STOP]
    only_b = [w for w in (cb - ca).elements() if w not in _STOP]
    if len(only_a) != len(only_b):
        return False
    from rapidfuzz import fuzz

    rest = list(only_b)
    for w in only_a:
        best = max(rest, key=lambda x: fuzz.ratio(w, x))
        if fuzz.ratio(w, best) < WORD_TYPO or min(len(w), len(best)) < 4:
            return False
        rest.remove(best)
    return True


def title_score(list_title: str, candidate_title: str) -> float:
    from rapidfuzz import fuzz

    return round(fuzz.ratio(normalize_title(list_title), normalize_title(candidate_title)), 1)


@dataclass
class Decision:
    record: dict | None = None
    score: float | None = None
    reason: str = ""
    ambiguous: bool = False


def _year_of(rec: dict) -> int | None:
    y = rec.get("year")
    return y if isinstance(y, int) else None


def _contradiction(entry: Entry, rec: dict) -> str | None:
    y = _year_of(rec)
    if entry.year and y and not (entry.year - 1 <= y <= entry.year + 1):
        return f"year {y}, the list says {entry.year}"
    lv = venue_key(entry.venue)
    if lv and lv != "arxiv":
        names = list(rec.get("venue_names") or []) + [rec.get("venue"), rec.get("journal_ref")]
        keys = {venue_key(n) for n in names if n} - {None, "arxiv"}
        if keys and lv not in keys:
            return f"venue {rec.get('venue') or rec.get('journal_ref')!r}, the list says {entry.venue!r}"
    return None


def _identity(rec: dict) -> str:
    return (rec.get("paperId") or (rec.get("arxiv_id") and "ax:" + rec["arxiv_id"]) or
            (rec.get("doi") and "doi:" + rec["doi"].lower()) or
            f"t:{normalize_title(rec.get('title') or '')}:{rec.get('year')}")


def choose(entry: Entry, candidates: list[dict]) -> Decision:
    """Pick the one candidate that is the entry's paper, or explain why none is."""
    norm = normalize_title(entry.title)
    close: list[tuple[float, dict]] = []
    near: list[tuple[float, dict]] = []
    contradicted: list[str] = []
    for rec in candidates:
        if not rec.get("title"):
            continue
        cand = normalize_title(rec["title"])
        score = title_score(entry.title, rec["title"])
        if score >= TITLE_THRESHOLD and _words_agree(norm, cand):
            why = _contradiction(entry, rec)
            if why:
                contradicted.append(f"{rec['title']!r} ({why})")
            else:
                close.append((score, rec))
        elif score >= 75:
            near.append((score, rec))
    # the same work reached twice (e.g. one record per arXiv version) counts once
    unique: dict[str, tuple[float, dict]] = {}
    for score, rec in close:
        key = _identity(rec)
        if key not in unique or unique[key][0] < score:
            unique[key] = (score, rec)
    pool = sorted(unique.values(), key=lambda sr: -sr[0])
    if len(pool) == 1:
        return Decision(pool[0][1], pool[0][0])
    if len(pool) > 1:
        for narrow in (
            lambda r: entry.year is not None and _year_of(r) == entry.year,
            lambda r: venue_key(entry.venue) is not None and venue_key(entry.venue) in
            {venue_key(n) for n in (r.get("venue_names") or []) + [r.get("venue"), r.get("journal_ref")] if n},
        ):
            picked = [sr for sr in pool if narrow(sr[1])]
            if len(picked) == 1:
                return Decision(picked[0][1], picked[0][0])
        if pool[0][0] - pool[1][0] >= 5:
            return Decision(pool[0][1], pool[0][0])
        shown = "; ".join(f"{r['title']!r} ({r.get('year') or '?'}, {r.get('venue') or r.get('journal_ref') or 'no venue'})"
                          for _, r in pool[:3])
        return Decision(reason=f"{len(pool)} close candidates, cannot tell which: {shown}", ambiguous=True)
    if contradicted:
        return Decision(reason="close title but " + "; ".join(contradicted[:2]))
    if near:
        s, r = max(near, key=lambda sr: sr[0])
        return Decision(reason=f"no close title; nearest {r['title']!r} (score {s:.0f})")
    return Decision(reason="no candidate with this title")


def id_conflict(entry: Entry, rec_title: str | None, what: str) -> str | None:
    """Why the paper found by id is not the one the list names, or None when it may be."""
    from rapidfuzz import fuzz

    listed = normalize_title(entry.title)
    found = normalize_title(rec_title or "")
    if not listed or not found or re.match(r"^https?://", entry.title.strip()):
        return None
    words = listed.split()
    if len(words) >= 4:
        if max(fuzz.ratio(listed, found), fuzz.token_set_ratio(listed, found)) >= 60:
            return None
        return f"the list says {entry.title!r} but {what} is {rec_title!r}"
    m = re.match(r"^\s*([^:]{1,40}):", rec_title or "")
    if not m:
        return None
    name = normalize_title(m.group(1))
    if not name or len(name.split()) > 2 or name in listed or listed in found.split():
        return None
    if fuzz.ratio(name, listed) >= 80:
        return None
    return f"the list calls it {entry.title!r} but {what} is {rec_title!r}"


def concept_like(entry: Entry) -> str | None:
    """Why an id-less entry's title is not worth a title search, or None."""
    words = normalize_title(entry.title).split()
    if len(words) < 3:
        return "title too short to be a paper title (a concept or a name)"
    if not re.search(r"[A-Z]", entry.title) and not entry.venue and not entry.year:
        return "reads like a concept or a note, not a paper title"
    return None


# -- ids of an entry ---------------------------------------------------------------------------------

def entry_arxiv_id(e: Entry) -> str | None:
    if e.arxiv_id:
        return strip_arxiv_version(e.arxiv_id)
    for ln in e.links:
        ax = arxiv_id_from_url(ln.url)
        if ax:
            return strip_arxiv_version(ax)
    return None


def entry_doi(e: Entry) -> str | None:
    if e.doi:
        return e.doi
    for ln in e.links:
        m = re.search(r"doi\.org/(10\.\d{4,9}/[^\s?#]+)", ln.url, re.I)
        if m:
            return m.group(1)
    return None


def s2_key(e: Entry, arxiv_id: str | None = None, doi: str | None = None) -> str | None:
    """The id to ask the S2 batch endpoint for an entry."""
    if e.s2_id:
        return e.s2_id
    ax = arxiv_id or entry_arxiv_id(e)
    if ax:
        return f"ARXIV:{ax}"
    d = doi or entry_doi(e)
    if d:
        return f"DOI:{d}"
    return None


# -- applying records -------------------------------------------------------------------------------

def _sources_of(match: dict) -> set[str]:
    return {s for s in str(match.get("source") or "").split("+") if s}


def _done(e: Entry, wanted: set[str]) -> bool:
    if not e.match or e.match.get("partial"):
        return False
    return wanted <= (_sources_of(e.match) | set(e.match.get("checked") or []))


def apply_records(e: Entry, catalog: Catalog, arxiv: dict | None = None, s2: dict | None = None,
                  by: str | None = None, score: float | None = None, checked: Iterable[str] = (),
                  partial: bool = False) -> None:
    """Fill an entry from an arXiv and/or S2 record. The list's own fields are not touched.

    ``match`` records the provenance: ``source`` (``arxiv``, ``s2`` or ``arxiv+s2``), ``by``
    (``id`` or ``title``), ``score`` (title similarity, 100 for an id), ``checked`` (sources
    asked that had nothing, when any) and ``partial`` (the S2 batch still has to run).
    """
    if arxiv:
        if not e.arxiv_id and arxiv.get("arxiv_id") and ARXIV_ID_RE.match(arxiv["arxiv_id"]):
            e.arxiv_id = arxiv["arxiv_id"]
        e.doi = e.doi or arxiv.get("doi")
        e.canonical_title = e.canonical_title or arxiv.get("title")
        e.canonical_year = e.canonical_year or arxiv.get("year")
        if not e.authors and arxiv.get("authors"):
            e.authors = list(arxiv["authors"])
        if arxiv.get("abstract"):
            e.abstract = arxiv["abstract"]
    if s2:
        e.s2_id = s2.get("paperId") or e.s2_id
        e.canonical_title = s2.get("title") or e.canonical_title
        e.canonical_year = s2.get("year") or e.canonical_year
        e.canonical_venue = s2.get("venue") or e.canonical_venue
        if s2.get("authors"):
            e.authors = list(s2["authors"])
        if s2.get("citation_count") is not None:
            e.citation_count = s2["citation_count"]
        e.doi = e.doi or s2.get("doi")
        if not e.arxiv_id and s2.get("arxiv_id") and ARXIV_ID_RE.match(str(s2["arxiv_id"])):
            e.arxiv_id = str(s2["arxiv_id"])
        if not e.abstract and s2.get("abstract"):
            e.abstract = s2["abstract"]
        refs = s2.get("references")
        if isinstance(refs, dict):
            e.references = list(refs)
            for pid, meta in refs.items():
                catalog.external[pid] = meta
    old = dict(e.match)
    sources = _sources_of(old) | ({"arxiv"} if arxiv else set()) | ({"s2"} if s2 else set())
    if not sources:
        return
    match: dict[str, Any] = {"source": "+".join(sorted(sources))}
    match["by"] = old.get("by") if old.get("by") == "title" else (by or old.get("by") or "id")
    if by == "title":
        match["by"] = "title"
    sc = score if score is not None else old.get("score")
    if sc is not None:
        match["score"] = sc
    extra = (set(old.get("checked") or []) | set(checked)) - sources
    if extra:
        match["checked"] = sorted(extra | sources)
    if partial:
        match["partial"] = True
    e.match = match


def _prune_external(catalog: Catalog) -> None:
    inside = {e.s2_id for e in catalog.entries if e.s2_id}
    for pid in inside & set(catalog.external):
        del catalog.external[pid]


# -- the run ----------------------------------------------------------------------------------------

@dataclass
class _Work:
    entry_id: str
    arxiv_id: str | None = None
    doi: str | None = None
    s2_key: str | None = None
    title_only: bool = False
    arxiv: dict | None = None
    s2: dict | None = None
    by: str | None = None
    score: float | None = None
    checked: set[str] = field(default_factory=set)
    conflict: str | None = None
    failed: str | None = None
    offline_miss: bool = False
    unmatched: str | None = None


class _Saver:
    """Applies finished work to the catalog file: reload under the lock, apply, save."""

    def __init__(self, path: Path):
        self.path = path
        self.pending: dict[str, dict] = {}

    def add(self, entry_id: str, **update: Any) -> None:
        cur = self.pending.setdefault(entry_id, {"checked": set()})
        for k, v in update.items():
            if k == "checked":
                cur["checked"] |= set(v)
            elif v is not None:
                cur[k] = v

    def flush(self) -> None:
        if not self.pending:
            return
        from wsskg.store import editing

        with editing(self.path) as catalog:
            for eid, upd in self.pending.items():
                e = catalog.get(eid)
                if e is None:
                    continue  # removed by the user meanwhile
                apply_records(e, catalog, arxiv=upd.get("arxiv"), s2=upd.get("s2"), by=upd.get("by"),
                              score=upd.get("score"), checked=upd.get("checked") or (),
                              partial=bool(upd.get("partial")))
            _prune_external(catalog)
        self.pending.clear()


def _select(catalog: Catalog, topic: str | None, only: list[str] | None) -> list[Entry]:
    entries = list(catalog.entries)
    if topic:
        t = _find_topic(catalog, topic)
        entries = catalog.entries_in(t, recursive=True)
    if only:
        chosen: list[Entry] = []
        for ref in only:
            e = resolve(catalog, ref)
            if e not in chosen:
                chosen.append(e)
        keep = {id(e) for e in chosen}
        entries = [e for e in entries if id(e) in keep] if topic else chosen
    return entries


def _find_topic(catalog: Catalog, topic: str) -> str:
    if catalog.topic(topic):
        return topic
    low = topic.strip().lower()
    hits = [t.path for t in catalog.topics if t.path.lower() == low or t.name.lower() == low
            or t.path.rsplit("/", 1)[-1].lower() == low]
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        raise WsskgError(f"topic {topic!r} is ambiguous: {', '.join(hits[:6])}; give its full path")
    raise WsskgError(f"no topic {topic!r}; topics: {', '.join(t.path for t in catalog.topics[:12])}"
                     + (" ..." if len(catalog.topics) > 12 else ""))


def enrich(path: Path, source: str = "all", topic: str | None = None, only: list[str] | None = None,
           refresh: bool = False, offline: bool = False, progress: Progress | None = None,
           settings: Settings | None = None, sleep: Callable[[float], None] | None = None,
           save_every: int = 10) -> EnrichReport:
    """Enrich the catalog at ``path`` in place; see the module docstring. Returns the report."""
    from wsskg.store import load_catalog

    if source not in SOURCES:
        raise WsskgError(f"unknown source {source!r} (expected one of {', '.join(SOURCES)})")
    started = time.monotonic()
    path = Path(path)
    settings = settings or Settings.from_env()
    sleep = time.sleep if sleep is None else sleep
    report = EnrichReport(source=source)
    wanted = {"arxiv", "s2"} if source == "all" else {source}
    use_arxiv, use_s2 = "arxiv" in wanted, "s2" in wanted

    catalog = load_catalog(path)
    works: list[_Work] = []
    for e in _select(catalog, topic, only):
        if e.kind != "paper":
            report.skip(f"not a paper ({e.kind})", e.id)
            continue
        if not refresh and _done(e, wanted):
            report.skip("already enriched", e.id)
            continue
        ax, doi = entry_arxiv_id(e), entry_doi(e)
        w = _Work(e.id, arxiv_id=ax, doi=doi, s2_key=s2_key(e, ax, doi))
        if not (ax or doi or e.s2_id):
            why = concept_like(e)
            if why:
                report.skip(why, e.id)
                continue
            w.title_only = True
        elif not use_s2 and not ax:
            report.skip("no arXiv id and only a DOI/S2 id (use --source s2 or all)", e.id)
            continue
        works.append(w)
    by_id = {e.id: e for e in catalog.entries}

    cache = Cache(refresh=refresh, offline=offline)
    stats = report.stats
    arxiv_src = s2_src = None
    if works:
        from wsskg.sources import open_sources

        arxiv_src, s2_src = open_sources(settings, cache, stats, sleep=sleep)
    saver = _Saver(path)
    blocked: dict[str, str] = {}  # service -> why it is not asked any more this run

    title_works = [w for w in works if w.title_only]
    ax_works = [w for w in works if w.arxiv_id and use_arxiv]
    total = len(title_works) + math.ceil(len(ax_works) / 100) + math.ceil(
        (len(works) - len(title_works)) / 500 if use_s2 else 0) + (1 if use_s2 and title_works else 0)
    step = [0]

    def tick(msg: str) -> None:
        step[0] += 1
        if progress:
            progress(min(step[0], total), total, msg)

    def ask(service: str, fn: Callable[[], Any]) -> Any:
        if service in blocked:
            raise SourceError(blocked[service])
        try:
            return fn()
        except RateLimited as e:
            blocked[service] = f"{SERVICE_NAMES[service]} not asked: rate limited earlier in this run"
            raise e

    try:
        # 1. title-only entries: S2 relevance search, then arXiv ti: when S2 has nothing close
        for n, w in enumerate(title_works, 1):
            e = by_id[w.entry_id]
            decision: Decision | None = None
            try:
                if use_s2:
                    cands = ask("s2", lambda: s2_src.search_title(e.title))
                    decision = choose(e, cands)
                    if decision.record:  # saved with the S2 batch below, which adds references
                        w.s2, w.by, w.score = decision.record, "title", decision.score
                        w.s2_key = decision.record.get("paperId")
                        w.checked |= wanted
                if use_arxiv and (decision is None or (not decision.record and not decision.ambiguous)):
                    cands = ask("arxiv", lambda: arxiv_src.search_title(e.title))
                    d2 = choose(e, cands)
                    if d2.record:
                        w.arxiv, w.by, w.score = d2.record, "title", d2.score
                        w.checked |= wanted  # S2 had nothing close: not asked again
                        saver.add(w.entry_id, arxiv=w.arxiv, by="title", score=w.score, checked=w.checked)
                    if decision is None or d2.record or d2.ambiguous:
                        decision = d2
                if not w.arxiv and not w.s2:
                    w.unmatched = decision.reason if decision else "no source asked"
            except OfflineMiss:
                w.offline_miss = True
            except SourceError as err:
                w.failed = str(err)
            tick(f"title {e.id}")
            if n % save_every == 0:
                saver.flush()
        saver.flush()

        # 2. arXiv ids, 100 per request
        if use_arxiv and ax_works:
            want: dict[str, list[_Work]] = {}
            for w in ax_works:
                want.setdefault(w.arxiv_id, []).append(w)

            def take_arxiv(got: dict) -> None:
                for ax, rec in got.items():
                    for w in want.get(ax, []):
                        if w.arxiv is not None or w.conflict or "arxiv" in w.checked:
                            continue
                        if rec is None:
                            w.checked.add("arxiv")
                            continue
                        why = id_conflict(by_id[w.entry_id], rec.get("title"), f"arXiv {ax}")
                        if why:
                            w.conflict = why
                            continue
                        w.arxiv = rec
                        w.checked.add("arxiv")
                        saver.add(w.entry_id, arxiv=rec, by="id", score=100.0, checked={"arxiv"})
                saver.flush()
                tick("arXiv ids")

            try:
                got = ask("arxiv", lambda: arxiv_src.fetch_ids(list(want), on_chunk=take_arxiv))
                for w in ax_works:
                    if w.arxiv_id not in got:
                        w.offline_miss = True
            except SourceError as err:
                for w in ax_works:
                    if w.arxiv is None and not w.conflict and "arxiv" not in w.checked:
                        w.failed = str(err)

        # 3. the S2 batch: every entry with an id, and the papers the title search found
        if use_s2:
            want2: dict[str, list[_Work]] = {}
            for w in works:
                if w.s2_key and not w.conflict and (not w.title_only or w.s2):
                    want2.setdefault(w.s2_key, []).append(w)

            def take_s2(got: dict) -> None:
                for key, rec in got.items():
                    for w in want2.get(key, []):
                        if "s2-done" in w.checked or w.conflict:
                            continue
                        w.checked.add("s2-done")
                        if w.by == "title":  # found by the title search; the batch adds references
                            w.s2 = rec or w.s2
                            saver.add(w.entry_id, s2=w.s2, by="title", score=w.score, checked=wanted)
                            continue
                        if rec is None:
                            w.checked.add("s2")
                            if w.arxiv:
                                saver.add(w.entry_id, checked={"s2", "arxiv"})
                            continue
                        why = id_conflict(by_id[w.entry_id], rec.get("title"), f"Semantic Scholar {key}")
                        if why:
                            w.conflict = why
                            continue
                        w.s2 = rec
                        # no arXiv id to look up this run: S2's record stands for arXiv too
                        also = {"arxiv"} if use_arxiv and not w.arxiv_id else set()
                        saver.add(w.entry_id, s2=rec, by="id", score=100.0, checked={"s2"} | also)
                saver.flush()
                tick("Semantic Scholar batch")

            if want2:
                try:
                    got = ask("s2", lambda: s2_src.fetch_batch(list(want2), on_chunk=take_s2))
                    for key, ws in want2.items():
                        for w in ws:
                            if key not in got and w.by != "title":
                                w.offline_miss = True
                except SourceError as err:
                    for ws in want2.values():
                        for w in ws:
                            if "s2-done" in w.checked or w.conflict:
                                continue
                            if w.by == "title":  # keep the search's record; the batch is retried next run
                                saver.add(w.entry_id, s2=w.s2, by="title", score=w.score, partial=True)
                            elif not w.arxiv:
                                w.failed = str(err)
                            else:
                                w.failed = f"Semantic Scholar part: {err}"
                # offline, title matches whose batch answer is not cached keep the search's record
                for ws in want2.values():
                    for w in ws:
                        if w.by == "title" and "s2-done" not in w.checked and w.s2 and not w.failed:
                            saver.add(w.entry_id, s2=w.s2, by="title", score=w.score, partial=True)
        saver.flush()
    finally:
        cache.close()

    for w in works:
        if w.arxiv or w.s2:
            report.enriched.append(w.entry_id)
            if w.failed:
                report.failed.append((w.entry_id, w.failed))
        elif w.conflict:
            report.unmatched.append((w.entry_id, w.conflict))
        elif w.failed:
            report.failed.append((w.entry_id, w.failed))
        elif w.offline_miss:
            report.offline_missing.append(w.entry_id)
        elif w.unmatched:
            report.unmatched.append((w.entry_id, w.unmatched))
        else:
            report.unmatched.append((w.entry_id, "no source knows this id"))
    report.seconds = time.monotonic() - started
    return report


# -- citations (for `wsskg discover --direction citing`) -------------------------------------------

@dataclass
class CitationsReport:
    filled: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # no s2_id
    offline_missing: list[str] = field(default_factory=list)
    stats: Stats = field(default_factory=Stats)

    def to_dict(self) -> dict:
        return {"filled": self.filled, "failed": [{"id": i, "reason": r} for i, r in self.failed],
                "skipped": self.skipped, "offline_missing": self.offline_missing,
                "requests": dict(self.stats.requests), "cache_hits": dict(self.stats.cache_hits)}


def fetch_citations(path: Path, refs: list[str] | None = None, offline: bool = False, refresh: bool = False,
                    limit_per_paper: int = 100, progress: Progress | None = None,
                    settings: Settings | None = None, sleep: Callable[[float], None] | None = None,
                    save_every: int = 10) -> CitationsReport:
    """Fill ``Entry.cited_by`` (and ``Catalog.external`` for citing papers outside the catalog)
    for catalog papers with an ``s2_id``: one cached, rate-limited S2 request per paper, saved
    every ``save_every`` papers. Papers that already have ``cited_by`` are skipped unless
    ``refresh``. ``refs`` limits the run to those entries."""
    from wsskg.sources.s2 import S2Source
    from wsskg.store import load_catalog

    if not 1 <= limit_per_paper <= 1000:
        raise WsskgError("limit_per_paper must be between 1 and 1000")
    path = Path(path)
    settings = settings or Settings.from_env()
    report = CitationsReport()
    catalog = load_catalog(path)
    entries = [resolve(catalog, r) for r in refs] if refs else [e for e in catalog.entries if e.kind == "paper"]
    todo = []
    seen: set[str] = set()
    for e in entries:
        if e.id in seen:
            continue
        seen.add(e.id)
        if not e.s2_id:
            report.skipped.append(e.id)
        elif e.cited_by and not refresh:
            continue
        else:
            todo.append((e.id, e.s2_id))
    cache = Cache(refresh=refresh, offline=offline)
    src = S2Source(settings, cache, report.stats, sleep=time.sleep if sleep is None else sleep)
    pending: dict[str, list[dict]] = {}

    def flush() -> None:
        if not pending:
            return
        from wsskg.store import editing

        with editing(path) as cat:
            for eid, citing in pending.items():
                e = cat.get(eid)
                if e is None:
                    continue
                e.cited_by = [c["paperId"] for c in citing]
                for c in citing:
                    meta = {k: v for k, v in c.items() if k != "paperId"}
                    cat.external[c["paperId"]] = meta
            _prune_external(cat)
        pending.clear()

    try:
        for n, (eid, pid) in enumerate(todo, 1):
            try:
                pending[eid] = src.citations(pid, limit=limit_per_paper)
                report.filled.append(eid)
            except OfflineMiss:
                report.offline_missing.append(eid)
            except SourceError as err:
                report.failed.append((eid, str(err)))
                if isinstance(err, RateLimited):
                    for rest_id, _ in todo[n:]:
                        report.failed.append((rest_id, "not asked: rate limited earlier in this run"))
                    break
            if progress:
                progress(n, len(todo), eid)
            if n % save_every == 0:
                flush()
        flush()
    finally:
        cache.close()
    return report


# -- wsskg add --------------------------------------------------------------------------------------

def _parse_ref(ref: str) -> tuple[str, str]:
    """``(kind, value)`` for a reference to a paper: arxiv / doi / s2 / title."""
    r = ref.strip()
    ax = arxiv_id_from_url(r)
    if ax:
        return "arxiv", strip_arxiv_version(ax)
    bare = re.sub(r"^arxiv:\s*", "", r, flags=re.I)
    if ARXIV_ID_RE.match(bare):
        return "arxiv", strip_arxiv_version(bare)
    m = _DOI_RE.search(r)
    if m and " " not in m.group(1):
        return "doi", m.group(1)
    if _S2_ID_RE.match(r.lower()):
        return "s2", r.lower()
    if re.match(r"^corpusid:\d+$", r, re.I):
        return "s2", "CorpusId:" + r.split(":", 1)[1]
    m = re.search(r"semanticscholar\.org/paper/(?:[^/]+/)?([0-9a-f]{40})", r, re.I)
    if m:
        return "s2", m.group(1).lower()
    return "title", r


def _existing(catalog: Catalog, arxiv_id: str | None = None, doi: str | None = None, s2: str | None = None,
              title: str | None = None) -> Entry | None:
    norm = normalize_title(title) if title else None
    for e in catalog.entries:
        if arxiv_id and entry_arxiv_id(e) == strip_arxiv_version(arxiv_id):
            return e
        if doi and (entry_doi(e) or "").lower() == doi.lower():
            return e
        if s2 and (e.s2_id or "").lower() == s2.lower():
            return e
        if norm and (normalize_title(e.title) == norm or normalize_title(e.canonical_title or "") == norm):
            return e
    return None


def add_paper(path: Path, ref: str, topic: str | None = None, settings: Settings | None = None,
              sleep: Callable[[float], None] | None = None, offline: bool = False) -> Entry:
    """Add the paper ``ref`` names (arXiv id/URL, DOI, S2 paperId/CorpusId, or exact title) to the
    catalog with its metadata. Raises :class:`WsskgError` if it is already there (same arXiv id,
    DOI, S2 id or normalised title) or cannot be identified with certainty."""
    from wsskg.sources import open_sources
    from wsskg.store import editing, load_catalog

    path = Path(path)
    settings = settings or Settings.from_env()
    kind, value = _parse_ref(ref)
    catalog = load_catalog(path)
    topic_path = _find_topic(catalog, topic) if topic else None
    dup = _existing(catalog, **{{"arxiv": "arxiv_id", "doi": "doi", "s2": "s2", "title": "title"}[kind]: value})
    if dup:
        raise WsskgError(f"already in the catalog as {dup.id} ({dup.display_title})")
    cache = Cache(offline=offline)
    stats = Stats()
    arxiv_src, s2_src = open_sources(settings, cache, stats, sleep=time.sleep if sleep is None else sleep)
    ax_rec = s2_rec = None
    by, score = "id", 100.0
    try:
        if kind == "arxiv":
            ax_rec = arxiv_src.fetch_ids([value]).get(value)
            try:
                s2_rec = s2_src.fetch_batch([f"ARXIV:{value}"]).get(f"ARXIV:{value}")
            except SourceError:
                s2_rec = None  # arXiv's record is enough to add the paper
            if not ax_rec and not s2_rec:
                raise WsskgError(f"arXiv does not know {value}")
        elif kind in ("doi", "s2"):
            key = f"DOI:{value}" if kind == "doi" else value
            s2_rec = s2_src.fetch_batch([key]).get(key)
            if not s2_rec:
                raise WsskgError(f"Semantic Scholar does not know {value}")
        else:
            probe = Entry(id="probe", title=value)
            d = choose(probe, s2_src.search_title(value))
            if d.record:
                s2_rec = d.record
                if s2_rec.get("paperId"):
                    s2_rec = s2_src.fetch_batch([s2_rec["paperId"]]).get(s2_rec["paperId"]) or s2_rec
            elif not d.ambiguous:
                d = choose(probe, arxiv_src.search_title(value))
                ax_rec = d.record
            if not s2_rec and not ax_rec:
                raise WsskgError(f"no paper with the title {value!r} found for certain: {d.reason}")
            by, score = "title", d.score
    except OfflineMiss:
        raise WsskgError(f"{ref!r} is not in the cache (offline)") from None
    finally:
        cache.close()

    rec = s2_rec or ax_rec
    ids = {"arxiv_id": (ax_rec or {}).get("arxiv_id") or (s2_rec or {}).get("arxiv_id"),
           "doi": (s2_rec or {}).get("doi") or (ax_rec or {}).get("doi"),
           "s2": (s2_rec or {}).get("paperId"), "title": rec.get("title")}
    with editing(path) as cat:
        dup = _existing(cat, **ids)
        if dup:
            raise WsskgError(f"already in the catalog as {dup.id} ({dup.display_title})")
        title = rec.get("title") or value
        year = rec.get("year")
        e = Entry(id=unique_id(slugify(title, year), {x.id for x in cat.entries}), title=title,
                  year=year if isinstance(year, int) and 1000 <= year <= 2999 else None,
                  topics=[topic_path] if topic_path else [])
        if ids["arxiv_id"]:
            e.links.append(Link(url=f"https://arxiv.org/abs/{ids['arxiv_id']}", kind="paper"))
        elif ids["doi"]:
            e.links.append(Link(url=f"https://doi.org/{ids['doi']}", kind="paper"))
        apply_records(e, cat, arxiv=ax_rec, s2=s2_rec, by=by, score=score,
                      checked={"arxiv", "s2"})
        cat.entries.append(e)
        _prune_external(cat)
    return e


__all__ = [
    "CitationsReport", "Decision", "EnrichReport", "add_paper", "apply_records", "choose", "concept_like",
    "enrich", "fetch_citations", "id_conflict", "title_score", "venue_key",
]
