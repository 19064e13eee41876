"""What to read next, what the list is missing, reading statistics."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from wsskg.catalog import Catalog, Entry, Topic
from wsskg.errors import WsskgError
from wsskg.index import pagerank
from wsskg.library import discover, next_papers
from wsskg.recommend import add_command, stats
from wsskg.store import load_catalog

REPO = Path(__file__).resolve().parents[1]


def topic_catalog() -> Catalog:
    """Read: a, b (localization), c (affinity). Unread: loc1, loc2 (localization, 2 of 4 read),
    aff1 (affinity, 1 of 2 read) and classic (analysis, nothing read there)."""
    topics = [Topic("RL", "RL"), Topic("RL/localization", "localization", 4), Topic("RL/affinity", "affinity", 4),
              Topic("RL/analysis", "analysis", 4)]
    loc, aff, ana = "RL/localization", "RL/affinity", "RL/analysis"
    entries = [
        Entry("a", "Paper A", status="read", year=2016, topics=[loc], s2_id="SA"),
        Entry("b", "Paper B", status="read", year=2017, topics=[loc], s2_id="SB"),
        Entry("c", "Paper C", status="read", year=2018, topics=[aff], s2_id="SC"),
        Entry("loc1", "Unread localization one", year=2017, topics=[loc], s2_id="SL1"),
        Entry("loc2", "Unread localization two", year=2018, topics=[loc], s2_id="SL2"),
        Entry("aff1", "Unread affinity one", year=2018, topics=[aff], s2_id="SF1"),
        Entry("classic", "An old classic", year=2012, topics=[ana], s2_id="SCL"),
        Entry("code", "some code", kind="code", topics=[loc]),
    ]
    return Catalog(title="T", topics=topics, entries=entries)


def enrich(cat: Catalog) -> Catalog:
    """All three read papers cite the classic; the classic is in a topic nothing is read in."""
    cat = copy.deepcopy(cat)
    for eid in ("a", "b", "c"):
        cat.get(eid).references.append("SCL")
    cat.get("loc2").references.extend(["SA", "OUT1"])
    cat.get("aff1").references.append("OUT1")
    cat.get("a").references.append("OUT1")
    cat.get("b").references.append("OUT2")
    cat.get("c").cited_by.extend(["NEW1", "NEW2"])
    cat.get("classic").cited_by.append("NEW1")
    cat.get("a").cited_by.append("NEW1")
    cat.external = {
        "OUT1": {"title": "The missing classic", "year": 2010, "venue": "IJCV", "authors": ["Someone"],
                 "arxiv_id": "1001.0001", "doi": "10.1/out1", "citation_count": 5000},
        "OUT2": {"title": "Only DOI", "year": 2011, "doi": "10.1/out2"},
        "NEW1": {"title": "A 2021 follow-up", "year": 2021, "venue": "CVPR", "authors": [{"name": "X Y"}]},
        "NEW2": {"title": "A 2022 paper", "year": 2022},
    }
    return cat


# -- next -----------------------------------------------------------------------------------------

def test_next_topic_only_prefers_topics_you_are_reading():
    picks = next_papers(topic_catalog())
    ids = [p["id"] for p in picks]
    assert set(ids) == {"loc1", "loc2", "aff1", "classic"}  # unread papers only; no code, nothing read
    assert ids[-1] == "classic"  # nothing read in its topic
    scores = [p["score"] for p in picks]
    assert scores == sorted(scores, reverse=True)
    by = {p["id"]: p for p in picks}
    assert by["aff1"]["reason"] == "in topic affinity, where you have read 1 of 2"
    assert by["loc1"]["reason"] == "in topic localization, where you have read 2 of 5"
    assert by["classic"]["reason"] == "in topic analysis, which you have not started (1 entry)"
    json.dumps(picks)


def test_citations_change_the_ranking():
    plain = [p["id"] for p in next_papers(topic_catalog())]
    cited = next_papers(enrich(topic_catalog()))
    assert plain[0] != "classic" and plain[-1] == "classic"
    assert cited[0]["id"] == "classic"  # cited by every paper you have read
    assert cited[0]["reason"].startswith("cited by 3 papers you have read")
    assert "foundational in topic analysis: 3 catalog papers cite it" in cited[0]["reasons"]
    assert cited[0]["read_citing"] == 3 and cited[0]["catalog_citing"] == 3
    by = {p["id"]: p for p in cited}
    assert by["loc2"]["reason"].startswith("builds on 1 paper you have read")
    # loc2 builds on a read paper and shares an outside reference, so it now beats loc1
    ranks = {p["id"]: i for i, p in enumerate(cited)}
    assert ranks["loc2"] < ranks["loc1"]


def test_next_limit_and_topic():
    cat = enrich(topic_catalog())
    assert len(next_papers(cat, limit=2)) == 2
    assert {p["id"] for p in next_papers(cat, topic="localization")} == {"loc1", "loc2"}
    assert next_papers(cat, topic="analysis")[0]["id"] == "classic"
    with pytest.raises(WsskgError, match="no topic matches"):
        next_papers(cat, topic="no such topic")


def test_next_with_nothing_read_yet_and_with_everything_read():
    cat = topic_catalog()
    for e in cat.entries:
        e.status = "unread"
    picks = next_papers(cat)
    assert len(picks) == 7
    assert all("nothing is marked read yet" in p["reason"] for p in picks)
    for e in cat.entries:
        e.status = "read"
    assert next_papers(cat) == []


def test_reading_papers_seed_the_walk_too():
    cat = topic_catalog()
    for e in cat.entries:
        e.status = "unread"
    cat.get("aff1").status = "reading"
    picks = next_papers(cat)
    assert "aff1" not in [p["id"] for p in picks]
    assert picks[0]["id"] == "c"  # the other affinity paper


def personalized_pagerank(n, arcs, seeds, **kw):
    """The walk's PageRank over ``(u, v, weight)`` arcs."""
    import numpy as np

    src, dst, w = (np.array([a[k] for a in arcs], dtype=t) for k, t in ((0, np.int32), (1, np.int32), (2, np.float32)))
    return pagerank(n, src, dst, w, seeds, **kw)


