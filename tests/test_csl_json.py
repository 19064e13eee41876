"""CSL-JSON in and out: what comes in goes out (CSL -> catalog -> CSL), and BibTeX -> CSL-JSON ->
BibTeX gives the same BibTeX, field by field, on the Zotero fixture and the generated corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from wsskg.cli import app
from wsskg.errors import ImportFailed
from wsskg.formats.bibtex import parse_bibtex, to_bibtex
from wsskg.formats.csl_json import parse_csl_json, to_csl_json

DATA = Path(__file__).resolve().parent / "data"

#: Items as Zotero, Better BibTeX and pandoc write them: particles, literal names, suffixes,
#: full dates, seasons, structured variables wsskg does not model, custom data, odd ids.
ZOTERO_ITEMS = [
    {"id": "http://zotero.org/users/1/items/ABCD1234", "type": "article-journal",
     "title": "The <i>Pascal</i> Visual Object Classes (VOC) Challenge",
     "author": [{"family": "Everingham", "given": "Mark"}, {"family": "Gool", "given": "Luc", "non-dropping-particle": "Van"},
                {"literal": "The VOC Consortium"}, {"family": "King", "given": "Martin Luther", "suffix": "Jr."}],
     "container-title": "International Journal of Computer Vision", "container-title-short": "IJCV",
     "volume": "88", "issue": "2", "page": "303-338", "issued": {"date-parts": [[2010, 6, 1]]},
     "DOI": "10.1007/s11263-009-0275-4", "ISSN": "0920-5691", "URL": "https://doi.org/10.1007/s11263-009-0275-4",
     "accessed": {"date-parts": [[2019, 3, 2]]}, "language": "en", "source": "Springer",
     "abstract": "The PASCAL VOC challenge.\n\nSecond paragraph.", "note": "Zotero note", "keyword": "benchmark, voc"},
    {"id": "1954KarleboSogn", "type": "motion_picture", "title": "The Film", "issued": {"date-parts": [[1954]]},
     "director": [{"family": "Sogn", "given": "Karlebo"}], "medium": "35mm"},
    {"id": "9.8:1", "type": "motion_picture", "title": "The Film", "issued": {"date-parts": [[1954]]}, "medium": "VHS"},
    {"id": "chapter1", "type": "chapter", "title": "Chapter One", "container-title": "The Book", "DOI": "10.1000/book",
     "page": "1-20", "editor": [{"family": "Smith", "given": "Alice"}], "publisher": "MIT Press",
     "publisher-place": "Cambridge, MA", "ISBN": "978-0-262-03561-3", "issued": {"season": 2, "date-parts": [[2016]]}},
    {"id": "chapter2", "type": "chapter", "title": "Chapter Two", "container-title": "The Book", "DOI": "10.1000/book",
     "page": "21-40", "issued": {"raw": "2016"}},
    {"id": "web", "type": "webpage", "title": "A Page", "URL": "https://example.org", "issued": {"literal": "n.d."},
     "custom": {"zotero-key": "XYZ", "nested": {"a": 1}}},
]


def test_csl_in_then_out_is_what_came_in():
    text = json.dumps(ZOTERO_ITEMS)
    catalog, problems = parse_csl_json(text, source="lib.json")
    assert [e.citekey for e in catalog.entries] == [i["id"] for i in ZOTERO_ITEMS]
    assert len({e.id for e in catalog.entries}) == len(ZOTERO_ITEMS)  # the two films stay two
    out = json.loads(to_csl_json(catalog.entries))
    want = json.loads(text)
    for item in want:  # documented normalisations (docs/interop.md): a nested custom value is JSON text
        if "custom" in item:
            item["custom"] = {k: (json.dumps(v) if isinstance(v, dict) else v) for k, v in item["custom"].items()}
    assert out == want
    assert any("not a valid wsskg id" in p for p in problems)


def test_csl_fields_land_in_the_model():
    catalog, _ = parse_csl_json(json.dumps(ZOTERO_ITEMS), source="lib.json")
    voc = catalog.entries[0]
    assert voc.authors == ["Mark Everingham", "Van Gool, Luc", "The VOC Consortium", "King, Jr., Martin Luther"]
    assert (voc.venue, voc.volume, voc.number, voc.pages, voc.year, voc.month) == (
        "International Journal of Computer Vision", "88", "2", "303--338", 2010, "June")
    assert voc.tags == ["benchmark", "voc"] and voc.notes == ["Zotero note"] and voc.entry_type == "article"
    assert json.loads(voc.extra["accessed"]) == {"date-parts": [[2019, 3, 2]]}
    film = catalog.entries[1]
    assert film.entry_type == "misc" and film.extra["csl_type"] == "motion_picture"


def test_bibtex_to_csl_to_bibtex_is_the_same_bibtex():
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from test_bibtex_roundtrip import generated_corpus

    for name, text in (("zotero-export.bib", (DATA / "zotero-export.bib").read_text(encoding="utf-8")),
                       ("generated-corpus.bib", generated_corpus())):
        catalog, _ = parse_bibtex(text, source=name)
        via_csl, problems = parse_csl_json(to_csl_json(catalog.entries), source=name)
        assert to_bibtex(via_csl.entries) == to_bibtex(catalog.entries), name
        assert [e.citekey for e in via_csl.entries] == [e.citekey for e in catalog.entries]
        # and CSL -> catalog -> CSL is stable
        assert to_csl_json(via_csl.entries) == to_csl_json(catalog.entries)


def test_markdown_born_entries_export_as_csl():
    from wsskg.catalog import Entry, Link

    e = Entry(id="aff", title="**AffinityNet**", canonical_title="Adaptive Affinity Fields for Semantic Segmentation",
              venue="ECCV2018", year=2018, authors=["Tsung-Wei Ke", "Stella X. Yu"], arxiv_id="1803.10335",
              links=[Link(url="https://github.com/twke18/Adaptive_Affinity_Fields", kind="code")], status="read")
    item = json.loads(to_csl_json([e]))[0]
    assert item["id"] == "aff" and item["type"] == "paper-conference"
    assert item["title"] == "Adaptive Affinity Fields for Semantic Segmentation"
    assert item["custom"]["eprint"] == "1803.10335" and item["custom"]["readstatus"] == "read"
    back = parse_csl_json(json.dumps([item]))[0].entries[0]
    assert back.arxiv_id == "1803.10335" and back.status == "read" and back.authors == e.authors


@pytest.mark.parametrize("text, message", [
    ("{not json", "not valid JSON"),
    ('{"wsskg": 1, "entries": []}', "not CSL-JSON"),
    ('[1, 2]', "not CSL-JSON"),
])
def test_not_csl_is_a_clear_error(text, message):
    with pytest.raises(ImportFailed, match=message):
        parse_csl_json(text, source="x.json")


def test_cli_import_and_export_csl_json(tmp_path):
    runner = CliRunner()
    src = tmp_path / "lib.json"
    src.write_text(json.dumps(ZOTERO_ITEMS), encoding="utf-8")
    cat = tmp_path / "c.yaml"
    r = runner.invoke(app, ["import", str(src), "-c", str(cat)])
    assert r.exit_code == 0, r.stderr
    assert "Imported 6 entries" in r.stdout
    r = runner.invoke(app, ["export", "--format", "csl-json", "-c", str(cat)])
    assert r.exit_code == 0
    assert [i["id"] for i in json.loads(r.stdout)] == [i["id"] for i in ZOTERO_ITEMS]
    # a .json that is not CSL is refused with one line, nothing written
    bad = tmp_path / "other.json"
    bad.write_text('{"a": 1}', encoding="utf-8")
    r = runner.invoke(app, ["import", str(bad), "-c", str(tmp_path / "d.yaml")])
    assert r.exit_code != 0 and "not CSL-JSON" in r.stderr and not (tmp_path / "d.yaml").exists()
    # an explicit --format wins over the file name
    other = tmp_path / "lib.txt"
    other.write_text(json.dumps(ZOTERO_ITEMS[:1]), encoding="utf-8")
    r = runner.invoke(app, ["import", str(other), "--format", "csl-json", "-c", str(tmp_path / "e.yaml")])
    assert r.exit_code == 0, r.stderr
