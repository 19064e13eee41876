"""The rules of what to read next and what the list is missing, and how far you are.

The walk and the counting run in the index (``wsskg.index``: ``next_papers`` and
``discover``, asked by the CLI and the library alike); this module holds the rules they
share with the rest of wsskg:

* the walk's weights (:data:`ALPHA`, ``W_*``, :data:`STATUS_SEED`): personalised PageRank
  seeded on what you have read (and, half as strongly, what you are reading), over citation
  edges, topic edges and outside papers that several catalog papers cite;
* :func:`reasons_for` and :func:`discovered`: the words a suggestion or a proposal comes with;
* :class:`HeldWorks`: whether the catalog already holds a work (by arXiv id, DOI, S2 id,
  title, or a short name it abbreviates), so discover never proposes one it holds;
* :func:`stats`: reading progress per topic, papers per year and the most-cited papers.

Every result is a list/dict of plain JSON-able values with a reason a person can read.
"""

from __future__ import annotations

from collections import Counter
from typing import Iterable

from wsskg.catalog import Catalog, Entry, normalize_title, strip_arxiv_version
from wsskg.graph import citation_index, entry_year, external_url, topic_name

#: Random-walk restart probability is 1 - ALPHA. Lower than the web's 0.85 keeps the walk
#: close to what you have read, which is what a reading recommendation wants.
ALPHA = 0.75
#: Edge weights of the walk (relative; each node's out-weights are normalised).
W_CITES = 1.0  # from a paper to a paper it cites
W_CITED_BY = 0.7  # from a paper to a paper that cites it
W_TOPIC = 1.0  # paper <-> its topics
W_SUBTOPIC = 0.3  # topic <-> parent topic
W_SHARED_REF = 0.5  # paper <-> an outside paper it cites (only those cited by 2+ catalog papers)
STATUS_SEED = {"read": 1.0, "reading": 0.5}


def _plural(n: int, word: str) -> str:
    if n == 1:
        return f"{n} {word}"
    if word.endswith("y") and word[-2:-1] not in ("a", "e", "i", "o", "u"):
        return f"{n} {word[:-1]}ies"  # 7161 entries, not entrys
    return f"{n} {word}s"


def reasons_for(e: Entry, read_citing: int, read_cited: int, n_citing: int,
             progress: dict[str, tuple[int, int]], has_seeds: bool) -> list[str]:
    reasons = []
    if read_citing:
        reasons.append(f"cited by {_plural(read_citing, 'paper')} you have read")
    if read_cited:
        reasons.append(f"builds on {_plural(read_cited, 'paper')} you have read")
    best = None
    for p in e.topics:
        r, t = progress.get(p, (0, 0))
        key = (r > 0, r / t if t else 0.0, r)
        if best is None or key > best[0]:
            best = (key, p, r, t)
    if n_citing >= 2:
        where = f" in topic {topic_name(best[1])}" if best else " in the catalog"
        reasons.append(f"foundational{where}: {n_citing} catalog papers cite it")
    if best:
        _, p, r, t = best
        if r:
            reasons.append(f"in topic {topic_name(p)}, where you have read {r} of {t}")
        elif has_seeds:
            reasons.append(f"in topic {topic_name(p)}, which you have not started ({_plural(t, 'entry')})")
        else:
            reasons.append(f"in topic {topic_name(p)} ({_plural(t, 'entry')}); nothing is marked read yet")
    if not reasons:
        reasons.append("well connected to what you have read" if has_seeds else "central in the catalog")
    return reasons


# -- discover -----------------------------------------------------------------------------------

class HeldWorks:
    """The works a catalog holds, to never propose one of them again.

    A work is held when an entry has its S2 id, arXiv id (never a link marked ``wrong_link``)
    or DOI, its title (normalised, spaces and hyphens ignored, three words at least; the
    list's or the canonical one), or when a short-named entry ("DSRG", with a year) names or
    abbreviates its title and the years agree.
    """

    MIN_TITLE_WORDS = 3

    def __init__(self, catalog: "Catalog | Iterable[Entry]"):
        """From a catalog, or from its entries (``wsskg.index`` can pass them without loading
        the whole catalog)."""
        from wsskg.enrich.matching import entry_arxiv_id, entry_doi, short_name

        self.ids: set[str] = set()
        self.titles: set[str] = set()
        self.names: list[tuple[str, int | None]] = []
        for e in (catalog.entries if isinstance(catalog, Catalog) else catalog):
            if e.kind != "paper":
                continue
            if e.s2_id:
                self.ids.add("s2:" + e.s2_id.lower())
            ax, doi = entry_arxiv_id(e), entry_doi(e)
            if ax:
                self.ids.add("ax:" + ax.lower())
            if doi:
                self.ids.add("doi:" + doi.lower())
            for t in (e.title, e.canonical_title):
                key = self._title_key(t)
                if key:
                    self.titles.add(key)
            name = short_name(e)
            if name and not e.s2_id:
                self.names.append((name, e.year))

    @classmethod
    def _title_key(cls, title: str | None) -> str | None:
        norm = normalize_title(title or "")
        return norm.replace(" ", "") if len(norm.split()) >= cls.MIN_TITLE_WORDS else None

    def holds(self, s2_id: str | None, meta: dict) -> bool:
        """Whether the outside paper ``s2_id`` (with its ``meta``: title, year, arxiv_id, doi) is held."""
        if s2_id and "s2:" + s2_id.lower() in self.ids:
            return True
        if meta.get("arxiv_id") and "ax:" + strip_arxiv_version(str(meta["arxiv_id"])).lower() in self.ids:
            return True
        if meta.get("doi") and "doi:" + str(meta["doi"]).lower() in self.ids:
            return True
        key = self._title_key(meta.get("title"))
        if key and key in self.titles:
            return True
        if self.names and meta.get("title"):
            from wsskg.enrich.matching import names_paper

            year = meta.get("year")
            for name, y in self.names:
                if (y is None or year is None or y == year) and names_paper(name, {"title": meta["title"]}):
                    return True
        return False


