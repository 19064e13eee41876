"""The import-fidelity instrument (``benchmarks/fidelity.py``) and the floors the importer holds on
real lists.

Two halves:

* the instrument itself, on small synthetic strings and fake catalogs: its leftover-markup and
  missing-year detectors, the source's records and heading chains, the same/different pair verdicts,
  and the script end to end on a tiny list written here (so a broken instrument goes red, not silent);
* per list floors: each peer list in ``../shared/peer-lists`` (skipped where it is absent) and the
  shipped reading list must do at least as well as the importer did when the floors were last
  raised. Tighten a floor when the importer improves; never loosen one to make a test pass.

``docs/fidelity.md`` is not checked for staleness (its numbers move with every importer change);
the ``slow`` test regenerates it into a temporary file instead.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from conftest import DATA, REPO, SEED

_SPEC = importlib.util.spec_from_file_location("fidelity", REPO / "benchmarks" / "fidelity.py")
fidelity = importlib.util.module_from_spec(_SPEC)
sys.modules["fidelity"] = fidelity
_SPEC.loader.exec_module(fidelity)


# -- the leftover-markup detector -------------------------------------------------------------------

WSGCN_LINE = ('- **WSGCN:** "Weakly-Supervised Image Semantic Segmentation Using Graph Convolutional Networks"'
              " *ICME2021*")


@pytest.mark.parametrize(
    "title, reason",
    [
        ("**WSGCN", "emphasis"),
        ('**WSGCN:** "Weakly-Supervised Image Semantic Segmentation"', "emphasis"),
        ("__Title__", "emphasis"),
        ("*Title*", "emphasis"),
        ("Title `img.`", "code span"),
        ("[Title](https://arxiv.org/abs/1234.5678)", "Markdown link"),
        ('<span id = "01901">[ABBR]</span>', "HTML tag"),
        ("Title<br/>", "HTML tag"),
        ("STAR&dagger;", "HTML entity"),
        ("A &amp; B", "HTML entity"),
        ("TSRNet\\*", "Markdown escape"),
        ('"Weakly-Supervised Image Semantic Segmentation"', "wrapping quotes"),
        ("“Curly Quoted Title”", "wrapping quotes"),
        ("Title :star: :sunflower:", "emoji"),
        ("Title 🔥", "emoji"),
        ("Title https://github.com/x/y", "URL"),
        ("[ABBR] Title", "[TAG] prefix"),
        ("Multi-Miner: Object-Adaptive Region Mining. [img.]", "[TAG] suffix"),
        ("Yinda Zhang*, Sean Fanello, Sameh Khamis", "emphasis"),
        ('WSGCN: "Weakly-Supervised Image Semantic Segmentation"', "ABBR: prefix"),
        ("Title CVPR 2019", "venue/year suffix"),
        ("Title  *ICME2021*", "venue/year suffix"),
        ("Title (ECCV'18)", "venue/year suffix"),
        ("Title, ICCV2021", "venue/year suffix"),
        ("Title, 2019", "venue/year suffix"),
        ("CVPR", "title is a venue/year"),
    ],
)
def test_leftover_markup_is_flagged(title, reason):
    problems = fidelity.markup_problems(title)
    assert any(p.startswith(reason) for p in problems), (title, problems)


@pytest.mark.parametrize(
    "title",
    [
        "Learning Pixel-level Semantic Affinity with Image-level Supervision for Weakly Supervised Semantic Segmentation",
        "Mask R-CNN",
        "YOLO9000: Better, Faster, Stronger",
        "wav2vec 2.0: A Framework for Self-Supervised Learning of Speech Representations",
        "Don't Just Assume; Look and Answer",
        "Self-Erasing Network for Integral Object Attention",
        "Big Transfer (BiT): General Visual Representation Learning",
        "3D ResNets for Action Recognition",
        "C++ Is Not a Title Problem",
        "Learning to See by Moving",
    ],
)
def test_clean_titles_pass(title):
    assert fidelity.markup_problems(title) == []


def test_an_acronym_prefix_counts_only_when_the_list_wrote_it_apart():
    """``WSGCN: Title`` is dirty when the list wrote ``**WSGCN:** "Title"`` (the importer glued its
    label on), clean when the paper's own title is ``WebSeg: ...`` as the list wrote it."""
    glued = "WSGCN: Weakly-Supervised Image Semantic Segmentation Using Graph Convolutional Networks"
    assert "ABBR: prefix" in fidelity.markup_problems(glued, [WSGCN_LINE])
    own = "WebSeg: Learning Semantic Segmentation from Web Searches"
    line = "- [x] WebSeg: Learning Semantic Segmentation from Web Searches: arxiv, directly learning"
    assert fidelity.markup_problems(own, [line]) == []
    anchor = "5. <span id = \"1005\">**[W-TALC]**</span> | **ECCV'18** | W-TALC:  Weakly-supervised Temporal Activity"
    assert fidelity.markup_problems("W-TALC: Weakly-supervised Temporal Activity", [anchor]) == []
    assert "ABBR: prefix" in fidelity.markup_problems("STPN: Weakly Supervised Action Localization",
                                                      ['3. <span id = "1003">**[STPN]**</span> | **CVPR\'18** | '
                                                       "Weakly Supervised Action Localization"])


