"""The Markdown importer on the seed list and the peer lists: nothing lost, duplicates merged,
wrong links kept apart, and import -> export -> import is the identity."""

from __future__ import annotations

import re

import pytest

from conftest import SEED
from wsskg.catalog import find_urls, iter_urls, normalize_title
from wsskg.export import to_markdown
from wsskg.formats.markdown import parse_entry_line, parse_markdown, read_markdown, split_title


def _checked_titles(text: str) -> set[str]:
    out = set()
    for m in re.finditer(r"^\s*[-*+] \[[xX]\]\s*(.*)$", text, re.M):
        out.add(m.group(1))
    return out


def _assert_nothing_lost(src: str):
    cat = parse_markdown(src)
    exported = to_markdown(cat)
    src_urls = set(find_urls(src))
    assert src_urls, "the fixture has URLs"
    assert src_urls <= set(iter_urls(cat)), sorted(src_urls - set(iter_urls(cat)))
    assert src_urls <= set(find_urls(exported)), sorted(src_urls - set(find_urls(exported)))
    # every checked item in the source is read in the catalog and checked in the export
    checked_src = len(re.findall(r"^\s*[-*+] \[[xX]\]", src, re.M))
    checked_out = len(re.findall(r"^\s*[-*+] \[[xX]\]", exported, re.M))
    assert checked_out >= checked_src
    # every word of the source survives in the export (titles, notes, prose); a duplicate's
    # title is kept once, in its most carefully written form, hence case-insensitive
    src_words = set(re.findall(r"[a-z]{4,}", src.lower()))
    out_words = set(re.findall(r"[a-z]{4,}", exported.lower()))
    assert src_words <= out_words, sorted(src_words - out_words)[:20]
    again = parse_markdown(exported)
    assert again.to_dict() == cat.to_dict()
    return cat, exported


def test_seed_list_loses_nothing_and_round_trips():
    src = SEED.read_text(encoding="utf-8")
    cat, exported = _assert_nothing_lost(src)
    assert len(set(find_urls(src))) == 51
    assert cat.title == "Semantic-Segmentation"
    assert cat.toc is True
    read = {e.id for e in cat.entries if e.status == "read"}
    # every distinct title checked in the source is read
    for line in _checked_titles(src):
        p = parse_entry_line(line)
        norm = normalize_title(p.title)
        # a model name before the title is the entry's short name (``SeGAN: Segmenting ...``)
        assert any((norm == normalize_title(e.title) or (e.short_name and norm.endswith(" " + normalize_title(e.title))))
                   and e.id in read for e in cat.entries), line


@pytest.mark.parametrize("name", ["WeakSupervisedSegmentationList.md", "awesome-semantic-segmentation.md"])
def test_peer_lists_lose_nothing_and_round_trip(peer_lists, name):
    path = next((p for p in peer_lists if p.name == name), None)
    if path is None:
        pytest.skip(f"{name} is not in ../shared/peer-lists")
    src = path.read_text(encoding="utf-8")
    cat, exported = _assert_nothing_lost(src)
    assert len(cat.entries) > 50


def test_peer_list_html_headings_and_checkbox_intro(peer_lists):
    path = next((p for p in peer_lists if p.name == "WeakSupervisedSegmentationList.md"), None)
    if path is None:
        pytest.skip("WeakSupervisedSegmentationList.md is absent")
    cat = read_markdown(path)
    t = cat.topic("1.Bounding box supervision")
    assert t is not None and t.anchor == "1" and t.level == 2
    assert any("- [x] Paper list" in p.text for p in cat.intro)
    exported = to_markdown(cat)
    assert '<h2 id="1">1.Bounding box supervision</h2>' in exported


def test_duplicates_under_two_headings_are_one_entry():
    cat = read_markdown(SEED)
    def by_title(t):
        hits = [e for e in cat.entries if normalize_title(e.title) == normalize_title(t)]
        assert len(hits) == 1, (t, [e.id for e in hits])
        return hits[0]

    aaf = by_title("Adaptive Affinity Field for Semantic Segmentation")
    assert aaf.topics == ["Reading List/affinity", "Reading List/generative adversarial"]
    ncut = by_title("Normalized Cut Loss for Weakly-Supervised CNN Segmentation")
    assert ncut.topics == ["Reading List/network", "Reading List/regularizer"]
    assert ncut.arxiv_id == "1804.01346"
    segan = by_title("Segmenting and Generating the Invisible")
    assert segan.short_name == "SeGAN"  # the model's name before the title is its short name
    assert segan.status == "read"  # checked under "application", unchecked under "scene understanding"
    assert segan.venue == "CVPR2018" and segan.year == 2018
    img = by_title("Image-level to Pixel-wise Labeling: From Theory to Practice")
    assert set(img.topics) == {"Others/analysis", "Reading List/other useful"}


