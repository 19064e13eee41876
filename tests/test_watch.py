"""``wsskg watch`` on the shipped list against the fake server extended with newer papers
(tests/fakeapi_watch.py): citing papers first, each under a sensible topic, nothing already
listed, nothing from another field, nothing rejected, bounded time, no wrong paper."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import SEED
from fakeapi import pid
from fakeapi_watch import (
    CITING, OTHER_FIELD, TEXT_ONLY, WRONG_LINK, WatchFakeAPI, shipped_catalog, watch_corpus,
)
from typer.testing import CliRunner

from wsskg.catalog import Catalog, Entry
from wsskg.cli import app
from wsskg.store import load_catalog
from wsskg.watch import Listed, arxiv_query, load_state, parse_date, state_path

TOPICS = ["affinity", "context", "Few-shot segmentation"]
#: the citing papers of the three topics above (CITING keys)
CITING_HERE = ["affinity", "context", "few-shot"]


def run(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def setup(tmp_path, monkeypatch):
    path = tmp_path / "catalog.yaml"
    cat = shipped_catalog(path, SEED)
    api = WatchFakeAPI(watch_corpus(cat)).start()
    for k, v in api.env().items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("WSSKG_HTTP_RETRIES", "0")
    yield path, api, cat
    api.stop()


def watch_json(path, *args: str) -> dict:
    res = run("watch", "--json", "-c", str(path), *args)
    assert res.exit_code == 0, res.stderr
    return json.loads(res.stdout)


def topic_args() -> list[str]:
    out = []
    for t in TOPICS:
        out += ["--topic", t]
    return out


def check_no_forbidden(cands: list[dict], cat) -> None:
    from wsskg.enrich.matching import entry_arxiv_id

    listed_ax = {entry_arxiv_id(e) for e in cat.entries} - {None}
    ids = {c["id"] for c in cands}
    s2s = {c["s2_id"] for c in cands}
    assert not ids & listed_ax, "a paper already in the list was proposed"
    assert pid("same-work") not in s2s, "the same work as a listed paper was proposed"
    assert pid("too-old") not in s2s and "1703.01010" not in ids, "a paper before the window was proposed"
    assert not ids & {ax for _, ax, _ in OTHER_FIELD}, "a paper of another field was proposed"
    assert WRONG_LINK[1] not in ids and pid("wrong:s2") not in s2s, "a paper with a wrong link was proposed"


# -- what it must show -----------------------------------------------------------------------------------

def test_watch_proposes_citing_papers_first_under_sensible_topics(setup):
    path, api, cat = setup
    before = path.read_bytes()
    data = watch_json(path, *topic_args())
    cands = data["candidates"]
    citing = {CITING[k][2]: CITING[k][4] for k in CITING_HERE}
    # the papers citing the topics' papers come first, then the one that only reads like them
    assert [c["id"] for c in cands[:len(citing)]] and {c["id"] for c in cands[:len(citing)]} == set(citing)
    assert [c["id"] for c in cands] == [c["id"] for c in cands[:len(citing)]] + [TEXT_ONLY[1]]
    for c in cands:
        ok = citing.get(c["id"], TEXT_ONLY[3])
        assert c["proposed_topic"] in ok, (c["title"], c["proposed_topic"])
        assert c["evidence"] and c["new"] is True
    assert any(ev.startswith("cites 3 of 6 papers in Few-shot segmentation")
               for c in cands for ev in c["evidence"])
    assert any("title/abstract close to" in ev for ev in cands[-1]["evidence"])
    check_no_forbidden(cands, cat)
    assert data["complete"] and data["since"] == "2019-01-01"  # the list's newest year
    assert path.read_bytes() == before  # watching never touches the catalog
    assert load_state(path).last_watch == dt.date.today().isoformat()


def test_words_without_the_field_are_not_enough(setup):
    """A search service that ignores the category filter: the field check still keeps out
    papers that share the list's words but not its field."""
    path, api, cat = setup
    api.ignore_categories = True
    data = watch_json(path, *topic_args())
    check_no_forbidden(data["candidates"], cat)
    assert TEXT_ONLY[1] in {c["id"] for c in data["candidates"]}
    assert data["dropped"].get("too far from the topics (few citations, other words or another field)", 0) >= 2


@pytest.mark.slow
def test_watch_of_the_whole_shipped_list(setup):
    path, api, cat = setup
    data = watch_json(path)
    cands = data["candidates"]
    citing = {v[2]: v[4] for v in CITING.values()}
    assert {c["id"] for c in cands[:len(citing)]} == set(citing)
    for c in cands[:len(citing)]:
        assert c["proposed_topic"] in citing[c["id"]], (c["title"], c["proposed_topic"])
    check_no_forbidden(cands, cat)
    # the same day again: every question answered from the cache
    api.clear_log()
    again = watch_json(path)
    assert api.count("arxiv") == 0 and [c["id"] for c in again["candidates"]] == [c["id"] for c in cands]
    assert all(c["new"] is False for c in again["candidates"])


