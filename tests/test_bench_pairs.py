"""The benchmark's 4x comparisons run wsskg's command and the peer's in turn, so both see the
same machine (``benchmarks/run.py``, ``bench_pairs``), and the targets are judged on those
runs when there are any."""

from __future__ import annotations

import sys

from conftest import REPO

sys.path.insert(0, str(REPO / "benchmarks"))

import run as bench  # noqa: E402


def test_the_two_commands_of_a_comparison_run_in_turn(tmp_path):
    log = tmp_path / "order"
    cmd = [sys.executable, "-c", "import sys; open(sys.argv[1], 'a').write(sys.argv[2])", str(log)]
    ours = {"list": (cmd + ["w"], None), f"search {bench.QUERY}": (cmd + ["s"], None)}
    peers = {("papis", "list --all"): (cmd + ["p"], None)}
    rows = bench.bench_pairs(10_000, ours, peers, 3, lambda msg: None)
    assert log.read_text() == "wp" + "wp" * 3  # one untimed run each, then three in turn
    assert [(r.tool, len(r.times)) for r in rows] == [("wsskg", 3), ("papis", 3)]
    lines = bench.targets(rows)
    judged = [ln for ln in lines if "papis `list --all`" in ln]
    assert len(judged) == 1 and "(runs in turn)" in judged[0]
