"""`wsskg next / discover / stats / graph` end to end through typer's CliRunner."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import types
from pathlib import Path

import networkx as nx
import pytest
from typer.testing import CliRunner

from wsskg.catalog import Catalog, Entry, Topic
from wsskg.cli import app
from wsskg.errors import SourceError
from wsskg.library import discover, next_papers
from wsskg.store import load_catalog, save_catalog

REPO = Path(__file__).resolve().parents[1]
runner = CliRunner()


def run(*args, **kw):
    return runner.invoke(app, [str(a) for a in args], **kw)


def small_catalog(enriched: bool = True) -> Catalog:
    topics = [Topic("RL", "RL"), Topic("RL/affinity", "affinity", 4), Topic("RL/localization", "localization", 4)]
    aff, loc = "RL/affinity", "RL/localization"
    entries = [
        Entry("cam", "Class activation maps", status="read", year=2016, topics=[loc], s2_id="S1"),
        Entry("psa", "Pixel affinity", status="read", year=2018, topics=[aff], s2_id="S2"),
        Entry("irn", "Inter-pixel relations", year=2019, topics=[aff], s2_id="S3"),
        Entry("hide", "Hide and seek", year=2017, topics=[loc], s2_id="S4"),
        Entry("old", "An old classic", year=2012, topics=["RL"], s2_id="S5"),
    ]
    cat = Catalog(title="Small", topics=topics, entries=entries)
    if enriched:
        cat.get("cam").references = ["S5", "FCN"]
        cat.get("psa").references = ["S5", "S1", "FCN"]
        cat.get("irn").references = ["FCN"]
        cat.external = {"FCN": {"title": "Fully Convolutional Networks", "year": 2015, "arxiv_id": "1411.4038",
                                "venue": "CVPR", "citation_count": 30000}}
    return cat


@pytest.fixture
def small_file(tmp_path) -> Path:
    p = tmp_path / "catalog.yaml"
    save_catalog(p, small_catalog())
    return p


# -- next -----------------------------------------------------------------------------------------

def test_next_prints_picks_with_reasons(small_file):
    r = run("next", "-c", small_file)
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0].startswith(" 1. old (2012)  An old classic") or lines[0].startswith("1. old (2012)  An old classic")
    assert "cited by 2 papers you have read" in lines[1]
    assert "wsskg read old" in r.stdout


def test_next_json_matches_the_library(small_file):
    r = run("next", "--json", "--limit", "2", "-c", small_file)
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data == next_papers(load_catalog(small_file), limit=2)
    assert {"id", "title", "score", "reason"} <= set(data[0])


def test_next_topic_and_unknown_topic(small_file):
    r = run("next", "--topic", "affinity", "--json", "-c", small_file)
    assert [p["id"] for p in json.loads(r.stdout)] == ["irn"]
    r = run("next", "--topic", "nonsense", "-c", small_file)
    assert r.exit_code == 1
    assert r.stderr.strip().count("\n") == 0 and "no topic matches 'nonsense'" in r.stderr


def test_next_when_everything_is_read(tmp_path):
    cat = small_catalog()
    for e in cat.entries:
        e.status = "read"
    p = tmp_path / "c.yaml"
    save_catalog(p, cat)
    r = run("next", "-c", p)
    assert r.exit_code == 0 and "Nothing left to suggest" in r.stdout


def test_next_on_the_default_catalog(seed_catalog_file):
    r = run("next", "--limit", "5", "-c", seed_catalog_file)
    assert r.exit_code == 0, r.output
    assert r.stdout.count("where you have read") == 5


def test_commands_fall_back_to_the_bundled_catalog():
    r = run("stats", "--json")
    assert r.exit_code == 0, r.output
    assert "bundled default catalog" in r.stderr
    assert json.loads(r.stdout)["totals"]["entries"] > 100


# -- discover -------------------------------------------------------------------------------------

def test_discover_cited(small_file):
    r = run("discover", "-c", small_file)
    assert r.exit_code == 0, r.output
    assert "Fully Convolutional Networks (2015)" in r.stdout
    assert "cited by 3 catalog papers in affinity, localization (2 of them read)" in r.stdout
    assert "wsskg add arXiv:1411.4038" in r.stdout
    data = json.loads(run("discover", "--json", "-c", small_file).stdout)
    assert data == discover(load_catalog(small_file), "cited")


def test_discover_without_citation_data_says_what_to_do(tmp_path):
    p = tmp_path / "c.yaml"
    save_catalog(p, small_catalog(enriched=False))
    r = run("discover", "-c", p)
    assert r.exit_code == 0
    assert "No citation data in this catalog: run `wsskg enrich` first" in r.stdout


def _fake_enrich(monkeypatch, fn) -> list:
    calls = []

    def fetch_citations(path, refs=None, offline=False, refresh=False):
        calls.append((Path(path), refs, offline))
        return fn(Path(path))

    mod = types.ModuleType("wsskg.enrich")
    mod.fetch_citations = fetch_citations
    monkeypatch.setitem(sys.modules, "wsskg.enrich", mod)
    return calls


def test_discover_citing_fetches_citations_first(small_file, monkeypatch):
    def fill(path):
        cat = load_catalog(path)
        cat.get("cam").cited_by = ["NEW", "S2"]
        cat.get("psa").cited_by = ["NEW"]
        cat.get("irn").cited_by = ["NEWER"]
        cat.external["NEW"] = {"title": "A 2021 follow-up", "year": 2021, "doi": "10.9/new"}
        cat.external["NEWER"] = {"title": "A 2023 paper", "year": 2023}
        save_catalog(path, cat)
        return types.SimpleNamespace(filled=["cam", "psa", "irn"], failed=[], skipped=["x"], offline_missing=[])

    calls = _fake_enrich(monkeypatch, fill)
    r = run("discover", "--direction", "citing", "--offline", "-c", small_file)
    assert r.exit_code == 0, r.output
    assert calls == [(small_file, None, True)]
    assert r.stdout.index("A 2021 follow-up") < r.stdout.index("A 2023 paper")
    assert "cites 2 catalog papers in affinity, localization (2 of them read)" in r.stdout
    assert "wsskg add 10.9/new" in r.stdout
    assert "wsskg: citations fetched for 3 papers, 1 without a Semantic Scholar id" in r.stderr


def test_discover_citing_when_nothing_could_be_fetched(tmp_path, monkeypatch):
    p = tmp_path / "c.yaml"
    save_catalog(p, small_catalog(enriched=False))
    _fake_enrich(monkeypatch, lambda path: None)
    r = run("discover", "-d", "citing", "--offline", "-c", p)
    assert r.exit_code == 0, r.output
    assert "papers need a Semantic Scholar id (run `wsskg enrich`)" in r.stdout
    assert "--offline used cached citations only" in r.stdout


def test_discover_citing_surfaces_a_fetch_error_as_one_line(small_file, monkeypatch):
    def fail(path):
        raise SourceError("Semantic Scholar: HTTP 503")

    _fake_enrich(monkeypatch, fail)
    r = run("discover", "--direction", "citing", "-c", small_file)
    assert r.exit_code == 3
    assert r.stderr == "Error: Semantic Scholar: HTTP 503\n"


def test_discover_citing_needs_a_catalog_file():
    r = run("discover", "--direction", "citing")
    assert r.exit_code == 2 and "wsskg init" in r.stderr and "Traceback" not in r.output


# -- stats ----------------------------------------------------------------------------------------

def test_stats_text(small_file):
    r = run("stats", "-c", small_file)
    assert r.exit_code == 0, r.output
    out = r.stdout
    assert "5 entries (5 papers): 2 read (40 %), 0 reading, 3 unread" in out
    line = next(ln for ln in out.splitlines() if ln.strip().startswith("affinity"))
    assert line.startswith("    affinity") and line.rstrip().endswith("1/2")  # indented under RL
    assert "██████████░░░░░░░░░░" in line
    assert "Most-cited catalog papers" in out and "old" in out


def test_stats_json(small_file):
    data = json.loads(run("stats", "--json", "-c", small_file).stdout)
    assert data["totals"]["read"] == 2
    assert data["most_cited"][0]["id"] == "old"


def test_stats_plot(small_file, tmp_path):
    pytest.importorskip("matplotlib", reason="matplotlib (the plot extra) is not installed")
    out = tmp_path / "p" / "progress.png"
    r = run("stats", "--plot", out, "-c", small_file)
    assert r.exit_code == 0, r.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"wrote {out}" in r.stderr


def test_stats_plot_without_matplotlib(small_file, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    r = run("stats", "--plot", tmp_path / "p.png", "-c", small_file)
    assert r.exit_code == 1
    assert r.stderr == "Error: --plot needs matplotlib: pip install 'wsskg[plot]'\n"


# -- graph ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["graphml", "gexf", "json", "dot", "html"])
def test_graph_writes_each_format(small_file, tmp_path, fmt):
    out = tmp_path / f"g.{fmt}"
    r = run("graph", "--format", fmt, "-o", out, "-c", small_file)
    assert r.exit_code == 0, r.output
    assert "wrote" in r.stderr and f"({fmt})" in r.stderr
    # 5 entries + 3 topics + 1 outside paper
    if fmt == "graphml":
        assert nx.read_graphml(out).number_of_nodes() == 9
    elif fmt == "gexf":
        assert nx.read_gexf(out).number_of_nodes() == 9
    elif fmt == "json":
        assert len(json.loads(out.read_text())["nodes"]) == 9
    elif fmt == "dot":
        assert out.read_text().startswith("digraph ")
    else:
        assert out.read_text().startswith("<!DOCTYPE html>")


def test_graph_filters_and_stdout(small_file):
    r = run("graph", "-f", "json", "-o", "-", "--topic", "affinity", "--no-external", "-c", small_file)
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    ids = {n["id"] for n in data["nodes"]}
    assert ids == {"e:psa", "e:irn", "t:RL/affinity"}
    data = json.loads(run("graph", "-f", "json", "-o", "-", "--status", "read", "-c", small_file).stdout)
    entries = {n["id"] for n in data["nodes"] if n["node_type"] == "entry"}
    assert entries == {"e:cam", "e:psa"}
    assert any(e["relation"] == "cites" for e in data["edges"])


def test_graph_rejects_an_unknown_format(small_file, tmp_path):
    r = run("graph", "-f", "svg", "-o", tmp_path / "g.svg", "-c", small_file)
    assert r.exit_code == 2 and "svg" in r.output


# -- help and start-up time -------------------------------------------------------------------------

@pytest.mark.parametrize("cmd", ["next", "discover", "stats", "graph"])
def test_every_command_has_an_example(cmd):
    r = run(cmd, "--help")
    assert r.exit_code == 0
    assert f"Example: wsskg {cmd}" in r.stdout
    assert "--catalog" in r.stdout


def test_help_imports_no_networkx():
    """What keeps ``wsskg --help`` fast: the CLI imports no graph code until a command needs it.
    (Its time is measured by benchmarks/run.py, not asserted here: timings belong to the
    benchmark table, where a loaded machine cannot turn them into a red test.)"""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    code = "import sys, wsskg.cli; print('networkx' in sys.modules, 'wsskg.graph' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert out.stdout.split() == ["False", "False"], out.stderr
    r = subprocess.run([sys.executable, "-m", "wsskg", "--help"], capture_output=True, env=env, timeout=60)
    assert r.returncode == 0


def test_a_large_graph_file_is_written_with_a_bar_in_three_steps(small_file, tmp_path, monkeypatch):
    """Rows, graph and file are about a third each of a 10 s export at 100,000 papers: the bar
    moves at each (on a terminal); a small catalog, or the graph printed to stdout, has none."""
    from wsskg import index as ix
    from wsskg.cli import graph_cmds

    seen: list = []
    monkeypatch.setattr(graph_cmds, "progress_bar", lambda label: (lambda d, t: seen.append((label, d, t))))
    out = tmp_path / "g.graphml"
    assert run("graph", "-f", "graphml", "-o", out, "-c", small_file).exit_code == 0
    assert seen == []  # five papers: no bar
    monkeypatch.setattr(ix.sync, "_PROGRESS_MIN", 2)
    assert run("graph", "-f", "gexf", "-o", tmp_path / "g.gexf", "-c", small_file).exit_code == 0
    assert seen == [("writing the graph", k, 3) for k in range(4)]
    seen.clear()
    r = run("graph", "-f", "graphml", "-o", "-", "-c", small_file)
    assert r.exit_code == 0 and r.stdout.startswith("<?xml") and seen == []
