"""The reader on small committed fixtures of each shape (tests/data/shapes.md, written for the
tests): clean titles, short names, venues and years wherever the list puts them, one entry per
work, navigation never an entry, and the file given back byte for byte."""

from __future__ import annotations

import pytest

from conftest import DATA
from wsskg.export import to_markdown
from wsskg.formats.markdown import parse_markdown, read_markdown
from wsskg.text import has_markup

SHAPES = DATA / "shapes.md"


@pytest.fixture(scope="module")
def cat():
    return read_markdown(SHAPES)


def _by_title(cat, title):
    hits = [e for e in cat.entries if e.title == title]
    assert len(hits) == 1, (title, [e.title for e in cat.entries])
    return hits[0]


@pytest.mark.parametrize("title, short, venue, year", [
    ("Frozen Zebra Networks for Striped Segmentation", "FZN", "ICME2021", 2021),  # **ABBR:** "Title" *VENUE*
    ("Gentle Badgers Dig Deep Features", None, "ECCV", None),  # [[VENUE](url)] Title. [[code]] tags emoji
    ("Silent Video Object Segmentation with Sleepy Cats", "SVOS", None, None),  # tags and links first
    ("Purple Lynx: Cross-modal Consensus for Weak Labels", "PLX", "AAAI'20", 2020),  # N. <span>[ABBR]</span> | ...
    ("Moths Attend to Lamps: Light-guided Attention", "MOTH", "CVPR 16", 2016),  # N. <span>[ABBR]</span> [T](u), `V`.
    ("Patient Snails Outrun Transformers", None, "arxiv 25.10", 2025),  # arXiv yy.mm
    ("Dancing Robots Perceive Rhythm in Videos", None, "CVPR 2025", 2025),  # venue from ### CVPR 2025
    ("Elastic Kangaroos Jump Over Occlusions", None, "NeurIPS 2019", 2019),  # record + authors bullet
    ("Humble Hedgehogs Handle Hard Negatives", None, "CVPR'19", 2019),  # heading paper
    ("Open Meadows: Zero-shot Grass Segmentation", None, "CVPR", 2022),  # table with header names
])
def test_fields_of_each_shape(cat, title, short, venue, year):
    e = _by_title(cat, title)
    assert (e.short_name, e.venue, e.year) == (short, venue, year)
    assert e.kind == "paper"
    assert not has_markup(e.title)


def test_no_title_keeps_markup(cat):
    assert [e.title for e in cat.entries if has_markup(e.title)] == []


def test_record_authors_and_links(cat):
    e = _by_title(cat, "Elastic Kangaroos Jump Over Occlusions")
    assert e.authors == ["Ada Lovelace", "Alan Turing", "Grace Hopper"]
    assert [m.form for m in e.mentions] == ["record"]
    assert {ln.kind for ln in e.links} == {"pdf", "code"} or {ln.kind for ln in e.links} == {"paper", "code"}


def test_heading_paper_keeps_links_line_and_notes(cat):
    e = _by_title(cat, "Humble Hedgehogs Handle Hard Negatives")
    assert [m.form for m in e.mentions] == ["heading"]
    assert any("github.com/example/hedgehogs" in ln.url for ln in e.links)
    assert e.notes == ["**Motivation**: hard negatives hurt", "**Method**: a spiky loss"]
    assert all(t.name != "[Humble Hedgehogs Handle Hard Negatives](https://arxiv.org/abs/1811.00008) CVPR'19"
               for t in cat.topics)


def test_one_work_one_entry_with_every_mention(cat):
    owls = _by_title(cat, "Quiet Owls Learn Night Vision")
    assert [(m.form, m.line) for m in owls.mentions] == [("checkbox", 12), ("bullet", 15), ("row", 52), ("code", 57)]
    assert owls.short_name == "QOL" and owls.status == "read"
    assert all(m.evidence for m in owls.mentions[1:])
    lynx = _by_title(cat, "Purple Lynx: Cross-modal Consensus for Weak Labels")  # [PLX](#7001) -> span id 7001
    assert [m.form for m in lynx.mentions] == ["numbered", "row"] and "#7001" in lynx.mentions[1].evidence
    kim = _by_title(cat, "Counting Clouds with Category-level Center Loss")
    assert kim.results and kim.results[0].bold == ["@0.5"]


def test_versions_and_shared_code_links_stay_apart(cat):
    # v1 and v2 share a code link: different works
    assert _by_title(cat, "Open Meadows: Zero-shot Grass Segmentation") is not _by_title(cat, "Open Meadows v2: Bigger Fields")


def test_navigation_badges_and_lists_are_not_papers(cat):
    assert not any(e.title in ("Bullets", "Tables", "Results") for e in cat.entries)  # the Contents block
    zebras = _by_title(cat, "awesome-zebras")
    assert zebras.kind == "list"


def test_export_gives_the_file_back_byte_for_byte(cat):
    assert to_markdown(cat) == SHAPES.read_text(encoding="utf-8")