def test_personalized_pagerank_is_a_distribution():
    # a path 0 - 1 - 2 plus an isolated node 3; restart at 0
    arcs = [(0, 1, 1.0), (1, 0, 1.0), (1, 2, 1.0), (2, 1, 1.0)]
    pr = personalized_pagerank(4, arcs, {0: 1.0}, alpha=0.85)
    assert sum(pr) == pytest.approx(1.0)
    assert pr[1] > pr[0] > pr[2] > 0 and pr[3] == 0
    # stationary: x = alpha * P^T x + (1 - alpha) * e0, checked by hand at node 2
    assert pr[2] == pytest.approx(0.85 * 0.5 * pr[1])
    # dangling mass restarts: a -> b with b a dead end
    pr = personalized_pagerank(2, [(0, 1, 1.0)], {0: 1.0}, alpha=0.5)
    assert pr == pytest.approx([2 / 3, 1 / 3])


def test_personalized_pagerank_matches_networkx():
    nx = pytest.importorskip("networkx")
    ref = getattr(nx.algorithms.link_analysis.pagerank_alg, "_pagerank_python", None)
    if ref is None:
        pytest.skip("networkx has no pure-python pagerank to compare with")
    G = nx.DiGraph()
    arcs = [(0, 1, 1.0), (1, 2, 2.0), (2, 0, 1.0), (2, 3, 0.5), (3, 1, 1.0), (4, 2, 1.0)]
    G.add_weighted_edges_from(arcs)
    expect = ref(G, alpha=0.8, personalization={0: 1.0, 4: 1.0}, tol=1e-12, max_iter=1000,
                 dangling={0: 1.0, 4: 1.0})
    got = personalized_pagerank(5, arcs, {0: 1.0, 4: 1.0}, alpha=0.8, tol=1e-13, max_iter=1000)
    assert got == pytest.approx([expect[i] for i in range(5)], abs=1e-8)


