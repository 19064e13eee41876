"""What to read next, what the list is missing, and how far you are: pure functions of a Catalog.

* :func:`next_papers` ranks unread papers by personalised PageRank seeded on what you have
  read (and, half as strongly, what you are reading), over citation edges, topic edges and
  outside papers that several catalog papers cite (shared references tie papers together).
  The walk is a few lines of pure Python (no numpy/scipy): at 10,000 papers and 100,000
  citations it converges in well under a second.
* :func:`discover` finds papers outside the catalog that many catalog papers cite (the
  classics the list is missing) or that cite many catalog papers (what came after).
* :func:`stats` is reading progress per topic, papers per year and the most-cited papers.
* :class:`HeldWorks` says whether the catalog already holds a work (by arXiv id, DOI, S2 id,
  title, or a short name it abbreviates): discover never proposes one it holds, even when the
  entry stayed unmatched or sits under a short name.

Every result is a list/dict of plain JSON-able values with a reason a person can read.
"""

from __future__ import annotations

from collections import Counter
from operator import mul
from typing import Iterable

from wsskg.catalog import Catalog, Entry, normalize_title, strip_arxiv_version
from wsskg.errors import WsskgError
from wsskg.graph import (
    CitationIndex, citation_index, entry_url, entry_year, external_url, in_topic, resolve_topic, topic_name,
)

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


# -- personalised PageRank ----------------------------------------------------------------------

def personalized_pagerank(
    n: int,
    arcs: list[tuple[int, int, float]],
    personalization: dict[int, float],
    alpha: float = ALPHA,
    tol: float = 1e-9,
    max_iter: int = 200,
) -> list[float]:
    """PageRank with restarts to ``personalization`` over ``n`` nodes and weighted ``arcs``
    ``(u, v, w)``. Mass at a node without out-arcs restarts too. Pure Python: the update pulls
    along in-arcs with ``sum(map(mul, ...))`` so the inner loop runs in C."""
    if n == 0:
        return []
    out_w = [0.0] * n
    for u, _, w in arcs:
        out_w[u] += w
    in_src: list[list[int]] = [[] for _ in range(n)]
    in_p: list[list[float]] = [[] for _ in range(n)]
    for u, v, w in arcs:
        in_src[v].append(u)
        in_p[v].append(alpha * w / out_w[u])
    total = sum(personalization.values())
    if total <= 0:
        personalization = {i: 1.0 for i in range(n)}
        total = float(n)
    pers = [(i, w / total) for i, w in personalization.items()]
    x = [0.0] * n
    for i, w in pers:
        x[i] = w
    rows = [(v, s, p) for v, (s, p) in enumerate(zip(in_src, in_p)) if s]
    for _ in range(max_iter):
        get = x.__getitem__
        new = [0.0] * n
        for v, s, p in rows:
            new[v] = sum(map(mul, map(get, s), p))
        leak = 1.0 - sum(new)  # restart mass: (1 - alpha) plus what dangling nodes hold
        for i, w in pers:
            new[i] += leak * w
        err = sum(map(abs, map(float.__sub__, new, x)))
        x = new
        if err < tol * n:
            break
    return x


def _walk_graph(catalog: Catalog, idx: CitationIndex) -> tuple[int, list[tuple[int, int, float]], dict[str, int]]:
    """Node numbering and weighted arcs of the recommendation walk."""
    num: dict[str, int] = {}
    for e in catalog.entries:
        num.setdefault("e:" + e.id, len(num))
    arcs: list[tuple[int, int, float]] = []

    def topic_num(path: str) -> int:
        key = "t:" + path
        i = num.get(key)
        if i is None:
            i = num[key] = len(num)
            if "/" in path:
                parent = topic_num(path.rsplit("/", 1)[0])
                arcs.append((i, parent, W_SUBTOPIC))
                arcs.append((parent, i, W_SUBTOPIC))
        return i

    for e in catalog.entries:
        u = num["e:" + e.id]
        for p in e.topics:
            t = topic_num(p)
            arcs.append((u, t, W_TOPIC))
            arcs.append((t, u, W_TOPIC))
    for a, targets in idx.cites.items():
        u = num["e:" + a]
        for b in targets:
            v = num["e:" + b]
            arcs.append((u, v, W_CITES))
            arcs.append((v, u, W_CITED_BY))
    for x, srcs in idx.ext_cited.items():
        if len(srcs) < 2:
            continue  # a dead end teaches the walk nothing
        xi = num["x:" + x] = len(num)
        for a in srcs:
            u = num["e:" + a]
            arcs.append((u, xi, W_SHARED_REF))
            arcs.append((xi, u, W_SHARED_REF))
    return len(num), arcs, num


# -- next ---------------------------------------------------------------------------------------

def _topic_progress(catalog: Catalog) -> dict[str, tuple[int, int]]:
    read: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for e in catalog.entries:
        for p in e.topics:
            total[p] += 1
            if e.status == "read":
                read[p] += 1
    return {p: (read[p], total[p]) for p in total}


