"""``wsskg links``: verdicts against a local server answering every behaviour, politeness bounds,
the verdict cache, line numbers, GitHub annotations and repairs that change only their URLs.

Every server is :class:`fakelinks.LinkServer` on 127.0.0.1; ``socket.create_connection`` is
watched so that a request to any other host fails the test.
"""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fakelinks import LinkServer
from wsskg.cli import app
from wsskg.export import to_markdown
from wsskg.formats.markdown import parse_markdown
from wsskg.links import CheckSettings, Checker, apply_repairs, check_links, collect_links, plan_repairs
from wsskg.links.sites import replace_url, url_spans
from wsskg.store import editing, load_catalog, save_catalog

runner = CliRunner()

#: Settings that keep a test short: short deadlines and backoffs, no pace.
FAST = dict(timeout=0.6, retries=1, backoff=0.05, pace=0.0, max_retry_after=5.0)


@pytest.fixture
def server():
    srv = LinkServer().start()
    yield srv
    srv.stop()


@pytest.fixture
def local_only(monkeypatch):
    """Fail on any connection outside 127.0.0.1; the addresses asked for are recorded."""
    asked: list[tuple[str, int]] = []
    real = socket.create_connection

    def guarded(address, *args, **kwargs):
        asked.append(address)
        assert address[0] == "127.0.0.1", f"a request to {address} (only 127.0.0.1 may be asked)"
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", guarded)
    return asked


def _catalog_file(tmp_path: Path, text: str) -> Path:
    (tmp_path / "list.md").write_text(text, encoding="utf-8")
    path = tmp_path / "catalog.yaml"
    save_catalog(path, parse_markdown(text))
    return path


def _line_of(text: str, url: str) -> int:
    return next(i for i, ln in enumerate(text.split("\n"), 1) if url in ln)


# -- where links stand ----------------------------------------------------------------------------

def test_url_spans_find_whole_urls_only():
    text = "[a](http://x.org/p) <http://x.org/p/q> http://x.org/p. and http://x.org/pdf"
    assert [text[i:i + 14] for i in url_spans(text, "http://x.org/p")] == ["http://x.org/p", "http://x.org/p"]
    assert replace_url(text, "http://x.org/p", "https://y.org/") == \
        "[a](https://y.org/) <http://x.org/p/q> https://y.org/. and http://x.org/pdf"


def test_links_and_lines_come_from_the_imported_list():
    text = ("# L\n\n[![b](https://img.example/b.svg)](https://ci.example/x)\n\n## A\n\n"
            "- [One](https://a.example/1), CVPR 2020\n  - note with https://n.example/z\n"
            "- [Two](https://a.example/2) [code](https://git.example/two)\n\n## B\n\n"
            "- [Two again](https://a.example/2)\n- [Mail](mailto:me@example.org)\n")
    cat = parse_markdown(text)
    sites = collect_links(cat)
    assert list(sites) == ["https://a.example/1", "https://n.example/z", "https://a.example/2",
                           "https://git.example/two"]
    assert sites["https://a.example/1"].lines == [7]
    assert sites["https://n.example/z"].lines == [8]
    assert sites["https://a.example/2"].lines == [9, 13]
    assert len(sites["https://a.example/2"].entries) in (1, 2)
    everything = collect_links(cat, everything=True)
    assert everything["https://img.example/b.svg"].lines == [3] and everything["https://ci.example/x"].lines == [3]
    only_b = collect_links(cat, topic="B")
    assert list(only_b) == ["https://a.example/2"]  # the code link stands under A only
    assert only_b["https://a.example/2"].lines == [13]


def test_every_link_of_the_seed_list_is_found_on_its_line():
    from conftest import SEED

    text = SEED.read_text(encoding="utf-8")
    src = text.split("\n")
    sites = collect_links(parse_markdown(text), everything=True)
    assert len(sites) >= 45
    for s in sites.values():
        assert s.lines, s.url
        assert all(s.url in src[ln - 1] for ln in s.lines), (s.url, s.lines)


# -- verdicts ---------------------------------------------------------------------------------------

#: path -> the verdict it must get
BEHAVIOURS = {
    "/ok": "ok", "/nohead": "ok", "/headless": "ok", "/chain/3": "redirected", "/temp": "ok",
    "/loop/a": "dead", "/gone/404": "dead", "/gone/410": "dead", "/wall/403": "blocked", "/busy": "ok",
    "/shaky": "ok", "/down": "flaky", "/blackhole": "flaky", "/trickle": "flaky", "/huge": "ok",
    "/moved/tool": "redirected", "/chain/15": "dead",
}