def test_next_on_the_default_catalog(seed_catalog_file):
    cat = load_catalog(seed_catalog_file)
    picks = next_papers(cat, limit=10)
    assert len(picks) == 10
    by_id = cat.by_id()
    for p in picks:
        e = by_id[p["id"]]
        assert e.status == "unread" and e.kind == "paper"
        assert p["reason"]
    # un-enriched: topic-based picks from topics where something is read
    assert all("where you have read" in p["reason"] for p in picks)
    top = by_id[picks[0]["id"]]
    assert any(o.status == "read" for t in top.topics for o in cat.entries_in(t))


# -- discover -------------------------------------------------------------------------------------

def test_discover_cited_lists_the_missing_classics():
    found = discover(enrich(topic_catalog()), "cited")
    assert [f["s2_id"] for f in found] == ["OUT1", "OUT2"]  # SCL and SA are catalog papers
    top = found[0]
    assert top["count"] == 3 and top["catalog_papers"] == ["a", "loc2", "aff1"]
    assert top["evidence"] == "cited by 3 catalog papers in localization, affinity (1 of them read)"
    assert top["add"] == "wsskg add arXiv:1001.0001"
    assert top["url"] == "https://arxiv.org/abs/1001.0001"
    assert found[1]["add"] == "wsskg add 10.1/out2"
    json.dumps(found)


def test_discover_citing_lists_what_came_after():
    found = discover(enrich(topic_catalog()), "citing")
    assert [f["s2_id"] for f in found] == ["NEW1", "NEW2"]
    assert found[0]["evidence"] == "cites 3 catalog papers in affinity, analysis, localization (2 of them read)"
    assert found[0]["authors"] == ["X Y"] and found[0]["year"] == 2021
    assert found[1]["add"] == "wsskg add NEW2"  # no arXiv id or DOI: the S2 id


def test_discover_topic_and_limit():
    cat = enrich(topic_catalog())
    found = discover(cat, "cited", topic="affinity")
    assert [(f["s2_id"], f["count"]) for f in found] == [("OUT1", 1)]
    assert len(discover(cat, "citing", limit=1)) == 1
    with pytest.raises(WsskgError, match="direction"):
        discover(cat, "sideways")


def test_discover_without_citation_data_is_empty():
    assert discover(topic_catalog(), "cited") == []
    assert discover(topic_catalog(), "citing") == []


def test_add_command_forms():
    assert add_command("S", {"arxiv_id": "1411.4038v2"}) == "wsskg add arXiv:1411.4038"
    assert add_command("S", {"doi": "10.1/x"}) == "wsskg add 10.1/x"
    assert add_command("S2ID", {}) == "wsskg add S2ID"


# -- stats ----------------------------------------------------------------------------------------

def test_stats():
    st = stats(enrich(topic_catalog()))
    json.dumps(st)
    assert st["totals"] == {"entries": 8, "papers": 7, "read": 3, "reading": 0, "unread": 5}
    topics = {t["path"]: t for t in st["topics"]}
    assert (topics["RL/localization"]["read"], topics["RL/localization"]["total"]) == (2, 5)
    assert (topics["RL"]["read"], topics["RL"]["total"]) == (3, 8)  # subtopics counted once
    assert topics["RL/affinity"]["depth"] == 1
    assert st["years"] == [[2012, 1], [2016, 1], [2017, 2], [2018, 3]]
    assert st["most_cited"][0]["id"] == "classic" and st["most_cited"][0]["catalog_citing"] == 3
    assert st["citation_edges"] == 4
    assert st["external"] == 4


def test_stats_on_the_default_catalog(seed_catalog_file):
    cat = load_catalog(seed_catalog_file)
    st = stats(cat)
    assert st["totals"]["entries"] == len(cat.entries)
    assert st["totals"]["read"] == sum(e.status == "read" for e in cat.entries) > 0
    assert st["most_cited"] == [] and st["citation_edges"] == 0  # not enriched
    assert sum(c for _, c in st["years"]) > 50


