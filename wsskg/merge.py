"""Merge one catalog into another without losing anything the base catalog says.

``merge_into(base, incoming)`` is what ``wsskg import --merge`` (Markdown or BibTeX) runs:

* An incoming entry is the *same paper* as a base entry when they share an arXiv id (version
  ignored), a DOI (case ignored), a Semantic Scholar id, or a normalised title
  (:func:`wsskg.catalog.normalize_title`, also against ``canonical_title``), and
  :func:`wsskg.identity.conflict` finds nothing that makes them certainly different works
  (different arXiv ids, years more than one apart, different venues or names, clearly different
  titles on one arXiv id). A ``not_same`` decision in base (``wsskg split``) keeps two apart.
* Matched entries are merged into the base entry. Base values are never overwritten: topics,
  links (an arXiv URL counts as present when the base already links the same arXiv paper),
  notes, results for other tables, mentions, aliases (the incoming id), references and cited-by
  lists are *added*; empty scalar
  fields (ids, venue, year, authors when base has none, abstract, canonical fields, citation
  count) are *filled*. **Status** follows one rule: the base status is kept unless it is
  ``unread``, in which case the incoming status (``reading`` or ``read``) and its ``read_on``
  are taken -- merging never marks a paper less read than either side says.
* An entry that matches and brings nothing new is *skipped*; one that brings something is
  *merged*; one that matches nothing is *added* (a copy) with an id unique within base (its
  own id when free, else ``id-b``, ``id-c``...).
* Incoming topics missing from base are appended to ``base.topics`` in incoming order,
  parents before children (a missing parent is created). Incoming ``external`` papers fill missing keys of ``base.external``.

Entries matched later in the same run can match entries added earlier in the run, so
duplicates inside ``incoming`` end up merged as well.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from wsskg.identity import conflict, same_work, titles_agree
from wsskg.catalog import (
    STATUS_RANK,
    Catalog,
    Entry,
    Link,
    Topic,
    arxiv_id_from_url,
    normalize_title,
    strip_arxiv_version,
    unique_id,
)



@dataclass
class Outcome:
    """What happened to one incoming entry, in incoming order."""

    action: str  # "added" | "merged" | "skipped"
    incoming_id: str  # the id the entry had in ``incoming``
    base_id: str  # the id it has in base now (new id for "added")
    title: str  # the incoming entry's title
    reason: str = ""  # "same arXiv id 1805.04574", "same DOI ...", "same title"; "" for added
    changes: list[str] = field(default_factory=list)  # "topics", "links", ... that merge added


@dataclass
class MergeReport:
    """The result of :func:`merge_into`.

    ``added``: ids (in base) of the entries added; ``merged``: ``(base_id, incoming title)``
    pairs for entries that matched and added something to the base entry; ``skipped``: the
    same pairs for entries that matched but had nothing new. ``outcomes`` holds one
    :class:`Outcome` per incoming entry (with the match reason) for detailed output.
    """

    added: list[str] = field(default_factory=list)
    merged: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    topics_added: list[str] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)

    def summary(self) -> str:
        """One line, e.g. ``added 47, merged 3, skipped 2 (already present); 5 new topics``."""
        s = f"added {len(self.added)}, merged {len(self.merged)}, skipped {len(self.skipped)} (already present)"
        if self.topics_added:
            s += f"; {len(self.topics_added)} new topic{'s' if len(self.topics_added) != 1 else ''}"
        return s

    def lines(self) -> list[str]:
        """One human line per incoming entry that matched or was renamed (for ``--verbose``)."""
        out = []
        for o in self.outcomes:
            if o.action == "added":
                if o.base_id != o.incoming_id:
                    out.append(f"added {o.title!r} as {o.base_id} (id {o.incoming_id} was taken)")
            elif o.action == "merged":
                out.append(f"merged {o.title!r} into {o.base_id} ({o.reason}): added {', '.join(o.changes)}")
            else:
                out.append(f"skipped {o.title!r}: already present as {o.base_id} ({o.reason})")
        return out


# -- matching --------------------------------------------------------------------------------------

def _arxiv(e: Entry) -> str | None:
    return strip_arxiv_version(e.arxiv_id).lower() if e.arxiv_id else None


def _doi(e: Entry) -> str | None:
    return e.doi.strip().lower() if e.doi and e.doi.strip() else None


def _titles(e: Entry) -> set[str]:
    out = {normalize_title(t) for t in (e.title, e.canonical_title) if t}
    return {t for t in out if t}


def _year(e: Entry) -> int | None:
    return e.canonical_year or e.year


class _Index:
    """Lookup of base entries by arXiv id, DOI, S2 id and normalised title."""

    def __init__(self, entries: list[Entry], decisions: list[dict] | None = None):
        self.not_same = [tuple(d["not_same"]) for d in decisions or [] if "not_same" in d]
        self.arxiv: dict[str, list[Entry]] = {}
        self.doi: dict[str, list[Entry]] = {}
        self.s2: dict[str, Entry] = {}
        self.title: dict[str, list[Entry]] = {}
        for e in entries:
            self.add(e)

    def add(self, e: Entry) -> None:
        if _arxiv(e):
            self.arxiv.setdefault(_arxiv(e), []).append(e)
        if _doi(e):
            self.doi.setdefault(_doi(e), []).append(e)
        if e.s2_id:
            self.s2.setdefault(e.s2_id, e)
        for t in _titles(e):
            bucket = self.title.setdefault(t, [])
            if e not in bucket:
                bucket.append(e)

    def find(self, e: Entry) -> tuple[Entry, str] | None:
        hit = self._find(e)
        if hit is not None and self.apart(hit[0], e):
            return None
        return hit

    def apart(self, a: Entry, b: Entry) -> bool:
        """Did the user decide these are different works (``wsskg split``/``not-same``)?"""
        na = {a.id, *a.aliases, *(m.key for m in a.mentions)}
        nb = {b.id, *b.aliases, *(m.key for m in b.mentions)}
        return any((x in na and y in nb) or (x in nb and y in na) for x, y in self.not_same)

    def _find(self, e: Entry) -> tuple[Entry, str] | None:
        ax = _arxiv(e)
        cand = _pick(self.arxiv.get(ax, []), e) if ax else None
        if cand is not None:
            return cand, f"same arXiv id {ax}"
        doi = _doi(e)
        cand = self.doi[doi][0] if doi and doi in self.doi else None
        if cand is not None:
            return cand, f"same DOI {e.doi}"
        if e.s2_id and e.s2_id in self.s2:
            return self.s2[e.s2_id], f"same Semantic Scholar id {e.s2_id}"
        for t in _titles(e):
            for cand in self.title.get(t, []):
                if conflict(cand, e):
                    continue
                return cand, "same title"
        return None


def _pick(cands: list[Entry], e: Entry) -> Entry | None:
    """The candidate sharing an id with ``e`` that is not certainly a different work
    (:func:`wsskg.identity.conflict`) and whose title or names agree: real lists carry wrong links (the seed list points
    FickleNet at CIAN's arXiv id), so a shared id alone is not enough."""
    agreeing = [c for c in cands if not conflict(c, e) and (
        titles_agree(c.title, e.title) or same_work(c, e) is not None)]
    return agreeing[0] if agreeing else None


def find_duplicate(entries: list[Entry], entry: Entry) -> tuple[Entry, str] | None:
    """The entry of ``entries`` that is the same paper as ``entry`` and why, else None."""
    return _Index(entries).find(entry)


# -- merging one entry -------------------------------------------------------------------------------

def _link_key(url: str) -> str:
    ax = arxiv_id_from_url(url)
    if ax:
        return "arxiv:" + strip_arxiv_version(ax).lower()
    u = url.strip()
    if "://" in u:
        scheme, rest = u.split("://", 1)
        host, _, path = rest.partition("/")
        host = host.lower().removeprefix("www.")
        u = f"{host}/{path}"
    return u.rstrip("/")


def merge_entry(base: Entry, incoming: Entry) -> list[str]:
    """Add what ``incoming`` knows and ``base`` lacks to ``base``; returns the names of the
    fields that changed (empty when nothing was new). Never overwrites a base value, except
    the status rule documented in the module docstring."""
    changed: list[str] = []

    new_topics = [t for t in incoming.topics if t not in base.topics]
    if new_topics:
        base.topics.extend(new_topics)
        changed.append("topics")

    have = {_link_key(ln.url) for ln in base.links}
    new_links = []
    for ln in incoming.links:
        key = _link_key(ln.url)
        if key not in have:
            have.add(key)
            new_links.append(Link(url=ln.url, label=ln.label, kind=ln.kind))
    if new_links:
        base.links.extend(new_links)
        changed.append("links")

    # provenance, recorded but not counted as news: where else the work is mentioned
    names = {base.id, *base.aliases}
    base.aliases.extend(a for a in dict.fromkeys(incoming.aliases) if a not in names)
    have_mentions = {(m.doc, m.line, m.text) for m in base.mentions}
    base.mentions.extend(copy.deepcopy(m) for m in incoming.mentions
                         if (m.doc, m.line, m.text) not in have_mentions)
    if not base.short_name and incoming.short_name:
        base.short_name = incoming.short_name
        changed.append("short_name")

    new_notes = [n for n in incoming.notes if n not in base.notes]
    if new_notes:
        base.notes.extend(new_notes)
        changed.append("notes")

    tables = {r.table for r in base.results}
    new_results = [copy.deepcopy(r) for r in incoming.results if r.table not in tables]
    if new_results:
        base.results.extend(new_results)
        changed.append("results")

    for name in (
        "arxiv_id", "doi", "s2_id", "venue", "year", "abstract", "canonical_title",
        "canonical_venue", "canonical_year", "citation_count",
    ):
        if getattr(base, name) in (None, "") and getattr(incoming, name) not in (None, ""):
            setattr(base, name, getattr(incoming, name))
            changed.append(name)
    if not base.title and incoming.title:
        base.title = incoming.title
        changed.append("title")
    if not base.authors and incoming.authors:
        base.authors = list(incoming.authors)
        changed.append("authors")

    if base.status == "unread" and STATUS_RANK.get(incoming.status, 0) > 0:
        base.status = incoming.status
        changed.append("status")
        if incoming.read_on and not base.read_on:
            base.read_on = incoming.read_on
    elif incoming.read_on and not base.read_on and base.status == incoming.status != "unread":
        base.read_on = incoming.read_on
        changed.append("read_on")

    new_match = {k: v for k, v in incoming.match.items() if k not in base.match}
    if new_match:
        base.match.update(new_match)
        changed.append("match")
    for name in ("references", "cited_by"):
        mine = getattr(base, name)
        extra = [x for x in getattr(incoming, name) if x not in mine]
        if extra:
            mine.extend(extra)
            changed.append(name)
    return changed


# -- merging catalogs -----------------------------------------------------------------------------------

def _ensure_topic(base: Catalog, path: str, incoming: Catalog, known: set[str], report: MergeReport) -> None:
    if path in known:
        return
    parent = path.rsplit("/", 1)[0] if "/" in path else None
    if parent:
        _ensure_topic(base, parent, incoming, known, report)
    src = incoming.topic(path)
    if src is not None:
        topic = copy.deepcopy(src)
    else:
        topic = Topic(path=path, name=path.rsplit("/", 1)[-1], level=min(2 + path.count("/"), 6))
    base.topics.append(topic)
    known.add(path)
    report.topics_added.append(path)


def merge_into(base: Catalog, incoming: Catalog, source: str = "merged") -> MergeReport:
    """Merge ``incoming`` into ``base`` in place (see the module docstring for the rules).

    Incoming mentions are marked as coming from ``source`` (they are lines of another file, not
    of the list ``base`` was imported from); the user's decisions in ``base`` are respected."""
    incoming = copy.deepcopy(incoming)
    for e in incoming.entries:
        for m in e.mentions:
            m.doc = m.doc or source
    report = MergeReport()
    known = {t.path for t in base.topics}
    for t in incoming.topics:  # incoming's order; _ensure_topic puts parents first
        _ensure_topic(base, t.path, incoming, known, report)
    for e in incoming.entries:
        for t in e.topics:
            _ensure_topic(base, t, incoming, known, report)

    index = _Index(base.entries, base.decisions)
    taken = {e.id for e in base.entries} | {a for e in base.entries for a in e.aliases}
    for inc in incoming.entries:
        hit = index.find(inc)
        if hit is None:
            new = copy.deepcopy(inc)
            new.id = unique_id(inc.id, taken)
            base.entries.append(new)
            index.add(new)
            report.added.append(new.id)
            report.outcomes.append(Outcome("added", inc.id, new.id, inc.display_title))
            continue
        target, reason = hit
        changes = merge_entry(target, inc)
        index.add(target)  # it may have gained ids or a title
        pair = (target.id, inc.display_title)
        if changes:
            report.merged.append(pair)
            report.outcomes.append(Outcome("merged", inc.id, target.id, inc.display_title, reason, changes))
        else:
            report.skipped.append(pair)
            report.outcomes.append(Outcome("skipped", inc.id, target.id, inc.display_title, reason))

    for key, value in incoming.external.items():
        base.external.setdefault(key, copy.deepcopy(value))
    return report