def test_an_empty_title_is_not_counted_as_markup():
    assert fidelity.markup_problems("") == []


@pytest.mark.parametrize(
    "title, line, rest",
    [
        ("Tell Me Where to Look",
         "- [[CVPR](https://arxiv.org/abs/1802.10171)] Tell Me Where to Look: Guided Attention Inference Network. [x]",
         "Guided Attention Inference Network"),
        ("Simple Does It", "- [Simple Does It: Weakly Supervised Instance and Semantic Segmentation](https://x.org/a)",
         "Weakly Supervised Instance and Semantic Segmentation"),
        ("Tell Me Where to Look: Guided Attention Inference Network",
         "- Tell Me Where to Look: Guided Attention Inference Network. [x]", ""),
        ("Learning Pixel-level Semantic Affinity",
         "Learning Pixel-level Semantic Affinity: image-level, semantic affinity", ""),
        ("Adaptive Affinity Field for Semantic Segmentation",
         "- [x] Adaptive Affinity Field for Semantic Segmentation: ECCV2018, Semantic Affinity Rules", ""),
        ("CIAN", "| [CIAN: Cross Image Affinity Net](https://x.org/a) | 64.1 |", "Cross Image Affinity Net"),
    ],
)
def test_a_title_the_source_continues_after_a_colon_is_a_suspect(title, line, rest):
    assert fidelity.cut_at_colon(title, [line]) == rest


def test_an_entry_made_of_a_line_of_anchor_links_is_navigation():
    bare = SimpleNamespace(title="Others", links=[])
    assert fidelity.navigation_only(bare, ["| 4 | [Others](#4) | n/a | n/a | n/a |"])
    assert fidelity.navigation_only(bare, ["  - [Paper List](#paper-list)"])
    assert not fidelity.navigation_only(bare, ["| 4 | [Others](#4) | [code](https://github.com/x/y) |"])
    assert not fidelity.navigation_only(bare, ["| 4 | [Others](#4) |", "4. <span id='4'>Others: A Paper</span>"])
    assert not fidelity.navigation_only(bare, ["- A Paper Title, CVPR 2019"])
    anchored = SimpleNamespace(title="Others", links=[SimpleNamespace(url="#4")])
    assert fidelity.navigation_only(anchored, ["| 4 | [Others](#4) | n/a | n/a | n/a |"])
    linked = SimpleNamespace(title="Others", links=[SimpleNamespace(url="https://arxiv.org/abs/1")])
    assert not fidelity.navigation_only(linked, ["| 4 | [Others](#4) |"])


# -- the missing-year detector ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, year",
    [
        ("- Title, CVPR 2019", 2019),
        ("| 10 | 2019 | CVPR  | [Liu et al.](#1010) |", 2019),
        ("**CVPR'19** | Title", 2019),
        ("Title `CVPR 19`.", 2019),
        ("Title ICCV2021", 2021),
        ("- [[ECCV](http://www.ecva.net/x.pdf)] Title", None),
        ("Title, arxiv 25.10", 2025),
        ("### CVPR 2025", 2025),
        ("  - Doersch, Carl. *ICCV 2015*", 2015),
        ("T-PAMI, 2024", 2024),
        ("[[pdf]](https://arxiv.org/abs/2011.13377)", None),
        ("arXiv:2011.13377", None),
        ("trained on VOC2012 and COCO 2014", None),
        ("ResNet 50 and VGG 16", None),
        ("- Title [[code]](https://github.com/x/y-2019)", None),
        ("no year at all", None),
    ],
)
def test_year_hint(text, year):
    assert fidelity.year_hint(text) == year


