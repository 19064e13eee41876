"""Enrichment end to end (library level): matching, request economy, faults, resume."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fakeapi import FakeAPI, Sleeps, fake, make_catalog, pid, synthetic_corpus  # noqa: F401 - fixture

from wsskg.catalog import Entry, Link
from wsskg.enrich import add_paper, choose, concept_like, enrich, fetch_citations, id_conflict, venue_key
from wsskg.errors import WsskgError
from wsskg.sources.arxiv import CHUNK as ARXIV_CHUNK
from wsskg.sources.s2 import REFERENCES_CHUNK
from wsskg.store import load_catalog, render, sidecar_path

REPO = Path(__file__).resolve().parents[1]


def ax(aid: str) -> list[Link]:
    return [Link(url=f"https://arxiv.org/abs/{aid}", kind="paper")]


def demo_entries() -> list[Entry]:
    return [
        Entry(id="psa-code", title="psa", kind="code", links=[Link("https://github.com/jiwoon-ahn/psa", kind="code")]),
        Entry(id="gain", title="GAIN", venue="CVPR", year=2018, links=ax("1802.10171.pdf"), notes=["55.3 / 56.8"]),
        Entry(id="cian", title="CIAN", venue="CVPR", year=2019, links=ax("1811.10842")),
        Entry(id="ficklenet", title="FickleNet", venue="CVPR", year=2019, links=ax("1811.10842")),  # the list's typo
        Entry(id="lovasz", title="The Lovasz-Softmax loss", status="read", links=ax("1705.08790")),
        Entry(id="webly", title="Webly Supervised Semantic Segmentation", venue="CVPR", year=2017),
        Entry(id="stc", title="STC: A Simple to Complex Framework for Weakly-supervised Semantic Segmentation",
              venue="TPAMI", year=2017),
        Entry(id="stc-noyear", title="STC: A Simple to Complex Framework for Weakly-supervised Semantic Segmentation"),
        Entry(id="crw", title="Convolutional Random Walk Networks for Semantic Image Segmetation"),
        Entry(id="ctx", title="Context Encoding for Semantic Segmentation", venue="CVPR", year=2018),
        Entry(id="dilated", title="dilated convolution"),
        Entry(id="refine", title="refine segmentation results using image-level labels"),
        Entry(id="gated", title="Gated CRF Loss for Weakly Supervised Semantic Image Segmentation"),
        Entry(id="nowhere", title="A Paper That Nobody Has Ever Written About Anything"),
    ]


@pytest.fixture
def catalog(tmp_path) -> Path:
    return make_catalog(tmp_path / "catalog.yaml", demo_entries())


def test_matching_takes_only_the_right_papers(fake, catalog):
    before = load_catalog(catalog, use_index=False)
    report = enrich(catalog)
    cat = load_catalog(catalog, use_index=False)
    e = {x.id: x for x in cat.entries}

    # by id: both sources; provenance recorded; references become edges + external metadata
    assert e["gain"].arxiv_id == "1802.10171" and e["gain"].s2_id == pid(3)
    assert e["gain"].doi == "10.1109/CVPR.2018.00960"
    assert e["gain"].canonical_title == "Tell Me Where to Look: Guided Attention Inference Network"
    assert e["gain"].canonical_year == 2018 and e["gain"].citation_count == 600
    assert e["gain"].match == {"source": "arxiv+s2", "by": "id", "score": 100.0}
    assert e["gain"].abstract == "An abstract."
    assert set(e["gain"].references) == {pid(1), pid(90)}
    assert cat.external[pid(90)]["title"] == "Fully Convolutional Networks for Semantic Segmentation"
    assert e["lovasz"].references and cat.external[pid(91)]["arxiv_id"] == "1706.05587"
    # the list's FickleNet row points at CIAN's arXiv id: a conflict, not an attachment
    assert e["cian"].s2_id == pid(2)
    # ... so that link is marked wrong (kept as the list wrote it), and the work is looked up by
    # its short name and venue/year instead, references included, in the same run
    fn = e["ficklenet"]
    assert fn.links == ax("1811.10842") and fn.wrong_link["url"] == "https://arxiv.org/abs/1811.10842"
    assert fn.wrong_link["arxiv_id"] == "1811.10842" and "CIAN" in fn.wrong_link["reason"]
    assert fn.arxiv_id == "1902.10421" and fn.s2_id == pid(14) and fn.match["by"] == "title"
    assert set(fn.references) == {pid(1), pid(2)}
    assert [(i, u) for i, u, _ in report.wrong_links] == [("ficklenet", "https://arxiv.org/abs/1811.10842")]
    # by title: the exact paper, not the one-word-off distractor ("Weakly" for "Webly")
    assert e["webly"].s2_id == pid(4) and e["webly"].match["by"] == "title" and e["webly"].match["score"] == 100.0
    # a typo in the list still matches (score below 100), the longer distractor title does not
    assert e["crw"].s2_id == pid(10) and 95 < e["crw"].match["score"] < 100
    assert e["ctx"].s2_id == pid(11)
    # conference paper vs later journal version: the list's year/venue picks the journal one ...
    assert e["stc"].s2_id == pid(7) and e["stc"].canonical_venue.startswith("IEEE Transactions on Pattern")
    # ... and without them it is ambiguous: left alone and reported
    assert e["stc-noyear"].s2_id is None and not e["stc-noyear"].match
    # only on arXiv: found by the arXiv title search after S2 had nothing close
    assert e["gated"].arxiv_id == "1906.04651" and e["gated"].match["source"] == "arxiv"
    assert e["nowhere"].match == {} and e["psa-code"].match == {}

    unmatched = dict(report.unmatched)
    assert set(unmatched) == {"stc-noyear", "nowhere"}
    assert "close candidates" in unmatched["stc-noyear"]
    assert report.skipped["not a paper (code)"] == ["psa-code"]
    assert set(sum((v for k, v in report.skipped.items() if k != "not a paper (code)"), [])) == {"dilated", "refine"}
    assert sorted(report.enriched) == sorted(["gain", "cian", "ficklenet", "lovasz", "webly", "stc", "crw", "ctx",
                                              "gated"])
    assert report.failed == []

    # what the list said is untouched: same title/venue/year/status/notes/links everywhere
    for old in before.entries:
        new = e[old.id]
        assert (new.title, new.venue, new.year, new.status, new.notes, new.links, new.topics) == (
            old.title, old.venue, old.year, old.status, old.notes, old.links, old.topics)
    # bulky fields live in the sidecar, catalog.yaml stays lean
    text = catalog.read_text()
    assert "An abstract." not in text and "references" not in text
    assert "An abstract." in sidecar_path(catalog).read_text()


def test_request_budget_and_zero_requests_on_the_second_run(fake, catalog):
    cat = load_catalog(catalog)
    report = enrich(catalog)
    ids = [x for x in cat.entries if x.kind == "paper" and (x.links or x.doi or x.arxiv_id)]
    titles = [x for x in cat.entries if x.kind == "paper" and not x.links and not concept_like(x)]
    m, t = len(ids), len(titles)
    batch = fake.count("s2", "batch")
    assert batch <= math.ceil((m + t) / REFERENCES_CHUNK) and fake.count("arxiv", "id_list") <= math.ceil(m / ARXIV_CHUNK)
    assert fake.count() <= math.ceil((m + t) / REFERENCES_CHUNK) + math.ceil(m / ARXIV_CHUNK) + 2 * t
    assert report.stats.requests == {"arxiv": fake.count("arxiv"), "s2": fake.count("s2")}
    fake.clear_log()
    second = enrich(catalog)
    assert fake.count() == 0 and second.stats.requests == {"arxiv": 0, "s2": 0}
    assert second.enriched == [] and {i for i, _ in second.unmatched} == {"stc-noyear", "nowhere"}
    assert len(second.skipped["already enriched"]) == len(report.enriched)
    fake.clear_log()
    third = enrich(catalog, refresh=True)  # --refresh asks again
    assert fake.count() > 0 and sorted(third.enriched) == sorted(report.enriched)


@pytest.mark.slow
def test_bulk_ids_use_batches(fake, tmp_path):
    fake.papers = synthetic_corpus(620)
    entries = [Entry(id=f"p{i}", title=p.title, links=ax(p.arxiv_id)) for i, p in enumerate(fake.papers)]
    path = make_catalog(tmp_path / "catalog.yaml", entries)
    report = enrich(path, save_every=1000)
    assert len(report.enriched) == 620
    # the floor: ceil(M/100) reference batches (never 500: they time out), ceil(M/100) id_list calls
    assert fake.count("s2", "batch") == math.ceil(620 / REFERENCES_CHUNK) == 7
    assert fake.count("arxiv", "id_list") == math.ceil(620 / ARXIV_CHUNK) == 7
    assert fake.count() == 14
    cat = load_catalog(path)
    assert all(x.s2_id and x.arxiv_id and x.canonical_title == x.title for x in cat.entries)
    refs = {r for x in cat.entries for r in x.references}
    inside = {x.s2_id for x in cat.entries}
    assert refs and not (set(cat.external) & inside)  # external holds only papers outside the catalog


def test_offline_uses_only_the_cache(fake, catalog):
    report = enrich(catalog, offline=True)
    assert fake.count() == 0
    assert report.enriched == [] and len(report.offline_missing) >= 8
    enrich(catalog, source="arxiv")  # fills part of the cache
    fake.clear_log()
    report = enrich(catalog, offline=True, refresh=True)
    assert fake.count() == 0
    assert "gain" in report.enriched  # arXiv part from the cache
    assert "webly" in report.offline_missing  # its S2 search was never cached


def test_source_arxiv_only(fake, catalog):
    report = enrich(catalog, source="arxiv")
    assert fake.count("s2") == 0
    cat = {x.id: x for x in load_catalog(catalog).entries}
    assert cat["gain"].match == {"source": "arxiv", "by": "id", "score": 100.0} and cat["gain"].s2_id is None
    assert "webly" in dict(report.unmatched)  # not on arXiv
    fake.clear_log()
    report = enrich(catalog, source="s2")  # the S2 part is still to do for the same entries
    assert fake.count("arxiv") == 0 and fake.count("s2", "batch") == 1
    assert {x.id: x for x in load_catalog(catalog).entries}["gain"].match["source"] == "arxiv+s2"


def test_topic_and_only_filters(fake, tmp_path):
    entries = demo_entries()
    entries[1].topics = ["seg/sub"]
    path = make_catalog(tmp_path / "catalog.yaml", entries, topics=("seg", "seg/sub"))
    report = enrich(path, topic="sub")
    assert report.enriched == ["gain"]
    report = enrich(path, only=["lovasz", "CIAN", "ficklenet"])
    assert sorted(report.enriched) == ["cian", "ficklenet", "lovasz"] and not report.unmatched
    with pytest.raises(WsskgError, match="no topic"):
        enrich(path, topic="nope")


def test_a_failing_batch_does_not_abort_the_run(fake, catalog):
    fake.fault("s2", status=500, times=100, body=b'{"message": "Internal Server Error"}')
    fake.fault("arxiv", status=503)  # one arXiv hiccup, retried
    report = enrich(catalog, sleep=Sleeps())
    failed = dict(report.failed)
    assert any("Semantic Scholar" in r and "HTTP 500" in r for r in failed.values())
    cat = {x.id: x for x in load_catalog(catalog).entries}
    assert cat["gain"].arxiv_id == "1802.10171" and cat["gain"].match["source"] == "arxiv"  # arXiv part saved
    assert cat["gain"].s2_id is None
    # next run (server healthy) completes what is missing, and only that
    fake.clear_faults()
    fake.clear_log()
    report = enrich(catalog)
    cat = {x.id: x for x in load_catalog(catalog).entries}
    assert cat["gain"].match["source"] == "arxiv+s2" and report.failed == []
    assert fake.count("arxiv", "id_list") == 0  # the arXiv ids were cached


def test_rate_limited_service_is_not_asked_again_in_the_run(fake, catalog, monkeypatch):
    monkeypatch.setenv("WSSKG_MAX_RETRY_AFTER", "10")
    fake.fault("s2", status=429, headers={"Retry-After": "600"})
    report = enrich(catalog)
    assert fake.count("s2") == 1
    assert any("wait 600 s" in r for _, r in report.failed)
    assert any("rate limited earlier" in r for _, r in report.failed)


@pytest.mark.slow
def test_kill_mid_run_then_resume(tmp_path, monkeypatch):
    corpus = synthetic_corpus(400)
    entries = [Entry(id=f"p{i}", title=p.title, links=ax(p.arxiv_id)) for i, p in enumerate(corpus)]
    path = make_catalog(tmp_path / "catalog.yaml", entries)
    with FakeAPI(corpus, latency=0.4) as api:
        env = dict(os.environ, **api.env(), WSSKG_CACHE_DIR=str(tmp_path / "cache"), PYTHONPATH=str(REPO))
        code = "import sys; from pathlib import Path; from wsskg.enrich import enrich; enrich(Path(sys.argv[1]), source='arxiv')"
        proc = subprocess.Popen([sys.executable, "-c", code, str(path)], env=env, cwd=tmp_path)
        try:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                if "match:" in path.read_text():
                    break
                time.sleep(0.02)
            else:
                pytest.fail("the first batch was never saved")
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
        finally:
            if proc.poll() is None:
                proc.kill()
        cat = load_catalog(path, use_index=False)  # a complete, valid file after SIGKILL
        done_before = sum(1 for x in cat.entries if x.match)
        assert 100 <= done_before < 400 and done_before % 100 == 0
        first_run = api.count("arxiv")
        api.clear_log()
        api.latency = 0
        monkeypatch.setenv("WSSKG_CACHE_DIR", str(tmp_path / "cache"))
        for k, v in api.env().items():
            monkeypatch.setenv(k, v)
        report = enrich(path, source="arxiv")
        assert len(report.enriched) == 400 - done_before
        assert len(report.skipped["already enriched"]) == done_before
        # only what was not answered before the kill is asked again
        assert api.count("arxiv") <= math.ceil((400 - done_before) / 100)
        assert api.count("arxiv") + first_run <= 4 + 1
        assert all(x.match for x in load_catalog(path).entries)


@pytest.mark.slow
def test_fetch_citations_fills_cited_by_and_external(fake, catalog):
    enrich(catalog)
    fake.clear_log()
    rep = fetch_citations(catalog)
    cat = {x.id: x for x in load_catalog(catalog).entries}
    assert set(cat["ctx"].cited_by) == {pid(92)}
    assert load_catalog(catalog).external[pid(92)]["title"] == "A Paper Citing Non-local Networks"
    assert "nowhere" in rep.skipped and fake.count("s2", "citations") == len(rep.filled)
    fake.clear_log()
    fetch_citations(catalog)
    assert fake.count() == 0


def test_add_paper_by_id_title_and_no_duplicates(fake, tmp_path):
    catalog = make_catalog(tmp_path / "catalog.yaml", demo_entries()[:5])
    e = add_paper(catalog, "https://arxiv.org/abs/1711.07971v3", topic="seg")
    assert e.arxiv_id == "1711.07971" and e.s2_id == pid(9) and e.title == "Non-local Neural Networks"
    assert e.year == 2018 and e.topics == ["seg"] and e.match["by"] == "id"
    with pytest.raises(WsskgError, match="already in the catalog as " + e.id):
        add_paper(catalog, "1711.07971")
    with pytest.raises(WsskgError, match="already in the catalog"):
        add_paper(catalog, "Non-local neural networks")
    d = add_paper(catalog, "10.1109/CVPR.2017.177")
    assert d.title == "Webly Supervised Semantic Segmentation"  # an S2-only paper, by DOI
    with pytest.raises(WsskgError, match="already in the catalog as " + d.id):
        add_paper(catalog, "doi:10.1109/cvpr.2017.177")
    t = add_paper(catalog, "Rethinking Atrous Convolution for Semantic Image Segmentation")
    assert t.s2_id == pid(91) and t.match["by"] == "title"
    with pytest.raises(WsskgError, match="for certain"):
        add_paper(catalog, "Weakly Supervised Semantic Segmentation Networks For Everything")
    ids = [x.id for x in load_catalog(catalog).entries]
    assert len(ids) == len(set(ids)) == 5 + 3


def test_choose_unit_rules():
    e = Entry(id="x", title="Webly Supervised Semantic Segmentation", year=2017)
    weakly = {"paperId": "a", "title": "Weakly Supervised Semantic Segmentation", "year": 2017}
    assert choose(e, [weakly]).record is None
    later = {"paperId": "b", "title": "Webly Supervised Semantic Segmentation", "year": 2020}
    assert "year 2020" in choose(e, [later]).reason
    conf = {"paperId": "c", "title": "Webly supervised semantic segmentation.", "year": 2017}
    assert choose(e, [weakly, later, conf]).record is conf
    same_work = [{"arxiv_id": "1", "title": "Webly Supervised Semantic Segmentation", "year": 2017},
                 {"arxiv_id": "1", "title": "Webly Supervised Semantic Segmentation", "year": 2017}]
    assert choose(e, same_work).record is not None
    assert venue_key("2017 IEEE Conference on Computer Vision and Pattern Recognition (CVPR)") == "cvpr"
    assert venue_key("NIPS2018") == venue_key("NeurIPS") == "neurips"
    assert venue_key("IEEE Transactions on Pattern Analysis and Machine Intelligence") == "tpami"
    assert id_conflict(Entry(id="w", title="WegSeg"), "WebSeg: Learning Semantic Segmentation from Web Searches", "x") is None
    assert id_conflict(Entry(id="s", title="SeeNet"), "Self-Erasing Network for Integral Object Attention", "x") is None
    assert id_conflict(Entry(id="l", title="Learning a Discriminative Feature Network for Semantic Segmentation"),
                       "Attention Is All You Need", "x")


def test_export_rendering_is_unchanged_by_enrichment_except_added_lines(fake, catalog):
    before = render(load_catalog(catalog, use_index=False)).splitlines()
    enrich(catalog)
    after = render(load_catalog(catalog, use_index=False)).splitlines()
    # every line the list had is still there, in order: enrichment only adds lines
    it = iter(after)
    assert all(any(line == a for a in it) for line in before)


@pytest.mark.slow
def test_benchmark_tiny_mode_respects_the_budget(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(REPO), WSSKG_CACHE_DIR=str(tmp_path / "cache"))
    res = subprocess.run([sys.executable, str(REPO / "benchmarks" / "enrich_bench.py"), "--tiny"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "budget respected" in res.stdout and "| second run | 40 |" in res.stdout


@pytest.mark.slow
def test_thousand_papers_with_504s_and_429_bursts_miss_nothing():
    """1,000 synthetic papers against the fake server with the real limits, 30 % of reference
    batches answered 504 and every 25th keyless request 429: batches are split and retried,
    every paper is found with its references, and the requests above the floor are exactly
    the splits' halves and the 429 retries."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        from enrich_bench import check, measure
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    rows = measure(n=1000, latency=0.0, arxiv_delay=0.0, s2_delay=0.0, runs=("504s + 429s", "second run"))
    faulty, second = rows
    assert check(rows) == []
    assert faulty["enriched"] == 1000 and faulty["missing"] == 0 and faulty["splits"] > 0 and faulty["429s"] > 0
    assert faulty["requests"] == faulty["floor"] + 2 * faulty["splits"] + faulty["429s"]
    assert second["requests"] == 0
