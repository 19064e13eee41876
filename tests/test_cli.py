"""The core commands end to end through typer's CliRunner, and their library functions."""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import REPO
from wsskg.cli import app
from wsskg.store import load_catalog, set_status

runner = CliRunner()


def run(*args, **kw):
    return runner.invoke(app, [str(a) for a in args], **kw)


def test_search_affinity_lists_the_two_affinity_papers_first(seed_catalog_file):
    r = run("search", "affinity", "-c", seed_catalog_file)
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()[1:3]
    assert "Learning Pixel-level Semantic Affinity with Image-level Supervision" in lines[0]
    assert "Adaptive Affinity Field for Semantic Segmentation" in lines[1]
    data = json.loads(run("search", "affinity", "--json", "-c", seed_catalog_file).stdout)
    assert [d["id"] for d in data[:2]] == ["learning-pixel-level", "adaptive-affinity-field-2018"]
    for key in ("id", "kind", "title", "topics", "status", "venue", "year", "authors", "arxiv_id",
                "s2_id", "doi", "links", "notes"):
        assert key in data[0]


@pytest.mark.parametrize("query, topic", [("saliancy", "Reading List/Saliency"), ("webly", "Reading List/webly"),
                                          ("Affinities", "Reading List/affinity")])
def test_search_is_topic_first_and_typo_tolerant(seed_catalog_file, query, topic):
    data = json.loads(run("search", query, "--json", "-c", seed_catalog_file).stdout)
    assert data and topic in data[0]["topics"]


def test_search_filters(seed_catalog_file):
    data = json.loads(run("search", "affinity", "--status", "unread", "--json", "-c", seed_catalog_file).stdout)
    assert data and all(d["status"] == "unread" for d in data)
    data = json.loads(run("search", "segmentation", "--year", "2019", "--json", "-c", seed_catalog_file).stdout)
    assert data and all(d["year"] == 2019 for d in data)
    r = run("search", "affinity", "--status", "done", "-c", seed_catalog_file)
    assert r.exit_code == 2 and "unknown status" in r.stderr


def test_read_changes_only_that_entry_and_export_follows(seed_catalog_file):
    before = seed_catalog_file.read_text(encoding="utf-8")
    assert "Normalized Cut Loss" in run("export", "--status", "unread", "-c", seed_catalog_file).stdout
    r = run("read", "normalized-cut-loss", "-c", seed_catalog_file)
    assert r.exit_code == 0, r.stderr
    after = seed_catalog_file.read_text(encoding="utf-8")
    diff = [ln for ln in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
            if ln.startswith(("+", "-")) and not ln.startswith(("+++", "---"))]
    assert diff == ["-  status: unread", "+  status: read", f"+  read_on: {load_catalog(seed_catalog_file).get('normalized-cut-loss').read_on!r}".replace("'", '"')]
    # the changed lines are inside that entry's block
    block = after.split("- id: normalized-cut-loss\n", 1)[1].split("\n- id:", 1)[0]
    assert "status: read" in block
    assert "Normalized Cut Loss" not in run("export", "--status", "unread", "-c", seed_catalog_file).stdout
    assert "- [x] [Normalized Cut Loss" in run("export", "-c", seed_catalog_file).stdout
    r = run("unread", "normalized-cut-loss", "-c", seed_catalog_file)
    assert r.exit_code == 0 and seed_catalog_file.read_text(encoding="utf-8") == before


def test_reading_state_and_refs_by_arxiv_id_and_title(seed_catalog_file):
    r = run("reading", "1804.01346", "Gated CRF", "-c", seed_catalog_file)
    assert r.exit_code == 0, r.stderr
    cat = load_catalog(seed_catalog_file)
    assert cat.get("normalized-cut-loss").status == "reading"
    assert cat.get("gated-crf-loss").status == "reading"
    assert "- [~] [Normalized Cut Loss" in run("export", "-c", seed_catalog_file).stdout


def test_unknown_and_ambiguous_refs_exit_1_and_change_nothing(seed_catalog_file):
    before = seed_catalog_file.read_bytes()
    r = run("read", "adaptive-affinity-feld", "-c", seed_catalog_file)
    assert r.exit_code == 1
    assert r.stderr.count("\n") == 1 and "closest: adaptive-affinity-field-2018" in r.stderr
    r = run("read", "gated-crf-loss", "weakly supervised", "-c", seed_catalog_file)
    assert r.exit_code == 1 and "matches" in r.stderr and "use an id" in r.stderr
    assert seed_catalog_file.read_bytes() == before  # the valid first ref was not applied either


