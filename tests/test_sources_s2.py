"""The Semantic Scholar wrapper, with the real ``semanticscholar`` client against the fake server."""

from __future__ import annotations

import json
import logging
import time

import pytest
from fakeapi import Sleeps, fake, pid, synthetic_corpus  # noqa: F401 - fixture

from wsskg.errors import RateLimited, SourceError
from wsskg.sources.http import Cache, Settings, Stats
from wsskg.sources.s2 import BATCH_FIELDS, S2Source, clean_query, path_id


def source(sleep=None, **overrides) -> S2Source:
    settings = Settings.from_env()
    for k, v in overrides.items():
        setattr(settings, k, v)
    return S2Source(settings, Cache(), Stats(), sleep=Sleeps() if sleep is None else sleep)


def test_batch_maps_answers_to_ids_with_nulls_and_references(fake):
    ids = ["ARXIV:1705.08790", "DOI:10.1109/cvpr.2017.177", "ARXIV:0000.00000", pid(9)]
    got = source().fetch_batch(ids)
    assert [r["title"] if r else None for r in got.values()] == [
        "The Lovasz-Softmax loss: A tractable surrogate for the optimization of the intersection-over-union measure in neural networks",
        "Webly Supervised Semantic Segmentation", None, "Non-local Neural Networks"]
    lov = got["ARXIV:1705.08790"]
    assert lov["paperId"] == pid(8) and lov["arxiv_id"] == "1705.08790" and lov["citation_count"] == 900
    assert set(lov["references"]) == {pid(3), pid(91)}
    assert lov["references"][pid(91)]["title"] == "Rethinking Atrous Convolution for Semantic Image Segmentation"
    assert lov["references"][pid(91)]["arxiv_id"] == "1706.05587"
    (call,) = fake.requests("s2")
    assert call["method"] == "POST" and call["path"] == "/graph/v1/paper/batch"
    assert json.loads(call["body"]) == {"ids": ids}
    assert call["query"]["fields"].split(",") == BATCH_FIELDS
    fake.clear_log()
    assert source().fetch_batch(ids) == got  # cached, negative answer included
    assert fake.count() == 0


def test_batch_keeps_the_tldr(fake):
    """The TLDR is where a paper may give the short name a list calls it by ("MDC")."""
    fake.papers[0].tldr = "Multi-dilated convolution (MDC) blocks spread the localization."
    got = source().fetch_batch([fake.papers[0].paper_id, fake.papers[1].paper_id])
    assert [r["tldr"] for r in got.values()] == ["Multi-dilated convolution (MDC) blocks spread the localization.", None]


def test_batch_with_references_goes_out_in_hundreds(fake):
    fake.papers = synthetic_corpus(250)
    got = source().fetch_batch([f"ARXIV:{p.arxiv_id}" for p in fake.papers])
    assert sum(1 for r in got.values() if r) == 250
    assert [len(json.loads(c["body"])["ids"]) for c in fake.requests("s2")] == [100, 100, 50]
    assert all("citations" not in c["query"]["fields"] for c in fake.requests("s2"))


def test_genuine_batch_with_a_null_slot(fake, api_samples):
    body = (api_samples / "s2" / "batch_default_fields_first_id_not_found.json").read_bytes()
    slots = json.loads(body)
    ids = [f"X:{i}" for i in range(len(slots))]
    fake.script("s2", body)
    got = source().fetch_batch(ids)
    assert got[ids[0]] is None
    for i, slot in zip(ids[1:], slots[1:]):
        assert got[i]["paperId"] == slot["paperId"] and got[i]["title"] == slot["title"]


def test_genuine_search_and_empty_search(fake, api_samples):
    fake.script("s2", (api_samples / "s2" / "search_single_page_no_next.json").read_bytes())
    found = source().search_title("graph neural networks for something")
    assert found and all(r["paperId"] and r["title"] for r in found)
    assert fake.count("s2") == 1  # the first page only, even though the client could page on
    fake.script("s2", (api_samples / "s2" / "search_empty.json").read_bytes())
    assert source().search_title("no such paper anywhere at all") == []


def test_genuine_citations_page(fake, api_samples):
    body = (api_samples / "s2" / "citations_fields_title_offset0.json").read_bytes()
    fake.script("s2", body)
    got = source().citations(pid(9), limit=100)
    assert [c["paperId"] for c in got] == [d["citingPaper"]["paperId"] for d in json.loads(body)["data"]]
    assert fake.count("s2") == 1


def test_429_honours_retry_after_instead_of_four_minutes_of_tenacity(fake):
    fake.fault("s2", status=429, headers={"Retry-After": "7"})
    sleeps = Sleeps()
    got = source(sleep=sleeps).fetch_batch([pid(9)])
    assert got[pid(9)]["title"] == "Non-local Neural Networks"
    assert 7.0 in sleeps and fake.count("s2") == 2