def test_rejected_never_come_back(setup):
    path, api, cat = setup
    watch_json(path, *topic_args())
    aff = CITING["affinity"][2]
    pending = load_state(path).pending
    res = run("watch", "--reject", aff, pid("new:context")[:10], "-c", str(path))
    assert res.exit_code == 0, res.stderr
    assert res.stdout.count("rejected ") == 2
    data = watch_json(path, *topic_args(), "--since", "2019")
    ids = {c["id"] for c in data["candidates"]}
    assert aff not in ids and CITING["context"][2] not in ids and CITING["few-shot"][2] in ids
    assert data["dropped"].get("rejected before", 0) >= 2
    # known under every id: a fresh state with only the S2 id rejected still hides it
    st = load_state(path)
    assert {f"s2:{pid('new:affinity')}", f"ax:{aff}"} <= set(st.rejected)
    assert aff not in st.pending and len(st.pending) == len(pending) - 2


def test_add_files_unread_with_evidence_under_the_proposed_topic(setup):
    path, api, cat = setup
    watch_json(path, *topic_args())
    few = CITING["few-shot"][2]
    res = run("watch", "--add", few, "-c", str(path))
    assert res.exit_code == 0, res.stderr
    assert "under Related Tasks/Few-shot segmentation" in res.stdout
    api.clear_log()  # what the watch fetched is enough to add a candidate: offline, no request
    res = run("watch", "--add", CITING["affinity"][2], "--topic", "context", "--json", "--offline", "-c", str(path))
    assert json.loads(res.stdout)[0]["topic"] == "Reading List/context" and api.count() == 0
    res = run("watch", "--add", TEXT_ONLY[1], "--offline", "-c", str(path))  # found by arXiv only
    assert res.exit_code == 0 and api.count() == 0, res.stderr
    cat2 = load_catalog(path)
    e = next(x for x in cat2.entries if x.arxiv_id == few)
    assert e.status == "unread" and e.topics == ["Related Tasks/Few-shot segmentation"]
    assert e.added == dt.date.today().isoformat()
    assert any("cites 3 of 6 papers in Few-shot segmentation" in n for n in e.notes)
    assert len(cat2.entries) == len(cat.entries) + 3
    # now listed: never proposed again, and gone from the pending list
    data = watch_json(path, *topic_args(), "--since", "2019")
    assert few not in {c["id"] for c in data["candidates"]}
    assert few not in load_state(path).pending
    # exported like any other entry, in its topic
    md = run("export", "-c", str(path)).stdout
    few_section = md.split("Few-shot segmentation", 2)[-1]
    assert "Prototype Alignment Network for Few-Shot Semantic Segmentation" in few_section
    # "new this month": only what was added since the date, under its topics
    new = run("export", "--since", dt.date.today().isoformat(), "-c", str(path)).stdout
    assert "Prototype Alignment Network" in new and "Inter-Pixel Affinity Learning Revisited" in new
    assert "Few-shot segmentation" in new and "context" in new
    assert "Context Encoding for Semantic Segmentation" not in new and "Non-local" not in new
    later = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    assert "Prototype Alignment Network" not in run("export", "--since", later, "-c", str(path)).stdout
    res = run("export", "--since", "soon", "-c", str(path))
    assert res.exit_code == 1 and "not a date" in res.stderr


def test_added_date_is_validated(tmp_path):
    p = tmp_path / "catalog.yaml"
    p.write_text("wsskg: 1\ntopics: []\nentries:\n- id: a\n  title: A\n  added: last week\n", encoding="utf-8")
    res = run("list", "-c", str(p))
    assert res.exit_code == 2 and "added must be a date YYYY-MM-DD" in res.stderr


def test_bad_actions_are_one_line_errors_and_change_nothing(setup):
    path, api, cat = setup
    watch_json(path, *topic_args())
    before, state_before = path.read_bytes(), state_path(path).read_bytes()
    cases = [
        (("watch", "--add"), 2), (("watch", "2103.01001"), 2), (("watch", "--add", "--reject", "x"), 2),
        (("watch", "--add", "9999.99999"), 1), (("watch", "--reject", "2103.01001", "nope"), 1),
        (("watch", "--since", "last tuesday"), 1), (("watch", "--topic", "no such topic"), 1),
        (("watch", "--limit", "0"), 2), (("watch", "--timeout", "-1"), 1),
    ]
    for args, code in cases:
        res = run(*args, "-c", str(path))
        assert res.exit_code == code, (args, res.stdout, res.stderr)
        assert len(res.stderr.strip().splitlines()) >= 1 and "Traceback" not in res.stderr
    assert path.read_bytes() == before and state_path(path).read_bytes() == state_before
    state_path(path).write_text("{not json", encoding="utf-8")
    res = run("watch", "-c", str(path))
    assert res.exit_code == 1 and "watch.json" in res.stderr and "move it away" in res.stderr