def test_set_status_library_function(seed_catalog_file):
    changes = set_status(seed_catalog_file, ["zero-shot-semantic"], "read", today="2026-01-02")
    assert [(e.id, old) for e, old in changes] == [("zero-shot-semantic", "unread")]
    e = load_catalog(seed_catalog_file, use_index=False).get("zero-shot-semantic")
    assert (e.status, e.read_on) == ("read", "2026-01-02")


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda t: t.replace("  kind: paper\n", "   kind: paper\n", 1), r"catalog\.yaml:\d+: "),
        (lambda t: t.replace("- id: dsrg-2018\n", "- id: dsrg-2018\n  evil: !!python/object/apply:os.system ['echo hacked']\n", 1),
         r"catalog\.yaml:\d+: YAML tag tag:yaml.org,2002:python/object/apply:os.system is not allowed"),
        (lambda t: t.replace("- id: mdc-2018\n", "- id: dsrg-2018\n", 1), r"catalog\.yaml:\d+: duplicate id 'dsrg-2018'"),
        (lambda t: t.replace("  status: read\n", "  status: done\n", 1), r"catalog\.yaml:\d+: entry '[\w-]+': unknown status 'done'"),
    ],
    ids=["indentation", "python-tag", "duplicate-id", "unknown-status"],
)
def test_malformed_catalog_is_one_line_exit_2_and_untouched(seed_catalog_file, mutate, message):
    seed_catalog_file.write_text(mutate(seed_catalog_file.read_text(encoding="utf-8")), encoding="utf-8")
    before = seed_catalog_file.read_bytes()
    for args in (["list"], ["read", "dsrg-2018"], ["check"]):
        r = run(*args, "-c", seed_catalog_file)
        assert r.exit_code == 2, (args, r.stdout, r.stderr)
        assert r.stderr.count("\n") == 1 and re.search(message, r.stderr), r.stderr
        assert seed_catalog_file.read_bytes() == before


