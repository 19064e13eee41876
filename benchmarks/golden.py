"""Score the importer against hand-checked answers: ``<list>.golden.json`` beside a peer list.

    python benchmarks/golden.py                 # every list with a golden file, tune and held-aside halves
    python benchmarks/golden.py --list NAME -v  # one list, every wrong field shown

A golden file names about 15 paper lines of its list (``line_no``, the clean ``title``, ``short_name``,
``venue``, ``year``, ``urls`` on the line and ``entry_urls`` on the entry's next lines) and lines that
are not papers (``not_papers``). The importer's entry for a line is the entry with a mention starting
on that line. Compared *exactly*: the kind (an annotated paper must stay a ``paper``), the title (runs of white space folded), the short name, the year; the
venue as the list spells it with the year taken off (``ICSE'22`` and ``ICSE 2022`` are ``ICSE``;
case is kept, so ``Arxiv`` is not ``arXiv``). A not-paper line counts against the importer when an
entry of kind ``paper`` is mentioned on it.

The split is fixed before tuning and never chosen by score: the lists whose name's SHA-1 sorts first
(:data:`HELD_ASIDE_COUNT` of them) are held aside; tuning looks only at the others. The gap between the
halves is what generalisation costs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_LISTS = REPO.parent / "shared" / "peer-lists"
#: At least a third of the 16 annotated lists, the same ones on every machine.
HELD_ASIDE_COUNT = 6
#: The fields compared for each annotated paper, in the report's column order.
FIELDS = ("title", "short_name", "year", "venue", "urls", "kind")


def held_aside(names: list[str], count: int = HELD_ASIDE_COUNT) -> set[str]:
    """The lists kept apart from tuning: the first ``count`` by SHA-1 of the name (not by score)."""
    return set(sorted(names, key=lambda n: hashlib.sha1(n.encode()).hexdigest())[:count])


def _fold(s: str | None) -> str | None:
    if s is None:
        return None
    s = unicodedata.normalize("NFC", s)
    s = re.sub(r"\s+", " ", s).strip()
    return s or None


_VENUE_YEAR = re.compile(r"(?:['’`]\s*\d{2}\b|(?<!\d)(?:19|20)\d\d(?!\d)|(?<=[A-Za-z])\d{2}\b)")


def venue_key(v: str | None) -> str | None:
    """The venue without its year: ``ICSE'22``, ``ICSE 2022``, ``ICSE22`` -> ``ICSE``."""
    if v is None:
        return None
    s = _VENUE_YEAR.sub(" ", v)
    s = re.sub(r"[\s,.;:()\[\]]+", " ", s).strip()
    return s or None


@dataclass
class Miss:
    line_no: int
    field: str
    want: object
    got: object


@dataclass
class ListScore:
    name: str
    papers: int = 0
    right: dict = field(default_factory=lambda: {f: 0 for f in FIELDS})
    not_papers: int = 0
    taken: int = 0
    missing: int = 0  # annotated papers with no entry on their line
    misses: list[Miss] = field(default_factory=list)
    error: str = ""


def entries_by_line(entries) -> dict[int, object]:
    out: dict[int, object] = {}
    for e in entries:
        for m in e.mentions:
            out.setdefault(m.line, e)
    return out


def score(path: Path, entries=None) -> ListScore:
    """Score one list (``entries``: an already imported catalog's entries, else imported here)."""
    gold = json.loads(Path(str(path) + ".golden.json").read_text(encoding="utf-8"))
    s = ListScore(name=path.name)
    if entries is None:
        from wsskg.formats.markdown import read_markdown

        try:
            entries = read_markdown(path).entries
        except Exception as e:  # noqa: BLE001 - a crash is a row of the report
            s.error = f"{type(e).__name__}: {e}"
            return s
    at = entries_by_line(entries)
    for item in gold["items"]:
        s.papers += 1
        e = at.get(item["line_no"])
        if e is None:
            s.missing += 1
            s.misses.append(Miss(item["line_no"], "entry", item["title"], None))
            continue
        got = {
            "title": _fold(e.title),
            "short_name": _fold(getattr(e, "short_name", None)),
            "year": e.year,
            "venue": venue_key(_fold(e.venue)),
            "urls": set(ln.url for ln in e.links),
            "kind": e.kind,
        }
        want = {
            "title": _fold(item["title"]),
            "short_name": _fold(item.get("short_name")),
            "year": item.get("year"),
            "venue": venue_key(_fold(item.get("venue"))),
            "urls": set(item.get("urls", []) + item.get("entry_urls", [])),
            "kind": "paper",
        }
        for f in FIELDS:
            ok = want[f] <= got[f] if f == "urls" else want[f] == got[f]
            if ok:
                s.right[f] += 1
            else:
                s.misses.append(Miss(item["line_no"], f, want[f] if f != "urls" else sorted(want[f] - got[f]),
                                     got[f] if f != "urls" else None))
    for np_ in gold.get("not_papers", []):
        s.not_papers += 1
        e = at.get(np_["line_no"])
        if e is not None and e.kind == "paper":
            s.taken += 1
            s.misses.append(Miss(np_["line_no"], "not a paper", np_["line"][:80], e.title))
    return s


def golden_lists(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.md") if Path(str(p) + ".golden.json").is_file())


def pct(n: int, d: int) -> str:
    return f"{100 * n / d:.0f}%" if d else "-"


def total(scores: list[ListScore]) -> ListScore:
    t = ListScore(name="total")
    for s in scores:
        t.papers += s.papers
        t.not_papers += s.not_papers
        t.taken += s.taken
        t.missing += s.missing
        for f in FIELDS:
            t.right[f] += s.right[f]
    return t


def table(scores: list[ListScore], heading: str) -> list[str]:
    out = [f"| {heading} | papers | titles | short names | years | venues | links | kept as papers | non-papers taken |",
           "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for s in scores + [total(scores)]:
        name = f"**{s.name}**" if s.name == "total" else s.name
        if s.error:
            out.append(f"| {name} | error: {s.error} ||||||||")
            continue
        cells = [f"{s.right[f]}/{s.papers} ({pct(s.right[f], s.papers)})" for f in FIELDS]
        out.append(f"| {name} | {s.papers} | " + " | ".join(cells) + f" | {s.taken}/{s.not_papers} |")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lists", type=Path, default=DEFAULT_LISTS)
    ap.add_argument("--list", help="only the list whose file name contains this")
    ap.add_argument("-v", "--verbose", action="store_true", help="show every wrong field")
    a = ap.parse_args(argv)
    paths = golden_lists(a.lists)
    if not paths:
        print(f"no *.golden.json lists in {a.lists}", file=sys.stderr)
        return 2
    aside = held_aside([p.name for p in paths])
    if a.list:
        paths = [p for p in paths if a.list in p.name]
    scores = [score(p) for p in paths]
    for heading, part in (("tuned on", [s for s in scores if s.name not in aside]),
                          ("held aside", [s for s in scores if s.name in aside])):
        if part:
            print("\n".join(table(part, heading)))
            print()
    if a.verbose:
        for s in scores:
            for m in s.misses:
                print(f"{s.name}:{m.line_no}: {m.field}: want {m.want!r} got {m.got!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
