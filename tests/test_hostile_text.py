"""Hostile text found by the robustness and property work: each test once hung, crashed or
lost data (quadratic venue regex, duplicate @string, terminal escapes, a pipe in a table title)."""

from __future__ import annotations

import time

import pytest

from wsskg.catalog import Catalog, Topic, normalize_title
from wsskg.export import to_markdown
from wsskg.formats.markdown import parse_markdown
from wsskg.store import load_catalog, parse_catalog, render

from conftest import REPO


@pytest.mark.slow
def test_normalize_title_is_linear_on_runs_of_spaces_and_commas():
    for hostile in (" " * 200_000, "*_" * 100_000, "," * 200_000 + "x", "a" + " ,;" * 70_000 + "b"):
        t0 = time.perf_counter()
        normalize_title(hostile)
        assert time.perf_counter() - t0 < 1.0
    assert normalize_title("Deep Lab, CVPR2018") == "deep lab"
    assert normalize_title("Deep Lab (ICCV 2019 oral)") == "deep lab"


@pytest.mark.slow
def test_markdown_import_of_a_hostile_line_is_bounded():
    t0 = time.perf_counter()
    parse_markdown("# T\n## A\n- [ ] " + "*_" * 200_000 + "\n")
    assert time.perf_counter() - t0 < 5


def test_duplicate_string_macro_is_not_a_traceback():
    from wsskg.formats.bibtex import parse_bibtex

    cat, problems = parse_bibtex('@string{a = "b"}\n@string{a = "c"}\n@article{k, title = {T}, journal = a, year = 2020}\n')
    assert [e.title for e in cat.entries] == ["T"]


def test_bibtex_problems_are_one_line_each():
    from wsskg.formats.bibtex import parse_bibtex

    _, problems = parse_bibtex("@article{key0,\n  title = {AA},\n  j\nJournal 0},\n  year = {1950}\n}\n")
    assert problems and all("\n" not in p for p in problems)


def test_terminal_control_characters_are_not_printed(seed_catalog_file):
    """Entry titles, topic names (the TOPICS column, ``topics``, ``stats``) and the list's own
    title (``stats``) all come from the file: none may drive the terminal."""
    from typer.testing import CliRunner

    from wsskg.cli import app

    evil = "\x1b[2J\x1b]0;owned\x07 \x9b1m \u202e"
    text = seed_catalog_file.read_text(encoding="utf-8")
    cat = parse_catalog(text)
    cat.title = "Evil list " + evil
    for t in cat.topics:
        t.name = t.name + evil
    e = cat.entries[0]
    e.title = "Evil " + evil + " title"
    seed_catalog_file.write_text(render(cat), encoding="utf-8")
    for args in (["list"], ["show", e.id], ["search", "evil"], ["topics"], ["stats"], ["next"]):
        r = CliRunner().invoke(app, args + ["-c", str(seed_catalog_file)])
        assert r.exit_code == 0, (args, r.stderr)
        for c in ("\x1b", "\x07", "\x9b", "\u202e"):
            assert c not in r.stdout and c not in r.stderr, (args, repr(c))


def test_pipe_in_results_table_title_survives_export_import():
    cat = load_catalog(REPO / "catalog.yaml", use_index=False)
    e = next(e for e in cat.entries if e.results)
    e.title = "A | B title"
    cat.layout = []  # the rendered export (an imported list is given back verbatim instead)
    back = parse_markdown(to_markdown(cat))
    b = next(x for x in back.entries if x.links and x.links[0].url == e.links[0].url)
    assert b.title == "A | B title" and b.results and b.results[0].values == e.results[0].values


def test_empty_topic_name_survives_save_and_load():
    cat = Catalog(topics=[Topic(path="untitled", name="")])
    assert parse_catalog(render(cat)).topics[0].name == ""


@pytest.mark.slow
def test_entry_lines_full_of_separators_import_in_linear_time():
    """split_title once copied the line per separator: 20,000 commas took 5.6 s."""
    for pat in ("word, ", "a: ", "Word Word: ", "x. "):
        t0 = time.perf_counter()
        cat = parse_markdown("# T\n## A\n- [ ] " + pat * 100_000 + "\n")
        assert time.perf_counter() - t0 < 5, pat
        assert len(cat.entries) == 1
