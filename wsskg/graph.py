"""The catalog as a graph: papers, topics and the outside papers they cite, as networkx.

Nodes are named ``e:<entry id>`` (catalog entries), ``t:<topic path>`` (topics) and
``x:<S2 paperId>`` (papers outside the catalog that catalog papers cite or are cited by).
Edges carry ``relation``: ``cites`` (paper -> paper), ``in_topic`` (entry -> topic) and
``subtopic_of`` (topic -> parent topic). Every attribute is a str, int, float or bool and
never None, so the GraphML and GEXF writers accept the graph as it is.

The citation bookkeeping (which S2 ids are catalog entries, which outside papers cite or
are cited by which entries) lives in :func:`citation_index`, shared with ``wsskg.recommend``
so the recommenders need not build a networkx graph at all.

An un-enriched catalog has no citation data; the graph then has topic edges only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable

from wsskg.catalog import Catalog, Entry, strip_arxiv_version, topic_name

if TYPE_CHECKING:  # networkx is imported lazily: `wsskg --help` must stay fast
    import networkx as nx

ENTRY, TOPIC, EXTERNAL = "entry", "topic", "external"
CITES, IN_TOPIC, SUBTOPIC_OF = "cites", "in_topic", "subtopic_of"


def entry_node(entry_id: str) -> str:
    return f"e:{entry_id}"


def topic_node(path: str) -> str:
    return f"t:{path}"


def external_node(s2_id: str) -> str:
    return f"x:{s2_id}"


# -- small helpers shared with recommend and the exporters ------------------------------------------

def entry_year(e: Entry) -> int | None:
    y = e.year if e.year is not None else e.canonical_year
    try:
        return int(y) if y is not None else None
    except (TypeError, ValueError):
        return None


def entry_url(e: Entry) -> str:
    """The best single URL for an entry: an abstract page, then a PDF, then anything."""
    for kind in ("paper", "pdf", "code", "web", "video"):
        for link in e.links:
            if link.kind == kind and link.url:
                return link.url
    if e.arxiv_id:
        return f"https://arxiv.org/abs/{strip_arxiv_version(e.arxiv_id)}"
    if e.doi:
        return f"https://doi.org/{e.doi}"
    if e.s2_id:
        return f"https://www.semanticscholar.org/paper/{e.s2_id}"
    return ""


def external_url(s2_id: str, meta: dict) -> str:
    if meta.get("arxiv_id"):
        return f"https://arxiv.org/abs/{strip_arxiv_version(str(meta['arxiv_id']))}"
    if meta.get("doi"):
        return f"https://doi.org/{meta['doi']}"
    return f"https://www.semanticscholar.org/paper/{s2_id}"


def in_topic(e: Entry, path: str) -> bool:
    pre = path + "/"
    return any(t == path or t.startswith(pre) for t in e.topics)


# -- citations ------------------------------------------------------------------------------------

@dataclass
class CitationIndex:
    """Citation facts of a catalog, by entry id and outside S2 id.

    ``cites[a]``: catalog entries that entry ``a`` cites; ``cited_by[b]``: entries that cite ``b``.
    ``ext_cited[x]``: entries that cite outside paper ``x``; ``ext_citing[x]``: entries that
    outside paper ``x`` cites.
    """

    cites: dict[str, set[str]] = field(default_factory=dict)
    cited_by: dict[str, set[str]] = field(default_factory=dict)
    ext_cited: dict[str, set[str]] = field(default_factory=dict)
    ext_citing: dict[str, set[str]] = field(default_factory=dict)

    @property
    def internal_edges(self) -> int:
        return sum(len(v) for v in self.cites.values())

    @property
    def has_citations(self) -> bool:
        return bool(self.cites or self.ext_cited or self.ext_citing)


def s2_to_entry(catalog: Catalog) -> dict[str, str]:
    """S2 paperId -> entry id, also for outside records that are really a catalog paper
    (same arXiv id or DOI), so a paper is never both inside and outside."""
    out: dict[str, str] = {}
    by_arxiv: dict[str, str] = {}
    by_doi: dict[str, str] = {}
    for e in catalog.entries:
        if e.s2_id:
            out.setdefault(e.s2_id, e.id)
        if e.arxiv_id:
            by_arxiv.setdefault(strip_arxiv_version(e.arxiv_id).lower(), e.id)
        if e.doi:
            by_doi.setdefault(e.doi.lower(), e.id)
    if by_arxiv or by_doi:
        for sid, meta in catalog.external.items():
            if sid in out:
                continue
            ax = meta.get("arxiv_id")
            doi = meta.get("doi")
            hit = (by_arxiv.get(strip_arxiv_version(str(ax)).lower()) if ax else None) or (
                by_doi.get(str(doi).lower()) if doi else None)
            if hit:
                out[sid] = hit
    return out


def citation_index(catalog: Catalog) -> CitationIndex:
    idx = CitationIndex()
    inside = s2_to_entry(catalog)
    for e in catalog.entries:
        for ref in e.references:
            target = inside.get(ref)
            if target is not None:
                if target != e.id:
                    idx.cites.setdefault(e.id, set()).add(target)
                    idx.cited_by.setdefault(target, set()).add(e.id)
            else:
                idx.ext_cited.setdefault(ref, set()).add(e.id)
        for citer in e.cited_by:
            source = inside.get(citer)
            if source is not None:
                if source != e.id:
                    idx.cites.setdefault(source, set()).add(e.id)
                    idx.cited_by.setdefault(e.id, set()).add(source)
            else:
                idx.ext_citing.setdefault(citer, set()).add(e.id)
    return idx


# -- the networkx graph -----------------------------------------------------------------------------

def _clean(attrs: dict[str, Any]) -> dict[str, Any]:
    """Scalar attributes only, None dropped (GraphML/GEXF cannot write None)."""
    out: dict[str, Any] = {}
    for k, v in attrs.items():
        if v is None:
            continue
        if v.__class__ in _SCALARS or isinstance(v, (bool, int, float, str)):  # the exact types first: cheap
            out[k] = v
        else:
            out[k] = str(v)
    return out


_SCALARS = frozenset((str, int, bool, float))


def entry_attrs(e: Entry) -> dict[str, Any]:
    venue = e.venue or e.canonical_venue or ""
    return _clean({
        "node_type": ENTRY,
        "label": e.id,
        "title": e.display_title,
        "status": e.status,
        "read": e.status == "read",
        "kind": e.kind,
        "year": entry_year(e),
        "venue": venue,
        "topic": e.topics[0] if e.topics else "",
        "topics": "; ".join(e.topics),
        "url": entry_url(e),
        "links": "\n".join(link.url for link in e.links),
        "arxiv_id": e.arxiv_id or "",
        "doi": e.doi or "",
        "s2_id": e.s2_id or "",
        "citation_count": e.citation_count if isinstance(e.citation_count, int) else None,
    })


def build_graph(catalog: Catalog, include_external: bool = True) -> "nx.DiGraph":
    """The catalog as a ``networkx.DiGraph`` (one edge per node pair; its ``relation`` says which).

    ``include_external=False`` leaves out papers outside the catalog (citation edges between
    catalog papers stay).
    """
    import networkx as nx

    parts = graph_parts(catalog, include_external)
    G = nx.DiGraph(**parts.graph)
    G.add_nodes_from(parts.node_list)
    G.add_edges_from((u, v, dict(d)) for u, v, d in parts.edge_list)
    return G


class GraphParts:
    """The nodes and edges of the catalog graph as plain lists, with the few read-only methods
    of a ``networkx.DiGraph`` the exporters use, so a whole-catalog export can stream them out
    without building a networkx graph (edges share one attribute dict per relation: read-only)."""

    def __init__(self, graph: dict, nodes: list, edges: list):
        self.graph = graph
        self.node_list = nodes
        self.edge_list = edges

    def nodes(self, data: bool = False):
        return iter(self.node_list) if data else (n for n, _ in self.node_list)

    def edges(self, data: bool = False):
        return iter(self.edge_list) if data else ((u, v) for u, v, _ in self.edge_list)

    def is_directed(self) -> bool:
        return True

    def number_of_nodes(self) -> int:
        return len(self.node_list)

    def number_of_edges(self) -> int:
        return len(self.edge_list)


def graph_parts(catalog: Catalog, include_external: bool = True) -> GraphParts:
    """The nodes and edges :func:`build_graph` puts in its graph, in the same order."""
    # topics, in catalog order, with the parents a path implies
    topic_nodes: dict[str, dict[str, Any]] = {}

    def add_topic(path: str, name: str | None = None, level: int | None = None) -> None:
        if path in topic_nodes:
            return
        topic_nodes[path] = _clean({
            "node_type": TOPIC, "label": name or topic_name(path), "title": name or topic_name(path),
            "kind": "topic", "status": "", "topic": path, "path": path, "depth": path.count("/"),
            "level": level,
        })
        if "/" in path:
            add_topic(path.rsplit("/", 1)[0])

    for t in catalog.topics:
        # a declared topic wins over one implied by a child path
        topic_nodes.pop(t.path, None)
        add_topic(t.path, t.name, t.level)
    for e in catalog.entries:
        for p in e.topics:
            add_topic(p)
    nodes: list = [(topic_node(p), a) for p, a in topic_nodes.items()]
    sub, member, cites = {"relation": SUBTOPIC_OF}, {"relation": IN_TOPIC}, {"relation": CITES}
    edges: list = [(topic_node(p), topic_node(p.rsplit("/", 1)[0]), sub) for p in topic_nodes if "/" in p]
    # node names made once per entry (a paper is on ~20 edges at 10,000 papers)
    en = {e.id: entry_node(e.id) for e in catalog.entries}
    tn = {p: topic_node(p) for p in topic_nodes}
    nodes += [(en[e.id], entry_attrs(e)) for e in catalog.entries]
    edges += [(en[e.id], tn[p], member) for e in catalog.entries for p in dict.fromkeys(e.topics)]
    idx = citation_index(catalog)
    edges += [(en[a], en[b], cites) for a, targets in idx.cites.items() for b in targets]
    if include_external:
        ext = catalog.external
        for sid in set(idx.ext_cited) | set(idx.ext_citing):
            nodes.append((external_node(sid), external_attrs(sid, ext.get(sid) or {})))
        edges += [(en[a], external_node(x), cites) for x, srcs in idx.ext_cited.items() for a in srcs]
        edges += [(external_node(x), en[b], cites) for x, dsts in idx.ext_citing.items() for b in dsts]
    if len(en) != len(catalog.entries):
        # two entries with one id (only a catalog built in code: parsing refuses it) repeat
        # edges; otherwise every kind of edge joins its own kinds of node, each pair once.
        # One edge per node pair, the last one written winning (as networkx's add_edges_from does)
        edges = list({(u, v): (u, v, d) for u, v, d in edges}.values())
    return GraphParts({"name": catalog.title or "wsskg catalog"}, nodes, edges)


def external_attrs(s2_id: str, meta: dict) -> dict[str, Any]:
    title = str(meta.get("title") or s2_id)
    authors = meta.get("authors") or []
    year = meta.get("year")
    try:
        year = int(year) if year is not None else None
    except (TypeError, ValueError):
        year = None
    cc = meta.get("citation_count")
    return _clean({
        "node_type": EXTERNAL, "label": title[:40], "title": title, "status": "external", "read": False,
        "kind": "paper", "year": year, "venue": str(meta.get("venue") or ""), "topic": "",
        "url": external_url(s2_id, meta), "s2_id": s2_id, "arxiv_id": str(meta.get("arxiv_id") or ""),
        "doi": str(meta.get("doi") or ""),
        "authors": ", ".join(str(a.get("name", a)) if isinstance(a, dict) else str(a) for a in authors),
        "citation_count": cc if isinstance(cc, int) else None,
    })


def filter_graph(G: "nx.DiGraph", topic: str | None = None, status: str | None = None) -> "nx.DiGraph":
    """The part of ``G`` about entries in ``topic`` (a resolved path, subtopics included) and/or
    with ``status``: those entries, their topics and ancestors, and outside papers linked to them."""
    if topic is None and status is None:
        return G
    keep_entries = set()
    for n, d in G.nodes(data=True):
        if d.get("node_type") != ENTRY:
            continue
        if status is not None and d.get("status") != status:
            continue
        if topic is not None:
            paths = [p for p in str(d.get("topics", "")).split("; ") if p]
            if not any(p == topic or p.startswith(topic + "/") for p in paths):
                continue
        keep_entries.add(n)
    keep = set(keep_entries)
    for n in keep_entries:
        for m in G.successors(n):
            kind = G.nodes[m].get("node_type")
            if kind == TOPIC:
                if topic is None or m == topic_node(topic) or m.startswith(topic_node(topic) + "/"):
                    keep.add(m)
            elif kind == EXTERNAL:
                keep.add(m)
        for m in G.predecessors(n):
            if G.nodes[m].get("node_type") == EXTERNAL:
                keep.add(m)
    # topic ancestors (within the chosen topic when there is one) and the topic itself
    if topic is not None and topic_node(topic) in G:
        keep.add(topic_node(topic))
    for n in [n for n in keep if n.startswith("t:")]:
        path = n[2:]
        while "/" in path:
            path = path.rsplit("/", 1)[0]
            if topic is not None and not (path == topic or path.startswith(topic + "/")):
                break
            keep.add(topic_node(path))
    return G.subgraph(keep).copy()


def iter_entry_nodes(G: "nx.DiGraph") -> Iterable[str]:
    return (n for n, d in G.nodes(data=True) if d.get("node_type") == ENTRY)