SHAPES = """# A list

## 2019
- Paper One.
  [[pdf]](https://arxiv.org/abs/1905.01235)
  - Some Author. *ICCV 2019*
- Paper Two [[pdf]](https://example.org/two.pdf)

### CVPR 2025
| Model | Title |
| --- | --- |
| AB | Paper Three |

## Undated
- Paper Four, 2018
- Paper Five
with a lazy continuation line
- Paper Six
```
## 1999 in a code block is not a heading
```
- Paper Seven
"""


def test_records_and_heading_chains_follow_the_source_shape():
    src = fidelity.Source.of(SHAPES)
    assert src.record(4) == [4, 5, 6]  # title line, indented link, authors sub-bullet
    assert src.record(7) == [7]  # the next item at the same indent ends the record
    assert src.record(12) == [12]  # a table row is one line
    assert src.record(16) == [16, 17]  # lazy continuation
    assert src.record(18) == [18]  # a code fence is a new block
    assert src.heading_chain(12) == [9, 3, 1]
    assert src.heading_chain(22) == [14, 1]  # the ``## 1999`` inside the fence is no heading
    assert fidelity._year_source(src, [4]).startswith("2019 on line 6")
    assert fidelity._year_source(src, [7]).startswith("2019 in heading line 3")
    assert fidelity._year_source(src, [12]).startswith("2025 in heading line 9")
    assert fidelity._year_source(src, [15]).startswith("2018 on line 15")
    assert fidelity._year_source(src, [22]) == ""


# -- pair verdicts and an importer without mentions ----------------------------------------------


def _entry(title, *lines, year=None, kind="paper"):
    return SimpleNamespace(title=title, year=year, kind=kind,
                           mentions=[SimpleNamespace(topic="t", form="bullet", line=n) for n in lines])


def test_pairs_are_judged_by_the_entries_mentioned_on_each_line():
    src = fidelity.Source.of(SHAPES)
    entries = [_entry("Paper One", 4, 12), _entry("Paper Two", 7), _entry("Paper Five", 16)]
    direct, covered = fidelity.line_map(entries, src)
    key = {
        "same": [{"a_line_no": 4, "b_line_no": 12},  # one entry mentioned on both: resolved
                 {"a_line_no": 6, "b_line_no": 4},  # 6 is Paper One's authors line: resolved
                 {"a_line_no": 4, "b_line_no": 7},  # two entries: split
                 {"a_line_no": 4, "b_line_no": 22},  # line 22 is no entry
                 {"a_line_no": 16, "b_line_no": 17}],  # a lazy continuation of Paper Five: resolved
        "different": [{"a_line_no": 4, "b_line_no": 7},  # two entries: kept apart
                      {"a_line_no": 4, "b_line_no": 12},  # one entry holds both: merged
                      {"a_line_no": 7, "b_line_no": 22}],  # one line is no entry
    }
    got = [(p.kind, p.status) for p in fidelity.judge_pairs(key, direct, covered)]
    assert got == [("same", "resolved"), ("same", "resolved"), ("same", "split"), ("same", "not an entry"),
                   ("same", "resolved"), ("different", "kept apart"), ("different", "merged"),
                   ("different", "kept apart (not both entries)")]


def test_a_mention_spans_the_lines_of_its_verbatim_text():
    """An importer that keeps each mention's text says how many lines it spans; the source's shape
    is only the fallback (an importer without text)."""
    src = fidelity.Source.of(SHAPES)
    one = SimpleNamespace(title="Paper One", mentions=[SimpleNamespace(line=4, text="- Paper One.")])
    assert fidelity.mention_spans(one, src) == {4: [4]}
    two = SimpleNamespace(title="Paper Five", mentions=[SimpleNamespace(line=16, text="- Paper Five\nwith a lazy")])
    assert fidelity.mention_spans(two, src) == {16: [16, 17]}
    merged_in = SimpleNamespace(title="X", mentions=[SimpleNamespace(line=4, text="x", doc="other.md")])
    assert fidelity.mention_spans(merged_in, src) == {}
    as_dicts = SimpleNamespace(title="Paper One", mentions=[{"topic": "t", "form": "bullet", "line": 4}])
    assert fidelity.mention_spans(as_dicts, src) == {4: [4, 5, 6]}


