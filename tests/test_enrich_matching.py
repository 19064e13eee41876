"""Matching rules as pure functions (no server): wrong links, short names, hyphens, preprint years."""

from __future__ import annotations

import pytest
from fakeapi import fake, make_catalog, pid  # noqa: F401 - fixture

from wsskg.catalog import Entry, Link
from wsskg.enrich import enrich
from wsskg.enrich.matching import (
    abbreviates, choose, choose_by_name, contradiction, entry_arxiv_id, id_conflict, names_paper, short_name, words_agree,
)
from wsskg.catalog import normalize_title
from wsskg.store import load_catalog

CIAN = "CIAN: Cross-Image Affinity Net for Weakly Supervised Semantic Segmentation"
DSRG = "Weakly-Supervised Semantic Segmentation Network with Deep Seeded Region Growing"


def test_a_hyphen_inside_a_word_does_not_count():
    a = normalize_title("Weakly Supervised Semantic Segmentation Based on Web Image Cosegmentation")
    b = normalize_title("Weakly Supervised Semantic Segmentation Based on Web Image Co-segmentation")
    assert words_agree(a, b) and words_agree(b, a)
    e = Entry(id="x", title="Weakly Supervised Semantic Segmentation Based on Web Image Cosegmentation",
              venue="BMVC", year=2017)
    rec = {"paperId": "p", "title": "Weakly Supervised Semantic Segmentation Based on Web Image Co-segmentation",
           "year": 2017, "venue": "British Machine Vision Conference"}
    assert choose(e, [rec]).record is rec
    # ... while a different word still does
    assert not words_agree(normalize_title("Webly Supervised Segmentation"), normalize_title("Weakly Supervised Segmentation"))


@pytest.mark.parametrize("rec_year,venue,ok", [
    (2015, "ArXiv", True),  # the preprint, two years before the journal version
    (2014, "ArXiv", True),  # three years
    (2013, "ArXiv", False),  # four: too far
    (2015, "Computer Vision and Pattern Recognition", False),  # a conference paper is no preprint of TPAMI
    (2019, "ArXiv", False),  # a preprint after the journal version is not it
])
def test_a_preprint_years_before_the_journal_version_is_no_contradiction(rec_year, venue, ok):
    e = Entry(id="stc", title="STC: A Simple to Complex Framework for Weakly-supervised Semantic Segmentation",
              venue="TPAMI", year=2017)
    rec = {"title": e.title, "year": rec_year, "venue": venue}
    assert (contradiction(e, rec) is None) is ok
    assert (choose(e, [dict(rec, paperId="p")]).record is not None) is ok


def test_short_names():
    assert short_name(Entry(id="a", title="FickleNet")) == "FickleNet"
    assert short_name(Entry(id="a", title="DSRG")) == "DSRG"
    assert short_name(Entry(id="a", title="**GuidedSeg**")) == "GuidedSeg"
    for title in ("Graph", "psa", "dilated convolution", "Non-local Neural Networks", "A B"):
        assert short_name(Entry(id="a", title=title)) is None, title
    assert abbreviates("DSRG", DSRG) and abbreviates("GAIN", "Tell Me Where to Look: Guided Attention Inference Network")
    assert abbreviates("SeeNet", "Self-Erasing Network for Integral Object Attention")
    assert not abbreviates("FickleNet", CIAN) and not abbreviates("DSRG", "Non-local Neural Networks")
    assert names_paper("FickleNet", {"title": "FickleNet: Weakly and Semi-supervised Semantic Image Segmentation"})
    assert names_paper("MDC", {"title": "Revisiting Dilated Convolution", "abstract": "a multi-dilated convolution (MDC)"})
    assert not names_paper("MDC", {"title": "Revisiting Dilated Convolution", "abstract": "dilations"})
    assert names_paper("MDC", {"title": "Revisiting Dilated Convolution", "abstract": "dilations",
                               "tldr": "Multi-dilated convolution (MDC) blocks spread the localization."})