def next_papers(catalog: Catalog, limit: int = 10, topic: str | None = None) -> list[dict]:
    """Unread papers to read next, best first.

    Each item: ``id, title, score, reason, reasons, year, venue, topics, url`` plus the evidence
    counts ``read_citing`` (papers you have read that cite it), ``read_cited`` (papers you have
    read that it cites), ``catalog_citing`` (catalog papers that cite it). ``score`` is the
    personalised PageRank relative to a uniform walk (1.0 = average). ``topic`` (a path or
    name) restricts the picks to that topic and its subtopics.
    """
    path = resolve_topic(catalog, topic) if topic else None
    idx = citation_index(catalog)
    n, arcs, num = _walk_graph(catalog, idx)
    seeds = {num["e:" + e.id]: STATUS_SEED[e.status] for e in catalog.entries if e.status in STATUS_SEED}
    has_seeds = bool(seeds)
    pr = personalized_pagerank(n, arcs, seeds)

    candidates = [e for e in catalog.entries if e.status == "unread" and e.kind == "paper"]
    if path:
        candidates = [e for e in candidates if in_topic(e, path)]
    status = {e.id: e.status for e in catalog.entries}
    progress = _topic_progress(catalog)
    order = {e.id: i for i, e in enumerate(catalog.entries)}
    n_entries = max(len(catalog.entries), 1)

    scored = []
    for e in candidates:
        score = pr[num["e:" + e.id]] * n_entries
        citers = idx.cited_by.get(e.id, set())
        read_citing = sum(1 for c in citers if status.get(c) == "read")
        read_cited = sum(1 for c in idx.cites.get(e.id, ()) if status.get(c) == "read")
        scored.append((score, e, read_citing, read_cited, len(citers)))
    scored.sort(key=lambda s: (
        -round(s[0], 9), -s[2], -s[4], -(s[1].citation_count or 0), entry_year(s[1]) or 9999, order[s[1].id]))

    out = []
    for score, e, read_citing, read_cited, n_citing in scored[:limit]:
        reasons = _reasons(e, read_citing, read_cited, n_citing, progress, has_seeds)
        out.append({
            "id": e.id, "title": e.display_title, "score": round(score, 4),
            "reason": "; ".join(reasons[:2]), "reasons": reasons,
            "year": entry_year(e), "venue": e.venue or e.canonical_venue, "topics": list(e.topics),
            "url": entry_url(e), "read_citing": read_citing, "read_cited": read_cited,
            "catalog_citing": n_citing,
        })
    return out


def _reasons(e: Entry, read_citing: int, read_cited: int, n_citing: int,
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


def discover(catalog: Catalog, direction: str = "cited", topic: str | None = None, limit: int = 20) -> list[dict]:
    """Papers outside the catalog, most connected to it first.

    ``direction="cited"``: outside papers that catalog papers cite (the classics the list is
    missing); ``"citing"``: outside papers that cite catalog papers (what came after); never a
    work the catalog holds (:class:`HeldWorks`). With
    ``topic``, only catalog papers in that topic count. Each item: ``s2_id, title, year,
    venue, authors, arxiv_id, doi, citation_count, url, count, catalog_papers, topics,
    evidence, add`` (the command that adds it). Empty when the catalog has no citation data.
    """
    if direction not in ("cited", "citing"):
        raise WsskgError(f"direction must be 'cited' or 'citing', not {direction!r}")
    path = resolve_topic(catalog, topic) if topic else None
    idx = citation_index(catalog)
    links = idx.ext_cited if direction == "cited" else idx.ext_citing
    held = HeldWorks(catalog)
    by_id = catalog.by_id()
    order = {e.id: i for i, e in enumerate(catalog.entries)}

    rows = []
    for sid, ids in links.items():
        if path:
            ids = {i for i in ids if in_topic(by_id[i], path)}
        if not ids:
            continue
        meta = catalog.external.get(sid) or {}
        if held.holds(sid, meta):  # in the list already, under another id, a short name or unmatched
            continue
        year = meta.get("year") if isinstance(meta.get("year"), int) else None
        cc = meta.get("citation_count") if isinstance(meta.get("citation_count"), int) else None
        rows.append((len(ids), sid, meta, year, cc, ids))
    if direction == "cited":
        rows.sort(key=lambda r: (-r[0], -(r[4] or 0), r[3] or 9999, r[1]))
    else:
        rows.sort(key=lambda r: (-r[0], -(r[3] or 0), -(r[4] or 0), r[1]))

    out = []
    for count, sid, meta, year, cc, ids in rows[:limit]:
        members = sorted(ids, key=order.__getitem__)
        out.append(discovered(sid, meta, year, cc, count, direction,
                              [(i, by_id[i].status, by_id[i].topics) for i in members]))
    return out


def discovered(sid: str, meta: dict, year: int | None, citation_count: int | None, count: int,
               direction: str, members: list[tuple[str, str, list[str]]]) -> dict:
    """One proposal of :func:`discover` (and of the index's twin, ``wsskg.index.discover``):
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