def test_measure_counts_dirty_titles_missing_years_and_unmapped_entries(tmp_path, monkeypatch):
    """measure() on a fake importer: one dirty title, two missing years (one on the record's authors
    line, one in the heading), an entry with its year not counted, and one entry without mentions
    (an old importer) counted unmapped and not judged."""
    (tmp_path / "l.md").write_text(SHAPES, encoding="utf-8")
    clean_short = _entry("Paper Four", 15, year=2018)
    clean_short.short_name = "CO2-Net"
    dirty_short = _entry("Paper Two", 7)
    dirty_short.short_name = "TSRNet*"
    entries = [_entry("**WSGCN", 4), dirty_short, clean_short,
               _entry("Paper Five", 16, year=2020),
               SimpleNamespace(title="Paper Seven", year=None, kind="paper")]
    import wsskg.formats.markdown as md

    monkeypatch.setattr(md, "read_markdown", lambda path: SimpleNamespace(entries=entries))
    rep = fidelity.measure(tmp_path / "l.md", export=False)
    assert rep.entries == 5 and rep.kinds == {"paper": 5}
    assert [t for t, _, _ in rep.dirty] == ["**WSGCN"]
    assert [(t, n) for t, n, _ in rep.no_year] == [("**WSGCN", 4), ("Paper Two", 7)]
    assert rep.unmapped == 1
    assert [(n, line) for n, line, _ in rep.dirty_short] == [("TSRNet*", 7)]
    assert not rep.has_key


# -- the script end to end ----------------------------------------------------------------------

TINY = """# Tiny

## CVPR 2019
- **WSGCN:** "Weakly-Supervised Image Semantic Segmentation Using Graph Convolutional Networks" *ICME2021*
- [Learning to See by Moving](https://arxiv.org/abs/1505.01596)
"""


def test_the_script_writes_a_report_with_a_row_per_list(tmp_path):
    lists = tmp_path / "lists"
    lists.mkdir()
    (lists / "tiny.md").write_text(TINY, encoding="utf-8")
    (lists / "tiny.md.same.json").write_text(
        '{"same": [{"a_line_no": 4, "b_line_no": 4}], "different": [{"a_line_no": 4, "b_line_no": 5}]}',
        encoding="utf-8")
    (lists / "SOURCES.md").write_text("# where the lists come from\n", encoding="utf-8")
    out = tmp_path / "fidelity.md"
    assert fidelity.main(["--lists", str(lists), "--out", str(out), "--no-shipped"]) == 0
    text = out.read_text(encoding="utf-8")
    assert "python benchmarks/fidelity.py" in text  # says how to regenerate
    rows = [ln for ln in text.split("## Entries by kind")[0].splitlines() if ln.startswith("| ")]
    names = [ln.split("|")[1].strip() for ln in rows[2:]]
    assert names == ["**goal**", "tiny.md", "**all**"]  # SOURCES.md is no list
    tiny = next(ln for ln in rows if ln.startswith("| tiny.md"))
    cells = [c.strip() for c in tiny.split("|")[1:-1]]
    assert cells[1] == "5"  # lines
    assert cells[6] in ("0/1", "1/1") and cells[7].rstrip(" †") in ("0/1", "1/1")
    assert cells[8] in ("yes", "no")
    assert str(tmp_path) not in text  # no machine paths in the report


def test_a_crashing_importer_is_reported_and_fails_the_run(tmp_path, monkeypatch):
    lists = tmp_path / "lists"
    lists.mkdir()
    (lists / "tiny.md").write_text(TINY, encoding="utf-8")
    import wsskg.formats.markdown as md

    def boom(path):
        raise ValueError("no entries for you")

    monkeypatch.setattr(md, "read_markdown", boom)
    out = tmp_path / "fidelity.md"
    assert fidelity.main(["--lists", str(lists), "--out", str(out), "--no-shipped"]) == 1
    row = next(ln for ln in out.read_text(encoding="utf-8").splitlines() if ln.startswith("| tiny.md"))
    assert "ValueError: no entries for you" in row


