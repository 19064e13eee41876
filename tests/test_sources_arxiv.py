"""The arXiv wrapper, with the real ``arxiv`` client against the fake server."""

from __future__ import annotations

import re
import time

import pytest
from fakeapi import Sleeps, fake, synthetic_corpus  # noqa: F401 - fixture

from wsskg.errors import RateLimited, SourceError
from wsskg.sources.arxiv import ArxivSource
from wsskg.sources.http import Cache, Settings, Stats


def source(sleep=None, **overrides) -> ArxivSource:
    settings = Settings.from_env()
    for k, v in overrides.items():
        setattr(settings, k, v)
    return ArxivSource(settings, Cache(), Stats(), sleep=Sleeps() if sleep is None else sleep)


def test_id_lookup_goes_out_in_chunks_of_100_and_is_cached(fake):
    fake.papers = synthetic_corpus(150)
    ids = [p.arxiv_id for p in fake.papers] + ["1234.56789"]
    src = source()
    got = src.fetch_ids(ids)
    calls = fake.requests("arxiv")
    assert len(calls) == 2
    assert [len(c["query"]["id_list"].split(",")) for c in calls] == [100, 51]
    assert all(c["query"]["max_results"] == "100" for c in calls)
    assert got["1234.56789"] is None  # unknown to arXiv: a negative answer, not an error
    rec = got[fake.papers[0].arxiv_id]
    assert rec["title"] == fake.papers[0].title and rec["year"] == fake.papers[0].year
    assert rec["authors"] == ["A. Author", "B. Author"]
    fake.clear_log()
    again = source().fetch_ids(ids)  # a new source, the same on-disk cache
    assert again == got
    assert fake.count("arxiv") == 0


def test_versions_are_stripped_and_fields_parsed(fake):
    got = source().fetch_ids(["1802.10171v3"])
    rec = got["1802.10171"]
    assert rec["arxiv_id"] == "1802.10171" and rec["version"] == "v1"
    assert rec["doi"] == "10.1109/CVPR.2018.00960"
    assert rec["title"] == "Tell Me Where to Look: Guided Attention Inference Network"
    assert fake.requests("arxiv")[0]["query"]["id_list"] == "1802.10171"


def test_genuine_feed_with_an_unknown_id(fake, api_samples):
    body = (api_samples / "arxiv" / "id_list_two_ids_one_unknown.xml").read_bytes()
    fake.script("arxiv", body)
    got = source().fetch_ids(["0808.05394", "1707.08567"])
    assert got["0808.05394"] is None
    rec = got["1707.08567"]
    assert rec["arxiv_id"] == "1707.08567" and len(rec["authors"]) == 34
    assert rec["title"] and rec["abstract"] and rec["year"] == 2017


def test_genuine_legacy_and_old_style_feeds_parse(fake, api_samples):
    fake.script("arxiv", (api_samples / "arxiv" / "id_list_old_style_astro-ph_0601001.xml").read_bytes())
    got = source().fetch_ids(["astro-ph/0601001"])
    assert got["astro-ph/0601001"]["journal_ref"]
    fake.script("arxiv", (api_samples / "arxiv" / "legacy_2016_search_query_au_AND_ti.xml").read_bytes())
    found = source().search_title("some title words here")
    assert found and all(r["title"] and r["arxiv_id"] for r in found)


@pytest.mark.parametrize("generated", [True, False])
def test_http_400_error_feed_fails_once_with_the_message(fake, generated, request):
    if not generated:
        samples = request.getfixturevalue("api_samples")
        fake.script("arxiv", (samples / "arxiv" / "error_400_incorrect_id_format_abc.xml").read_bytes(), status=400)
    with pytest.raises(SourceError, match="incorrect id format for abc"):
        source().fetch_ids(["abc"])
    assert fake.count("arxiv") == 1  # the client alone would have tried 4 times


def test_error_feed_with_200_is_an_error_not_zero_results(fake, api_samples):
    fake.script("arxiv", (api_samples / "arxiv" / "error_400_incorrect_id_format_abc.xml").read_bytes(), status=200)
    with pytest.raises(SourceError, match="incorrect id format"):
        source().fetch_ids(["1802.10171"])