def add_command(s2_id: str, meta: dict) -> str:
    """The ``wsskg add`` command line that adds an outside paper to the catalog."""
    if meta.get("arxiv_id"):
        return f"wsskg add arXiv:{strip_arxiv_version(str(meta['arxiv_id']))}"
    if meta.get("doi"):
        return f"wsskg add {meta['doi']}"
    return f"wsskg add {s2_id}"


def discovered(sid: str, meta: dict, year: int | None, citation_count: int | None, count: int,
               direction: str, members: list[tuple[str, str, list[str]]]) -> dict:
    """One proposal of ``wsskg.index.discover``:
    the outside paper ``sid`` with its evidence. ``members`` are the catalog papers it is
    linked to, in catalog order, as ``(id, status, topic paths)``."""
    topics = Counter(topic_name(p) for _, _, paths in members for p in paths)
    top = [t for t, _ in sorted(topics.items(), key=lambda kv: (-kv[1], kv[0]))[:3]]
    n_read = sum(1 for _, status, _ in members if status == "read")
    evidence = f"{'cited by' if direction == 'cited' else 'cites'} {_plural(count, 'catalog paper')}"
    if top:
        evidence += " in " + ", ".join(top)
    if n_read:
        evidence += f" ({n_read} of them read)"
    authors = meta.get("authors") or []
    return {
        "s2_id": sid, "title": str(meta.get("title") or sid), "year": year,
        "venue": meta.get("venue") or None,
        "authors": [str(a.get("name", a)) if isinstance(a, dict) else str(a) for a in authors],
        "arxiv_id": meta.get("arxiv_id") or None, "doi": meta.get("doi") or None,
        "citation_count": citation_count, "url": external_url(sid, meta), "count": count,
        "catalog_papers": [i for i, _, _ in members], "topics": top, "evidence": evidence,
        "add": add_command(sid, meta),
    }


# -- stats --------------------------------------------------------------------------------------

def stats(catalog: Catalog, most_cited: int = 10) -> dict:
    """Reading progress and shape of the catalog.

    ``totals`` (entries, papers, read/reading/unread), ``topics`` (per topic in catalog order:
    path, name, depth, read, reading, total, counting subtopics' entries once), ``years``
    (``[[year, papers], ...]`` ascending; ``papers_without_year`` are not in it), ``most_cited`` (catalog papers by how many catalog
    papers cite them, then by their global citation count), ``citation_edges`` and ``external``.
    """
    idx = citation_index(catalog)
    status_count = Counter(e.status for e in catalog.entries)
    totals = {
        "entries": len(catalog.entries),
        "papers": sum(1 for e in catalog.entries if e.kind == "paper"),
        "read": status_count.get("read", 0),
        "reading": status_count.get("reading", 0),
        "unread": status_count.get("unread", 0),
    }
    declared = [t.path for t in catalog.topics]
    seen = set(declared)
    for e in catalog.entries:
        for p in e.topics:
            if p not in seen:
                seen.add(p)
                declared.append(p)
    members: dict[str, set[str]] = {p: set() for p in declared}
    status = {e.id: e.status for e in catalog.entries}
    for e in catalog.entries:
        for p in e.topics:
            q = p
            while True:
                if q in members:
                    members[q].add(e.id)
                if "/" not in q:
                    break
                q = q.rsplit("/", 1)[0]
    topics = []
    for p in declared:
        ids = members[p]
        t = catalog.topic(p)
        topics.append({
            "path": p, "name": t.name if t else topic_name(p), "depth": p.count("/"),
            "read": sum(1 for i in ids if status[i] == "read"),
            "reading": sum(1 for i in ids if status[i] == "reading"),
            "total": len(ids),
        })
    years = Counter(entry_year(e) for e in catalog.entries if e.kind == "paper")
    years.pop(None, None)

    ranked = sorted(
        catalog.entries,
        key=lambda e: (-len(idx.cited_by.get(e.id, ())), -(e.citation_count or 0)),
    )
    top = [
        {"id": e.id, "title": e.display_title, "year": entry_year(e), "status": e.status,
         "catalog_citing": len(idx.cited_by.get(e.id, ())), "citation_count": e.citation_count}
        for e in ranked
        if idx.cited_by.get(e.id) or e.citation_count
    ][:most_cited]
    return {
        "title": catalog.title,
        "totals": totals,
        "topics": topics,
        "years": [[y, c] for y, c in sorted(years.items())],
        "most_cited": top,
        "papers_without_year": sum(1 for e in catalog.entries if e.kind == "paper" and entry_year(e) is None),
        "citation_edges": idx.internal_edges,
        "external": len(set(idx.ext_cited) | set(idx.ext_citing)),
    }
