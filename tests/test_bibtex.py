"""BibTeX import/export: a Zotero-style fixture, LaTeX decoding and escaping, round trip, biber."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import bibtexparser
import pytest
from bibtexparser.middlewares.names import split_multiple_persons_names
from hypothesis import given, settings
from hypothesis import strategies as st

from wsskg.formats.bibtex import entry_type, escape_latex, latex_to_text, parse_bibtex, to_bibtex
from wsskg.catalog import Entry, Link, from_dict

DATA = Path(__file__).resolve().parent / "data"
FIXTURE = DATA / "zotero-export.bib"
MALFORMED_KEY = "kolesnikov_improving_2016"
#: Entries that share an arXiv id, a DOI or a title with another entry of the file: the file
#: keeps them apart, so the import does too.
LOOKALIKES = {
    "ahn_learning_2018-1": "ahn_learning_2018",  # same arXiv id (with a version)
    "chen2017deeplab": "chen_deeplab_2018",  # same DOI, other case
    "wei2018revisiting": "wei_revisiting_2018",  # same title, other case and hyphenation
}


@pytest.fixture(scope="module")
def fixture_text() -> str:
    return FIXTURE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def imported(fixture_text):
    return parse_bibtex(fixture_text, source="zotero-export.bib")


@pytest.fixture(scope="module")
def raw_entries(fixture_text):
    """The fixture as bibtexparser sees it (no LaTeX decoding): what must not be lost."""
    lib = bibtexparser.parse_string(fixture_text)
    raw = {e.key: {f.key.lower(): f.value for f in e.fields} for e in lib.entries}
    # bibtexparser accepts the entry with a missing comma by gluing "author = ..." into the title
    assert "author =" in raw.pop(MALFORMED_KEY)["title"]
    return raw


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


# -- import: the fixture -------------------------------------------------------------------------

def test_fixture_is_realistic(fixture_text, raw_entries):
    types = {m.lower() for m in re.findall(r"^@(\w+)\{", fixture_text, re.M)} - {"string", "comment", "preamble"}
    assert {"inproceedings", "article", "misc", "book"} <= types
    assert len(raw_entries) >= 60
    for marker in (r"{\"u}", r"{\'a}", r"\c{c}", "month = jun", "{CNN}", "archivePrefix", "doi =", "@string"):
        assert marker in fixture_text


def test_every_entry_kept_apart_malformed_reported_with_line(fixture_text, imported, raw_entries):
    catalog, problems = imported
    assert [e.citekey for e in catalog.entries] == list(raw_entries)  # order and keys unchanged
    assert len({e.id for e in catalog.entries}) == len(catalog.entries)
    by_key = {e.citekey: e for e in catalog.entries}
    for dup, other in LOOKALIKES.items():
        assert by_key[dup] is not by_key[other] and by_key[dup].id == dup
    assert MALFORMED_KEY not in by_key

    line = _line_of(fixture_text, "@inproceedings{" + MALFORMED_KEY)
    malformed = [p for p in problems if "malformed" in p]
    assert malformed == [
        f"zotero-export.bib:{line}: skipped malformed entry @inproceedings{{{MALFORMED_KEY},...: "
        "missing comma between fields 'title' and 'author'"
    ]
    assert "jiang_online_2022" in by_key  # the entry right after the malformed one was imported
    preamble = _line_of(fixture_text, "@preamble")
    assert problems == [f"zotero-export.bib:{preamble}: @preamble is not kept (wsskg decodes LaTeX to text)"] + malformed


def test_no_modelled_field_lost(imported, raw_entries):
    catalog, _ = imported
    by_key = {e.citekey: e for e in catalog.entries}
    for key, f in raw_entries.items():
        e = by_key[key]
        assert e.kind == "paper" and e.form == "bullet"
        if "title" in f:
            assert e.title and "{" not in e.title and "\\" not in e.title
        if "author" in f:
            assert len(e.authors) == len(split_multiple_persons_names(f["author"])), key
            assert all("{" not in a and "\\" not in a for a in e.authors)
        if "year" in f:
            assert e.year == int(f["year"])
        if {"booktitle", "journal"} & set(f) or ("howpublished" in f and "url" not in f["howpublished"]):
            assert e.venue, key
        if "doi" in f:
            assert e.doi and e.doi.lower() == f["doi"].lower()
        if "eprint" in f:
            assert e.arxiv_id == re.sub(r"v\d+$", "", f["eprint"]) and e.extra["eprint"] == f["eprint"]
        if "url" in f:
            assert f["url"] in [ln.url for ln in e.links], key
        if "abstract" in f:
            assert e.abstract and len(e.abstract) > 50
        if "keywords" in f:
            assert e.tags == [k.strip() for k in re.split(r"[;,]\s*" if ";" not in f["keywords"] else r";\s*", f["keywords"])]
        if "note" in f:
            assert e.notes
        if "annote" in f:
            assert e.extra["annote"] == f["annote"]
        for name in ("pages", "volume", "number", "isbn", "issn", "file"):
            if name in f:
                assert getattr(e, name) == f[name], (key, name)
        if "readstatus" in f:
            assert e.status == {"read": "read", "skimmed": "reading"}[f["readstatus"]]
        assert e.entry_type and e.citekey == key
    # the catalog is valid for the store (ids, topics, years, arXiv ids) and keeps the record
    again = from_dict(catalog.to_dict(bulky=True))
    assert [e for e in again.entries] == [e for e in catalog.entries]


def test_latex_names_titles_macros(imported):
    catalog, _ = imported
    e = catalog.by_id()
    assert e["krahenbuhl_efficient_2011"].authors == ["Philipp Krähenbühl", "Vladlen Koltun"]
    assert e["krahenbuhl_efficient_2011"].title == "Efficient Inference in Fully Connected CRFs with Gaussian Edge Potentials"
    assert "Piotr Dollár" in e["lin_microsoft_2014"].authors
    assert e["chollet_xception_2017"].authors == ["François Chollet"]
    # compound last names keep BibTeX's comma form, so they are written back with the same parts
    assert e["jin_webly_2017"].authors == ["Bin Jin", "Ortiz Segovia, Maria V.", "Sabine Süsstrunk"]
    assert "Van Gool, Luc" in e["everingham_pascal_2010"].authors  # "Van~Gool, Luc"
    assert "Ben Ayed, Ismail" in e["tang_regularized_2018"].authors
    assert e["rd_notes_2019"].authors == ["Visual Geometry Reading Group"]
    assert e["berman_lovasz-softmax_2018"].title.startswith("The Lovász-Softmax Loss: A Tractable")
    assert e["everingham_pascal_2010"].title == "The Pascal Visual Object Classes (VOC) Challenge"
    assert e["hong_weakly_2017"].notes == ["Learns a class-agnostic decoder (attention map → binary mask)."]
    # @string macros, month macros and concatenation-free values
    assert e["ahn_learning_2018"].venue == "Proceedings of the IEEE Conference on Computer Vision and Pattern Recognition (CVPR)"
    assert e["ahn_learning_2018"].month == "June" and e["ahn_learning_2018"].pages == "4981--4990"
    assert e["shimoda_self-supervised_2019"].venue == "Proceedings of the IEEE International Conference on Computer Vision (ICCV)"
    assert e["chen_deeplab_2018"].venue == "IEEE Transactions on Pattern Analysis and Machine Intelligence"
    assert e["chen_deeplab_2018"].year == 2018 and e["chen_deeplab_2018"].doi == "10.1109/TPAMI.2017.2699184"
    # arXiv ids from eprint, an arXiv DOI, an arxiv.org URL, the journal field
    assert e["obukhov_gated_2019"].arxiv_id == "1906.04651"
    assert e["fan_cian_2018"].arxiv_id == "1811.10842"
    assert e["tang_normalized_2018"].arxiv_id == "1804.01346"
    assert e["gao_ts-cam_2021"].arxiv_id == "2103.14862"
    assert e["noauthor_weakly_nodate"].links[0].url == "https://hbilen.github.io/wsl-cvpr18.github.io/"
    assert e["noauthor_weakly_nodate"].year is None and e["noauthor_weakly_nodate"].authors == []
    assert e["goodfellow_deep_2016"].publisher == "MIT Press" and e["goodfellow_deep_2016"].venue is None
    assert e["rd_notes_2019"].title == "R&D Notes: Reaching 70% mIoU on VOC_2012 for $0 – Tricks #1 to #5 (C++ ~ 2x faster)"


def test_keywords_become_tags_and_topics_stay_headings(imported):
    catalog, _ = imported
    assert [t.path for t in catalog.topics] == ["zotero-export"]  # the file's one heading
    ahn = catalog.by_id()["ahn_learning_2018"]
    assert ahn.tags == ["Top Works/PASCAL VOC2012", "Reading List/affinity"]
    assert ahn.topics == ["zotero-export"]
    assert "zotero-export" not in to_bibtex([ahn])  # the file name is no keyword


def test_keywords_as_topics_keeps_the_old_behaviour(fixture_text):
    catalog, _ = parse_bibtex(fixture_text, source="zotero-export.bib", keywords_as_topics=True)
    paths = [t.path for t in catalog.topics]
    assert len(paths) == len(set(paths))
    for t in catalog.topics:  # parents before children
        if t.parent:
            assert paths.index(t.parent) < paths.index(t.path)
            assert t.level == catalog.topic(t.parent).level + 1
    assert catalog.by_id()["zhang_reliability_2020"].topics == ["zotero-export"]  # no keywords
    ahn = catalog.by_id()["ahn_learning_2018"]
    assert ahn.topics == ["Top Works/PASCAL VOC2012", "Reading List/affinity"] == ahn.tags


def test_lookalike_entries_keep_their_own_data(imported):
    by_key = {e.citekey: e for e in imported[0].entries}
    assert by_key["ahn_learning_2018-1"].entry_type == "misc" and by_key["ahn_learning_2018"].entry_type == "inproceedings"
    assert by_key["wei2018revisiting"].notes == ["multi-dilated convolution, vgg-lfov"]
    assert by_key["wei_revisiting_2018"].notes == []
    assert by_key["chen_deeplab_2018"].title.startswith("DeepLab: Semantic Image Segmentation")
    assert by_key["chen2017deeplab"].title.startswith("Deeplab: Semantic image segmentation")


def test_topic_option_applies_to_every_entry():
    text = "@article{a, title={A}, keywords={x}}\n@article{b, title={B}}\n"
    catalog, problems = parse_bibtex(text, source="refs.bib", topic="Imported/Zotero")
    assert problems == []
    assert [t.path for t in catalog.topics] == ["Imported", "Imported/Zotero"]
    assert [e.topics for e in catalog.entries] == [["Imported/Zotero"], ["Imported/Zotero"]]
    assert [e.tags for e in catalog.entries] == [["x"], []]


def test_malformed_entries_in_the_middle_and_odd_keys():
    text = (
        "@article{first, title = {First}, year = 2019}\n"
        "@article{broken, title = {Unclosed, year = 2019,\n"
        "\n"
        "@article{third, title = {Third}}\n"
        "@article{first, title = {Another paper with the same key}}\n"
        "@misc{10.1000/xyz, title = {A Key That Is a DOI}, year = 2020}\n"
        "@article{nokey title = {x}}\n"
        "@article{1954KarleboSogn, title = {Film}}\n"
    )
    catalog, problems = parse_bibtex(text, source="refs.bib")
    assert [e.id for e in catalog.entries] == ["first", "third", "first-b", "key-that-doi-2020", "film"]
    assert [e.citekey for e in catalog.entries] == ["first", "third", "first", "10.1000/xyz", "1954KarleboSogn"]
    assert problems[0].startswith("refs.bib:2: skipped malformed entry @article{broken,...: ")
    assert "refs.bib:5: citekey 'first' was already used at line 1; both entries kept, this one as id first-b" in problems
    assert "refs.bib:6: citekey '10.1000/xyz' is not a valid wsskg id; id key-that-doi-2020 (the citekey is kept for export)" in problems
    assert any(p.startswith("refs.bib:7: skipped malformed entry @article{nokey title") for p in problems)
    out = to_bibtex(catalog.entries)
    assert [e.citekey for e in parse_bibtex(out)[0].entries] == [e.citekey for e in catalog.entries]


def test_empty_and_comment_only_input():
    assert parse_bibtex("", "e.bib")[0].entries == []
    catalog, problems = parse_bibtex("% nothing here\n@comment{x}\n", "e.bib")
    assert catalog.entries == [] and problems == []


# -- export ----------------------------------------------------------------------------------------

def _carried(e: Entry) -> dict:
    """The fields a BibTeX entry carries (url: the first paper/pdf/web link, as exported)."""
    from wsskg.catalog import RECORD_FIELDS
    from wsskg.formats.bibtex import main_url

    d = {
        "id": e.id, "title": e.title, "authors": e.authors, "year": e.year, "venue": e.venue,
        "doi": e.doi, "arxiv_id": e.arxiv_id, "url": main_url(e), "abstract": e.abstract,
        "notes": ["\n\n".join(e.notes)] if e.notes else [], "status": e.status, "kind": e.kind,
    }
    # (``as_written`` is how the last file wrote the fields, not what the entry says)
    d.update({name: getattr(e, name) for name in RECORD_FIELDS if name not in ("entry_type", "citekey", "as_written")})
    return d


def test_export_reads_back_without_failed_blocks(imported):
    catalog, _ = imported
    out = to_bibtex(catalog.entries)
    lib = bibtexparser.parse_string(out)
    assert lib.failed_blocks == []
    assert [e.key for e in lib.entries] == [e.id for e in catalog.entries]
    types = {e.key: e.entry_type for e in lib.entries}
    assert types["ahn_learning_2018"] == "inproceedings"  # CVPR
    assert types["hou_self-erasing_2018"] == "inproceedings"  # NeurIPS
    assert types["chen_deeplab_2018"] == "article"  # TPAMI
    assert types["everingham_pascal_2010"] == "article"  # a journal
    assert types["shen_webseg_2018"] == "misc"  # arXiv preprint
    fields = {f.key: f.value for f in lib.entries[0].fields}
    assert fields["eprint"] == "1803.10464" and fields["archivePrefix"] == "arXiv"


def test_round_trip_is_identical(imported):
    catalog, _ = imported
    again, problems = parse_bibtex(to_bibtex(catalog.entries), source="zotero-export.bib")
    assert problems == []
    assert [_carried(e) for e in again.entries] == [_carried(e) for e in catalog.entries]
    assert [t.path for t in again.topics] == [t.path for t in catalog.topics]
    # and stable: exporting the re-import gives the same text
    assert to_bibtex(again.entries) == to_bibtex(catalog.entries)


def test_latex_specials_survive_the_round_trip():
    title = r"R&D at 100% for $0: #1 rank on VOC_2012 with {braces}, ~tilde, ^caret and back\slash -- ``quotes''"
    e = Entry(
        id="special", title=title, venue="CVPR 2019 Workshops", year=2019, authors=["Ann O'Neil", "B. & C. Group"],
        abstract="50% of $x_1$ & y.\n\nSecond paragraph with {x}.", notes=["see #3", "second_note"],
        topics=["Reading List/a_b", "100%"], links=[Link(url="https://example.org/a_b?x=1&y=%20#frag", kind="web")],
    )
    out = to_bibtex([e])
    assert r"\&" in out and r"\%" in out and r"\$" in out and r"\#" in out and r"\_" in out
    assert out.count("{") == out.count("}")
    assert bibtexparser.parse_string(out).failed_blocks == []
    back = parse_bibtex(out, "x.bib")[0].entries[0]
    assert _carried(back) == _carried(e)


def test_canonical_fields_and_bold_markers_are_used():
    e = Entry(id="dsrg", title="**DSRG**: seeded region growing, CVPR2018", venue="CVPR", year=2018,
              canonical_title="Weakly-Supervised Semantic Segmentation Network with Deep Seeded Region Growing",
              canonical_venue="2018 IEEE/CVF Conference on Computer Vision and Pattern Recognition", canonical_year=2018)
    plain = Entry(id="plain", title="**Deep dual learning for semantic image segmentation**", venue="CVPR2017")
    code = Entry(id="repo", title="A repository", kind="code")
    out = to_bibtex([e, plain, code])
    lib = bibtexparser.parse_string(out)
    assert [x.key for x in lib.entries] == ["dsrg", "plain"]  # papers only
    assert "Deep Seeded Region Growing" in out and "**" not in out
    assert lib.entries[0].entry_type == "inproceedings" and lib.entries[1].entry_type == "inproceedings"


@pytest.mark.parametrize(
    "venue, kind",
    [
        ("CVPR2018", "inproceedings"), ("ECCV 2018", "inproceedings"), ("NeurIPS", "inproceedings"),
        ("ICLR 2021", "inproceedings"), ("CVPR Workshops", "inproceedings"), ("BMVC", "inproceedings"),
        ("TPAMI", "article"), ("IEEE Transactions on Image Processing", "article"), ("IJCV", "article"),
        ("Pattern Recognition", "article"), ("arXiv preprint arXiv:1803.09859", "misc"), ("arxiv", "misc"),
        (None, "misc"), ("Lab blog", "misc"),
    ],
)
def test_entry_type(venue, kind):
    assert entry_type(venue) == kind


_TEXT = st.text(
    alphabet=st.sampled_from(list(" abcXYZ019&%$#_{}~^\\-`'\"?!.,:;()[]@=+*/<>|") + list("äéüßçøł–—“”ñ中")),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(_TEXT)
def test_escape_then_decode_is_identity(text):
    text = " ".join(text.split())
    assert latex_to_text(escape_latex(text, protect_case=True)) == text
    esc = escape_latex(text)
    depth = 0
    for ch in esc:  # braces balance as BibTeX counts them (backslashes do not escape)
        depth += {"{": 1, "}": -1}.get(ch, 0)
        assert depth >= 0
    assert depth == 0


# -- biber -------------------------------------------------------------------------------------------

@pytest.mark.skipif(shutil.which("biber") is None, reason="biber is not installed (apt-get install biber)")
def test_biber_accepts_the_export(imported, tmp_path):
    catalog, _ = imported
    bib = tmp_path / "export.bib"
    bib.write_text(to_bibtex(catalog.entries), encoding="utf-8")
    run = subprocess.run(["biber", "--tool", "--validate-datamodel", str(bib.name)], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    log = run.stdout + run.stderr
    assert run.returncode == 0, log
    assert "ERROR" not in log, log
    warnings = [ln for ln in log.splitlines() if ln.startswith("WARN")]
    # only data-model remarks: JabRef's readstatus field, and entries the source left without a year
    assert all("readstatus" in w or "Missing mandatory field" in w for w in warnings), warnings
    out = (tmp_path / "export_bibertool.bib").read_text(encoding="utf-8")
    assert len(re.findall(r"^@", out, re.M)) == len(catalog.entries)
    assert "Krähenbühl" in out or r"Kr{\"a}henb{\"u}hl" in out


def test_escape_latex_is_the_per_character_escape():
    """``escape_latex`` escapes with ``str.translate`` (an abstract is thousands of
    characters): the same text as the character-by-character escape it replaced, on random
    strings of the characters that matter, with and without case protection."""
    import random

    from wsskg.formats import bibtex as bib

    def by_character(text: str, protect_case: bool) -> str:
        text = bib._LIGATURE_RE.sub("\x00", " ".join((text or "").split()).replace("\x00", ""))
        out = []
        for word in text.split(" "):
            esc = "".join(bib._ESCAPES.get(ch, ch) for ch in word).replace("\x00", "{}")
            out.append("{" + esc + "}" if protect_case and any(ch.isupper() for ch in word[1:]) else esc)
        return " ".join(out)

    rng = random.Random(3)
    pieces = [*"\\{}&%$#_~^ \t\n-`'?!aAbZ\x00", "\u00a0", "--", "``", "''", "?`", "CNN", "DeepLab", "é"]
    escaped = 0
    for _ in range(20000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 15)))
        for protect in (False, True):
            want = by_character(text, protect)
            assert bib.escape_latex(text, protect) == want, (text, protect)
            escaped += "\\" in want
    assert escaped > 10000