def test_429_waits_for_retry_after_then_succeeds(fake):
    fake.fault("arxiv", status=429, headers={"Retry-After": "7"})
    sleeps = Sleeps()
    got = source(sleep=sleeps).fetch_ids(["1711.07971"])
    assert got["1711.07971"]["title"] == "Non-local Neural Networks"
    assert fake.count("arxiv") == 2
    assert 7.0 in sleeps


def test_429_asking_too_long_gives_up_at_once(fake):
    fake.fault("arxiv", status=429, headers={"Retry-After": "3600"})
    with pytest.raises(RateLimited, match="3600"):
        source(max_retry_after=60).fetch_ids(["1711.07971"])
    assert fake.count("arxiv") == 1


def test_500_is_retried_a_bounded_number_of_times(fake):
    fake.fault("arxiv", status=503, times=3)
    sleeps = Sleeps()
    with pytest.raises(SourceError, match="HTTP 503.*3 attempts"):
        source(sleep=sleeps, retries=2, backoff=1.0).fetch_ids(["1711.07971"])
    assert fake.count("arxiv") == 3
    assert sleeps == [1.0, 2.0]  # exponential backoff, not the client's fixed 3 s
    fake.clear_log()
    source().fetch_ids(["1711.07971"])  # the failure was not cached as "unknown"
    assert fake.count("arxiv") == 1


def test_timeout_is_enforced(fake):
    fake.fault("arxiv", delay=1.5)
    t0 = time.monotonic()
    with pytest.raises(SourceError, match="no complete answer within 0.2 s"):
        source(timeout=0.2, retries=0).fetch_ids(["1711.07971"])
    assert time.monotonic() - t0 < 1.2


@pytest.mark.parametrize("mode", ["cut", "short"])
def test_truncated_feed_is_retried_not_taken_as_fewer_results(fake, mode):
    fake.fault("arxiv", truncate=mode)
    got = source().fetch_ids(["1711.07971", "1803.08904"])
    assert got["1711.07971"] and got["1803.08904"]
    assert fake.count("arxiv") == 2
    fake.fault("arxiv", truncate=mode, times=5)
    with pytest.raises(SourceError, match="cut|Connection|IncompleteRead|ChunkedEncoding|Atom"):
        source(retries=1).fetch_ids(["1605.07681"])


def test_html_page_is_an_error(fake):
    fake.script("arxiv", b"<html><body>Service temporarily unavailable</body></html>", content_type="text/html", times=3)
    with pytest.raises(SourceError, match="HTML page"):
        source(retries=2).fetch_ids(["1711.07971"])


def test_rate_limit_spaces_requests(fake):
    src = source(sleep=Sleeps(), arxiv_delay=3.0)
    src.search_title("Non-local Neural Networks")
    src.search_title("Context Encoding for Semantic Segmentation")
    assert src.limiter._sleep and src.limiter._sleep[0] > 2.5  # the second request waited ~3 s


def test_title_query_is_a_phrase_of_words(fake):
    found = source().search_title('Tell me where to look: "Guided" Attention & Inference Network?')
    q = fake.requests("arxiv")[0]["query"]["search_query"]
    assert q == 'ti:"tell me where to look guided attention inference network"'
    assert [r["arxiv_id"] for r in found] == ["1802.10171"]


def test_offline_asks_nothing(fake):
    src = ArxivSource(Settings.from_env(), Cache(offline=True), Stats(), sleep=Sleeps())
    assert src.fetch_ids(["1711.07971"]) == {}
    assert fake.count() == 0


def test_id_list_asks_for_enough_results_and_ids_without_version(fake):
    fake.papers = synthetic_corpus(130)
    ids = [p.arxiv_id + "v3" for p in fake.papers]
    got = source().fetch_ids(ids)
    assert len(got) == 130 and all(got.values())
    for r in fake.requests("arxiv"):
        asked = r["query"]["id_list"].split(",")
        assert int(r["query"]["max_results"]) >= len(asked)
        assert not any(re.search(r"v\d+$", i) for i in asked)
    assert fake.count("arxiv") == 2


def test_arxiv_pacing_holds_under_a_server_that_enforces_it(fake):
    fake.arxiv_min_gap = 0.3  # the fake answers 503 to a request sooner than this
    src = source(sleep=time.sleep, arxiv_delay=0.35, retries=0)
    src.search_title("Non-local Neural Networks")
    src.search_title("Context Encoding for Semantic Segmentation")
    assert fake.count("arxiv") == 2  # no 503, no retry
