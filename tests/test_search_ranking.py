"""Ranking measured, not asserted: recall@10 and MRR of search on the judged queries
(``benchmarks/judged_queries.json``, 42 queries over the shipped list: keyword, typo and
paraphrase). The floors sit a little below what ``benchmarks/ranking.py`` measured (its table
is in docs/benchmarks.md), so a change that makes ranking worse fails here."""

from __future__ import annotations

import sys

import pytest

from conftest import REPO

sys.path.insert(0, str(REPO / "benchmarks"))
import ranking  # noqa: E402

#: (kind, recall@10 floor, MRR floor) for keyword search (the derived index, the CLI's and the library's)
INDEX_FLOORS = [("keyword", 0.92, 0.93), ("typo", 0.95, 0.95), ("paraphrase", 0.5, 0.4), ("all", 0.85, 0.83)]


#: with the optional model: hybrid must beat keyword search on the paraphrased queries
HYBRID_FLOORS = [("paraphrase", 0.62, 0.6), ("all", 0.88, 0.86)]


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    import os

    old = os.environ.get("WSSKG_CACHE_DIR")
    os.environ["WSSKG_CACHE_DIR"] = str(tmp_path_factory.mktemp("rank-cache"))
    try:
        return ranking.evaluate(REPO / "catalog.yaml")
    finally:
        if old is not None:
            os.environ["WSSKG_CACHE_DIR"] = old


def test_the_judged_set_is_well_formed():
    from wsskg.store import load_catalog

    ids = {e.id for e in load_catalog(REPO / "catalog.yaml", use_index=False).entries}
    qs = ranking.judged()
    assert len(qs) >= 40
    assert {q["kind"] for q in qs} == {"keyword", "typo", "paraphrase"}
    for q in qs:
        assert q["expect"] and set(q["expect"]) <= ids, q


def test_scores_are_computed_as_documented():
    assert ranking.scores(["a", "b", "c"], ["c", "z"]) == (0.5, 1 / 3)
    assert ranking.scores(["x"] * 12 + ["a"], ["a"]) == (0.0, 0.0)  # beyond the first ten


@pytest.mark.parametrize("kind, recall, mrr", INDEX_FLOORS)
def test_index_search_ranking_floor(results, kind, recall, mrr):
    got = results["keyword (index: FTS5/BM25, CLI)"][kind]
    assert got[0] >= recall and got[1] >= mrr, (kind, got)


needs_model = pytest.mark.skipif(not __import__("wsskg.meaning", fromlist=["x"]).available(),
                                 reason="the optional model is not installed (pip install 'wsskg[meaning]')")


@needs_model
@pytest.mark.parametrize("kind, recall, mrr", HYBRID_FLOORS)
def test_hybrid_search_ranking_floor(results, kind, recall, mrr):
    got = results["hybrid (keyword + meaning, RRF)"][kind]
    assert got[0] >= recall and got[1] >= mrr, (kind, got)


@needs_model
def test_hybrid_is_ahead_of_keyword_on_paraphrases(results):
    kw = results["keyword (index: FTS5/BM25, CLI)"]["paraphrase"]
    hy = results["hybrid (keyword + meaning, RRF)"]["paraphrase"]
    assert hy[0] >= kw[0] and hy[1] > kw[1], (kw, hy)


def test_meaning_mode_without_the_model_is_a_one_line_error(seed_catalog_file, monkeypatch):
    from typer.testing import CliRunner

    from wsskg import meaning
    from wsskg.cli import app

    monkeypatch.setattr(meaning, "available", lambda: False)
    monkeypatch.setattr(meaning, "_model", None)
    r = CliRunner().invoke(app, ["search", "affinity", "--mode", "meaning", "-c", str(seed_catalog_file)])
    assert r.exit_code == 1 and r.stderr.count("\n") == 1 and "wsskg[meaning]" in r.stderr, r.stderr
    r = CliRunner().invoke(app, ["search", "affinity", "--json", "-c", str(seed_catalog_file)])  # default: keyword
    assert r.exit_code == 0 and r.stderr == ""
    assert __import__("json").loads(r.stdout)[0]["mode"] == "keyword"
    r = CliRunner().invoke(app, ["search", "affinity", "--mode", "vibes", "-c", str(seed_catalog_file)])
    assert r.exit_code == 2 and "unknown mode" in r.stderr
