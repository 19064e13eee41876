"""The benchmark script keeps working: ``benchmarks/run.py --tiny`` (200 papers, one run of each
command, no pubs/papis) writes its Markdown table. Benchmarks are not tests; this only keeps
the script from rotting."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import REPO

pytestmark = pytest.mark.slow  # runs the benchmark script: many seconds


def test_tiny_benchmark_writes_a_table(tmp_path):
    out = tmp_path / "benchmarks.md"
    r = subprocess.run([sys.executable, str(REPO / "benchmarks" / "run.py"), "--tiny", "--out", str(out),
                        "--work", str(tmp_path / "work")], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    text = out.read_text(encoding="utf-8")
    assert "| papers | tool | work | median s |" in text
    rows = [ln for ln in text.splitlines() if ln.startswith("| 200 |")]
    works = {ln.split("|")[3].strip() for ln in rows}
    for work in ("--help", "search affinity", "list", "read (one status change)", "export (Markdown)",
                 "yaml.load(catalog.yaml, CSafeLoader)"):
        assert work in works, (work, works)
    assert any(w.startswith("list --json") for w in works)
    assert not any("exit " in ln for ln in rows), rows  # every command succeeded
    # the derived index was built on the first run, used afterwards and never stale
    assert "derived index built on first run: True" in text
    assert "NO" not in text.split("## Results")[0]
