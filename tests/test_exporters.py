"""One exporter registry: every format behind one signature and one selection path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from wsskg import exporters
from wsskg.cli import app
from wsskg.formats.markdown import read_markdown

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="module")
def seed():
    return read_markdown(DATA / "reading-list.md")


def test_registry_holds_every_format_and_the_cli_offers_exactly_those():
    assert set(exporters.names()) >= {"markdown", "json", "csv", "bibtex", "csl-json", "graphml", "gexf", "dot",
                                      "graph-json", "html"}
    help_text = CliRunner().invoke(app, ["export", "--help"]).stdout
    for name in exporters.names():
        assert name in help_text
    r = CliRunner().invoke(app, ["export", "--format", "pdf"])
    assert r.exit_code == 2


@pytest.mark.parametrize("fmt", [n for n in exporters.names()])
def test_every_exporter_has_the_one_signature_and_honours_the_selection(seed, fmt):
    everything = exporters.export(seed, fmt)
    some = exporters.export(seed, fmt, status="read")
    assert isinstance(everything, str) and isinstance(some, str) and everything
    read_ids = {e.id for e in seed.entries if e.status == "read"}
    unread = next(e for e in seed.entries if e.status == "unread" and e.kind == "paper" and e.id not in read_ids)
    if fmt in ("json", "csv", "bibtex", "csl-json", "graph-json", "graphml", "gexf", "dot"):
        assert unread.id in everything and unread.id not in some, fmt


def test_json_has_the_same_shape_with_and_without_filters(seed):
    full = json.loads(exporters.export(seed, "json"))
    part = json.loads(exporters.export(seed, "json", status="read"))
    tagged = json.loads(exporters.export(seed, "json", tag="nothing-has-this-tag"))
    assert isinstance(full, dict) and isinstance(part, dict) and isinstance(tagged, dict)
    assert set(part) <= set(full) and "entries" in part and "topics" in part
    assert {e["status"] for e in part["entries"]} == {"read"} and tagged["entries"] == []
    used = {t for e in part["entries"] for t in e["topics"]}
    assert {t["path"] for t in part["topics"]} <= {p for u in used for p in _ancestors(u)}


def _ancestors(path):
    parts = path.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]


def test_selection_is_shared_topic_and_tag(seed):
    sub, entries = exporters.select(seed, topic="affinity")
    assert entries and all(any("affinity" in t for t in e.topics) for e in entries)
    assert sub.entries == entries and seed.entries != entries  # the catalog itself is untouched
    md = exporters.export(seed, "markdown", topic="affinity")
    assert md.startswith("#### affinity")


def test_bibtex_and_csl_name_the_work_not_the_label():
    """A results-table row or a repo name is not the work's title when the catalog says more:
    the title of another entry for the same work, or a comment that is the title."""
    import bibtexparser

    from wsskg.catalog import Catalog, Entry, Link, Result, Topic

    rows = [
        Entry(id="gain-2018", title="GAIN", venue="CVPR2018", year=2018, arxiv_id="1802.10171", topics=["T"],
              results=[Result(table="T", values={"val": "55.3"})]),
        Entry(id="psa-2018", title="psa", venue="CVPR2018", year=2018, topics=["T"],
              links=[Link(url="https://github.com/jiwoon-ahn/psa", kind="code")],
              comment="Learning Pixel-level Semantic Affinity with Image-level Supervision for Weakly Supervised Semantic Segmentation"),
        Entry(id="dsrg-2018", title="DSRG", venue="CVPR2018", year=2018, topics=["T"], comment="Caffe, CAM and DRFI provided"),
        Entry(id="gain-full", title="Tell me where to look: Guided Attention Inference Network", year=2018,
              arxiv_id="1802.10171", topics=["U"]),
    ]
    cat = Catalog(topics=[Topic(path="T", name="T"), Topic(path="U", name="U")], entries=rows)
    bib = bibtexparser.parse_string(exporters.export(cat, "bibtex"))
    titles = {e.key: e.fields_dict["title"].value for e in bib.entries}
    assert titles["psa-2018"].startswith("Learning Pixel-level Semantic Affinity")
    assert titles["gain-2018"].startswith("Tell me where to look")  # another entry, same arXiv id
    assert titles["dsrg-2018"] == "{DSRG}"  # nothing better known: the label
    # the same on a filtered export, where the other entry is not selected
    some = bibtexparser.parse_string(exporters.export(cat, "bibtex", topic="T"))
    assert {e.key: e.fields_dict["title"].value for e in some.entries}["gain-2018"].startswith("Tell me")
    items = {i["id"]: i for i in json.loads(exporters.export(cat, "csl-json"))}
    assert items["psa-2018"]["title"].startswith("Learning Pixel-level")


def test_an_untitled_record_is_no_bare_bullet_in_markdown():
    from wsskg.formats.bibtex import parse_bibtex

    cat, _ = parse_bibtex("@misc{nt, author={Doe, J.}}\n@misc{t, title={Titled}}\n", "refs.bib")
    md = exporters.export(cat, "markdown")
    assert "- nt" in md.splitlines() and "- Titled" in md.splitlines()
    assert not any(line.strip() == "-" for line in md.splitlines())
    assert cat.entries[0].title == ""  # the catalog itself is unchanged
