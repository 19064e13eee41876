"""The catalog as a networkx graph, and one paper's neighbourhood."""

from __future__ import annotations

import json

import networkx as nx
import pytest

from wsskg.catalog import Catalog, Entry, Link, Topic
from wsskg.errors import PaperNotFound, WsskgError
from wsskg.catalog import resolve_topic
from wsskg.graph import build_graph, citation_index, filter_graph
from wsskg.library import neighbourhood
from wsskg.store import load_catalog


def mini_catalog(enriched: bool = True) -> Catalog:
    """Two read papers, four unread ones, a code entry; with citations when ``enriched``."""
    topics = [Topic("Reading List", "Reading List"), Topic("Reading List/affinity", "affinity", 4),
              Topic("Reading List/localization", "localization", 4), Topic("Codes", "Codes")]
    E = Entry
    entries = [
        E("cam", "Learning Deep Features for Discriminative Localization", status="read", year=2016,
          topics=["Reading List/localization"], venue="CVPR", s2_id="S_CAM", arxiv_id="1512.04150",
          links=[Link("https://arxiv.org/abs/1512.04150", "paper", "paper")]),
        E("psa", "Learning Pixel-level Semantic Affinity", status="read", year=2018,
          topics=["Reading List/affinity"], venue="CVPR", s2_id="S_PSA",
          references=["S_CAM", "S_FCN", "S_DEEPLAB"]),
        E("irn", "Inter-pixel Relation Network", year=2019, topics=["Reading List/affinity"], s2_id="S_IRN",
          references=["S_CAM", "S_PSA", "S_FCN"], citation_count=500),
        E("aff2", "Another affinity paper", year=2019, topics=["Reading List/affinity"]),
        E("loc2", "Object region mining", year=2017, topics=["Reading List/localization", "Reading List/affinity"],
          s2_id="S_LOC2", references=["S_FCN"]),
        E("loc3", "Hide and seek", year=2017, topics=["Reading List/localization"], s2_id="S_LOC3",
          cited_by=["S_IRN", "S_NEW"]),
        E("psa-code", "psa", kind="code", topics=["Codes"], links=[Link("https://github.com/jiwoon-ahn/psa", "", "code")]),
    ]
    external = {
        "S_FCN": {"title": "Fully Convolutional Networks", "year": 2015, "venue": "CVPR", "authors": ["J. Long"],
                  "arxiv_id": "1411.4038", "doi": None, "citation_count": 30000},
        "S_DEEPLAB": {"title": "DeepLab", "year": 2016, "venue": "TPAMI", "authors": [], "arxiv_id": None,
                      "doi": "10.1109/TPAMI.2017.2699184", "citation_count": 9000},
        "S_NEW": {"title": "A 2021 follow-up", "year": 2021, "venue": "ICCV", "authors": ["A. B."],
                  "arxiv_id": None, "doi": None, "citation_count": 12},
    }
    cat = Catalog(title="Mini", topics=topics, entries=entries, external=external)
    cat.entries[0].cited_by = ["S_NEW"]
    cat.entries[1].cited_by = ["S_NEW"]
    if not enriched:
        cat.external = {}
        for e in cat.entries:
            e.references, e.cited_by, e.s2_id = [], [], None
    return cat


def _scalar_attrs(G) -> None:
    for n, d in G.nodes(data=True):
        for k, v in d.items():
            assert isinstance(v, (str, int, float, bool)) and v is not None, (n, k, v)
    for u, v, d in G.edges(data=True):
        for k, val in d.items():
            assert isinstance(val, (str, int, float, bool)), (u, v, k, val)