def test_bundled_default_for_read_only_commands_init_for_writers(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = run("list", "--limit", "3")
    assert r.exit_code == 0 and "bundled default catalog" in r.stderr
    r = run("read", "dsrg-2018")
    assert r.exit_code == 2 and "wsskg init" in r.stderr
    assert not (tmp_path / "catalog.yaml").exists()
    assert run("init").exit_code == 0
    assert (tmp_path / "catalog.yaml").read_bytes() == (REPO / "catalog.yaml").read_bytes()
    r = run("init")
    assert r.exit_code == 2 and "already exists" in r.stderr
    assert run("init", "--empty", "--force").exit_code == 0
    assert load_catalog(tmp_path / "catalog.yaml").entries == []


def test_catalog_env_var(tmp_path, monkeypatch, seed_catalog_file):
    monkeypatch.setenv("WSSKG_CATALOG", str(seed_catalog_file))
    assert run("read", "dsrg-2018").exit_code == 0
    assert load_catalog(seed_catalog_file).get("dsrg-2018").status == "read"
    monkeypatch.setenv("WSSKG_CATALOG", str(tmp_path / "missing.yaml"))
    r = run("list")
    assert r.exit_code == 2 and "missing.yaml" in r.stderr


def test_import_creates_refuses_to_overwrite_and_round_trips(tmp_path):
    target = tmp_path / "cat.yaml"
    r = run("import", REPO / "tests/data/reading-list.md", "-c", target)
    assert r.exit_code == 0, r.stderr
    assert "Imported 114 entries" in r.stdout
    assert target.read_bytes() == (REPO / "catalog.yaml").read_bytes()
    r = run("import", REPO / "tests/data/reading-list.md", "-c", target)
    assert r.exit_code == 2 and "--merge" in r.stderr
    md = tmp_path / "out.md"
    assert run("export", "-o", md, "-c", target).exit_code == 0
    again = tmp_path / "again.yaml"
    assert run("import", md, "-c", again).exit_code == 0
    assert again.read_bytes() == target.read_bytes()
    r = run("import", tmp_path / "nope.md", "-c", tmp_path / "x.yaml")
    assert r.exit_code == 2 and "no such file" in r.stderr


def test_topics_counts(seed_catalog_file):
    rows = json.loads(run("topics", "--json", "-c", seed_catalog_file).stdout)
    aff = next(r for r in rows if r["path"] == "Reading List/affinity")
    assert (aff["read"], aff["total"]) == (2, 2)
    rl = next(r for r in rows if r["path"] == "Reading List")
    assert rl["total"] > 60 and rl["read"] < rl["total"]
    text = run("topics", "-c", seed_catalog_file).stdout
    assert re.search(r"^  affinity\s+2/2 read$", text, re.M)


def test_show_and_list(seed_catalog_file):
    r = run("show", "1802.10171", "-c", seed_catalog_file)  # the GAIN row and its paper: one work
    assert r.exit_code == 0 and "tell-me-where-2018" in r.stdout and "gain-2018" in r.stdout
    d = json.loads(run("show", "tell-me-where-2018", "--json", "-c", seed_catalog_file).stdout)
    assert d["venue"] == "CVPR2018" and d["links"][0]["url"].endswith("1802.10171.pdf")
    text = run("show", "Adaptive Affinity Field", "-c", seed_catalog_file).stdout
    assert "ECCV2018" in text and "Reading List/affinity" in text
    data = json.loads(run("list", "--kind", "code", "--json", "-c", seed_catalog_file).stdout)
    assert data and all(d["kind"] == "code" for d in data)


def test_check_reports_the_wrong_link(seed_catalog_file):
    r = run("check", "-c", seed_catalog_file)
    assert r.exit_code == 1
    assert re.search(r"error: \[shared-arxiv-id\] arXiv 1811.10842 .*cian-2019.*ficklenet-2019", r.stdout)
    findings = json.loads(run("check", "--json", "-c", seed_catalog_file).stdout)
    assert {f["code"] for f in findings} >= {"shared-arxiv-id", "no-link"}


def test_export_formats_and_filters(seed_catalog_file, tmp_path):
    md = run("export", "--topic", "affinity", "-c", seed_catalog_file).stdout
    assert md.startswith("#### affinity") and "Adaptive Affinity Field" in md and "DSRG" not in md
    rows = run("export", "--format", "csv", "-c", seed_catalog_file).stdout.splitlines()
    assert rows[0].startswith("id,kind,status") and len(rows) == 115
    doc = json.loads(run("export", "--format", "json", "-c", seed_catalog_file).stdout)
    assert len(doc["entries"]) == 114 and doc["topics"][0]["path"] == "Top Works"
    r = run("export", "--format", "pdf", "-c", seed_catalog_file)
    assert r.exit_code == 2
    r = run("export", "--topic", "nope", "-c", seed_catalog_file)
    assert r.exit_code == 1 and "wsskg topics" in r.stderr


def test_version_and_help():
    from wsskg import __version__

    r = run("--version")
    assert r.exit_code == 0 and r.stdout.strip() == f"wsskg {__version__}"
    r = run("--help")
    for cmd in ("import", "init", "list", "topics", "search", "show", "read", "reading", "unread", "check", "export"):
        assert re.search(rf"^\s+{cmd}\s", r.stdout, re.M), cmd


def test_python_dash_m_and_plain_output_to_a_pipe(seed_catalog_file):
    import os
    import subprocess
    import sys

    from wsskg import __version__

    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    r = subprocess.run([sys.executable, "-m", "wsskg", "--version"], capture_output=True, text=True, env=env)
    assert r.returncode == 0 and r.stdout.strip() == f"wsskg {__version__}"
    r = subprocess.run([sys.executable, "-m", "wsskg", "list", "-c", str(seed_catalog_file), "--status", "read"],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0 and "\x1b[" not in r.stdout and "adaptive-affinity-field-2018" in r.stdout
    r = subprocess.run([sys.executable, "-m", "wsskg", "show", "nope-nope", "-c", str(seed_catalog_file)],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 1 and r.stdout == "" and r.stderr.startswith("Error: no entry matches 'nope-nope'")


def test_every_command_has_help_with_an_example():
    r = run("--help")
    assert "--install-completion" in r.stdout
    commands = re.findall(r"^\s{2}([a-z][\w-]*)\s{2,}", r.stdout.split("Commands", 1)[1], re.M)
    assert len(commands) >= 11
    for cmd in commands:
        h = run(cmd, "--help")
        assert h.exit_code == 0 and "Example" in h.stdout, cmd


def test_unwritable_output_and_bad_kind_are_one_line_errors(seed_catalog_file, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = run("export", "-o", blocker / "sub" / "out.md", "-c", seed_catalog_file)
    assert r.exit_code == 1 and r.stderr.startswith("Error: ") and r.stderr.count("\n") == 1
    r = run("list", "--kind", "paperz", "-c", seed_catalog_file)
    assert r.exit_code == 2 and "unknown kind 'paperz'" in r.stderr
