"""The reader on the six real peer lists (../shared/peer-lists, skipped when absent): every list
exported back byte for byte, no title with leftover markup, a year wherever the line or its
heading gives one, tables of contents never entries."""

from __future__ import annotations

import re

import pytest

from wsskg.export import to_markdown
from wsskg.formats.markdown import read_markdown
from wsskg.store import parse_catalog, render
from wsskg.text import has_markup
from wsskg.venues import VENUE_CORE

#: Minimum number of paper entries each list must give (measured: the lists hold more).
MIN_PAPERS = {
    "Pilhyeon--Awesome-Weakly-Supervised-Temporal-Action-Localization.md": 60,
    "WeakSupervisedSegmentationList.md": 55,
    "YimingCuiCuiCui--awesome-weakly-supervised-segmentation.md": 110,
    "awesome-semantic-segmentation.md": 70,
    "jason718--awesome-self-supervised-learning.md": 230,
    "jianzongwu--Awesome-Open-Vocabulary.md": 150,
}


def _lists(peer_lists):
    return [p for p in peer_lists if p.name in MIN_PAPERS]


def test_every_peer_list_exports_back_byte_for_byte(peer_lists):
    for path in _lists(peer_lists):
        src = path.read_bytes().decode("utf-8-sig")
        cat = read_markdown(path)
        assert to_markdown(cat) == src, path.name
        again = parse_catalog(render(cat))  # through catalog.yaml and back
        assert to_markdown(again) == src, path.name


def test_papers_found_with_clean_titles(peer_lists):
    for path in _lists(peer_lists):
        cat = read_markdown(path)
        papers = [e for e in cat.entries if e.kind == "paper"]
        assert len(papers) >= MIN_PAPERS[path.name], (path.name, len(papers))
        dirty = [e.title for e in cat.entries if has_markup(e.title)]
        assert dirty == [], (path.name, dirty[:5])


def test_a_year_wherever_the_line_or_heading_gives_one(peer_lists):
    year_rx = re.compile(rf"(?:19|20)\d\d|{VENUE_CORE}")
    for path in _lists(peer_lists):
        cat = read_markdown(path)
        missing = []
        for e in cat.entries:
            if e.kind != "paper" or e.year:
                continue
            said = [m.text.split("\n", 1)[0] for m in e.mentions]
            if any(re.search(r"(?<![\d./-])(?:19|20)\d\d(?![\d./])", s) or re.search(r"'\d\d\b", s) for s in said):
                missing.append(e.title)
        assert len(missing) <= 2, (path.name, missing[:5])


def test_tables_of_contents_are_not_entries(peer_lists):
    for path in _lists(peer_lists):
        cat = read_markdown(path)
        for e in cat.entries:
            assert not (e.links and all(ln.url.startswith("#") for ln in e.links)), (path.name, e.title)