# -- performance ----------------------------------------------------------------------------------

def _bench():
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import graph_bench
    finally:
        sys.path.pop(0)
    return graph_bench


@pytest.mark.slow
def test_benchmark_smoke():
    out = subprocess.run([sys.executable, str(REPO / "benchmarks" / "graph_bench.py"), "--tiny"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "| build_graph (with outside papers) |" in out.stdout and "| next (limit 10) |" in out.stdout


@pytest.mark.slow
def test_ten_thousand_papers_give_results():
    """The graph functions work at 10,000 papers and 100,000 edges. How long they take is in
    docs/graph-benchmarks.md (benchmarks/graph_bench.py), not asserted: a timing in a test
    measures the machine's load as much as the code."""
    from wsskg.graph import build_graph

    cat = _bench().synthetic_catalog(10_000, 100_000)
    assert build_graph(cat).number_of_edges() > 100_000
    for fn in (lambda: next_papers(cat), lambda: discover(cat, "cited"), lambda: discover(cat, "citing")):
        assert len(fn()) > 0


def test_discover_never_proposes_a_work_the_catalog_holds():
    from wsskg.catalog import Catalog, Entry, Link, Topic
    from wsskg.recommend import HeldWorks

    def ext(title, year=2018, **kw):
        return dict({"title": title, "year": year, "venue": "CVPR", "authors": []}, **kw)

    cat = Catalog(topics=[Topic(path="t", name="t")])
    cat.entries = [
        Entry(id="known", title="Known Paper About Things", topics=["t"], s2_id="k" * 40,
              references=["a" * 40, "b" * 40, "c" * 40, "d" * 40, "e" * 40, "f" * 40]),
        # unmatched entries: held by title (hyphen aside), by arXiv link, by short name
        Entry(id="coseg", title="Weakly Supervised Semantic Segmentation Based on Web Image Cosegmentation",
              topics=["t"], year=2017),
        Entry(id="linked", title="Some Linked Paper", topics=["t"], links=[Link("https://arxiv.org/abs/1902.10421")]),
        Entry(id="dsrg", title="DSRG", venue="CVPR2018", year=2018, topics=["t"]),
        # a wrong link names another paper: that paper is not held through it
        Entry(id="fickle", title="FickleNet", topics=["t"], year=2019, links=[Link("https://arxiv.org/abs/1811.10842")],
              wrong_link={"url": "https://arxiv.org/abs/1811.10842", "arxiv_id": "1811.10842", "reason": "CIAN"}),
    ]
    cat.external = {
        "a" * 40: ext("Weakly Supervised Semantic Segmentation Based on Web Image Co-segmentation", 2017),
        "b" * 40: ext("FickleNet: Weakly and Semi-supervised Semantic Image Segmentation", 2019, arxiv_id="1902.10421v2"),
        "c" * 40: ext("Weakly-Supervised Semantic Segmentation Network with Deep Seeded Region Growing"),
        "d" * 40: ext("CIAN: Cross-Image Affinity Net", 2019, arxiv_id="1811.10842"),
        "e" * 40: ext("A Genuinely New Paper"),
        "f" * 40: ext("Known Paper about things"),
    }
    found = {r["s2_id"][0] for r in discover(cat, "cited")}
    assert found == {"d", "e"}  # CIAN and the new one; the wrong link does not hold CIAN
    held = HeldWorks(cat)
    assert held.holds("k" * 40, {}) and not held.holds(None, ext("DSRG Again", 2025))


def test_held_works_from_bare_entries():
    from wsskg.catalog import Entry
    from wsskg.recommend import HeldWorks

    held = HeldWorks(iter([Entry(id="a", title="Non-local Neural Networks", arxiv_id="1711.07971")]))
    assert held.holds(None, {"title": "Non-Local Neural  Networks."}) and held.holds(None, {"arxiv_id": "1711.07971v3"})
    assert not held.holds(None, {"title": "Local Neural Networks"})