def test_a_missing_lists_folder_is_a_clear_error(tmp_path, capsys, monkeypatch):
    out = tmp_path / "fidelity.md"
    assert fidelity.main(["--lists", str(tmp_path / "absent"), "--out", str(out)]) == 2
    assert "no such folder" in capsys.readouterr().err
    monkeypatch.setattr(fidelity, "DEFAULT_LISTS", tmp_path / "shared" / "peer-lists")
    assert fidelity.main(["--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "../shared/peer-lists" in err and "--lists" in err
    assert not out.exists()


# -- floors on real lists -------------------------------------------------------------------------
# What the importer achieved when the floors were last raised (see docs/fidelity.md for the numbers).
# dirty/no_year/unmapped and the suspects (untitled/cut/navigation/short names): at most; same/different: at least this many pairs resolved / kept apart;
# identical: the export must stay byte-identical once it was. None: not checked (what needs the
# importer's mentions could not be measured when the floor was set).

FLOORS = {
    "AudioLLMs--Awesome-Audio-LLM.md":
        dict(dirty=0, no_year=0, unmapped=0, same=6, different=6, untitled=0, cut=0, navigation=0, short=0, identical=True),
    "Awesome3DGS--3D-Gaussian-Splatting-Papers.md":
        dict(dirty=0, no_year=1, unmapped=0, same=0, different=4, untitled=0, cut=0, navigation=0, short=0, identical=True),
    "CHIANGEL--Awesome-LLM-for-RecSys.md":
        dict(dirty=4, no_year=2, unmapped=0, same=2, different=6, untitled=0, cut=9, navigation=0, short=0, identical=True),
    "LantaoYu--MARL-Papers.md":
        dict(dirty=0, no_year=0, unmapped=0, same=0, different=5, untitled=0, cut=0, navigation=0, short=0, identical=True),
    "LightersWang--Awesome-Active-Learning-for-Medical-Image-Analysis.md":
        dict(dirty=2, no_year=3, unmapped=0, same=0, different=6, untitled=0, cut=0, navigation=0, short=0, identical=True),
    "PJLab-ADG--awesome-knowledge-driven-AD.md":
        dict(dirty=0, no_year=0, unmapped=0, same=3, different=6, untitled=1, cut=0, navigation=6, short=0, identical=True),
    "Pilhyeon--Awesome-Weakly-Supervised-Temporal-Action-Localization.md":
        dict(dirty=0, no_year=0, unmapped=0, same=15, different=5, untitled=0, cut=0, navigation=0, short=0, identical=True),
    "Thinklab-SJTU--awesome-ml4co.md":
        dict(dirty=0, no_year=0, unmapped=0, same=6, different=4, untitled=0, cut=0, navigation=0, short=0, identical=True),
    "WeakSupervisedSegmentationList.md":
        dict(dirty=0, no_year=0, unmapped=0, same=0, different=0, untitled=0, cut=0, navigation=0, short=0, identical=True),
    "YimingCuiCuiCui--awesome-weakly-supervised-segmentation.md":
        dict(dirty=0, no_year=0, unmapped=0, same=4, different=5, untitled=0, cut=0, navigation=0, short=0, identical=True),
    "amusi--ECCV2024-Papers-with-Code.md":
        dict(dirty=0, no_year=0, unmapped=0, same=5, different=4, untitled=0, cut=0, navigation=0, short=0, identical=True),
    "awesome-semantic-segmentation.md":
        dict(dirty=0, no_year=0, unmapped=0, same=0, different=0, untitled=95, cut=0, navigation=0, short=0, identical=True),
    "chawins--llm-sp.md":
        dict(dirty=3, no_year=1, unmapped=0, same=1, different=6, untitled=1, cut=0, navigation=0, short=0, identical=True),
    "ddlBoJack--Awesome-Speech-Pretraining.md":
        dict(dirty=0, no_year=0, unmapped=0, same=1, different=6, untitled=0, cut=0, navigation=0, short=0, identical=True),
    "heidihoward--distributed-consensus-reading-list.md":
        dict(dirty=3, no_year=4, unmapped=0, same=1, different=6, untitled=0, cut=0, navigation=1, short=0, identical=True),
    "jason718--awesome-self-supervised-learning.md":
        dict(dirty=0, no_year=0, unmapped=0, same=2, different=5, untitled=0, cut=0, navigation=0, short=0, identical=True),
    "jianzongwu--Awesome-Open-Vocabulary.md":
        dict(dirty=0, no_year=0, unmapped=0, same=1, different=5, untitled=0, cut=0, navigation=0, short=0, identical=True),
    "junxia97--awesome-pretrain-on-molecules.md":
        dict(dirty=0, no_year=28, unmapped=0, same=2, different=6, untitled=0, cut=0, navigation=0, short=0, identical=True),
    "lzw-lzw--awesome-remote-sensing-vision-language-models.md":
        dict(dirty=0, no_year=0, unmapped=0, same=6, different=5, untitled=0, cut=0, navigation=0, short=0, identical=True),
    "mhagiwara--100-nlp-papers.md":
        dict(dirty=1, no_year=0, unmapped=0, same=0, different=6, untitled=0, cut=0, navigation=0, short=0, identical=True),
    "saltudelft--ml4se.md":
        dict(dirty=2, no_year=0, unmapped=0, same=5, different=6, untitled=0, cut=0, navigation=0, short=0, identical=True),
    "timzhang642--3D-Machine-Learning.md":
        dict(dirty=0, no_year=1, unmapped=0, same=6, different=6, untitled=0, cut=0, navigation=0, short=0, identical=True),
}
SHIPPED_FLOOR = dict(dirty=0, no_year=0, unmapped=0, same=13, different=1, untitled=0, cut=0, navigation=0, short=0, identical=True)

_measured: dict[Path, object] = {}


def _measure(path: Path):
    if path not in _measured:
        _measured[path] = fidelity.measure(path, runs=1, cli_import=False)  # the slow test runs `wsskg import`
    return _measured[path]


def _at_most(found: list, floor, what: str) -> None:
    if floor is not None:  # None: not measurable when the floor was set (an importer without mentions)
        assert len(found) <= floor, (what, len(found), found[:5])


def _check_floor(rep, floor: dict) -> None:
    assert not rep.error, rep.error
    shown = {
        "dirty": [(t, n, p) for t, n, p in rep.dirty][:5],
        "no_year": rep.no_year[:5],
        "pairs": [(p.kind, p.a, p.b, p.status) for p in rep.pairs if p.status not in ("resolved", "kept apart")],
    }
    assert len(rep.dirty) <= floor["dirty"], shown["dirty"]
    _at_most(rep.no_year, floor["no_year"], "entries without the year their source gives")
    assert rep.unmapped <= floor["unmapped"], rep.unmapped
    assert rep.count("same", "resolved") >= floor["same"], shown["pairs"]
    kept = rep.count("different", "kept apart") + rep.count("different", "kept apart (not both entries)")
    assert kept >= floor["different"], shown["pairs"]
    _at_most(rep.untitled, floor["untitled"], "entries without a title")
    _at_most(rep.cut, floor["cut"], "titles cut at a colon")
    _at_most(rep.navigation, floor["navigation"], "navigation made entries")
    _at_most(rep.dirty_short, floor["short"], "short names with markup")
    if floor["identical"]:
        assert rep.export_identical, rep.export_diff


@pytest.mark.slow  # a real list imported and exported: up to seconds each
@pytest.mark.parametrize("name", sorted(FLOORS))
def test_peer_list_holds_its_floor(name, shared_dir):
    path = shared_dir / "peer-lists" / name
    if not path.is_file():
        pytest.skip(f"../shared/peer-lists/{name} is absent")
    _check_floor(_measure(path), FLOORS[name])


def test_every_peer_list_has_a_floor(peer_lists):
    """A list added to ../shared/peer-lists gets a floor here (and so a row people look at)."""
    names = {p.name for p in peer_lists if p.name.lower() not in fidelity.NOT_LISTS}
    assert names <= set(FLOORS), sorted(names - set(FLOORS))


def test_shipped_list_holds_its_floor():
    rep = _measure(SEED)
    assert rep.has_key, "tests/data/fidelity/reading-list.md.same.json is the shipped list's key"
    _check_floor(rep, SHIPPED_FLOOR)


def test_the_shipped_key_names_the_shipped_lines():
    """The hand-written key quotes each line it names; a shifted line number would judge the wrong line."""
    import json

    key = json.loads((DATA / "fidelity" / "reading-list.md.same.json").read_text(encoding="utf-8"))
    lines = SEED.read_text(encoding="utf-8").split("\n")
    for p in key["same"] + key["different"]:
        assert lines[p["a_line_no"] - 1] == p["a"] and lines[p["b_line_no"] - 1] == p["b"], p


@pytest.mark.slow
def test_regenerating_the_report_gives_a_row_per_list(peer_lists, tmp_path):
    out = tmp_path / "fidelity.md"
    r = subprocess.run([sys.executable, str(REPO / "benchmarks" / "fidelity.py"), "--out", str(out)],
                       capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    summary = out.read_text(encoding="utf-8").split("## Entries by kind")[0]
    rows = {ln.split("|")[1].strip() for ln in summary.splitlines() if ln.startswith("| ")}
    for p in peer_lists:
        if p.name.lower() not in fidelity.NOT_LISTS:
            assert p.name in rows, p.name
    assert "reading-list.md" in rows
    assert "error" not in summary
