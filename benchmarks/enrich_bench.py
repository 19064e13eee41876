"""Benchmark: enrich a synthetic catalog against the fake arXiv + S2 server.

Realistic settings by default: 1,000 papers (80 % with an arXiv link, 5 % with only a DOI,
15 % with only a title, a few of those with a typo), 250 ms per request, arXiv's 3 s between
requests and Semantic Scholar's 1 request/s. Reports the requests per service and kind and
the wall time of a cold run and of a second run, and checks the request budget
(ceil(M/500) S2 batches + ceil(M/100) arXiv calls + 2 per title-only entry; 0 the second time).

    python benchmarks/enrich_bench.py                 # the full run (about 3-4 minutes)
    python benchmarks/enrich_bench.py --write-docs    # ... and put the table into docs/enrichment.md
    python benchmarks/enrich_bench.py --tiny          # 40 papers, no delays: a smoke test (seconds)
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from fakeapi import FakeAPI, make_catalog, synthetic_corpus  # noqa: E402

from wsskg.catalog import Entry, Link  # noqa: E402

DOC = REPO / "docs" / "enrichment.md"
START, END = "<!-- enrich-bench:start -->", "<!-- enrich-bench:end -->"


def build(n: int, seed: int = 11):
    rnd = random.Random(seed)
    corpus = synthetic_corpus(n, seed=seed)
    entries = []
    for i, p in enumerate(corpus):
        r = rnd.random()
        if r < 0.80:
            e = Entry(id=f"p{i}", title=p.title, links=[Link(f"https://arxiv.org/abs/{p.arxiv_id}", kind="paper")])
        elif r < 0.85:
            p.doi = f"10.5555/syn.{i}"
            e = Entry(id=f"p{i}", title=p.title, links=[Link(f"https://doi.org/{p.doi}", kind="paper")])
        else:
            title = p.title
            if rnd.random() < 0.2:  # a typo in the list
                title = title.replace("Segmentation", "Segmetation").replace("Networks", "Netwroks")
            e = Entry(id=f"p{i}", title=title, year=p.year)
        entries.append(e)
    return corpus, entries


def run(args) -> list[dict]:
    from wsskg.enrich import concept_like, enrich

    corpus, entries = build(args.n)
    m = sum(1 for e in entries if e.links)
    t = sum(1 for e in entries if not e.links and not concept_like(e))
    budget = math.ceil(m / 500) + math.ceil(m / 100) + 2 * t
    rows = []
    with tempfile.TemporaryDirectory() as tmp, FakeAPI(corpus, latency=args.latency) as api:
        path = make_catalog(Path(tmp) / "catalog.yaml", entries)
        os.environ.update(api.env(
            WSSKG_CACHE_DIR=str(Path(tmp) / "cache"), WSSKG_ARXIV_DELAY=str(args.arxiv_delay),
            WSSKG_S2_DELAY=str(args.s2_delay)))
        os.environ.pop("S2_API_KEY", None)
        for label in ("cold", "second run"):
            api.clear_log()
            t0 = time.monotonic()
            report = enrich(path)
            wall = time.monotonic() - t0
            rows.append({
                "run": label, "papers": args.n, "with ids (M)": m, "title-only (T)": t,
                "enriched": len(report.enriched), "unmatched": len(report.unmatched), "failed": len(report.failed),
                "arXiv id_list": api.count("arxiv", "id_list"), "arXiv ti:": api.count("arxiv", "query"),
                "S2 batch": api.count("s2", "batch"), "S2 search": api.count("s2", "search"),
                "requests": api.count(), "budget": budget if label == "cold" else 0, "wall s": round(wall, 1),
            })
    return rows


def table(rows: list[dict], args) -> str:
    cols = list(rows[0])
    out = [f"Settings: {args.n} papers, {args.latency * 1000:.0f} ms per request, arXiv delay {args.arxiv_delay:g} s, "
           f"S2 delay {args.s2_delay:g} s (`python benchmarks/enrich_bench.py`).", "",
           "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        out.append("| " + " | ".join(str(r[c]) for c in cols) + " |")
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--latency", type=float, default=0.25, help="seconds the fake server takes per request")
    ap.add_argument("--arxiv-delay", type=float, default=3.0)
    ap.add_argument("--s2-delay", type=float, default=1.0)
    ap.add_argument("--tiny", action="store_true", help="40 papers, no latency or delays")
    ap.add_argument("--write-docs", action="store_true", help=f"write the table into {DOC.relative_to(REPO)}")
    args = ap.parse_args()
    if args.tiny:
        args.n, args.latency, args.arxiv_delay, args.s2_delay = 40, 0.0, 0.0, 0.0
    rows = run(args)
    text = table(rows, args)
    print(text)
    cold, warm = rows
    ok = cold["requests"] <= cold["budget"] and warm["requests"] == 0 and cold["failed"] == 0
    print("budget respected" if ok else "BUDGET EXCEEDED OR FAILURES")
    if args.write_docs:
        doc = DOC.read_text(encoding="utf-8")
        a, b = doc.index(START) + len(START), doc.index(END)
        DOC.write_text(doc[:a] + "\n" + text + "\n" + doc[b:], encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
