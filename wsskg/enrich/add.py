"""``wsskg add``: one paper by arXiv id/URL, DOI, S2 paperId/CorpusId or exact title."""

from __future__ import annotations

import datetime
import re
import time
from pathlib import Path
from typing import Callable

from wsskg.catalog import ARXIV_ID_RE, Catalog, Entry, Link, arxiv_id_from_url, normalize_title, slugify, \
    strip_arxiv_version, unique_id
from wsskg.enrich.matching import choose, entry_arxiv_id, entry_doi
from wsskg.enrich.planning import find_topic
from wsskg.enrich.writer import apply_records, prune_external
from wsskg.errors import SourceError, WsskgError
from wsskg.sources.http import Cache, OfflineMiss, Settings, Stats

_DOI_RE = re.compile(r"(?:doi\.org/|^doi:\s*|^)(10\.\d{4,9}/\S+)$", re.I)
_S2_ID_RE = re.compile(r"^[0-9a-f]{40}$")


def parse_ref(ref: str) -> tuple[str, str]:
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


def existing(catalog: Catalog, arxiv_id: str | None = None, doi: str | None = None, s2: str | None = None,
             title: str | None = None) -> Entry | None:
    """The entry holding this arXiv id, DOI, S2 id or normalised title, if any."""
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
              sleep: Callable[[float], None] | None = None, offline: bool = False,
              notes: list[str] | None = None, today: str | None = None) -> Entry:
    """Add the paper ``ref`` names (arXiv id/URL, DOI, S2 paperId/CorpusId, or exact title) to the
    catalog with its metadata, ``notes`` (``wsskg watch --add`` keeps its evidence there) and
    the date it was added (``today``, default the local date; for ``export --since``). Raises
    :class:`WsskgError` if it is already there (same arXiv id, DOI, S2 id or normalised title)
    or cannot be identified with certainty."""
    from wsskg.sources import open_sources
    from wsskg.store import editing, load_catalog

    path = Path(path)
    settings = settings or Settings.from_env()
    kind, value = parse_ref(ref)
    catalog = load_catalog(path)
    topic_path = find_topic(catalog, topic) if topic else None
    dup = existing(catalog, **{{"arxiv": "arxiv_id", "doi": "doi", "s2": "s2", "title": "title"}[kind]: value})
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
            # the closest title first (one small answer), confirmed by our own check since
            # matchScore is unbounded; else the relevance search's ten candidates
            d = choose(probe, s2_src.match_title(value))
            if not d.record:
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
        dup = existing(cat, **ids)
        if dup:
            raise WsskgError(f"already in the catalog as {dup.id} ({dup.display_title})")
        title = rec.get("title") or value
        year = rec.get("year")
        e = Entry(id=unique_id(slugify(title, year), {x.id for x in cat.entries}), title=title,
                  year=year if isinstance(year, int) and 1000 <= year <= 2999 else None,
                  topics=[topic_path] if topic_path else [], notes=list(notes or []),
                  added=today or datetime.date.today().isoformat())
        if ids["arxiv_id"]:
            e.links.append(Link(url=f"https://arxiv.org/abs/{ids['arxiv_id']}", kind="paper"))
        elif ids["doi"]:
            e.links.append(Link(url=f"https://doi.org/{ids['doi']}", kind="paper"))
        apply_records(e, cat, arxiv=ax_rec, s2=s2_rec, by=by, score=score,
                      checked={"arxiv", "s2"})
        cat.entries.append(e)
        prune_external(cat)
    return e
