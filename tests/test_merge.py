"""merge_into: deduplication by arXiv id, DOI, S2 id and normalised title; never overwriting base."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from wsskg.formats.bibtex import parse_bibtex
from wsskg.catalog import Catalog, Entry, Link, Topic, from_dict
from wsskg.merge import MergeReport, merge_into

DATA = Path(__file__).resolve().parent / "data"


def _base() -> Catalog:
    return Catalog(
        title="Semantic-Segmentation",
        topics=[Topic("Top Works", "Top Works"), Topic("Reading List", "Reading List"),
                Topic("Reading List/affinity", "affinity", level=4)],
        entries=[
            Entry(id="psa", title="**Learning Pixel-level Semantic Affinity with Image-level Supervision**, CVPR2018",
                  venue="CVPR", year=2018, status="reading", topics=["Reading List/affinity"],
                  arxiv_id="1803.10464v1", links=[Link("https://arxiv.org/pdf/1803.10464.pdf", kind="pdf")],
                  notes=["pixel affinity network, resnet38"]),
            Entry(id="deeplab", title="DeepLab", doi="10.1109/TPAMI.2017.2699184", topics=["Top Works"]),
            Entry(id="s2only", title="Some paper", s2_id="abc123", topics=["Top Works"]),
            Entry(id="webly", title="Webly Supervised Semantic Segmentation: CVPR2017", topics=["Reading List"]),
            Entry(id="dsrg", title="Weakly-Supervised Semantic Segmentation Network with Deep Seeded Region Growing",
                  status="unread", topics=["Top Works"]),
        ],
    )


def test_matches_by_arxiv_doi_s2_and_title_and_adds_new_entries():
    base = _base()
    incoming = Catalog(
        topics=[Topic("Imported", "Imported"), Topic("Imported/Zotero", "Zotero", level=3)],
        entries=[
            Entry(id="ahn2018", title="Learning pixel-level semantic affinity", arxiv_id="1803.10464v2",
                  topics=["Imported/Zotero"], links=[Link("https://arxiv.org/abs/1803.10464", kind="paper"),
                                                     Link("https://github.com/jiwoon-ahn/psa", kind="code")],
                  authors=["Jiwoon Ahn", "Suha Kwak"], status="read", venue="CVPR 2018 (oral)", year=2019),
            Entry(id="chen2018", title="DeepLab: Semantic Image Segmentation", doi="10.1109/tpami.2017.2699184",
                  year=2018),
            Entry(id="x", title="Other title", s2_id="abc123", topics=["Imported/Zotero"]),
            Entry(id="jin2017", title="Webly supervised semantic segmentation", year=2017, topics=["Imported/Zotero"]),
            Entry(id="psa", title="A brand new paper", year=2021, topics=["Imported/Zotero"]),
        ],
    )
    report = merge_into(base, incoming)
    assert isinstance(report, MergeReport)
    assert [p[0] for p in report.merged] == ["psa", "deeplab", "s2only", "webly"]
    assert report.merged[0] == ("psa", "Learning pixel-level semantic affinity")
    assert report.added == ["psa-b"]  # the free id is taken by a different paper
    assert report.skipped == []
    reasons = [o.reason for o in report.outcomes]
    assert reasons[:4] == ["same arXiv id 1803.10464", "same DOI 10.1109/tpami.2017.2699184",
                           "same Semantic Scholar id abc123", "same title"]
    assert report.summary() == "added 1, merged 4, skipped 0 (already present); 2 new topics"

    psa = base.get("psa")
    # never overwritten: title, venue, year, notes, the base status "reading"
    assert psa.title.startswith("**Learning Pixel-level") and psa.venue == "CVPR" and psa.year == 2018
    assert psa.status == "reading" and psa.arxiv_id == "1803.10464v1"
    # added: topic, the code link (the arXiv abs link is the same paper as the base pdf link), authors
    assert psa.topics == ["Reading List/affinity", "Imported/Zotero"]
    assert [ln.url for ln in psa.links] == ["https://arxiv.org/pdf/1803.10464.pdf", "https://github.com/jiwoon-ahn/psa"]
    assert psa.authors == ["Jiwoon Ahn", "Suha Kwak"]
    assert base.get("deeplab").year == 2018 and base.get("deeplab").title == "DeepLab"
    assert base.get("psa-b").title == "A brand new paper"
    # new topics appended after the base's, parents first; base order untouched
    assert [t.path for t in base.topics] == ["Top Works", "Reading List", "Reading List/affinity",
                                             "Imported", "Imported/Zotero"]
    from_dict(base.to_dict(bulky=True))  # still a valid catalog
    assert any("psa-b" in line and "was taken" in line for line in report.lines())


@pytest.mark.parametrize(
    "base_status, incoming_status, expected",
    [("unread", "read", "read"), ("unread", "reading", "reading"), ("reading", "read", "reading"),
     ("read", "unread", "read"), ("reading", "unread", "reading"), ("unread", "unread", "unread")],
)
def test_status_only_moves_forward_from_unread(base_status, incoming_status, expected):
    base = Catalog(entries=[Entry(id="a", title="A paper about segmentation", status=base_status)])
    incoming = Catalog(entries=[Entry(id="b", title="A Paper About Segmentation", status=incoming_status,
                                      read_on="2024-05-01" if incoming_status != "unread" else None)])
    merge_into(base, incoming)
    assert base.entries[0].status == expected
    assert (base.entries[0].read_on == "2024-05-01") == (base_status == "unread" and incoming_status != "unread")


def test_title_match_refused_for_different_arxiv_ids_or_distant_years():
    base = Catalog(entries=[Entry(id="a", title="Semantic Segmentation", arxiv_id="1901.00001", year=2019),
                            Entry(id="b", title="Attention Is All You Need", year=2017)])
    incoming = Catalog(entries=[Entry(id="c", title="Semantic segmentation", arxiv_id="2001.00002", year=2020),
                                Entry(id="d", title="Attention is all you need", year=2023),
                                Entry(id="e", title="Attention is all you need", year=2018)])
    report = merge_into(base, incoming)
    assert report.added == ["c", "d"]
    assert report.skipped == [("b", "Attention is all you need")]  # same paper, nothing new (year kept)
    assert base.get("b").year == 2017


def test_merging_twice_is_idempotent_and_counts_add_up():
    incoming, _ = parse_bibtex((DATA / "zotero-export.bib").read_text(encoding="utf-8"), "zotero-export.bib")
    base = _base()
    first = merge_into(base, copy.deepcopy(incoming))
    n = len(incoming.entries)
    assert len(first.added) + len(first.merged) + len(first.skipped) == n
    assert len(base.entries) == 5 + len(first.added)
    merged_ids = {b for b, _ in first.merged}
    assert {"psa", "deeplab", "webly", "dsrg"} <= merged_ids
    assert base.get("dsrg").doi == "10.1109/CVPR.2018.00733"  # filled from the BibTeX entry
    snapshot = base.to_dict(bulky=True)
    second = merge_into(base, copy.deepcopy(incoming))
    assert second.added == [] and second.merged == [] and len(second.skipped) == n
    assert base.to_dict(bulky=True) == snapshot
    ids = [e.id for e in base.entries]
    assert len(ids) == len(set(ids))
    from_dict(base.to_dict(bulky=True))


def test_duplicates_inside_incoming_are_merged_with_each_other():
    base = Catalog()
    incoming = Catalog(entries=[Entry(id="a", title="Same Paper", doi="10.1/x"),
                                Entry(id="b", title="Same paper!", notes=["extra"]),
                                Entry(id="c", title="Other", doi="10.1/X")])
    report = merge_into(base, incoming)
    assert report.added == ["a"]
    assert [e.id for e in base.entries] == ["a"]
    assert base.entries[0].notes == ["extra"]
    assert report.merged == [("a", "Same paper!")] and report.skipped == [("a", "Other")]


def test_a_wrong_shared_arxiv_id_does_not_merge_into_the_wrong_paper():
    """The seed list links FickleNet to CIAN's arXiv id: merging a correct FickleNet record
    must land on FickleNet, not on whichever entry came first with that id."""
    from wsskg.catalog import Catalog, Entry, Topic
    from wsskg.merge import merge_into

    t = [Topic(path="A", name="A")]
    base = Catalog(topics=list(t), entries=[
        Entry(id="cian-2019", title="CIAN", topics=["A"], arxiv_id="1811.10842"),
        Entry(id="ficklenet-2019", title="FickleNet", topics=["A"], arxiv_id="1811.10842"),
    ])
    incoming = Catalog(topics=list(t), entries=[
        Entry(id="x", title="FickleNet", topics=["A"], arxiv_id="1811.10842", doi="10.1109/CVPR.2019.00541"),
        Entry(id="y", title="Totally Different Paper About Cats", topics=["A"], arxiv_id="1811.10842"),
    ])
    report = merge_into(base, incoming)
    assert [o.action for o in report.outcomes] == ["merged", "added"]
    assert base.get("ficklenet-2019").doi == "10.1109/CVPR.2019.00541"
    assert base.get("cian-2019").doi is None


def test_a_not_same_decision_keeps_a_title_match_apart():
    """``wsskg split``/``not-same`` decisions in base outlive ``import --merge``."""
    base = Catalog(entries=[Entry(id="x", title="A Paper About Segmentation", year=2019)],
                   decisions=[{"not_same": ["x", "y"]}])
    incoming = Catalog(entries=[Entry(id="y", title="A paper about segmentation", year=2019),
                                Entry(id="z", title="A paper about segmentation", year=2019)])
    report = merge_into(base, incoming)
    assert report.added == ["y"] and report.skipped == [("x", "A paper about segmentation")]