def test_export_after_a_status_change_differs_only_in_that_checkbox(cat):
    import copy

    c = copy.deepcopy(cat)
    _by_title(c, "Frozen Zebra Networks for Striped Segmentation").status = "read"
    _by_title(c, "Quiet Owls Learn Night Vision").status = "unread"
    out = to_markdown(c).split("\n")
    src = SHAPES.read_text(encoding="utf-8").split("\n")
    diff = [(a, b) for a, b in zip(src, out) if a != b]
    assert diff == [("- [x] [Quiet Owls Learn Night Vision](https://arxiv.org/abs/2101.00001), CVPR 2021 [[code]](https://github.com/example/owls)",
                     "- [ ] [Quiet Owls Learn Night Vision](https://arxiv.org/abs/2101.00001), CVPR 2021 [[code]](https://github.com/example/owls)")]
    with_boxes = to_markdown(c, checkboxes=True)
    assert "- [x] **FZN:** \"Frozen Zebra" in with_boxes and "1. [ ] <span" in with_boxes


def test_new_entries_render_under_their_topic(cat):
    import copy

    from wsskg.catalog import Entry

    c = copy.deepcopy(cat)
    c.entries.append(Entry(id="new-one", title="A Freshly Added Paper", topics=["Codes"], form="bullet"))
    out = to_markdown(c)
    assert "- A Freshly Added Paper" in out
    assert out.index("- A Freshly Added Paper") > out.index("## Codes") and out.index("- A Freshly Added Paper") < out.index("## Other lists")


@pytest.mark.parametrize("text", [
    "# T\n\n## A\n- [x] Paper One About Things, CVPR 2019\n\n\n- [ ] Paper One About Things, CVPR 2019\n",
    "\ufeff# T\r\n\r\n## A\r\n- Some Paper Title Here [[pdf]](https://arxiv.org/abs/1901.00001)\r\n",
    "# T\n\n## A\n| a | b |\n|---|---|\n| x | y |\n\nno trailing newline",
    "",
    "just text\n",
])
def test_round_trip_of_odd_files(text):
    assert to_markdown(parse_markdown(text)) == text


@pytest.mark.parametrize("line, authors, venue, year", [
    ("Ada Lovelace, Alan Turing. *WASPAA 2019*", ["Ada Lovelace", "Alan Turing"], "WASPAA 2019", 2019),  # unknown venue
    ("Ada Lovelace, Alan Turing. *Findings of EMNLP 2020*", ["Ada Lovelace", "Alan Turing"], "Findings of EMNLP 2020", 2020),
    ("Lovelace, Ada and Turing, Alan. *ICCV 2015*", ["Lovelace", "Ada", "Turing", "Alan"], "ICCV 2015", 2015),
    ("Grace Hopper*, Alan Turing", ["Grace Hopper", "Alan Turing"], None, None),
])
def test_authors_lines(line, authors, venue, year):
    from wsskg.formats.markdown.fields import parse_authors_line

    assert parse_authors_line(line) == (authors, venue, year)


@pytest.mark.parametrize("line", ["B1, B2 sharing", "combine saliency and CAM, use harmonic mean", "**Motivation**: x"])
def test_notes_are_not_authors(line):
    from wsskg.formats.markdown.fields import parse_authors_line

    assert parse_authors_line(line) is None


def test_a_footnote_mark_is_not_part_of_a_short_name():
    """Results tables mark rows with footnotes (``[ABC\\*](#1007)``): the short name is ``ABC``
    (the row's verbatim text, mark included, is kept for export)."""
    text = ("# L\n\n## Results\n\n| # | Method | mAP |\n| --- | --- | --- |\n| 1 | [TSRNet\\*](#1007) | 38.3 |\n\n"
            "## Papers\n\n1. <span id=\"1007\">**[TSRNet]**</span> [Learning Transferable Self-attentive "
            "Representations for Action Recognition in Untrimmed Videos](https://arxiv.org/abs/1902.07370), `AAAI 19`.\n")
    cat = parse_markdown(text)
    (e,) = cat.entries
    assert e.short_name == "TSRNet" and len(e.mentions) == 2
    assert to_markdown(cat) == text


def test_a_flat_list_under_its_title_has_entries():
    """A list whose only heading is its title (no topics): its works are entries, filed under a
    topic named after the title, and the file still comes back byte for byte."""
    text = ("# Things\n\nSome intro.\n\n- [ ] [A Study of Things in Deep Nets](https://arxiv.org/abs/2301.00001), ICCV 2023\n"
            "- [x] Another Paper About Stuff, CVPR 2020\n")
    cat = parse_markdown(text)
    assert cat.title == "Things"
    assert [(e.title, e.topics, e.year, e.status) for e in cat.entries] == [
        ("A Study of Things in Deep Nets", ["Things"], 2023, "unread"),
        ("Another Paper About Stuff", ["Things"], 2020, "read")]
    assert to_markdown(cat) == text
