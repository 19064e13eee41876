"""Enrichment is bounded in time and memory against misbehaving servers on 127.0.0.1.

Each test states its deadline. Settings: 1 s per request (whole request, not per read),
1 retry, no backoff, circuit breaker after 3 consecutive failures.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fakeapi import Misbehaving, make_catalog, refused_port

from wsskg.catalog import Entry, Link
from wsskg.enrich import enrich

REPO = Path(__file__).resolve().parents[1]
SECRET = "SECRETk3y-0123456789abcdef"


def entries(titles: int = 6, ids: int = 3) -> list[Entry]:
    out = [Entry(id=f"t{i}", title=f"A Study Of Weakly Supervised Segmentation Number {i}", year=2018)
           for i in range(titles)]
    out += [Entry(id=f"a{i}", title=f"Paper {i}", links=[Link(f"https://arxiv.org/abs/1803.1{i:04d}", kind="paper")])
            for i in range(ids)]
    return out


def point_at(monkeypatch, env: dict) -> None:
    env = dict(env, WSSKG_HTTP_TIMEOUT="1", WSSKG_HTTP_RETRIES="1", WSSKG_HTTP_BACKOFF="0", WSSKG_BREAKER="3")
    for k, v in env.items():
        monkeypatch.setenv(k, v)


def run_timed(path: Path, **kw):
    t0 = time.monotonic()
    report = enrich(path, **kw)
    return report, time.monotonic() - t0


def refused_env() -> dict:
    port = refused_port()
    return {"WSSKG_ARXIV_URL": f"http://127.0.0.1:{port}/api/query", "WSSKG_S2_URL": f"http://127.0.0.1:{port}",
            "WSSKG_ARXIV_DELAY": "0", "WSSKG_S2_DELAY": "0"}


@pytest.mark.slow
def test_trickling_server_is_cut_at_the_whole_request_deadline(tmp_path, monkeypatch):
    """Deadline: 12 s (a per-read timeout would keep each request alive for minutes)."""
    path = make_catalog(tmp_path / "catalog.yaml", entries())
    before = path.read_bytes()
    with Misbehaving("trickle", gap=0.2) as srv:
        point_at(monkeypatch, srv.env())
        report, wall = run_timed(path)
    assert wall < 12, wall
    assert not report.enriched and len(report.failed) == 9
    assert any("no complete answer within 1 s" in why for _, why in report.failed)
    # breaker: each service got at most 3 failing attempts, the rest were not asked
    assert report.stats.requests["s2"] <= 3 and report.stats.requests["arxiv"] <= 3
    assert any("not asked any more in this run: 3 failures in a row" in n for n in report.notices)
    assert path.read_bytes() == before


@pytest.mark.slow
def test_black_hole_is_bounded_by_the_breaker(tmp_path, monkeypatch):
    """Deadline: 12 s for 9 entries (without the breaker: 2 attempts x 1 s for each lookup)."""
    path = make_catalog(tmp_path / "catalog.yaml", entries(titles=20))
    before = path.read_bytes()
    with Misbehaving("blackhole") as srv:
        point_at(monkeypatch, srv.env())
        report, wall = run_timed(path)
    assert wall < 12, wall
    assert len(report.failed) == 23 and report.stats.requests["s2"] == 3
    assert path.read_bytes() == before


def test_overall_timeout_stops_the_run(tmp_path, monkeypatch):
    """Deadline: --timeout 1.5 s, finished within 4 s, the rest reported as not asked."""
    path = make_catalog(tmp_path / "catalog.yaml", entries(titles=20))
    with Misbehaving("blackhole") as srv:
        point_at(monkeypatch, srv.env(WSSKG_BREAKER="100", WSSKG_HTTP_TIMEOUT="30"))
        report, wall = run_timed(path, timeout=1.5)
    assert wall < 4, wall
    assert len(report.failed) == 23
    assert any("time limit (1.5 s)" in why for _, why in report.failed)
    assert any("time limit" in n for n in report.notices)


def test_refused_service_is_given_up_after_three_failures(tmp_path, monkeypatch):
    """Deadline: 5 s; at most 3 connection attempts per service."""
    path = make_catalog(tmp_path / "catalog.yaml", entries(titles=20))
    before = path.read_bytes()
    point_at(monkeypatch, refused_env())
    report, wall = run_timed(path)
    assert wall < 5, wall
    assert report.stats.requests["s2"] == 3 and report.stats.requests["arxiv"] <= 3
    assert len(report.failed) == 23
    assert any("Semantic Scholar not asked any more" in n for n in report.notices)
    assert path.read_bytes() == before


def _run_cli(args: list[str], env: dict, cwd: Path, timeout: float) -> tuple[subprocess.CompletedProcess, float, int]:
    """Run ``wsskg`` in a child; return the result, wall time and the child's peak RSS (KB)."""
    # the peak of this process image: /proc's VmHWM starts afresh at exec, while ru_maxrss would
    # also count the forked copy of a large pytest process before the exec
    code = ("import re, resource, runpy, sys; sys.argv = ['wsskg'] + sys.argv[1:]\n"
            "def peak():\n"
            "    try:\n"
            "        return int(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1))\n"
            "    except (OSError, AttributeError):\n"
            "        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
            "try:\n    runpy.run_module('wsskg', run_name='__main__')\n"
            "finally:\n    sys.stderr.write('\\nPEAK_RSS_KB=%d\\n' % peak())")
    full = dict(os.environ, **env)
    t0 = time.monotonic()
    r = subprocess.run([sys.executable, "-c", code, *args], env=full, cwd=cwd, capture_output=True, text=True,
                       timeout=timeout)
    wall = time.monotonic() - t0
    peak = int(r.stderr.rsplit("PEAK_RSS_KB=", 1)[1].split()[0]) if "PEAK_RSS_KB=" in r.stderr else -1
    return r, wall, peak