def test_wrong_link_does_not_merge_different_titles():
    cat = read_markdown(SEED)
    shared = [e for e in cat.entries if e.arxiv_id == "1811.10842"]
    assert sorted(e.title for e in shared) == ["CIAN", "FickleNet"]


def test_results_table_rows_keep_scores_and_bold():
    cat = read_markdown(SEED)
    topic = cat.topic("Top Works/PASCAL VOC2012")
    assert topic.columns == ["method", "val", "test", "notes"]
    graph = next(e for e in cat.entries if e.title == "Graph")
    assert [r.values for r in graph.results] == [{"val": "63.6", "test": "64.5"}, {"val": "64.5", "test": "65.6"}]
    dcsp = next(e for e in cat.entries if e.short_name == "DCSP")  # one work with its list entry
    assert dcsp.results[0].bold == ["val", "test"] and dcsp.venue == "BMVC2017"
    exported = to_markdown(cat)
    assert "| [DCSP](https://github.com/arslan-chaudhry/dcsp_segmentation)<sub>BMVC2017</sub> | **58.6** | **59.2** |" in exported
    assert "resnet-lfov\\|vgg-aspp" in exported


@pytest.mark.parametrize(
    "text, title, venue, year, comment",
    [
        ("Context Encoding for Semantic Segmentation: CVPR2018. use TEN", "Context Encoding for Semantic Segmentation", "CVPR2018", 2018, "use TEN"),
        ("SeGAN: Segmenting and Generating the Invisible", "SeGAN: Segmenting and Generating the Invisible", None, None, ""),
        ("Self-Erasing Network for Integral Object Attention， NIPS2018: prohibit x", "Self-Erasing Network for Integral Object Attention", "NIPS2018", 2018, "prohibit x"),
        ("Simple Does It: Weakly Supervised Instance and Semantic Segmentation: bbox-level, many methods", "Simple Does It: Weakly Supervised Instance and Semantic Segmentation", None, None, "bbox-level, many methods"),
        ("Simultaneous Detection and Segmentation, 2014", "Simultaneous Detection and Segmentation", None, 2014, ""),
        ("Semantic Segmentation using Adversarial Networks, NIPS2016 workshop", "Semantic Segmentation using Adversarial Networks", "NIPS2016 workshop", 2016, ""),
        ("Learning to Segment Every Thing: semi-supervised, weight transfer", "Learning to Segment Every Thing", None, None, "semi-supervised, weight transfer"),
    ],
)
def test_title_shapes(text, title, venue, year, comment):
    assert split_title(text) == (title, venue, year, comment)


def test_entry_line_links_and_labels():
    p = parse_entry_line("[Simple Does It](https://arxiv.org/abs/1603.07485), CVPR 2017 \\[[web](https://w.example/x)\\] \\[[code](https://github.com/a/b)\\]")
    assert p.title == "Simple Does It" and p.venue == "CVPR 2017"
    assert [(ln.label, ln.kind) for ln in p.links] == [("", "paper"), ("web", "web"), ("code", "code")]
    p = parse_entry_line("U-Net [https://arxiv.org/pdf/1505.04597.pdf] [2015]")
    assert p.title == "U-Net" and p.year == 2015 and p.links[0].kind == "pdf"
    p = parse_entry_line("PSPNet [https://arxiv.org/pdf/1612.01105.pdf,https://hszhao.github.io/projects/pspnet/] [2017]")
    assert [ln.url for ln in p.links] == ["https://arxiv.org/pdf/1612.01105.pdf", "https://hszhao.github.io/projects/pspnet/"]


def test_prose_and_code_lines_in_a_section():
    src = "# T\n\n## Codes\n\n[psa](https://github.com/x/psa) Learning things\n\nsee [this](https://e.org/l) for more\n\nSEC\n  - [original](https://github.com/k/SEC): Caffe\n"
    cat = parse_markdown(src)
    ids = {e.title: e for e in cat.entries}
    assert ids["psa"].kind == "code" and ids["psa"].comment == "Learning things"
    assert ids["SEC"].notes == ["[original](https://github.com/k/SEC): Caffe"]
    assert [p.text for p in cat.topic("Codes").prose] == ["see [this](https://e.org/l) for more"]
    assert parse_markdown(to_markdown(cat)).to_dict() == cat.to_dict()


def test_non_utf8_file_is_a_clear_error(tmp_path):
    from wsskg.errors import ImportFailed

    f = tmp_path / "bad.md"
    f.write_bytes(b"# T\n\n## A\n- [ ] caf\xe9 paper\n")
    with pytest.raises(ImportFailed, match=r"bad.md:4: not UTF-8"):
        read_markdown(f)


def test_committed_catalog_is_regenerated_from_the_seed():
    from conftest import REPO
    from wsskg.store import render

    assert render(read_markdown(SEED)) == (REPO / "catalog.yaml").read_text(encoding="utf-8")
    assert (REPO / "wsskg" / "data" / "catalog.yaml").read_bytes() == (REPO / "catalog.yaml").read_bytes()