def test_a_short_name_never_accepts_a_paper_that_does_not_name_or_abbreviate_it():
    dsrg = Entry(id="d", title="DSRG", venue="CVPR", year=2018)
    assert id_conflict(dsrg, "Non-local Neural Networks", "arXiv 1711.07971")  # no "Name:" prefix to go on
    assert id_conflict(dsrg, DSRG, "S2 x") is None
    assert id_conflict(Entry(id="f", title="FickleNet"), CIAN, "arXiv 1811.10842")
    assert id_conflict(Entry(id="c", title="CIAN"), CIAN, "arXiv 1811.10842") is None
    assert id_conflict(Entry(id="w", title="WegSeg"), "WebSeg: Learning Semantic Segmentation from Web Searches", "x") is None
    # by name: the record must name it, agree in year/venue, and be the only one
    right = {"paperId": "a", "title": DSRG, "year": 2018, "venue": "Computer Vision and Pattern Recognition"}
    later = {"paperId": "b", "title": "DSRG revisited: deep seeded region growing", "year": 2022, "venue": "TPAMI"}
    other = {"paperId": "c", "title": "Deep Learning", "year": 2018}
    assert choose_by_name(dsrg, "DSRG", [other, later, right]).record is right
    assert choose_by_name(dsrg, "DSRG", [other, later]).record is None
    assert "no year or venue" in choose_by_name(Entry(id="d", title="DSRG"), "DSRG", [right]).reason


def test_a_wrong_link_id_is_never_used_again():
    e = Entry(id="f", title="FickleNet", arxiv_id="1811.10842", links=[Link("https://arxiv.org/abs/1811.10842")],
              wrong_link={"url": "https://arxiv.org/abs/1811.10842", "arxiv_id": "1811.10842", "reason": "CIAN"})
    assert entry_arxiv_id(e) is None


def test_wrong_link_and_short_name_lookups_end_to_end(fake, tmp_path):
    entries = [
        Entry(id="ficklenet", title="FickleNet", venue="CVPR2019", year=2019, arxiv_id="1811.10842",
              links=[Link("https://arxiv.org/abs/1811.10842", kind="paper")]),
        Entry(id="dsrg-wrong", title="DSRG", venue="CVPR2018", year=2018,
              links=[Link("https://arxiv.org/abs/1711.07971", kind="paper")]),  # Non-local's id
        Entry(id="dsrg-code", title="DSRG", venue="CVPR2018", year=2018,
              links=[Link("https://github.com/speedinghzl/DSRG", kind="code")]),
        Entry(id="coseg", title="Weakly Supervised Semantic Segmentation Based on Web Image Cosegmentation",
              venue="BMVC", year=2017),
        Entry(id="stc", title="STC: A Simple to Complex Framework for Weakly-supervised Semantic Segmentation",
              venue="TPAMI", year=2017),
    ]
    path = make_catalog(tmp_path / "catalog.yaml", entries)
    report = enrich(path)
    e = {x.id: x for x in load_catalog(path).entries}
    assert e["ficklenet"].arxiv_id == "1902.10421" and e["ficklenet"].s2_id == pid(14)
    assert e["ficklenet"].wrong_link["arxiv_id"] == "1811.10842" and e["ficklenet"].links[0].url.endswith("1811.10842")
    assert e["dsrg-wrong"].s2_id == pid(15) and e["dsrg-wrong"].arxiv_id is None
    assert "neither names nor abbreviates" in e["dsrg-wrong"].wrong_link["reason"]
    # the code-linked DSRG row is found by its name too: one work with the row above, merged into it
    assert "dsrg-code" not in e and "dsrg-code" in e["dsrg-wrong"].aliases
    assert any(ln.url == "https://github.com/speedinghzl/DSRG" for ln in e["dsrg-wrong"].links)
    assert [ids for ids, _ in report.same_works] == [["dsrg-wrong", "dsrg-code"]]
    assert e["coseg"].s2_id == pid(16) and e["coseg"].match["score"] >= 95
    assert e["stc"].s2_id == pid(7)
    for x in e.values():  # title matches came with their references in this one run
        assert x.match and not x.match.get("partial"), x.id
    assert set(e["ficklenet"].references) == {pid(1), pid(2)} and e["dsrg-wrong"].references == [pid(1)]
    assert sorted(i for i, _, _ in report.wrong_links) == ["dsrg-wrong", "ficklenet"]
    assert not report.unmatched and not report.failed
    # the floor: one id_list, one S2 batch for all (wrong arXiv links are re-asked by name
    # before the batch), one S2 search per title/name lookup, no second batch
    assert fake.count("arxiv", "id_list") == 1 and fake.count("s2", "batch") == 1