def test_429_without_retry_after_backs_off_then_gives_up(fake, api_samples):
    body = (api_samples / "s2" / "error_429_too_many_requests.json").read_bytes()
    fake.script("s2", body, status=429, times=3)
    sleeps = Sleeps()
    t0 = time.monotonic()
    with pytest.raises(RateLimited, match="429"):
        source(sleep=sleeps, retries=2, backoff=2.0).fetch_batch([pid(9)])
    assert time.monotonic() - t0 < 5
    # 2.5 x backoff, doubled, each stretched by up to 50 % of jitter
    assert len(sleeps) == 2 and 5.0 <= sleeps[0] <= 7.5 and 10.0 <= sleeps[1] <= 15.0 and fake.count("s2") == 3


@pytest.mark.parametrize("status", [502, 503, 401])
def test_statuses_the_client_turns_into_empty_results_are_errors(fake, status):
    fake.fault("s2", status=status, times=3 if status >= 500 else 1)
    with pytest.raises(SourceError, match=f"HTTP {status}"):
        source(retries=2).search_title("Non-local Neural Networks")
    fake.clear_log()
    assert source().search_title("Non-local Neural Networks")  # nothing was cached as "no hits"


def test_504_batch_is_split_in_halves_and_a_poison_id_fails_alone(fake):
    fake.papers = synthetic_corpus(100)
    ids = [f"ARXIV:{p.arxiv_id}" for p in fake.papers]
    fake.poison = {ids[37].lower()}
    src = source(retries=1)
    got = src.fetch_batch(ids)
    assert set(got) == set(ids) - {ids[37]} and all(got.values())  # nothing else missing
    assert list(src.failed_alone) == [ids[37]] and "HTTP 504" in src.failed_alone[ids[37]]
    sizes = [len(json.loads(c["body"])["ids"]) for c in fake.requests("s2")]
    # only the halves holding the poisoned id are split again: 100, 50, 25, 13, 6, 3 -> 1 (asked
    # twice: one retry), the clean halves once each
    assert sizes == [100, 50, 25, 25, 12, 13, 6, 3, 1, 1, 2, 3, 7, 50]
    assert src.stats.splits["s2"] == 6
    fake.clear_log()
    again = source(retries=0).fetch_batch(ids)
    assert fake.count("s2") == 1 and len(again) == 99  # only the poisoned id is asked again


@pytest.mark.slow
def test_a_poison_id_does_not_open_the_breaker_but_a_failing_service_does(fake):
    fake.papers = synthetic_corpus(100)
    ids = [f"ARXIV:{p.arxiv_id}" for p in fake.papers]
    fake.poison = {ids[0].lower(), ids[50].lower()}
    src = source(retries=3)  # 4 attempts for a lone id, more than the breaker's 3
    got = src.fetch_batch(ids)
    assert len(got) == 98 and set(src.failed_alone) == {ids[0], ids[50]} and "s2" not in src.guard.down
    fake.flaky_504 = 1.0  # now every reference batch times out
    src = source(retries=0)
    with pytest.raises(SourceError, match="3 failures in a row"):
        src.fetch_batch([f"DOI:10.1/{i}" for i in range(64)])
    assert len(src.failed_alone) == 3 and fake.count("s2") < 160  # 64 -> 32 -> ... -> 1, 1, 1: given up


def test_500_with_a_non_json_body_is_one_clear_error(fake):
    fake.script("s2", b"<html>oops</html>", status=500, content_type="text/html", times=3)
    with pytest.raises(SourceError) as info:
        source(retries=2).search_title("Non-local Neural Networks")
    assert str(info.value).startswith("Semantic Scholar: title search: HTTP 500")
    assert "\n" not in str(info.value) and "KeyError" not in str(info.value)
    assert fake.count("s2") == 3


def test_500_then_success(fake):
    fake.fault("s2", status=500)
    assert source().search_title("Non-local Neural Networks")[0]["paperId"] == pid(9)
    assert fake.count("s2") == 2


@pytest.mark.parametrize("mode", ["cut", "short"])
def test_truncated_json_is_retried(fake, mode):
    fake.fault("s2", truncate=mode)
    assert source().fetch_batch([pid(9)])[pid(9)]["paperId"] == pid(9)
    assert fake.count("s2") == 2
    fake.fault("s2", truncate=mode, times=2)
    with pytest.raises(SourceError, match="cut short|RemoteProtocolError|not JSON|expected JSON"):
        source(retries=1).fetch_batch([pid(10)])


def test_error_body_with_200_is_an_error(fake):
    fake.script("s2", b'{"error": "something odd"}', times=1)
    with pytest.raises(SourceError, match="something odd"):
        source().search_title("Non-local Neural Networks")


def test_timeout(fake):
    fake.fault("s2", delay=1.5)
    t0 = time.monotonic()
    with pytest.raises(SourceError, match="no complete answer within 0.2 s"):
        source(timeout=0.2, retries=0).fetch_batch([pid(9)])
    assert time.monotonic() - t0 < 1.2