def _behaviour_list(origin: str) -> str:
    lines = ["# Behaviours", "", "## Papers", ""]
    for i, path in enumerate(BEHAVIOURS):
        lines.append(f"- [Paper number {i} on {path.strip('/').replace('/', ' ')}]({origin}{path}), CVPR 2020")
    lines += ["- [A paper with no scheme](www.example.org/paper), ICCV 2019", ""]
    return "\n".join(lines)


@pytest.mark.slow
def test_every_behaviour_gets_its_verdict(server, local_only, tmp_path):
    text = _behaviour_list(server.origin)
    cat = parse_markdown(text)
    settings = CheckSettings(**FAST, connect_to={server.origin: server.origin}, mapped_only=True)
    start = time.monotonic()
    report = check_links(cat, settings=settings, cache=False)
    took = time.monotonic() - start
    got = {r.url: r for r in report.results}
    for path, verdict in BEHAVIOURS.items():
        r = got[server.origin + path]
        assert r.status == verdict, (path, r)
        assert report.sites[r.url].lines == [_line_of(text, f"]({r.url})")]
    assert got["www.example.org/paper"].status == "invalid"
    assert got[server.origin + "/gone/410"].code == 410
    assert got[server.origin + "/chain/3"].moved_to == server.origin + "/ok"
    assert got[server.origin + "/moved/tool"].moved_to == server.origin + "/moved/new-tool"
    assert got[server.origin + "/temp"].moved_to is None  # a temporary redirect is no move
    assert "loop" in got[server.origin + "/loop/a"].detail
    assert server.seen["/loop/a"] == server.seen["/loop/b"] == 1  # stopped at the first repeat
    assert "more than 10 redirects" in got[server.origin + "/chain/15"].detail
    assert server.seen["/chain/5"] == 1 and "/chain/4" not in server.seen  # 11 hops asked, no more
    # HEAD refused, then GET; the 429 waited for its Retry-After, the 500 was asked again
    assert ("GET", "/nohead") in {(m, p) for m, p, _ in server.log}
    assert got[server.origin + "/busy"].attempts == 2 and got[server.origin + "/shaky"].code == 200
    assert server.seen["/down"] == 2 * (1 + FAST["retries"])  # HEAD and GET per attempt
    # the black hole and the trickle end at their deadline; the huge body is never read
    assert took < 8, took
    assert server.bytes_sent < 64 * 1024 * 1024
    assert local_only and all(a[0] == "127.0.0.1" for a in local_only)
    assert {h for _, _, h in server.log} == {server.origin.split("//")[1]}


@pytest.mark.slow
def test_retry_after_holds_the_host(server, local_only):
    c = Checker(CheckSettings(**FAST))
    start = time.monotonic()
    res = c.check([server.origin + "/busy"])
    assert res[server.origin + "/busy"].status == "ok"
    assert time.monotonic() - start >= 0.95  # Retry-After: 1


@pytest.mark.slow
def test_a_503_retry_after_is_honoured(server, local_only):
    start = time.monotonic()
    r = Checker(CheckSettings(**FAST)).check([server.origin + "/maintenance"])[server.origin + "/maintenance"]
    assert r.status == "ok" and r.attempts == 2
    assert time.monotonic() - start >= 0.95  # the backoff alone would be 0.05 s


def test_the_run_time_limit_bounds_everything(server, local_only):
    urls = [server.origin + p for p in ("/blackhole", "/trickle", "/busy")] + [f"{server.origin}/p/{i}" for i in range(40)]
    start = time.monotonic()
    res = Checker(CheckSettings(**dict(FAST, timeout=30.0, pace=0.02, per_host=4), run_timeout=0.5)).check(urls)
    assert time.monotonic() - start < 1.5
    assert len(res) == len(urls)
    assert res[urls[0]].status == res[urls[1]].status == "flaky"
    assert any("time limit" in r.detail for r in res.values())
    assert sum(r.status == "ok" for r in res.values()) >= 5


def test_a_long_retry_after_is_blocked_not_waited_for(server, local_only, monkeypatch):
    c = Checker(CheckSettings(**dict(FAST, max_retry_after=0.5)))
    start = time.monotonic()
    r = c.check([server.origin + "/busy"])[server.origin + "/busy"]
    assert r.status == "blocked" and "asks to wait" in r.detail
    assert time.monotonic() - start < 0.9


