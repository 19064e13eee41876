"""How well does ``wsskg suggest-topic`` file a paper the list has never seen? Leave-one-out.

    python benchmarks/topic_suggest.py                 # writes docs/watch.md (the accuracy table)
    python benchmarks/topic_suggest.py --print         # the table on stdout only
    python benchmarks/topic_suggest.py --lists a.md b.md

Each list (the shipped ``tests/data/reading-list.md`` and every ``../shared/peer-lists/*.md``
beside the checkout, skipped when absent) is imported with wsskg's own Markdown reader. Then
every paper filed under at least one candidate topic (a leaf topic that holds papers, not a
results table: see ``wsskg.suggest``) is held out in turn: the model is rebuilt from the other
papers only (vocabulary, IDF, centroids, neighbours), asked for its top 3 topics, and counted
correct at top-1 / top-3 when any of the paper's own topics is among them. A paper alone in
its topic cannot be predicted and counts as a miss. The baseline proposes the most frequent
candidate topics of the same training set. Lists with fewer than two candidate topics are
reported but not scored (any answer is right).

No network, no enrichment: the lists as written (titles, venues, notes), which is what a new
paper from ``wsskg watch`` looks like before its abstract is known.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from wsskg.formats.markdown import read_markdown  # noqa: E402
from wsskg.suggest import TopicModel, candidate_topics, document  # noqa: E402

SHIPPED = ROOT / "tests" / "data" / "reading-list.md"
PEERS = ROOT.parent / "shared" / "peer-lists"
OUT = ROOT / "docs" / "watch.md"
TOP = 3


@dataclass
class Score:
    name: str
    entries: int = 0  # papers in the list
    topics: int = 0  # candidate topics
    held_out: int = 0  # papers evaluated
    singletons: int = 0  # evaluated papers alone in their topic (cannot be predicted)
    top1: int = 0
    top3: int = 0
    base1: int = 0
    base3: int = 0
    seconds: float = 0.0

    def pct(self, n: int) -> str:
        return f"{100.0 * n / self.held_out:.1f}%" if self.held_out else "n/a"

    @property
    def scored(self) -> bool:
        return self.topics >= 2 and self.held_out > 0


def evaluate(path: Path, name: str | None = None) -> Score:
    """Leave-one-out top-1/top-3 accuracy of the topic model and the baseline on one list."""
    started = time.perf_counter()
    catalog = read_markdown(path)
    papers = [e for e in catalog.entries if e.kind == "paper"]
    cands = set(candidate_topics(catalog))
    sc = Score(name=name or path.name, entries=len(papers), topics=len(cands))
    docs = {e.id: document(e) for e in papers}  # tokenised once; IDF is recomputed per hold-out
    sizes = Counter(t for e in papers for t in e.topics if t in cands)
    for e in papers:
        own = {t for t in e.topics if t in cands}
        if not own:
            continue
        sc.held_out += 1
        if all(sizes[t] <= 1 for t in own):
            sc.singletons += 1
        model = TopicModel(catalog, exclude=[e.id], docs=docs)
        got = [s.topic for s in model.suggest(e, k=TOP)]
        sc.top1 += bool(own & set(got[:1]))
        sc.top3 += bool(own & set(got[:TOP]))
        rest = Counter({t: n - (t in own) for t, n in sizes.items()})
        declared = list(dict.fromkeys([t.path for t in catalog.topics] + model.topics))
        order = {t: declared.index(t) for t in model.topics}  # ties: the list's own topic order
        freq = sorted((t for t, n in rest.items() if n > 0 and t in order), key=lambda t: (-rest[t], order[t]))
        sc.base1 += bool(own & set(freq[:1]))
        sc.base3 += bool(own & set(freq[:TOP]))
    sc.seconds = time.perf_counter() - started
    return sc


def default_lists() -> list[tuple[Path, str]]:
    lists = [(SHIPPED, "shipped: reading-list.md")]
    if PEERS.is_dir():
        lists += [(p, p.name) for p in sorted(PEERS.glob("*.md")) if p.name != "SOURCES.md"]
    return lists


def table(scores: list[Score]) -> str:
    rows = ["| list | papers | topics | held out | alone in topic | top-1 | top-3 | baseline top-1 | baseline top-3 |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for s in scores:
        if s.scored:
            rows.append(f"| {s.name} | {s.entries} | {s.topics} | {s.held_out} | {s.singletons} | {s.pct(s.top1)} | "
                        f"{s.pct(s.top3)} | {s.pct(s.base1)} | {s.pct(s.base3)} |")
        else:
            rows.append(f"| {s.name} | {s.entries} | {s.topics} | {s.held_out} | {s.singletons} | "
                        "not scored (one topic) | | | |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lists", nargs="*", type=Path, help="Markdown lists to measure (default: shipped + peers)")
    ap.add_argument("--out", type=Path, default=OUT, help="the Markdown page to rewrite (default docs/watch.md)")
    ap.add_argument("--print", dest="just_print", action="store_true", help="print the table, write nothing")
    args = ap.parse_args(argv)
    lists = [(p, p.name) for p in args.lists] if args.lists else default_lists()
    scores = []
    for path, name in lists:
        s = evaluate(path, name)
        scores.append(s)
        print(f"{name}: top-1 {s.pct(s.top1)}, top-3 {s.pct(s.top3)} (baseline {s.pct(s.base1)}/{s.pct(s.base3)}), "
              f"{s.held_out} held out, {s.seconds:.1f} s", file=sys.stderr)
    tab = table(scores)
    if args.just_print:
        print(tab)
        return 0
    text = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
    start, end = "<!-- topic-suggest table: begin -->", "<!-- topic-suggest table: end -->"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
        text = f"{head}{start}\n{tab}\n{end}{tail}"
    else:
        text = f"{text.rstrip()}\n\n{start}\n{tab}\n{end}\n".lstrip()
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
