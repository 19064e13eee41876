"""import --merge of a bibliography: only agreeing evidence merges; every merge and every
refused near miss is reported; book chapters sharing a DOI stay two works."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from wsskg.catalog import Catalog, Entry
from wsskg.cli import app
from wsskg.formats.bibtex import parse_bibtex
from wsskg.formats.evidence import merge_records, same_record

DATA = Path(__file__).resolve().parent / "data"


def E(**kw) -> Entry:
    kw.setdefault("id", "x")
    kw.setdefault("title", "")
    return Entry(**kw)


def test_same_work_rules():
    base = E(title="Deep Learning", year=2016, authors=["Ian Goodfellow"], doi="10.1/DL", arxiv_id="1601.00001")
    assert same_record(base, E(title="other words entirely", arxiv_id="1601.00001v2")).same  # arXiv id
    assert same_record(base, E(title="deep learning.", doi="10.1/dl", year=2017)).same  # DOI + title + year
    v = same_record(base, E(title="Chapter 3: Probability", doi="10.1/dl"))
    assert not v.same and v.near_miss and "different titles" in v.reason
    v = same_record(base, E(title="Deep Learning", doi="10.1/dl", year=2010))
    assert not v.same and v.near_miss and "years" in v.reason
    assert same_record(E(title="Deep Learning", year=2016, authors=["Goodfellow, Ian"]),
                     E(title="deep learning", year=2016, authors=["Ian Goodfellow", "Y. Bengio"])).same
    v = same_record(E(title="Segmentation", year=1991, authors=["Ann Old"]), E(title="Segmentation", year=2018, authors=["Bob New"]))
    assert not v.same and v.near_miss
    v = same_record(E(title="A Study", year=2005, authors=["Wei Lu"], doi="10.1/a"),
                  E(title="A Study", year=2005, authors=["Wei Lu"], doi="10.1/b"))
    assert not v.same and "different DOIs" in v.reason
    ch1 = E(title="The Book", doi="10.1/book", pages="1--20", year=2016)
    ch2 = E(title="The Book", doi="10.1/book", pages="21--40", year=2016)
    assert not same_record(ch1, ch2).same and "parts" in same_record(ch1, ch2).reason
    assert not same_record(base, E(title="Unrelated")).near_miss


def test_merge_records_reports_merges_and_near_misses_and_never_joins_two_records():
    base = Catalog(entries=[E(id="dl", title="Deep Learning", year=2016, authors=["Ian Goodfellow"], doi="10.1/dl")])
    incoming, _ = parse_bibtex(
        "@book{gb, title={Deep Learning}, author={Goodfellow, Ian}, year=2016, doi={10.1/DL}, publisher={MIT Press}}\n"
        "@incollection{ch3, title={Probability}, booktitle={Deep Learning}, doi={10.1/DL}, year=2016}\n"
        "@book{gb2, title={Deep Learning}, author={Goodfellow, Ian}, year=2016}\n"
    )
    report = merge_records(base, incoming)
    assert [o.action for o in report.outcomes] == ["merged", "added", "skipped"]  # gb2 brings nothing new
    dl = base.get("dl")
    assert dl.publisher == "MIT Press" and dl.citekey == "gb"  # filled, not overwritten
    assert [(inc, base) for inc, base, _ in report.near_misses] == [("ch3", "dl")]
    assert "different" in report.near_misses[0][2]
    lines = report.lines()
    assert any(ln.startswith("merged gb into dl (same DOI") for ln in lines)
    assert any(ln.startswith("kept apart: ch3 and dl (") for ln in lines)
    assert len(base.entries) == 2


def test_cli_merge_of_the_fixture_into_itself_changes_nothing(tmp_path):
    runner = CliRunner()
    cat = tmp_path / "c.yaml"
    bib = DATA / "zotero-export.bib"
    assert runner.invoke(app, ["import", str(bib), "-c", str(cat)]).exit_code == 0
    before = cat.read_text(encoding="utf-8")
    r = runner.invoke(app, ["import", str(bib), "--merge", "-c", str(cat)])
    assert r.exit_code == 0, r.stderr
    assert "added 0, merged 0, skipped 68 (already present); 0 near misses refused" in r.stdout
    assert cat.read_text(encoding="utf-8") == before