def _resolver(monkeypatch, known: dict[str, str]):
    """Names resolve through ``known`` only (others do not exist); nothing is really looked up."""
    real = socket.getaddrinfo

    def lookup(host, *args, **kwargs):
        if host not in known:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(known[host], *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", lookup)


def test_no_such_host_is_dead_when_other_names_resolve(server, monkeypatch):
    _resolver(monkeypatch, {"localhost": "127.0.0.1"})
    port = server.server_address[1]
    urls = ["https://gone.example.invalid/x", f"http://localhost:{port}/ok"]
    res = Checker(CheckSettings(**FAST)).check(urls)
    assert [res[u].status for u in urls] == ["dead", "ok"]
    assert "no such host" in res[urls[0]].detail


def test_offline_no_link_is_called_dead(monkeypatch):
    _resolver(monkeypatch, {})
    res = Checker(CheckSettings(**FAST)).check(["https://github.com/a/b", "https://arxiv.org/abs/2101.00001"])
    assert {r.status for r in res.values()} == {"flaky"}
    assert all("offline?" in r.detail for r in res.values())


def test_mapped_only_contacts_nothing_else(server, local_only):
    c = Checker(CheckSettings(**FAST, connect_to={"https://arxiv.org": server.origin}, mapped_only=True))
    res = c.check(["https://arxiv.org/abs/2101.00001", "https://example.org/x"])
    assert res["https://arxiv.org/abs/2101.00001"].status == "ok"
    assert res["https://example.org/x"].status == "flaky" and "not contacted" in res["https://example.org/x"].detail
    assert server.log[0] == ("HEAD", "/abs/2101.00001", "arxiv.org")


# -- scale, politeness, cache -------------------------------------------------------------------------

@pytest.mark.slow
def test_a_thousand_links_over_fifty_hosts(local_only):
    servers = [LinkServer(latency=0.1).start() for _ in range(50)]
    try:
        urls = [f"{s.origin}/paper/{i}" for i in range(20) for s in servers]
        text = "# Big\n\n## Papers\n\n" + "".join(f"- [Paper {i}]({u}), NeurIPS 2021\n" for i, u in enumerate(urls))
        cat = parse_markdown(text)
        settings = CheckSettings(connections=32, per_host=2, pace=0.2)
        start = time.monotonic()
        report = check_links(cat, settings=settings)
        took = time.monotonic() - start
        assert report.counts()["ok"] == 1000, report.counts()
        assert took <= 10, took
        assert max(s.peak for s in servers) <= 2, [s.peak for s in servers]
        assert report.peak_per_host <= 2
        assert report.requests == 1000
        served = sum(len(s.log) for s in servers)
        again = check_links(cat, settings=settings)
        assert again.requests == 0 and sum(len(s.log) for s in servers) == served
        assert again.counts()["ok"] == 1000 and all(r.cached for r in again.results)
        # --recheck asks again
        assert check_links(parse_markdown(text.split("- [Paper 50]")[0]), settings=settings, recheck=True).requests == 50
    finally:
        for s in servers:
            s.stop()


def test_per_host_bound_and_pace(local_only):
    srv = LinkServer(latency=0.05).start()
    try:
        # no pace: the per-host bound alone keeps the host at 2 connections, and it is used
        res = Checker(CheckSettings(connections=8, per_host=2, pace=0.0)).check([f"{srv.origin}/a/{i}" for i in range(16)])
        assert all(r.status == "ok" for r in res.values())
        assert srv.peak == 2
        # a pace: starts 0.05 s apart on the host, however many connections it may have
        srv.latency = 0.0
        start = time.monotonic()
        Checker(CheckSettings(connections=8, per_host=4, pace=0.05)).check([f"{srv.origin}/b/{i}" for i in range(9)])
        assert time.monotonic() - start >= 8 * 0.05
    finally:
        srv.stop()


def test_flaky_verdicts_are_not_cached(server, local_only):
    cat = parse_markdown(f"# L\n\n## A\n\n- [P one]({server.origin}/down), CVPR 2020\n"
                         f"- [P two]({server.origin}/gone/404), CVPR 2020\n")
    settings = CheckSettings(**FAST)
    first = check_links(cat, settings=settings)
    assert [r.status for r in first.results] == ["flaky", "dead"]
    second = check_links(cat, settings=settings)
    assert [r.cached for r in second.results] == [False, True]


# -- the command ---------------------------------------------------------------------------------------

@pytest.mark.slow
def test_cli_json_exit_code_and_fail_on(server, local_only, tmp_path):
    text = (f"# L\n\n## A\n\n- [Alive paper]({server.origin}/ok), CVPR 2020\n"
            f"- [Dead paper]({server.origin}/gone/404), CVPR 2021\n- [Walled paper]({server.origin}/wall/403), ICCV 2021\n")
    path = _catalog_file(tmp_path, text)
    res = runner.invoke(app, ["links", "-c", str(path), "--json"])
    assert res.exit_code == 1, res.output
    rows = json.loads(res.stdout)
    assert [(r["status"], r["code"], r["lines"]) for r in rows] == [("ok", 200, [5]), ("dead", 404, [6]),
                                                                    ("blocked", 403, [7])]
    assert all({"url", "status", "code", "final_url", "entries", "lines"} <= set(r) for r in rows)
    assert rows[1]["entries"] == [load_catalog(path).entries[1].id]
    # blocked never fails unless asked; a second run answers from the cache
    n = len(server.log)
    assert runner.invoke(app, ["links", "-c", str(path), "--fail-on", "blocked"]).exit_code == 1
    assert runner.invoke(app, ["links", "-c", str(path), "--fail-on", "none"]).exit_code == 0
    assert len(server.log) == n
    assert runner.invoke(app, ["links", "-c", str(path), "--fail-on", "gone"]).exit_code == 1


def test_cli_github_annotations(server, local_only, tmp_path):
    text = (f"# L\n\n## A\n\n- [Alive paper]({server.origin}/ok), CVPR 2020\n\n"
            f"- [Dead paper]({server.origin}/gone/410), CVPR 2021\n- [Moved]({server.origin}/chain/1), ICCV 2021\n")
    path = _catalog_file(tmp_path, text)
    res = runner.invoke(app, ["links", "-c", str(path), "--format", "github", "--file", "docs/list.md", "--pace", "0"])
    assert res.exit_code == 1
    lines = res.stdout.splitlines()
    assert f"::error file=docs/list.md,line=7,title=dead link::dead link {server.origin}/gone/410 (HTTP 410)" in lines
    assert any(ln.startswith("::notice file=docs/list.md,line=8,") for ln in lines)
    assert len(lines) == 2 and not any("line=5," in ln for ln in lines)


# -- repairs ---------------------------------------------------------------------------------------------

FIX_LIST = """# Awesome Things

A list. Badges: [![ci](https://ci.example/badge.svg)](https://ci.example/)

## Papers

- [x] [Deep Tool: a paper](https://arxiv.org/pdf/2101.0001.pdf), CVPR 2021: good [code](https://github.com/oldname/tool)
- [ ] [Alive Paper](https://arxiv.org/abs/2002.00002), ICCV 2020
- [ ] [Gone Paper](https://example.org/gone.pdf), ECCV 2020

## Code

- [tool](https://github.com/oldname/tool): the code again
"""


def test_fix_apply_changes_exactly_the_two_urls(server, local_only, tmp_path, monkeypatch):
    server.moved["/oldname/tool"] = "/newname/tool"
    server.dead |= {"/pdf/2101.0001.pdf", "/gone.pdf"}
    mapped = " ".join(f"{o}={server.origin}" for o in ("https://arxiv.org", "https://github.com",
                                                        "https://example.org", "https://ci.example"))
    monkeypatch.setenv("WSSKG_LINKS_CONNECT_TO", mapped)
    monkeypatch.setenv("WSSKG_LINKS_MAPPED_ONLY", "1")
    path = _catalog_file(tmp_path, FIX_LIST)
    with editing(path) as cat:  # what enrichment found: the work's arXiv id, by its title
        e = next(e for e in cat.entries if e.title.startswith("Deep Tool"))
        e.arxiv_id, e.match = "2101.00001", {"source": "arxiv", "by": "title", "score": 97.5}
    original = to_markdown(load_catalog(path))
    assert original == FIX_LIST

    proposed = runner.invoke(app, ["links", "-c", str(path), "--fix"])
    assert proposed.exit_code == 1  # two dead links, none repaired yet
    assert "-> https://github.com/newname/tool" in proposed.stdout
    assert "-> https://arxiv.org/pdf/2101.00001" in proposed.stdout
    assert "arXiv 2101.00001 from enrichment (arxiv, matched by title (score 97.5))" in proposed.stdout
    assert "https://example.org/gone.pdf\n  -> (no replacement)" in proposed.stdout
    assert to_markdown(load_catalog(path)) == original  # proposing writes nothing

    applied = runner.invoke(app, ["links", "-c", str(path), "--fix", "--apply", "--json"])
    assert applied.exit_code == 1, applied.output  # the dead link with no replacement still fails
    out = json.loads(applied.stdout)
    assert sorted((r["url"], r["new_url"]) for r in out["repairs"] if r["applied"]) == [
        ("https://arxiv.org/pdf/2101.0001.pdf", "https://arxiv.org/pdf/2101.00001"),
        ("https://github.com/oldname/tool", "https://github.com/newname/tool")]
    exported = runner.invoke(app, ["export", "-c", str(path)]).stdout
    old_lines, new_lines = original.split("\n"), exported.split("\n")
    assert len(old_lines) == len(new_lines)
    changed = [(a, b) for a, b in zip(old_lines, new_lines) if a != b]
    assert changed == [
        (old_lines[6], old_lines[6].replace("https://arxiv.org/pdf/2101.0001.pdf", "https://arxiv.org/pdf/2101.00001")
         .replace("https://github.com/oldname/tool", "https://github.com/newname/tool")),
        (old_lines[12], old_lines[12].replace("oldname", "newname")),
    ]
    assert "https://example.org/gone.pdf" in exported  # reported, never removed
    again = runner.invoke(app, ["links", "-c", str(path), "--fix"])
    assert "oldname" not in again.stdout


def test_a_dead_paper_link_takes_the_first_identifier_that_answers(server, local_only, tmp_path):
    server.dead |= {"/paper.html", "/abs/1901.00009"}
    text = "# L\n\n## A\n\n- [A Paper](https://lab.example/paper.html), CVPR 2019\n"
    path = _catalog_file(tmp_path, text)
    with editing(path) as cat:
        cat.entries[0].arxiv_id, cat.entries[0].doi = "1901.00009", "10.1000/xyz"
    cat = load_catalog(path)
    settings = CheckSettings(**FAST, connect_to={o: server.origin for o in (
        "https://lab.example", "https://arxiv.org", "https://doi.org")}, mapped_only=True)
    report = check_links(cat, settings=settings)
    repairs = plan_repairs(cat, report.sites, report.results, report.checker)
    assert [(r.url, r.new_url) for r in repairs] == [("https://lab.example/paper.html", "https://doi.org/10.1000/xyz")]
    assert any("not https://arxiv.org/abs/1901.00009" in ev for ev in repairs[0].evidence)
    assert [r.url for r in apply_repairs(path, repairs)] == ["https://lab.example/paper.html"]
    assert to_markdown(load_catalog(path)) == text.replace("https://lab.example/paper.html", "https://doi.org/10.1000/xyz")


def test_a_redirect_to_the_front_page_is_not_a_move(server, local_only, tmp_path):
    server.moved["/old/project"] = "/"
    cat = parse_markdown(f"# L\n\n## A\n\n- [Proj]({server.origin}/old/project), CVPR 2019\n")
    report = check_links(cat, settings=CheckSettings(**FAST))
    repairs = plan_repairs(cat, report.sites, report.results, report.checker)
    assert [(r.new_url, "front page" in r.reason) for r in repairs] == [(None, True)]


def test_a_repair_of_a_url_the_list_does_not_write_writes_nothing(tmp_path):
    from wsskg.links import Repair

    text = "# L\n\n## A\n\n- [A Paper](https://lab.example/paper.html), CVPR 2019\n"
    path = _catalog_file(tmp_path, text)
    with editing(path) as cat:  # the link says another URL than the list's line
        cat.entries[0].links[0].url = "https://lab.example/other.html"
    before = path.read_bytes()
    gone = Repair("https://lab.example/other.html", "https://arxiv.org/abs/1901.00009", "dead")
    assert apply_repairs(path, [gone]) == [] and not gone.applied
    assert "not applied" in gone.evidence[-1]
    assert path.read_bytes() == before


def test_cli_refuses_apply_without_fix_and_unknown_format(tmp_path):
    path = _catalog_file(tmp_path, "# L\n\n## A\n\n- [A Paper](https://lab.example/p), CVPR 2019\n")
    res = runner.invoke(app, ["links", "-c", str(path), "--apply"])
    assert res.exit_code == 2 and "--apply goes with --fix" in res.output
    res = runner.invoke(app, ["links", "-c", str(path), "--format", "xml"])
    assert res.exit_code == 2 and "github" in res.output


def test_a_repair_that_would_change_more_than_its_url_writes_nothing(tmp_path, monkeypatch):
    import wsskg.links.repair as repair_mod
    from wsskg.errors import WsskgError
    from wsskg.links import Repair

    text = "# L\n\n## A\n\n- [A Paper](https://lab.example/paper.html), CVPR 2019\n"
    path = _catalog_file(tmp_path, text)
    before = path.read_bytes()
    real = repair_mod._replace_everywhere

    def overreaching(cat, old, new):
        cat.layout = [x.replace("## A", "## B") if isinstance(x, str) else x for x in cat.layout]
        return real(cat, old, new)

    monkeypatch.setattr(repair_mod, "_replace_everywhere", overreaching)
    with pytest.raises(WsskgError, match="beyond their URLs"):
        apply_repairs(path, [Repair("https://lab.example/paper.html", "https://doi.org/10.1/x", "dead")])
    assert path.read_bytes() == before


def test_a_link_is_asked_for_as_a_browser_follows_it(server, local_only):
    server.dead.add("/paper%5C_v2")  # what a checker reading the Markdown escape literally would ask
    cat = parse_markdown(f"# L\n\n## A\n\n- [A Paper]({server.origin}/paper\\_v2?a=1&amp;b=2), CVPR 2019\n")
    report = check_links(cat, settings=CheckSettings(**FAST), cache=False)
    assert [(r.url, r.status) for r in report.results] == [(f"{server.origin}/paper\\_v2?a=1&amp;b=2", "ok")]
    assert ("HEAD", "/paper_v2?a=1&b=2") in {(m, p) for m, p, _ in server.log}


def test_a_moved_link_in_the_intro_is_repaired_with_all(server, local_only, tmp_path):
    server.moved["/old-home"] = "/new-home"
    text = (f"# L\n\nSee [our home]({server.origin}/old-home) and the paper below.\n\n## A\n\n"
            f"- [A Paper]({server.origin}/p), CVPR 2019\n")
    path = _catalog_file(tmp_path, text)
    cat = load_catalog(path)
    assert check_links(cat, settings=CheckSettings(**FAST)).counts()["redirected"] == 0  # entries only
    report = check_links(cat, everything=True, settings=CheckSettings(**FAST))
    repairs = plan_repairs(cat, report.sites, report.results, report.checker)
    assert [(r.lines, r.new_url) for r in repairs] == [([3], f"{server.origin}/new-home")]
    apply_repairs(path, repairs)
    assert to_markdown(load_catalog(path)) == text.replace("/old-home", "/new-home")


@pytest.mark.slow
def test_repairs_on_every_peer_list_change_only_their_urls(peer_lists, tmp_path):
    """On real lists: three URLs each (first, middle, last) repaired; the export is the list
    with those URLs replaced, and catalog.yaml changes only on lines holding them (and a
    link's kind, which follows its URL)."""
    import difflib

    from wsskg.formats.markdown import read_markdown
    from wsskg.links import Repair

    for n, md in enumerate(peer_lists):
        path = tmp_path / f"peer{n}.yaml"
        save_catalog(path, read_markdown(md))
        src = md.read_text(encoding="utf-8")
        cat = load_catalog(path)
        assert to_markdown(cat) == src, md.name
        urls = list(collect_links(cat, everything=True))
        pick = list(dict.fromkeys([urls[0], urls[len(urls) // 2], urls[-1]]))
        repairs = [Repair(u, f"https://moved.example/{n}/{i}", "test") for i, u in enumerate(pick)]
        before = path.read_text(encoding="utf-8")
        assert len(apply_repairs(path, repairs)) == len(pick), md.name
        expected = src
        for r in repairs:
            expected = replace_url(expected, r.url, r.new_url)
        assert to_markdown(load_catalog(path)) == expected, md.name
        after = path.read_text(encoding="utf-8")
        diff = list(difflib.unified_diff(before.split("\n"), after.split("\n"), lineterm="", n=0))
        removed = {ln[1:] for ln in diff if ln[:1] == "-" and not ln.startswith("---")}
        added = [ln[1:] for ln in diff if ln[:1] == "+" and not ln.startswith("+++") and ln[1:] not in removed]
        assert added and all("moved.example" in ln or "kind:" in ln for ln in added), (md.name, added[:3])
