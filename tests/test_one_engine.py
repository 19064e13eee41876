"""One engine: the CLI and the Python API answer every query with the same code, so they give
the same answers. For each judged query (``benchmarks/judged_queries.json``) the CLI's
``search --json`` and the API's search return the same ids in the same order; likewise
resolve, show's neighbourhood, next, discover and stats. A side that answers nothing fails:
agreement on an empty answer proves nothing."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

import wsskg
from conftest import REPO
from wsskg.cli import app
from wsskg.errors import AmbiguousReference, PaperNotFound

JUDGED = json.loads((REPO / "benchmarks" / "judged_queries.json").read_text(encoding="utf-8"))["queries"]
QUERIES = [q["q"] for q in JUDGED]
#: references of every form resolve takes: an id, another case, an arXiv id, its URL, a title fragment
REFS = ("dsrg-2018", "DSRG-2018", "1804.01346", "https://arxiv.org/abs/1804.01346v2", "Gated CRF",
        "learning-pixel-level", "Adaptive Affinity Field")
#: a small enriched catalog (references, citations, outside papers) for next and discover
ENRICHED = REPO / "tests" / "data"

runner = CliRunner()


def cli_json(*args):
    r = runner.invoke(app, [str(a) for a in args])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    """The shipped catalog, a private cache, and the API's two ways in: ``wsskg.open`` on the
    file and the function API on the loaded :class:`~wsskg.Catalog`."""
    mp = pytest.MonkeyPatch()
    mp.setenv("WSSKG_CACHE_DIR", str(tmp_path_factory.mktemp("engine-cache")))
    path = tmp_path_factory.mktemp("engine") / "catalog.yaml"
    shutil.copy(REPO / "catalog.yaml", path)
    lib = wsskg.open(path)
    yield path, lib, wsskg.load_catalog(path)
    lib.close()
    mp.undo()


def ids(items) -> list[str]:
    return [x["id"] for x in items]


@pytest.mark.parametrize("query", QUERIES)
def test_search_gives_the_same_ids_in_the_same_order(shipped, query):
    path, lib, catalog = shipped
    cli = ids(cli_json("search", query, "--json", "--mode", "keyword", "-c", path))
    assert cli, f"the CLI finds nothing for {query!r}"
    assert [h.entry.id for h in lib.search(query, mode="keyword")] == cli
    assert [h.entry.id for h in wsskg.search_catalog(catalog, query, mode="keyword")] == cli


def test_search_with_filters_agrees(shipped):
    path, lib, catalog = shipped
    for query, opts in (("affinity", {"status": "read"}), ("segmentation", {"year": 2018}),
                        ("affinity", {"topic": "affinity"}), ("network", {"limit": 3})):
        args = [a for k, v in opts.items() for a in (f"--{k}", v)]
        cli = ids(cli_json("search", query, "--json", "--mode", "keyword", *args, "-c", path))
        assert cli, (query, opts)
        assert [h.entry.id for h in lib.search(query, **opts)] == cli
        assert [h.entry.id for h in wsskg.search_catalog(catalog, query, mode="keyword", **opts)] == cli


@pytest.mark.parametrize("ref", REFS)
def test_resolve_and_the_neighbourhood_agree(shipped, ref):
    path, lib, catalog = shipped
    shown = cli_json("show", ref, "--json", "-c", path)
    assert lib.resolve(ref).id == wsskg.resolve(catalog, ref).id == shown["id"]
    assert lib.neighbourhood(ref) == wsskg.neighbourhood(catalog, ref) == shown["neighbourhood"]


def test_resolve_fails_the_same_way(shipped):
    path, lib, catalog = shipped
    r = runner.invoke(app, ["show", "weakly supervised", "-c", str(path)])
    assert r.exit_code != 0
    for resolve in (lib.resolve, lambda ref: wsskg.resolve(catalog, ref)):
        with pytest.raises(AmbiguousReference):
            resolve("weakly supervised")
        with pytest.raises(PaperNotFound):
            resolve("adaptive-affinity-feld")


@pytest.fixture(scope="module")
def enriched(tmp_path_factory):
    """An enriched copy of the shipped catalog: references, citations and outside papers made
    up from its own entries, so next, discover and stats have citation data to disagree on."""
    mp = pytest.MonkeyPatch()
    mp.setenv("WSSKG_CACHE_DIR", str(tmp_path_factory.mktemp("enriched-cache")))
    path = tmp_path_factory.mktemp("enriched") / "catalog.yaml"
    catalog = wsskg.load_catalog(REPO / "catalog.yaml", use_index=False)
    entries = catalog.entries
    for i, e in enumerate(entries):
        e.s2_id = f"s2-{i}"
        e.status = "read" if i % 7 == 0 else e.status
    for i, e in enumerate(entries):
        e.references = [f"s2-{(i * 3 + k) % len(entries)}" for k in (1, 5)] + [f"out-{i % 11}", f"out-{i % 4}"]
        e.cited_by = [f"s2-{(i * 5 + 2) % len(entries)}", f"new-{i % 9}"]
    catalog.external = {f"out-{k}": {"title": f"Outside classic {k}", "year": 2000 + k, "citation_count": 100 * k}
                        for k in range(11)}
    catalog.external.update({f"new-{k}": {"title": f"Newer work {k}", "year": 2020 + k % 3} for k in range(9)})
    wsskg.save_catalog(path, catalog)
    lib = wsskg.open(path)
    yield path, lib, wsskg.load_catalog(path)
    lib.close()
    mp.undo()


@pytest.mark.parametrize("topic", [None, "context"])
def test_next_agrees(enriched, topic):
    path, lib, catalog = enriched
    args = ["--topic", topic] if topic else []
    cli = cli_json("next", "--json", "-n", 15, *args, "-c", path)
    assert cli
    assert lib.next(limit=15, topic=topic) == cli
    assert wsskg.next_papers(catalog, limit=15, topic=topic) == cli


@pytest.mark.parametrize("direction", ["cited", "citing"])
def test_discover_agrees(enriched, direction):
    path, lib, catalog = enriched
    cli = cli_json("discover", "--json", "--direction", direction, "--offline", "-c", path)
    assert cli
    assert lib.discover(direction=direction) == cli
    assert wsskg.discover(catalog, direction=direction) == cli


def test_stats_agree(enriched, shipped):
    for path, lib, catalog in (enriched, shipped):
        cli = cli_json("stats", "--json", "-c", path)
        assert cli["totals"]["entries"] > 100
        assert lib.stats() == cli
        assert wsskg.stats(catalog) == cli