def test_same_work_needs_a_shared_id_and_the_identity_test():
    from wsskg.enrich.matching import same_work_pairs

    gain = Entry(id="gain", title="GAIN", venue="CVPR", year=2018, s2_id="x" * 40)
    long = Entry(id="tell", title="Tell me where to look: Guided Attention Inference Network", s2_id="x" * 40)
    other = Entry(id="other", title="A Completely Different Long Title Here", s2_id="x" * 40)
    web = Entry(id="wegseg", title="WegSeg", arxiv_id="1803.09859")
    webseg = Entry(id="webseg", title="WebSeg: Learning Semantic Segmentation from Web Searches", arxiv_id="1803.09859")
    lone = Entry(id="lone", title="GAIN", s2_id="y" * 40)  # the same name, no shared id
    pairs = [(a.id, b.id) for a, b, _ in same_work_pairs([gain, long, other, web, webseg, lone])]
    # one id, two different full titles is a wrong link, not one work
    assert pairs == [("gain", "tell"), ("wegseg", "webseg")]


def _merge_catalog(tmp_path, decisions=()):
    entries = [
        Entry(id="dsrg-2018", title="DSRG", venue="CVPR2018", year=2018,
              links=[Link("https://github.com/speedinghzl/DSRG", kind="code")]),
        Entry(id="deep-seeded", title="Weakly-Supervised Semantic Segmentation Network with Deep Seeded Region Growing"),
        Entry(id="ficklenet", title="FickleNet", venue="CVPR", year=2019, links=[Link("https://arxiv.org/abs/1811.10842")]),
        Entry(id="cian", title="CIAN", venue="AAAI", year=2019, links=[Link("https://arxiv.org/abs/1811.10842")]),
    ]
    path = make_catalog(tmp_path / "catalog.yaml", entries)
    if decisions:
        from wsskg.store import load_catalog as load, save_catalog

        cat = load(path)
        cat.decisions = list(decisions)
        save_catalog(path, cat)
    return path


def test_entries_enrichment_shows_to_be_one_work_are_merged(fake, tmp_path):
    path = _merge_catalog(tmp_path)
    report = enrich(path)
    cat = load_catalog(path)
    ids = [e.id for e in cat.entries]
    assert "dsrg-2018" not in ids and "deep-seeded" in ids  # the full title is kept
    kept = cat.get("deep-seeded")
    assert "dsrg-2018" in kept.aliases and kept.s2_id == pid(15)
    assert any("github.com/speedinghzl/DSRG" in ln.url for ln in kept.links)  # nothing of the row is lost
    assert {"same": ["deep-seeded", "dsrg-2018"]} in cat.decisions or any("same" in d for d in cat.decisions)
    assert report.same_works == [(["deep-seeded", "dsrg-2018"], report.same_works[0][1])]
    assert "same Semantic Scholar id" in report.same_works[0][1]
    # FickleNet's wrong link to CIAN's id never makes them one work
    assert "ficklenet" in ids and "cian" in ids and cat.get("ficklenet").arxiv_id == "1902.10421"


def test_a_not_same_decision_keeps_them_apart(fake, tmp_path):
    path = _merge_catalog(tmp_path, decisions=[{"not_same": ["dsrg-2018", "deep-seeded"]}])
    report = enrich(path)
    ids = [e.id for e in load_catalog(path).entries]
    assert "dsrg-2018" in ids and "deep-seeded" in ids and not report.same_works
    assert report.not_merged and "not-same" in report.not_merged[0][1]
