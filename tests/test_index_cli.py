"""CLI habits around the index-backed commands (issue 13 item 5): the catalog option before
the command, ambiguous references one per line, plurals, papers without a year in `stats`."""

from __future__ import annotations

import json
import re

from typer.testing import CliRunner

from conftest import SEED
from wsskg.cli import app

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_catalog_option_before_or_after_the_command(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = run("--catalog", tmp_path / "mine.yaml", "import", SEED)
    assert r.exit_code == 0, r.stderr
    assert (tmp_path / "mine.yaml").exists() and not (tmp_path / "catalog.yaml").exists()
    r = run("-c", tmp_path / "mine.yaml", "list", "--json")
    assert r.exit_code == 0 and len(json.loads(r.stdout)) > 100
    # the command's own option wins over the one before it
    r = run("-c", tmp_path / "missing.yaml", "list", "-c", tmp_path / "mine.yaml", "-n", "1")
    assert r.exit_code == 0, r.stderr
    # and it applies to that one command only
    r = run("read", "dsrg-2018")
    assert r.exit_code == 2 and "wsskg init" in r.stderr


def test_ambiguous_reference_lists_candidates_one_per_line(seed_catalog_file):
    r = run("read", "weakly supervised", "-c", seed_catalog_file)
    assert r.exit_code == 1
    lines = r.stderr.rstrip("\n").split("\n")
    assert "matches" in lines[0] and "use an id" in lines[0]
    assert len(lines) >= 3
    for ln in lines[1:-1]:
        assert re.match(r"^  [A-Za-z][\w.:+\-]*  (\d{4}|----)  \S", ln), ln
    r = run("show", "adaptive-affinity-feld", "-c", seed_catalog_file)
    assert r.exit_code == 1 and r.stderr.count("\n") == 1  # not found: still one line


def test_plural_of_entry_and_papers_without_a_year(seed_catalog_file):
    from wsskg.recommend import _plural

    assert _plural(7161, "entry") == "7161 entries" and _plural(1, "entry") == "1 entry"
    assert _plural(2, "paper") == "2 papers" and _plural(3, "day") == "3 days"
    r = run("stats", "-c", seed_catalog_file)
    assert r.exit_code == 0
    m = re.search(r"\((\d+) papers? without a year, not counted above\)", r.stdout)
    data = json.loads(run("stats", "--json", "-c", seed_catalog_file).stdout)
    assert m and int(m.group(1)) == data["papers_without_year"] > 0
    counted = sum(c for _, c in data["years"])
    assert counted + data["papers_without_year"] == data["totals"]["papers"]
