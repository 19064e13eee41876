"""Planning: which entries to enrich and what to ask for each, before any request.

:func:`plan` turns the catalog into :class:`Work` items: entries with an id (arXiv id, DOI,
S2 id, from the fields or the links) are looked up by id; entries with only a title are
matched by title, unless the title reads like a concept; a title that is a short name
("FickleNet", "DSRG") is looked up by that name when the list gives a year or venue. Code repositories and resources are
skipped, and so are entries already enriched from the wanted sources (unless ``refresh``).
:func:`request_floor` says how many requests a plan needs at least, from the sources' own
chunk sizes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from wsskg.catalog import Catalog, Entry, normalize_title, resolve
from wsskg.enrich.matching import concept_like, entry_arxiv_id, entry_doi, s2_key, short_name, venue_key
from wsskg.enrich.writer import sources_of
from wsskg.errors import WsskgError

SOURCES = ("arxiv", "s2", "all")


@dataclass
class Work:
    """One entry's way through a run: what to ask, and what came back."""

    entry_id: str
    arxiv_id: str | None = None
    doi: str | None = None
    s2_key: str | None = None
    title_only: bool = False
    name: str | None = None  # looked up by this short name ("FickleNet") instead of the title
    wrong: dict | None = None  # a link of the list found to name another paper (-> Entry.wrong_link)
    arxiv: dict | None = None
    s2: dict | None = None
    by: str | None = None
    score: float | None = None
    checked: set[str] = field(default_factory=set)
    conflict: str | None = None
    failed: str | None = None
    offline_miss: bool = False
    unmatched: str | None = None


@dataclass
class Plan:
    wanted: set[str]
    works: list[Work] = field(default_factory=list)
    skipped: dict[str, list[str]] = field(default_factory=dict)  # reason -> entry ids

    def skip(self, reason: str, entry_id: str) -> None:
        self.skipped.setdefault(reason, []).append(entry_id)

    @property
    def use_arxiv(self) -> bool:
        return "arxiv" in self.wanted

    @property
    def use_s2(self) -> bool:
        return "s2" in self.wanted

    @property
    def title_works(self) -> list[Work]:
        return [w for w in self.works if w.title_only]

    @property
    def arxiv_works(self) -> list[Work]:
        return [w for w in self.works if w.arxiv_id and self.use_arxiv]


def wanted_sources(source: str) -> set[str]:
    if source not in SOURCES:
        raise WsskgError(f"unknown source {source!r} (expected one of {', '.join(SOURCES)})")
    return {"arxiv", "s2"} if source == "all" else {source}


def already_done(e: Entry, wanted: set[str]) -> bool:
    """Enriched before from every wanted source (or they were asked and had nothing)."""
    if not e.match or e.match.get("partial"):
        return False
    return wanted <= (sources_of(e.match) | set(e.match.get("checked") or []))


def find_topic(catalog: Catalog, topic: str) -> str:
    """The topic path ``topic`` names (full path, name or last path part)."""
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


def select(catalog: Catalog, topic: str | None, only: list[str] | None) -> list[Entry]:
    """The entries a run covers: all, those under ``topic``, and/or those ``only`` names."""
    entries = list(catalog.entries)
    if topic:
        entries = catalog.entries_in(find_topic(catalog, topic), recursive=True)
    if only:
        chosen: list[Entry] = []
        for ref in only:
            e = resolve(catalog, ref)
            if e not in chosen:
                chosen.append(e)
        keep = {id(e) for e in chosen}
        entries = [e for e in entries if id(e) in keep] if topic else chosen
    return entries


def plan(catalog: Catalog, source: str = "all", topic: str | None = None, only: list[str] | None = None,
         refresh: bool = False) -> Plan:
    """What a run asks for; see the module docstring."""
    p = Plan(wanted=wanted_sources(source))
    for e in select(catalog, topic, only):
        if e.kind != "paper":
            p.skip(f"not a paper ({e.kind})", e.id)
            continue
        if not refresh and already_done(e, p.wanted):
            p.skip("already enriched", e.id)
            continue
        w, why = make_work(e, p.use_s2)
        if w is None:
            p.skip(why, e.id)
            continue
        p.works.append(w)
    return p


def make_work(e: Entry, use_s2: bool = True) -> tuple[Work | None, str | None]:
    """What to ask for one entry: by id (arXiv id, DOI, S2 id; never a wrong link's), else by
    title, else by short name ("FickleNet" with its year or venue); or why not at all."""
    ax, doi = entry_arxiv_id(e), entry_doi(e)
    w = Work(e.id, arxiv_id=ax, doi=doi, s2_key=s2_key(e, ax, doi))
    if not (ax or doi or e.s2_id):
        w.title_only = True
        name = short_name(e)
        full = len(normalize_title(e.title).split()) >= 3  # a real title beats a name
        if name and not full and (e.year or venue_key(e.venue)):
            w.name = name
            return w, None
        why = concept_like(e)
        if why:
            return None, why
    elif not use_s2 and not ax:
        return None, "no arXiv id and only a DOI/S2 id (use --source s2 or all)"
    return w, None


def progress_steps(p: Plan) -> int:
    """Progress ticks a run of this plan makes: one per title lookup and per id chunk."""
    from wsskg.sources.arxiv import CHUNK as ARXIV_CHUNK
    from wsskg.sources.s2 import CHUNK as S2_CHUNK

    titles = len(p.title_works)
    by_id = len(p.works) - titles
    return (titles + math.ceil(len(p.arxiv_works) / ARXIV_CHUNK)
            + (math.ceil(by_id / S2_CHUNK) + (1 if titles else 0) if p.use_s2 else 0))
