"""Time the knowledge graph on a synthetic catalog: build_graph, next, discover (both ways), stats.

    python benchmarks/graph_bench.py            # 10,000 papers, 100,000 citation edges
    python benchmarks/graph_bench.py --tiny     # a smoke test (200 papers), writes nothing

Prints a Markdown table; the full run also writes docs/graph-benchmarks.md. The catalog is
generated deterministically (seeded): papers spread over 30 topics, each citing ~10 others
(older papers more often, as real citations do), plus outside papers they cite and that cite
them, so ``discover`` has work in both directions.
"""

from __future__ import annotations

import argparse
import platform
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from wsskg.catalog import Catalog, Entry, Topic  # noqa: E402


def synthetic_catalog(papers: int = 10_000, edges: int = 100_000, external: int | None = None,
                      seed: int = 7) -> Catalog:
    """``papers`` entries, ``edges`` citations among them and to/from outside papers
    (about 80 % inside the catalog), 30 topics under 3 groups, a fifth of the papers read."""
    rng = random.Random(seed)
    groups = ["Reading List", "Related Tasks", "Others"]
    topics = [Topic(path=g, name=g, level=2) for g in groups]
    for i in range(30):
        g = groups[i % 3]
        topics.append(Topic(path=f"{g}/topic{i:02d}", name=f"topic{i:02d}", level=4))
    leaves = [t.path for t in topics if "/" in t.path]
    entries = []
    for i in range(papers):
        year = 1990 + (i * 30) // max(papers, 1)
        tps = [leaves[rng.randrange(len(leaves))]]
        if rng.random() < 0.3:
            tps.append(leaves[rng.randrange(len(leaves))])
        entries.append(Entry(
            id=f"p{i:05d}", title=f"Synthetic paper {i}", year=year, topics=sorted(set(tps)),
            status="read" if rng.random() < 0.2 else ("reading" if rng.random() < 0.05 else "unread"),
            s2_id=f"s2{i:07d}", citation_count=rng.randrange(0, 5000),
        ))
    n_ext = external if external is not None else max(papers // 2, 10)
    ext_ids = [f"ext{j:07d}" for j in range(n_ext)]
    ext = {x: {"title": f"Outside paper {j}", "year": 1980 + j % 45, "venue": "Synthetic",
               "authors": ["A. Author"], "arxiv_id": None, "doi": f"10.1234/x{j}", "citation_count": j % 997}
           for j, x in enumerate(ext_ids)}
    internal = int(edges * 0.8)
    outside = edges - internal
    made = 0
    while made < internal:
        a = rng.randrange(1, papers)
        b = int(a * rng.random() ** 2)  # cite older papers, the oldest most
        if a != b:
            entries[a].references.append(entries[b].s2_id)
            made += 1
    for k in range(outside):
        e = entries[rng.randrange(papers)]
        x = ext_ids[int(n_ext * rng.random() ** 2)]
        if k % 2:
            e.references.append(x)
        else:
            e.cited_by.append(x)
    return Catalog(title="Synthetic catalog", topics=topics, entries=entries, external=ext)


def _time(fn, repeat: int = 3) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def run(papers: int, edges: int, repeat: int = 3) -> list[tuple[str, float, str]]:
    import networkx  # noqa: F401  (imported once up front so no row pays for it)

    from wsskg.graph import build_graph
    from wsskg.graph_export import render_graph
    from wsskg.library import discover, next_papers
    from wsskg.recommend import stats

    t0 = time.perf_counter()
    cat = synthetic_catalog(papers, edges)
    gen = time.perf_counter() - t0
    rows = [("generate synthetic catalog (not timed against the target)", gen, "")]
    t, G = _time(lambda: build_graph(cat), repeat)
    rows.append(("build_graph (with outside papers)", t, f"{G.number_of_nodes():,} nodes, {G.number_of_edges():,} edges"))
    t, G2 = _time(lambda: build_graph(cat, include_external=False), repeat)
    rows.append(("build_graph (catalog only)", t, f"{G2.number_of_nodes():,} nodes, {G2.number_of_edges():,} edges"))
    t, picks = _time(lambda: next_papers(cat, limit=10), repeat)
    rows.append(("next (limit 10)", t, f"top: {picks[0]['id']} - {picks[0]['reason']}" if picks else "no picks"))
    t, picks = _time(lambda: next_papers(cat, limit=10, topic="topic07"), repeat)
    rows.append(("next --topic topic07", t, f"{len(picks)} picks"))
    t, found = _time(lambda: discover(cat, "cited", limit=20), repeat)
    rows.append(("discover --direction cited", t, f"top: {found[0]['evidence']}" if found else "none"))
    t, found = _time(lambda: discover(cat, "citing", limit=20), repeat)
    rows.append(("discover --direction citing", t, f"top: {found[0]['evidence']}" if found else "none"))
    t, st = _time(lambda: stats(cat), repeat)
    rows.append(("stats", t, f"{len(st['topics'])} topics, {st['citation_edges']:,} citation edges"))
    rows.extend(_cli_rows(cat))
    for fmt in ("graphml", "json", "html"):
        t, text = _time(lambda: render_graph(G, fmt), 1)
        rows.append((f"export {fmt} (whole graph)", t, f"{len(text.encode()) / 1e6:.1f} MB"))
    return rows


def _cli_rows(cat) -> list[tuple[str, float, str]]:
    """Whole `wsskg` processes on the catalog saved to a file (second run: the index is warm)."""
    import os
    import subprocess
    import tempfile

    from wsskg.store import save_catalog

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "catalog.yaml"
        save_catalog(path, cat)
        env = dict(os.environ, WSSKG_CACHE_DIR=str(Path(tmp) / "cache"), PYTHONPATH=str(ROOT))
        for args in (["next"], ["discover"], ["stats"]):
            cmd = [sys.executable, "-m", "wsskg", *args, "-c", str(path)]
            subprocess.run(cmd, capture_output=True, env=env, check=True)  # builds the derived index
            t0 = time.perf_counter()
            subprocess.run(cmd, capture_output=True, env=env, check=True)
            rows.append((f"`wsskg {args[0]}` whole process (warm index)", time.perf_counter() - t0,
                         "load + compute + print"))
    return rows


def table(rows: list[tuple[str, float, str]]) -> str:
    lines = ["| operation | seconds | notes |", "| --- | ---: | --- |"]
    lines += [f"| {name} | {sec:.3f} | {note.replace('|', '/')} |" for name, sec, note in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tiny", action="store_true", help="200 papers, 1,000 edges; write nothing")
    ap.add_argument("--papers", type=int, default=10_000)
    ap.add_argument("--edges", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3, help="best of N runs (default 3)")
    ap.add_argument("--out", default=str(ROOT / "docs" / "graph-benchmarks.md"))
    args = ap.parse_args(argv)
    papers, edges = (200, 1_000) if args.tiny else (args.papers, args.edges)
    rows = run(papers, edges, repeat=1 if args.tiny else args.repeat)
    md = table(rows)
    print(md)
    if not args.tiny:
        import networkx

        doc = (
            "# Knowledge-graph benchmarks\n\n"
            f"Synthetic catalog: {papers:,} papers, {edges:,} citation edges (80 % between catalog papers,\n"
            "the rest to and from outside papers), 30 topics, a fifth of the papers read.\n"
            "Best of {rep} runs; produced by `python benchmarks/graph_bench.py`.\n\n"
            f"Python {platform.python_version()}, networkx {networkx.__version__}, {platform.machine()}.\n"
            "Target: graph build, `next` and `discover` each well under 5 s.\n\n".replace("{rep}", str(args.repeat))
            + md + "\n"
        )
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(doc, encoding="utf-8")
        print(f"\nwrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
