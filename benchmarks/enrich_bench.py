"""Benchmark: enrich a synthetic catalog against the fake arXiv + S2 server with the real limits.

Realistic settings by default: 1,000 papers (80 % with an arXiv link, 5 % with only a DOI,
15 % with only a title, a few of those with a typo), 250 ms per request, arXiv's 3 s between
requests and Semantic Scholar's 1 request/s. The fake server enforces the services' published
limits (reference batches over 200 ids time out, at most 500 ids, citations paged...).

Three runs of the same catalog:

* ``clean``: a cold run on a well-behaved server: the request count must be the floor,
  ceil((M+T')/100) S2 reference batches + ceil(A/100) arXiv ``id_list`` calls + one S2 search
  per title-only entry + one arXiv ``ti:`` query for each S2 did not find (M papers with ids, A
  of them with an arXiv id, T title-only, T' of those found on S2);
* ``504s + 429s``: a cold run (fresh cache) where ``--flaky`` of the reference batches time out
  (504) and every ``--burst``-th keyless request is answered 429: batches are split in halves
  and retried, nothing may be missing;
* ``second run``: 0 requests.

    python benchmarks/enrich_bench.py                 # the full run (about 8 minutes)
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


def floor(entries, found_by_title: int) -> int:
    """The fewest requests a cold run can make (see the module docstring)."""
    from wsskg.enrich import concept_like
    from wsskg.sources.arxiv import CHUNK as ARXIV_CHUNK
    from wsskg.sources.s2 import REFERENCES_CHUNK

    with_ids = [e for e in entries if e.links]
    arxiv = [e for e in with_ids if "arxiv.org" in e.links[0].url]
    titles = [e for e in entries if not e.links and not concept_like(e)]
    # one S2 search per title; one arXiv ti: query for each title S2 did not find
    return (math.ceil((len(with_ids) + found_by_title) / REFERENCES_CHUNK) + math.ceil(len(arxiv) / ARXIV_CHUNK)
            + len(titles) + (len(titles) - found_by_title))


def measure(n: int = 1000, latency: float = 0.25, arxiv_delay: float = 3.0, s2_delay: float = 1.0,
            flaky: float = 0.3, burst: int = 25, seed: int = 11,
            runs: tuple[str, ...] = ("clean", "504s + 429s", "second run")) -> list[dict]:
    """Rows of the table: one per run (clean, with faults, second run)."""
    from wsskg.enrich import concept_like, enrich
    from wsskg.store import load_catalog

    rows = []
    for label in runs:
        if label != "second run":
            tmp = tempfile.TemporaryDirectory()
            corpus, entries = build(n, seed)
            path = make_catalog(Path(tmp.name) / "catalog.yaml", entries)
        faults = label == "504s + 429s"
        api = FakeAPI(corpus, latency=latency, flaky_504=flaky if faults else 0.0, seed=seed,
                      keyless_429_every=burst if faults else 0).start()
        saved = dict(os.environ)
        try:
            os.environ.update(api.env(WSSKG_CACHE_DIR=str(Path(tmp.name) / "cache"),
                                      WSSKG_ARXIV_DELAY=str(arxiv_delay), WSSKG_S2_DELAY=str(s2_delay),
                                      WSSKG_HTTP_BACKOFF="0.05" if faults else "0"))
            os.environ.pop("S2_API_KEY", None)
            t0 = time.monotonic()
            report = enrich(path)
            wall = time.monotonic() - t0
        finally:
            os.environ.clear()
            os.environ.update(saved)
            api.stop()
        cat = load_catalog(path)
        known = {e.id for e in cat.entries if e.kind == "paper" and not (not e.links and concept_like(e))}
        done = {e.id for e in cat.entries if e.match and not e.match.get("partial")}
        with_refs = sum(1 for e in cat.entries if e.references)
        has_refs = {f"p{i}" for i, p in enumerate(corpus) if p.references}
        no_refs = sum(1 for e in cat.entries if e.id in has_refs and e.id in done and not e.references)
        by_title_s2 = sum(1 for e in cat.entries if (e.match or {}).get("by") == "title" and e.s2_id)
        rows.append({
            "run": label, "papers": n, "with ids (M)": sum(1 for e in entries if e.links),
            "title-only (T)": sum(1 for e in entries if not e.links and not concept_like(e)),
            "enriched": len(report.enriched), "missing": len(known - done), "with references": with_refs,
            "found without its references": no_refs,
            "failed": len(report.failed),
            "S2 batch": api.count("s2", "batch"), "splits": report.stats.splits["s2"],
            "429s": report.stats.throttled["s2"], "arXiv id_list": api.count("arxiv", "id_list"),
            "S2 search": api.count("s2", "search"), "arXiv ti:": api.count("arxiv", "query"),
            "requests": api.count(), "floor": floor(entries, by_title_s2) if label != "second run" else 0,
            "wall s": round(wall, 1),
        })
    return rows  # the second run reused the faulty run's catalog and cache


def check(rows: list[dict]) -> list[str]:
    """What is wrong with a measurement (empty: all good)."""
    bad = []
    for r in rows:
        if r["run"] == "clean" and r["requests"] > r["floor"]:
            bad.append(f"clean run made {r['requests']} requests, above the floor {r['floor']}")
        if r["missing"] or r["failed"] or r["found without its references"]:
            bad.append(f"{r['run']}: {r['missing']} missing, {r['failed']} failed, "
                       f"{r['found without its references']} without references")
        if r["run"] == "504s + 429s":
            extra = r["requests"] - r["floor"]
            if extra > 2 * r["splits"] + r["429s"]:  # each split: two halves; each 429: one retry
                bad.append(f"faulty run: {extra} requests above the floor, more than its splits and 429s explain")
        if r["run"] == "second run" and r["requests"]:
            bad.append(f"second run made {r['requests']} requests")
    return bad


def table(rows: list[dict], args) -> str:
    cols = list(rows[0])
    out = [f"Settings: {args.n} papers, {args.latency * 1000:.0f} ms per request, arXiv delay {args.arxiv_delay:g} s, "
           f"S2 delay {args.s2_delay:g} s, {args.flaky:.0%} of reference batches answered 504 and every "
           f"{args.burst}th keyless S2 request 429 in the faulty run (`python benchmarks/enrich_bench.py`).", "",
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
    ap.add_argument("--flaky", type=float, default=0.3, help="share of reference batches answered 504")
    ap.add_argument("--burst", type=int, default=25, help="every n-th keyless S2 request is answered 429")
    ap.add_argument("--tiny", action="store_true", help="40 papers, no latency or delays")
    ap.add_argument("--write-docs", action="store_true", help=f"write the table into {DOC.relative_to(REPO)}")
    args = ap.parse_args()
    if args.tiny:
        args.n, args.latency, args.arxiv_delay, args.s2_delay = 40, 0.0, 0.0, 0.0
    rows = measure(args.n, args.latency, args.arxiv_delay, args.s2_delay, args.flaky, args.burst)
    text = table(rows, args)
    print(text)
    bad = check(rows)
    print("budget respected" if not bad else "BUDGET EXCEEDED OR FAILURES: " + "; ".join(bad))
    if args.write_docs:
        doc = DOC.read_text(encoding="utf-8")
        a, b = doc.index(START) + len(START), doc.index(END)
        DOC.write_text(doc[:a] + "\n" + text + "\n" + doc[b:], encoding="utf-8")
    return 0 if not bad else 1


if __name__ == "__main__":
    sys.exit(main())