@pytest.mark.slow
def test_after_a_real_enrich_of_the_shipped_list(tmp_path, monkeypatch):
    """End to end on issue 11's acceptance world (tests/fakeapi.shipped_corpus): import the shipped
    list, `wsskg enrich` it for real, then watch: the newer citing papers come before the
    outside papers that cite one list paper, under sensible topics, and nothing listed comes back."""
    from fakeapi import shipped_corpus

    from wsskg.formats.markdown import read_markdown
    from wsskg.store import save_catalog

    path = tmp_path / "catalog.yaml"
    cat = read_markdown(SEED)
    save_catalog(path, cat)
    corpus, intended = shipped_corpus(cat.entries)
    cited = {i for v in CITING.values() for i in v[0]}
    if not cited <= set(intended):
        pytest.skip(f"the acceptance world does not know {sorted(cited - set(intended))}")
    newer = watch_corpus(cat, s2_of=intended.__getitem__, with_list=False)
    newer = [p for p in newer if p.paper_id != pid("same-work")]  # its title is the list's, not the world's
    api = WatchFakeAPI(corpus + newer).start()
    try:
        for k, v in api.env().items():
            monkeypatch.setenv(k, v)
        assert run("enrich", "-c", str(path)).exit_code in (0, 3)
        data = watch_json(path, *topic_args())
    finally:
        api.stop()
    cands = data["candidates"]
    citing = {CITING[k][2]: CITING[k][4] for k in CITING_HERE}
    assert [c["id"] for c in cands[:len(citing)]] and {c["id"] for c in cands[:len(citing)]} == set(citing)
    for c in cands[:len(citing)]:
        assert c["proposed_topic"] in citing[c["id"]], (c["title"], c["proposed_topic"])
    check_no_forbidden(cands, load_catalog(path))
    held = {e.s2_id for e in load_catalog(path).entries if e.s2_id}
    assert not {c["s2_id"] for c in cands} & held


# -- cache, offline, bounded time ----------------------------------------------------------------------------

@pytest.mark.slow
def test_offline_uses_the_cache_and_does_not_move_the_date(setup):
    path, api, cat = setup
    data = watch_json(path, "--offline", *topic_args())
    assert api.count() == 0 and data["candidates"] == [] and not data["complete"]
    assert data["offline_missing"] > 0 and load_state(path).last_watch is None
    online = watch_json(path, *topic_args())
    api.clear_log()
    again = watch_json(path, "--offline", *topic_args(), "--since", "2019")
    assert api.count() == 0
    assert [c["id"] for c in again["candidates"]] == [c["id"] for c in online["candidates"]]


@pytest.mark.slow
def test_a_failing_service_is_bounded_and_leaves_the_date(setup, monkeypatch):
    path, api, cat = setup
    monkeypatch.setenv("WSSKG_BREAKER", "2")
    api.fault("s2", status=503, times=1000)
    res = run("watch", "-c", str(path), *topic_args())
    assert res.exit_code == 3, res.stderr
    assert "Semantic Scholar not asked any more" in res.stderr and "Traceback" not in res.stderr
    assert api.count("s2") <= 3  # the breaker stops asking
    assert load_state(path).last_watch is None  # a failed run never skips papers
    # arXiv still answered: the paper found by text alone is there
    assert TEXT_ONLY[1] in res.stdout


@pytest.mark.slow
def test_run_time_limit(setup):
    path, api, cat = setup
    api.latency = 0.3
    import time

    t0 = time.monotonic()
    res = run("watch", "-c", str(path), "--timeout", "1", "--json")
    took = time.monotonic() - t0
    assert took < 6, took
    data = json.loads(res.stdout)
    assert not data["complete"] and any("time limit" in n for n in data["notices"])


# -- pieces ----------------------------------------------------------------------------------------------

def test_arxiv_query_shape():
    assert arxiv_query(["affinity", "random walk"], ["cs.CV"]) == \
        '(all:"affinity" AND (all:"random walk")) AND (cat:cs.CV)'
    assert arxiv_query(["a\"b"], []) == 'all:"a b"'
    assert arxiv_query([], ["cs.CV"]) is None


def test_parse_date():
    assert parse_date("2024") == dt.date(2024, 1, 1) and parse_date("2024-03") == dt.date(2024, 3, 1)
    for bad in ("2024-13", "yesterday", "", "2024-02-30"):
        with pytest.raises(Exception):
            parse_date(bad)


def test_same_work_test_is_strict():
    cat = Catalog(entries=[Entry("w", "Webly Supervised Semantic Segmentation", arxiv_id="1701.00001"),
                           Entry("g", "Tell Me Where to Look: Guided Attention Inference Network")])
    lst = Listed(cat)
    assert not lst.holds({"title": "Weakly Supervised Semantic Segmentation"})
    assert lst.holds({"title": "Webly-Supervised Semantic Segmentation"})
    assert lst.holds({"arxiv_id": "1701.00001v2", "title": "x"})
    assert lst.holds({"title": "Tell me where to look: guided attention inference networks"})
    assert not lst.holds({"title": "Tell me where to look: guided attention for something else"})