def test_nodes_and_edges_of_an_enriched_catalog():
    G = build_graph(mini_catalog())
    kinds = {n: d["node_type"] for n, d in G.nodes(data=True)}
    assert {n for n, k in kinds.items() if k == "entry"} == {
        "e:cam", "e:psa", "e:irn", "e:aff2", "e:loc2", "e:loc3", "e:psa-code"}
    assert {n for n, k in kinds.items() if k == "topic"} == {
        "t:Reading List", "t:Reading List/affinity", "t:Reading List/localization", "t:Codes"}
    assert {n for n, k in kinds.items() if k == "external"} == {"x:S_FCN", "x:S_DEEPLAB", "x:S_NEW"}
    rel = {(u, v): d["relation"] for u, v, d in G.edges(data=True)}
    # citations inside the catalog, from references and from cited_by alike
    assert rel[("e:psa", "e:cam")] == "cites"
    assert rel[("e:irn", "e:psa")] == "cites"
    assert rel[("e:irn", "e:loc3")] == "cites"  # loc3.cited_by names irn's S2 id
    assert rel[("e:psa", "x:S_FCN")] == "cites"
    assert rel[("x:S_NEW", "e:cam")] == "cites"
    assert rel[("e:loc2", "t:Reading List/affinity")] == "in_topic"
    assert rel[("t:Reading List/affinity", "t:Reading List")] == "subtopic_of"
    assert G.nodes["e:cam"]["title"].startswith("Learning Deep Features")
    assert G.nodes["e:cam"]["status"] == "read" and G.nodes["e:cam"]["read"] is True
    assert G.nodes["e:cam"]["year"] == 2016 and G.nodes["e:cam"]["venue"] == "CVPR"
    assert G.nodes["e:cam"]["url"] == "https://arxiv.org/abs/1512.04150"
    assert G.nodes["e:psa"]["topic"] == "Reading List/affinity"
    assert G.nodes["x:S_FCN"]["url"] == "https://arxiv.org/abs/1411.4038"
    assert G.nodes["x:S_DEEPLAB"]["url"] == "https://doi.org/10.1109/TPAMI.2017.2699184"
    _scalar_attrs(G)


def test_unenriched_catalog_has_topic_edges_only():
    G = build_graph(mini_catalog(enriched=False))
    assert {d["relation"] for _, _, d in G.edges(data=True)} == {"in_topic", "subtopic_of"}
    assert not [n for n in G if n.startswith("x:")]
    assert G.number_of_nodes() == 7 + 4
    # the unknown year is left out, never None
    assert "year" not in G.nodes["e:psa-code"]
    _scalar_attrs(G)


def test_without_external_papers_keeps_inside_citations():
    G = build_graph(mini_catalog(), include_external=False)
    assert not [n for n in G if n.startswith("x:")]
    assert G.has_edge("e:irn", "e:cam") and G.has_edge("e:psa", "e:cam")


def test_an_outside_record_of_a_catalog_paper_is_not_a_second_node():
    cat = mini_catalog()
    # an outside record with cam's arXiv id (another S2 id for the same paper)
    cat.external["S_CAM_DUP"] = {"title": "CAM", "arxiv_id": "1512.04150v2"}
    cat.get("loc2").references.append("S_CAM_DUP")
    G = build_graph(cat)
    assert "x:S_CAM_DUP" not in G
    assert G.edges["e:loc2", "e:cam"]["relation"] == "cites"


def test_citation_index_counts_each_citation_once():
    idx = citation_index(mini_catalog())
    assert idx.cites["irn"] == {"cam", "psa", "loc3"}
    assert idx.cited_by["cam"] == {"psa", "irn"}
    assert idx.ext_cited["S_FCN"] == {"psa", "irn", "loc2"}
    assert idx.ext_citing["S_NEW"] == {"cam", "psa", "loc3"}
    assert idx.internal_edges == 4


def test_citation_index_leaves_out_self_citations_and_agrees_both_ways():
    """A paper listing itself (its own S2 id, or an outside record of itself) among its
    references or citers is no edge; ``cites`` and ``cited_by`` say the same thing."""
    cat = mini_catalog()
    cat.external["S_CAM_AGAIN"] = {"title": "CAM", "arxiv_id": "1512.04150v2"}  # cam, by its arXiv id
    by_id = {e.id: e for e in cat.entries}
    by_id["cam"].references = ["S_CAM", "S_CAM_AGAIN", "S_FCN"]
    by_id["psa"].cited_by = ["S_NEW", "S_PSA", "S_IRN"]
    idx = citation_index(cat)
    assert "cam" not in idx.cites and idx.ext_cited["S_FCN"] == {"psa", "irn", "loc2", "cam"}
    assert "S_CAM_AGAIN" not in idx.ext_cited
    assert idx.cites["irn"] == {"cam", "psa", "loc3"} and "psa" not in idx.cites.get("psa", set())
    pairs = {(a, b) for a, bs in idx.cites.items() for b in bs}
    assert pairs == {(a, b) for b, as_ in idx.cited_by.items() for a in as_}
    assert all(a != b for a, b in pairs)


