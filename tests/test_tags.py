"""Tags, not topics: keywords become tags, `wsskg tag`/`untag` edit only that entry's lines,
and `--tag` narrows list, search and export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from wsskg.cli import app

DATA = Path(__file__).resolve().parent / "data"
runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def bib_catalog(tmp_path) -> Path:
    cat = tmp_path / "catalog.yaml"
    r = run("import", DATA / "zotero-export.bib", "-c", cat)
    assert r.exit_code == 0, r.stderr
    return cat


def _changed_lines(before: str, after: str) -> list[tuple[str, str]]:
    import difflib

    return [ln for ln in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
            if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]


def test_tag_and_untag_change_only_that_entrys_tags_lines(bib_catalog):
    # a hand-written comment elsewhere: a full rewrite would drop it, a one-entry edit keeps it
    text = bib_catalog.read_text(encoding="utf-8").replace("- id: chen_deeplab_2018\n", "- id: chen_deeplab_2018\n  # my own note\n", 1)
    bib_catalog.write_text(text, encoding="utf-8")
    before = bib_catalog.read_text(encoding="utf-8")
    assert "# my own note" in before
    r = run("tag", "ahn_learning_2018", "to-cite", "deep crf", "-c", bib_catalog)
    assert r.exit_code == 0, r.stderr
    after = bib_catalog.read_text(encoding="utf-8")
    assert _changed_lines(before, after) == [
        "-  tags: [Top Works/PASCAL VOC2012, Reading List/affinity]",
        "+  tags: [Top Works/PASCAL VOC2012, Reading List/affinity, to-cite, deep crf]",
    ]
    # an entry without tags gets a tags line in its block, nothing else moves
    r = run("tag", "zhang_reliability_2020", "later", "-c", bib_catalog)
    assert r.exit_code == 0, r.stderr
    after2 = bib_catalog.read_text(encoding="utf-8")
    assert _changed_lines(after, after2) == ["+  tags: [later]"]
    # untag back to the original text
    run("untag", "ahn_learning_2018", "to-cite", "deep crf", "-c", bib_catalog)
    run("untag", "zhang_reliability_2020", "later", "-c", bib_catalog)
    assert bib_catalog.read_text(encoding="utf-8") == before
    # an unknown entry changes nothing and says so in one line
    r = run("tag", "no-such-paper-anywhere", "x", "-c", bib_catalog)
    assert r.exit_code != 0 and len(r.stderr.strip().splitlines()) == 1
    assert bib_catalog.read_text(encoding="utf-8") == before


def test_a_long_tag_list_is_written_as_a_block_and_edited_in_place(bib_catalog):
    many = [f"tag-number-{i}" for i in range(12)]
    assert run("tag", "hong_weakly_2017", *many, "-c", bib_catalog).exit_code == 0
    text = bib_catalog.read_text(encoding="utf-8")
    assert "  - tag-number-11" in text
    r = run("untag", "hong_weakly_2017", *many[:11], "-c", bib_catalog, "--json")
    assert json.loads(r.stdout)[0]["tags"][-1] == "tag-number-11"
    from wsskg.store import load_catalog

    tags = load_catalog(bib_catalog).get("hong_weakly_2017").tags
    assert tags[-1] == "tag-number-11" and not any(t.startswith("tag-number-1") and t != "tag-number-11" for t in tags)


def test_tag_filter_on_list_search_and_export(bib_catalog):
    run("tag", "ahn_learning_2018", "To-Cite", "-c", bib_catalog)
    run("tag", "chen_deeplab_2018", "to-cite", "-c", bib_catalog)
    listed = json.loads(run("list", "--tag", "to-cite", "--json", "-c", bib_catalog).stdout)
    assert [e["id"] for e in listed] == ["ahn_learning_2018", "chen_deeplab_2018"]
    hits = json.loads(run("search", "segmentation", "--tag", "to-cite", "--json", "-c", bib_catalog).stdout)
    assert {h["id"] for h in hits} <= {"ahn_learning_2018", "chen_deeplab_2018"} and hits
    bib = run("export", "--format", "bibtex", "--tag", "to-cite", "-c", bib_catalog).stdout
    assert bib.count("\n@") + bib.startswith("@") == 2 and "keywords = {" in bib and "To-Cite" in bib
    # keywords from the file are tags too
    voc = json.loads(run("list", "--tag", "reading list/affinity", "--json", "-c", bib_catalog).stdout)
    assert "ahn_learning_2018" in [e["id"] for e in voc]


def test_keywords_are_tags_and_topics_stay_headings(bib_catalog, tmp_path):
    topics = run("topics", "-c", bib_catalog).stdout
    assert topics.split()[0] == "zotero-export" and "affinity" not in topics
    old = tmp_path / "old.yaml"
    assert run("import", DATA / "zotero-export.bib", "--keywords-as-topics", "-c", old).exit_code == 0
    assert "affinity" in run("topics", "-c", old).stdout