@pytest.mark.parametrize("declared", [False, True])
def test_oversized_response_is_capped(tmp_path, declared):
    """Deadline: 30 s; peak memory under 120 MB for a 50 MB answer capped at 2 MB (about 60 MB
    measured; with the cap lifted the same run peaks at about 175 MB)."""
    path = make_catalog(tmp_path / "catalog.yaml", entries(titles=0, ids=3))
    before = path.read_bytes()
    with Misbehaving("oversized", declared=declared) as srv:
        env = dict(srv.env(), WSSKG_HTTP_TIMEOUT="20", WSSKG_HTTP_RETRIES="1", WSSKG_HTTP_BACKOFF="0",
                   WSSKG_MAX_RESPONSE_MB="2", WSSKG_CACHE_DIR=str(tmp_path / "cache"))
        r, wall, peak = _run_cli(["enrich", "--source", "s2", "-c", str(path)], env, tmp_path, timeout=60)
    assert wall < 30, wall
    assert r.returncode == 3, r.stderr
    assert "larger than 2 MB" in r.stderr
    assert 0 < peak < 120 * 1024, peak
    assert path.read_bytes() == before


@pytest.mark.slow
def test_key_echoed_by_a_403_is_never_printed_or_stored(tmp_path):
    """Deadline: 20 s; the key appears in no output, no file of the catalog dir or the cache."""
    path = make_catalog(tmp_path / "lib" / "catalog.yaml", entries(titles=3, ids=3))
    before = path.read_bytes()
    cache = tmp_path / "cache"
    with Misbehaving("echo403") as srv:
        env = dict(srv.env(), WSSKG_HTTP_TIMEOUT="5", WSSKG_HTTP_RETRIES="2", WSSKG_HTTP_BACKOFF="0",
                   WSSKG_CACHE_DIR=str(cache), S2_API_KEY=SECRET)
        for args in (["enrich", "-c", str(path)], ["enrich", "--json", "-c", str(path)],
                     ["add", "10.1109/CVPR.2017.177", "-c", str(path)]):
            r, wall, _ = _run_cli(args, env, tmp_path, timeout=60)
            assert wall < 20, wall
            assert r.returncode != 0
            out = r.stdout + r.stderr
            assert SECRET not in out and "SECRETk3y" not in out, out
            assert "403" in out
        assert srv.hits >= 1  # the server did see (and echo) the key
    for f in list(path.parent.rglob("*")) + list(cache.rglob("*")):
        if f.is_file():
            assert SECRET.encode() not in f.read_bytes(), f
    assert path.read_bytes() == before


def test_403_message_is_redacted_in_the_library_too(tmp_path, monkeypatch):
    path = make_catalog(tmp_path / "catalog.yaml", entries(titles=1, ids=1))
    with Misbehaving("echo403") as srv:
        point_at(monkeypatch, srv.env())
        monkeypatch.setenv("S2_API_KEY", SECRET)
        report = enrich(path, source="s2")
    text = json.dumps(report.to_dict())
    assert "403" in text and SECRET not in text and "***" in text