def test_subtopic_parents_are_implied_by_entry_topics():
    cat = Catalog(entries=[Entry("a", "A", topics=["X/Y/Z"])])
    G = build_graph(cat)
    assert G.has_edge("t:X/Y/Z", "t:X/Y") and G.has_edge("t:X/Y", "t:X")
    assert G.nodes["t:X/Y/Z"]["depth"] == 2


def test_neighbourhood_of_a_paper():
    cat = mini_catalog()
    nb = neighbourhood(cat, "psa")
    json.dumps(nb)  # plain JSON-able data
    assert nb["id"] == "psa"
    assert [c["id"] for c in nb["cites"]] == ["cam"]
    assert [c["id"] for c in nb["cited_by"]] == ["irn"]
    assert nb["cites_outside"] == 2 and nb["cited_by_outside"] == 1
    assert nb["topics"] == [{"path": "Reading List/affinity", "name": "affinity", "read": 1, "total": 4}]
    unread = nb["unread_neighbours"]
    assert unread[0] == {"id": "irn", "title": "Inter-pixel Relation Network", "status": "unread", "year": 2019,
                         "reason": "it cites this paper"}
    # loc2 shares the FCN reference; aff2 only the topic
    reasons = {u["id"]: u["reason"] for u in unread}
    assert reasons["loc2"] == "shares 1 reference with this paper"
    assert reasons["aff2"] == "also in topic affinity"
    assert all(u["id"] not in ("psa", "cam") for u in unread)  # not itself, nothing read
    # the same answer by title fragment
    assert neighbourhood(cat, "Pixel-level Semantic")["id"] == "psa"


def test_neighbourhood_of_an_unknown_paper():
    with pytest.raises(PaperNotFound):
        neighbourhood(mini_catalog(), "no-such-paper")


def test_neighbourhood_without_citations_uses_topics():
    nb = neighbourhood(mini_catalog(enriched=False), "cam")
    assert nb["cites"] == [] and nb["cited_by"] == []
    assert {u["id"] for u in nb["unread_neighbours"]} == {"loc2", "loc3"}


def test_filter_by_topic_and_status():
    cat = mini_catalog()
    G = build_graph(cat)
    sub = filter_graph(G, topic="Reading List/affinity")
    entries = {n for n, d in sub.nodes(data=True) if d["node_type"] == "entry"}
    assert entries == {"e:psa", "e:irn", "e:aff2", "e:loc2"}
    assert "t:Reading List/localization" not in sub and "t:Codes" not in sub
    assert "x:S_FCN" in sub  # outside papers they cite stay
    unread = filter_graph(G, status="unread")
    assert {n for n, d in unread.nodes(data=True) if d["node_type"] == "entry"} == {
        "e:irn", "e:aff2", "e:loc2", "e:loc3", "e:psa-code"}
    assert "t:Reading List" in unread  # parents of kept topics stay
    assert not unread.has_edge("e:psa", "e:cam")


def test_resolve_topic():
    cat = mini_catalog()
    assert resolve_topic(cat, "affinity") == "Reading List/affinity"
    assert resolve_topic(cat, "reading list/LOCALIZATION") == "Reading List/localization"
    assert resolve_topic(cat, "Reading List") == "Reading List"
    with pytest.raises(WsskgError, match="matches 3 topics"):
        resolve_topic(cat, "li")
    with pytest.raises(WsskgError, match="no topic matches 'nope'"):
        resolve_topic(cat, "nope")


def test_graph_of_the_default_catalog(seed_catalog_file):
    cat = load_catalog(seed_catalog_file)
    G = build_graph(cat)
    n_entries = sum(1 for _, d in G.nodes(data=True) if d["node_type"] == "entry")
    assert n_entries == len(cat.entries) > 100
    assert sum(1 for _, d in G.nodes(data=True) if d["node_type"] == "topic") >= len(cat.topics) >= 30
    # every entry is in a topic; every subtopic hangs under its parent
    assert all(G.out_degree(f"e:{e.id}") >= 1 for e in cat.entries if e.topics)
    assert G.has_edge("t:Reading List/affinity", "t:Reading List")
    _scalar_attrs(G)
    nb = neighbourhood(cat, cat.entries[-1].id)
    json.dumps(nb)


def test_graph_is_a_digraph_for_exporters():
    G = build_graph(mini_catalog())
    assert isinstance(G, nx.DiGraph) and G.is_directed()
