"""``wsskg enrich`` and ``wsskg add`` through the real CLI, against the fake server."""

from __future__ import annotations

import json

import pytest
from fakeapi import fake, make_catalog, pid  # noqa: F401 - fixture
from test_enrich import demo_entries
from typer.testing import CliRunner

from wsskg.cli import app


def run(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def catalog(tmp_path):
    return make_catalog(tmp_path / "catalog.yaml", demo_entries())


def test_enrich_summary_show_and_export_unchanged(fake, catalog):
    exported_before = run("export", "-c", str(catalog)).stdout
    res = run("enrich", "-c", str(catalog))
    assert res.exit_code == 0, res.stderr
    last = res.stdout.strip().splitlines()[-1]
    assert last.startswith("enriched 9, unmatched 2, failed 0, skipped 3, wrong links 1; HTTP requests: arXiv ")
    assert f"Semantic Scholar {fake.count('s2')}" in last and f"arXiv {fake.count('arxiv')}" in last
    assert "wrong link: ficklenet: https://arxiv.org/abs/1811.10842: the list calls it 'FickleNet'" in res.stderr
    shown = run("show", "ficklenet", "-c", str(catalog)).stdout
    assert "wrong link:" in shown and "https://arxiv.org/abs/1811.10842 names another paper" in shown
    assert "1902.10421" in shown and "1811.10842  (paper)" in shown  # the list's link is kept
    checked = run("check", "-c", str(catalog))
    assert "wrong-link" in checked.stdout + checked.stderr and "ficklenet" in checked.stdout + checked.stderr
    assert "[1/" in res.stderr  # plain progress lines when stderr is not a terminal
    shown = json.loads(run("show", "gain", "--json", "-c", str(catalog)).stdout)
    entry = shown.get("entry", shown)
    assert entry["arxiv_id"] == "1802.10171" and entry["s2_id"] == pid(3)
    assert entry["canonical_title"].startswith("Tell Me Where to Look") and entry["citation_count"] == 600
    assert entry["abstract"] == "An abstract." and entry["match"]["source"] == "arxiv+s2"
    assert entry["title"] == "GAIN" and entry["venue"] == "CVPR" and entry["year"] == 2018
    assert run("export", "-c", str(catalog)).stdout == exported_before  # enrichment never rewrites the list
    fake.clear_log()
    res = run("enrich", "-c", str(catalog))
    assert fake.count() == 0 and "HTTP requests: arXiv 0, Semantic Scholar 0" in res.stdout


def test_enrich_json_and_offline(fake, catalog):
    res = run("enrich", "--offline", "--json", "-c", str(catalog))
    assert res.exit_code == 0 and fake.count() == 0
    data = json.loads(res.stdout)
    assert data["requests"] == {"arxiv": 0, "s2": 0} and "gain" in data["offline_missing"]
    res = run("enrich", "--offline", "-c", str(catalog))
    assert "offline, not in the cache: " in res.stderr and "gain" in res.stderr


def test_failures_exit_3_with_one_line_each(fake, catalog, monkeypatch):
    monkeypatch.setenv("WSSKG_HTTP_RETRIES", "0")
    fake.fault("s2", status=503, times=100)
    res = run("enrich", "--source", "s2", "-c", str(catalog))
    assert res.exit_code == 3
    fails = [ln for ln in res.stderr.splitlines() if ln.startswith("failed: ")]
    assert fails and all("Semantic Scholar" in ln and "HTTP 503" in ln for ln in fails)
    assert "Traceback" not in res.stderr
    assert "failed " in res.stdout.strip().splitlines()[-1]


def test_api_key_is_sent_and_never_printed_or_stored(fake, catalog, monkeypatch, tmp_path):
    secret = "s2-cli-secret-abcdef123456"
    monkeypatch.setenv("S2_API_KEY", secret)
    res = run("enrich", "-c", str(catalog))
    fake.fault("s2", status=403)
    res2 = run("add", "Rethinking Atrous Convolution for Semantic Image Segmentation", "-c", str(catalog))
    assert res2.exit_code != 0 and "403" in res2.stderr
    assert all(r["headers"].get("x-api-key") == secret for r in fake.requests("s2"))
    for text in (res.stdout, res.stderr, res2.stdout, res2.stderr):
        assert secret not in text
    import os

    cache = os.environ["WSSKG_CACHE_DIR"]
    for folder in (tmp_path, cache):
        for p in __import__("pathlib").Path(folder).rglob("*"):
            if p.is_file():
                assert secret.encode() not in p.read_bytes(), p


def test_add_command(fake, catalog):
    res = run("add", "1711.07971", "--topic", "seg", "-c", str(catalog))
    assert res.exit_code == 0 and res.stdout.startswith("added non-local-neural")
    res = run("add", "arXiv:1711.07971", "-c", str(catalog))
    assert res.exit_code == 1 and "already in the catalog as non-local-neural" in res.stderr


def test_bad_source_is_a_usage_error(fake, catalog):
    res = run("enrich", "--source", "google", "-c", str(catalog))
    assert res.exit_code == 2 and fake.count() == 0


def test_help_has_examples():
    for cmd in ("enrich", "add"):
        out = run(cmd, "--help").stdout
        assert "Examples:" in out and f"wsskg {cmd} " in out


def test_keyless_429_bursts_are_ridden_out_and_the_summary_says_how_to_set_a_key(fake, catalog, monkeypatch):
    fake.keyless_429_every = 3
    monkeypatch.setenv("WSSKG_HTTP_RETRIES", "3")
    res = run("enrich", "-c", str(catalog))
    assert res.exit_code == 0, res.stderr
    assert res.stdout.strip().splitlines()[-1].startswith("enriched 9, unmatched 2, failed 0")
    assert "note: Semantic Scholar answered 429" in res.stderr and "export S2_API_KEY=" in res.stderr
    assert json.loads(run("enrich", "--json", "--refresh", "-c", str(catalog)).stdout)["notices"]


def test_breaker_and_timeout_are_reported_one_line_each(fake, catalog, monkeypatch):
    monkeypatch.setenv("WSSKG_HTTP_RETRIES", "0")
    fake.fault("s2", status=503, times=100)
    res = run("enrich", "--source", "s2", "-c", str(catalog))
    assert res.exit_code == 3
    assert "note: Semantic Scholar not asked any more in this run: 3 failures in a row" in res.stderr
    res = run("enrich", "--timeout", "0", "-c", str(catalog))
    assert res.exit_code == 2 and "--timeout" in res.stderr