def test_connection_refused_is_one_line(monkeypatch):
    monkeypatch.setenv("WSSKG_S2_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("WSSKG_HTTP_BACKOFF", "0")
    with pytest.raises(SourceError, match="ConnectError") as info:
        source(retries=1).fetch_batch([pid(9)])
    assert "\n" not in str(info.value)


def test_hostile_title_characters_do_not_break_the_query(fake):
    source().search_title("C++ & Rust: 50% faster #1? a+b=c")
    (call,) = fake.requests("s2")
    assert call["query"]["query"] == "C Rust: 50 faster 1 a b c"
    assert set(call["query"]) == {"query", "fields", "offset", "limit"}
    assert clean_query("a&b") == "a b"
    assert path_id("weird?id#frag") == "weird%3Fid%23frag"
    assert path_id("10.1093/mind/lix.236.433") == "10.1093/mind/lix.236.433"


def test_citations_path_id_is_escaped(fake):
    with pytest.raises(SourceError, match="404"):
        source().citations("weird?id#frag")
    assert fake.requests("s2")[0]["path"] == "/graph/v1/paper/weird?id#frag/citations".replace("?", "%3F").replace("#", "%23")


def test_api_key_is_sent_but_never_logged(fake, monkeypatch, caplog):
    secret = "s2-secret-key-0123456789"
    monkeypatch.setenv("S2_API_KEY", secret)
    root = logging.getLogger()
    handlers_before = list(root.handlers)
    caplog.set_level(logging.DEBUG)
    logging.getLogger("semanticscholar").setLevel(logging.DEBUG)  # as if a user turned debug on
    src = source()
    src.fetch_batch([pid(9)])
    assert fake.requests("s2")[0]["headers"].get("x-api-key") == secret
    assert secret not in caplog.text
    assert "Settings(" in repr(src.settings) and secret not in repr(src.settings)
    assert root.handlers[: len(handlers_before)] == handlers_before
    fake.fault("s2", status=403)
    with pytest.raises(SourceError) as info:
        src.search_title("Non-local Neural Networks")
    assert secret not in str(info.value) and "S2_API_KEY" in str(info.value)


def test_client_construction_leaves_the_root_logger_alone(fake):
    root = logging.getLogger()
    saved = list(root.handlers)
    root.handlers[:] = []
    try:
        source().fetch_batch([pid(9)])
        assert root.handlers == []  # the client's logging.basicConfig was undone
    finally:
        root.handlers[:] = saved


def test_offline_asks_nothing(fake):
    src = S2Source(Settings.from_env(), Cache(offline=True), Stats(), sleep=Sleeps())
    assert src.fetch_batch([pid(9)]) == {}
    assert fake.count() == 0


def test_match_confirms_itself_and_a_404_is_no_match(fake):
    src = source()
    (rec,) = src.match_title("Non-local Neural Networks")
    assert rec["paperId"] == pid(9) and "matchScore" not in rec
    assert src.match_title("Completely Unheard Of Words Zyxxy") == []  # 404 "Title match not found"
    assert [r["kind"] for r in fake.requests("s2")] == ["match", "match"]
    fake.clear_log()
    assert src.match_title("Completely Unheard Of Words Zyxxy") == [] and fake.count() == 0  # cached


def test_citations_are_paged_by_at_most_1000_and_stop_at_10000(fake):
    target = fake.papers[8]  # Non-local Neural Networks
    citing = synthetic_corpus(2300)
    for p in citing:
        p.references = [target.paper_id]
    fake.papers += citing
    src = source()
    got = src.citations(target.paper_id, limit=2500)
    assert len(got) == 2302 and len({c["paperId"] for c in got}) == 2302  # 2 citers in the demo corpus
    limits = [int(r["query"]["limit"]) for r in fake.requests("s2")]
    assert max(limits) <= 1000 and len(limits) == 3
    with pytest.raises(SourceError, match="1..10000"):
        src.citations(target.paper_id, limit=10_001)


def test_keyless_requests_are_paced_with_jitter_keyed_ones_are_not(fake, monkeypatch):
    assert source().limiter.jitter > 0
    monkeypatch.setenv("S2_API_KEY", "k")
    assert source().limiter.jitter == 0


def test_real_endpoints_are_never_asked_faster_than_their_terms(monkeypatch):
    for k in ("WSSKG_ARXIV_URL", "WSSKG_S2_URL"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("WSSKG_ARXIV_DELAY", "0")
    monkeypatch.setenv("WSSKG_S2_DELAY", "0.1")
    s = Settings.from_env()
    assert s.arxiv_delay == 3.0 and s.s2_delay == 1.0
    monkeypatch.setenv("WSSKG_ARXIV_URL", "http://127.0.0.1:9/api/query")
    assert Settings.from_env().arxiv_delay == 0.0  # a local server may go faster
