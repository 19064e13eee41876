"""Import fidelity on real awesome-lists: how well ``wsskg`` understands a list, in numbers.

    python benchmarks/fidelity.py                       # ../shared/peer-lists + the shipped reading list
    python benchmarks/fidelity.py --lists DIR --out docs/fidelity.md

For every list (each ``*.md`` in ``--lists`` except ``SOURCES.md``/``README.md``, plus the shipped
``tests/data/reading-list.md``) the importer's own library call ``read_markdown`` builds a catalog,
and this script measures it against the source text:

* **entries by kind**;
* **titles with leftover markup** (goal 0): Markdown or HTML syntax, entities, wrapping quotes, emoji
  (shortcodes or characters), a leading ``ABBR:``/``[ABBR]`` tag the list put before the title, a
  trailing venue/year (``CVPR 2019``, ``*ICME2021*``, ``(ECCV'18)``) or a URL left in a title;
* **entries with no year where the source gives one** (goal 0): the entry's mention lines (and their
  continuation lines) and the chain of headings above them are searched for a year (``2019``,
  ``CVPR'19``, ``ICCV 21``, ``arxiv 25.10``);
* **same-work pairs resolved / different-work pairs kept apart**, from the hand-checked
  ``<list>.same.json`` beside the list (for the shipped list: ``tests/data/fidelity/``);
* **byte-identical export** (goal: yes): ``wsskg import`` into a temporary catalog, ``wsskg export``,
  compare bytes with the source;
* the import time (best of three ``read_markdown`` calls);
* suspects, not goals but where to look next: entries without a title, titles the source continues
  after a colon (cut short), ``#anchor`` navigation made entries, short names with markup.

The detectors are deliberately independent of the importer (own venue table, own year rules): an
instrument that borrowed the importer's rules could not see the importer's gaps. An entry is tied
to source lines only through its ``mentions`` (``topic``, ``form``, ``line``); an importer without
mentions leaves its entries *unmapped* (their years and pairs cannot be checked and count as not
resolved), so the script runs against old and new importers alike.

The report is generated, never edited by hand: ``docs/fidelity.md`` (``--out``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_LISTS = REPO.parent / "shared" / "peer-lists"
SHIPPED_LIST = REPO / "tests" / "data" / "reading-list.md"
#: Same/different keys for lists whose folder holds none (the shipped list's key, from issue 9).
FIXTURE_KEYS = REPO / "tests" / "data" / "fidelity"
DEFAULT_OUT = REPO / "docs" / "fidelity.md"
#: Files in a lists folder that describe the lists rather than being one.
NOT_LISTS = {"sources.md", "readme.md"}
#: How many offending titles / entries / pairs the details sections show per list.
SHOW = 12
IMPORT_RUNS = 3

# -- the venue table of this instrument (independent of the importer's on purpose) ---------------

VENUES = (
    "CVPRW?|ICCVW?|ECCVW?|NeurIPS|NIPS|ICML|ICLR|AAAI|IJCAI|WACV|BMVC|ACCV|ACM ?MM|MM|ICME|ICASSP|ICIP|"
    "T-?PAMI|PAMI|TIP|IJCV|TMM|TCSVT|TNNLS|TOG|CVIU|TKDE|TMLR|TMI|MICCAI|ISBI|KDD|ACL|EMNLP|NAACL|COLING|"
    "SIGGRAPH(?: Asia)?|Interspeech|INTERSPEECH|IROS|ICRA|CoRL|RSS|3DV|ICPR|ECAI|UAI|AISTATS|COLT|WWW|SIGIR|"
    "CIKM|JMLR|TACL|Neurocomputing|PR|IEEE Access|JURSE|arXiv|ArXiv|Arxiv|arxiv|ARXIV"
)
_V = rf"(?:{VENUES})"

# -- leftover markup in a title -------------------------------------------------------------------

#: Any asterisk (emphasis, or a footnote mark like ``TSRNet*``/``Zhang*``), ``__``, or ``_emphasis_``.
_EMPHASIS = re.compile(r"\*|__|(?:^|\s)_(?=\S)|(?<=\S)_(?:\s|$)")
_CODE = re.compile(r"`")
_LINK = re.compile(r"\[[^\]]*\]\(|\]\(")
_HTML = re.compile(r"</?[a-zA-Z][a-zA-Z0-9-]*(?=[\s>/])|<!--")
_ENTITY = re.compile(r"&(?:[a-zA-Z][a-zA-Z0-9]{1,31}|#\d{1,7}|#[xX][0-9a-fA-F]{1,6});")
_ESCAPE = re.compile(r"\\[\\`*_{}\[\]()#+\-.!|<>]")
_OPEN_QUOTES = "\"“”„«‘’'「"
_CLOSE_QUOTES = "\"”“»’‘'」"
_SHORTCODE = re.compile(r"(?<![\w:/]):[a-z0-9_+\-]{2,40}:(?![\w/])")
_URL = re.compile(r"https?://|www\.\S|\b[\w-]+\.(?:com|org|io|net|edu)/\S", re.I)
#: ``ABBR:`` before the title: one token (no spaces), with a capital or digit after the first letter.
_PREFIX = re.compile(r"^(?P<abbr>[A-Za-z0-9][\w.+\-&']{0,24}):\s+(?P<rest>\S.*)$")
_TAG_PREFIX = re.compile(r"^\s*\[[^\]]{1,40}\](?!\()")
_TAG_SUFFIX = re.compile(r"\s\[[^\]]{1,30}\][.,;]?\s*$")
_MARKUP_AFTER_PREFIX = re.compile(r"^[\"“'‘«*_`\[<(]")
#: A venue (optionally with a year) or a bare year at the end of a title, in any wrapping.
_VENUE_SUFFIX = re.compile(
    rf"(?:[\s,;:\-–—(\[*_|]|^)(?:{_V})(?:[\s\-]*['’]?\s*(?:19|20)?\d\d)?[)\]*_.]*\s*$"
    rf"|(?:[\s,;(\[*_]|^)\(?\[?(?:19|20)\d\d\]?\)?[*_.]*\s*$"
)


def _is_emoji(ch: str) -> bool:
    cp = ord(ch)
    return 0x1F000 <= cp <= 0x1FAFF or 0x2600 <= cp <= 0x27BF or 0x2B00 <= cp <= 0x2BFF or cp in (0xFE0F, 0x24C2)


def _has_acronym(token: str) -> bool:
    """``WSGCN``, ``D2-Net``, ``WebSeg``: a token with a capital or digit after its first
    character (a plain capitalised word like ``Learning`` is not an acronym)."""
    return any(c.isupper() or c.isdigit() for c in token[1:])


def _prefix_from_list(abbr: str, rest: str, source: list[str]) -> bool:
    """The list, not the paper, put ``abbr:`` before the title: in the source the acronym stands
    apart from the title (``**WSGCN:** "Title"``, ``[ABBR]</span> ... Title``), whereas a paper
    whose own title is ``WebSeg: Learning ...`` appears in the source as exactly that."""
    head = r"\s+".join(re.escape(w) for w in rest.split()[:3])
    together = re.compile(re.escape(abbr) + r":\s+" + head)
    return not any(together.search(line) for line in source)


def markup_problems(title: str, source: list[str] | None = None) -> list[str]:
    """Why a title is not clean (empty when it is). ``source`` are the entry's source lines; with
    them a leading ``ABBR:`` counts only when the list wrote it apart from the title, without them
    only when markup or a quote follows it."""
    t = (title or "").strip()
    found: list[str] = []
    if not t:
        return []  # no title at all is counted apart (ListReport.untitled), not as markup
    if _EMPHASIS.search(t):
        found.append("emphasis or asterisk (* __ _)")
    if _CODE.search(t):
        found.append("code span (`)")
    if _LINK.search(t):
        found.append("Markdown link [..](..)")
    if _HTML.search(t):
        found.append("HTML tag")
    if _ENTITY.search(t):
        found.append("HTML entity (&..;)")
    if _ESCAPE.search(t):
        found.append("Markdown escape (\\)")
    if t[0] in _OPEN_QUOTES or t[-1] in _CLOSE_QUOTES:
        found.append("wrapping quotes")
    if _SHORTCODE.search(t) or any(_is_emoji(c) for c in t):
        found.append("emoji")
    if _URL.search(t):
        found.append("URL")
    if _TAG_PREFIX.match(t):
        found.append("[TAG] prefix")
    if _TAG_SUFFIX.search(t):
        found.append("[TAG] suffix")
    m = _PREFIX.match(t)
    if m and _has_acronym(m["abbr"]) and (
        _MARKUP_AFTER_PREFIX.match(m["rest"])
        or (source is not None and _prefix_from_list(m["abbr"], m["rest"], source))
    ):
        found.append("ABBR: prefix")
    if _VENUE_SUFFIX.fullmatch(t):
        found.append("title is a venue/year")
    elif _VENUE_SUFFIX.search(t):
        found.append("venue/year suffix")
    return found


# -- suspects: not goals of their own, but what an engineer should look at ------------------------

_CUT_TAIL = re.compile(r"\s*:\s+(?P<tail>[^.\[\](){}|*_`<]+)")
_MD_HREF = re.compile(r"\]\(\s*([^)\s]*)")


def title_case(text: str) -> bool:
    words = [w for w in re.findall(r"[A-Za-z][\w'-]*", text) if len(w) > 3]
    return len(words) >= 2 and sum(w[0].isupper() for w in words) >= 0.6 * len(words)


def cut_at_colon(title: str, source: list[str]) -> str:
    """The rest of the title when the source continues it after a colon (``Tell Me Where to Look:
    Guided Attention Inference Network``) and the importer kept only the head; '' otherwise. A
    lower-case remark after the colon (``Title: image-level, semantic affinity``) or a venue is no
    part of the title."""
    t = (title or "").strip()
    if not t:
        return ""
    for line in source:
        i = line.find(t)
        if i < 0:
            continue
        m = _CUT_TAIL.match(line, i + len(t))
        if m and title_case(m["tail"]) and not re.match(rf"\s*(?:{_V})", m["tail"]):
            return m["tail"].strip()
    return ""


#: Problems of a title that are no problem in a short name (``CVPR2019``-like acronyms, ``W-TALC:``).
SHORT_NAME_OK = {"title is a venue/year", "venue/year suffix", "ABBR: prefix"}


def navigation_only(entry, texts: list[str]) -> bool:
    """An entry made of one line whose only links go to ``#anchors`` of the page (a table of
    contents, a table of sections): navigation, not a work."""
    urls = [getattr(link, "url", "") or "" for link in getattr(entry, "links", None) or []]
    if len(texts) != 1 or any(not u.startswith("#") for u in urls):
        return False
    hrefs = _MD_HREF.findall(texts[0])
    return bool(hrefs) and all(h.startswith("#") for h in hrefs) and "http" not in texts[0]


# -- years the source gives -----------------------------------------------------------------------

_URL_PART = re.compile(r"\]\([^)\s]*\)|<https?://[^>]*>|https?://\S+|(?:href|src)=[\"'][^\"']*[\"']")
_YEAR4 = re.compile(r"(?<![\w.\-/])(?P<y>(?:19[5-9]|20[0-4])\d)(?![\d])(?!\.\d{4})")
_DATASET_YEAR = re.compile(r"(?:VOC|COCO|ILSVRC|ImageNet|LVIS|ADE|Cityscapes|THUMOS|KITTI)[\s-]?(?:19|20)\d\d", re.I)
_VENUE_YY = re.compile(rf"(?<![A-Za-z])(?:{_V})\s*['’`]?\s*(?P<yy>\d{{2}})(?![\d])")
_VENUE_YYYY = re.compile(rf"(?<![A-Za-z])(?:{_V})[\s'’_-]*(?P<y>(?:19|20)\d\d)(?!\d)")
_ARXIV_YYMM = re.compile(r"(?i)arxiv\s*[:']?\s*(?P<yy>[12]\d)\.(?P<mm>0[1-9]|1[0-2])(?!\d)")


def year_hint(text: str) -> int | None:
    """The publication year a line states, or None: ``2019``, ``CVPR 2019``, ``ICCV2021``,
    ``CVPR'19``, ``CVPR 19``, ``arxiv 25.10``. URLs (arXiv ids, paths) and dataset names
    (``VOC2012``) do not count."""
    text = _URL_PART.sub(" ", text or "")
    text = _DATASET_YEAR.sub(" ", text)
    m = _VENUE_YYYY.search(text)
    if m:
        return int(m["y"])
    m = _VENUE_YY.search(text)
    if m:
        yy = int(m["yy"])
        return 2000 + yy if yy < 50 else 1900 + yy
    m = _ARXIV_YYMM.search(text)
    if m:
        return 2000 + int(m["yy"])
    m = _YEAR4.search(text)
    return int(m["y"]) if m else None


# -- the source's shape: headings, records --------------------------------------------------------

_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+|$)(.*)$")
_HTML_H = re.compile(r"^\s*<h([1-6])\b[^>]*>(.*?)(?:</h\1>)?\s*$", re.I)
_FENCE = re.compile(r"^\s*(```|~~~)")
_BLOCK_START = re.compile(r"^\s*(?:[-*+][ \t]|\d{1,3}[.)][ \t]|\||#|<h[1-6]|```|~~~)")


def _indent(line: str) -> int:
    expanded = line.expandtabs(4)
    return len(expanded) - len(expanded.lstrip())


@dataclass
class Source:
    """The list's lines (1-based access), its headings and which lines are in code fences."""

    lines: list[str]
    heading_level: dict[int, int] = field(default_factory=dict)  # line number -> level
    fenced: set[int] = field(default_factory=set)

    @classmethod
    def of(cls, text: str) -> "Source":
        src = cls(text.split("\n"))
        fence = None
        for no, line in enumerate(src.lines, 1):
            m = _FENCE.match(line)
            if fence:
                src.fenced.add(no)
                if m and m.group(1) == fence:
                    fence = None
                continue
            if m:
                fence = m.group(1)
                src.fenced.add(no)
                continue
            h = _ATX.match(line) or _HTML_H.match(line)
            if h:
                level = len(h.group(1)) if h.re is _ATX else int(h.group(1))
                src.heading_level[no] = level
        return src

    def line(self, no: int) -> str:
        return self.lines[no - 1] if 1 <= no <= len(self.lines) else ""

    def heading_chain(self, no: int) -> list[int]:
        """Line numbers of the headings enclosing line ``no``, nearest first (its own line if it is one)."""
        chain: list[int] = []
        limit = 7
        for h in range(no, 0, -1):
            level = self.heading_level.get(h)
            if level is not None and level < limit:
                chain.append(h)
                limit = level
                if level == 1:
                    break
        return chain

    def record(self, no: int) -> list[int]:
        """Line ``no`` and the lines that continue it: deeper-indented lines (links, an authors
        sub-bullet) and lazy continuation lines, up to a blank line or the next block at the same
        indent. A heading's record is its section up to the next heading."""
        if no in self.heading_level:
            out = [no]
            for n in range(no + 1, len(self.lines) + 1):
                if n in self.heading_level:
                    break
                out.append(n)
            return out
        first = self.line(no)
        out = [no]
        if first.lstrip().startswith("|"):  # a table row is one line
            return out
        indent = _indent(first)
        for n in range(no + 1, len(self.lines) + 1):
            line = self.line(n)
            if not line.strip() or n in self.heading_level:
                break
            if _indent(line) > indent or not _BLOCK_START.match(line):
                out.append(n)
                continue
            break
        return out


# -- measuring one list ---------------------------------------------------------------------------


@dataclass
class Pair:
    kind: str  # "same" or "different"
    a: int
    b: int
    status: str  # same: resolved / split / not an entry; different: kept apart / merged
    why: str = ""
    texts: tuple[str, str] = ("", "")
    titles: tuple[str, str] = ("", "")  # titles of the entries the importer made of each line


@dataclass
class ListReport:
    name: str
    lines: int
    entries: int = 0
    kinds: Counter = field(default_factory=Counter)
    unmapped: int = 0  # entries with no mention line
    untitled: list[tuple[str, list[int]]] = field(default_factory=list)  # kind, lines of entries without a title
    cut: list[tuple[str, int, str]] = field(default_factory=list)  # title, line, the part the source adds
    navigation: list[tuple[str, int]] = field(default_factory=list)  # title, line
    dirty_short: list[tuple[str, int, list[str]]] = field(default_factory=list)  # short name, line, problems
    dirty: list[tuple[str, list[int], list[str]]] = field(default_factory=list)  # title, lines, problems
    no_year: list[tuple[str, int, str]] = field(default_factory=list)  # title, line, where the year is
    pairs: list[Pair] = field(default_factory=list)
    has_key: bool = False
    export_identical: bool | None = None
    export_diff: str = ""
    import_ms: float = 0.0
    export_ms: float = 0.0
    error: str = ""

    def count(self, kind: str, status: str) -> int:
        return sum(1 for p in self.pairs if p.kind == kind and p.status == status)

    def total(self, kind: str) -> int:
        return sum(1 for p in self.pairs if p.kind == kind)


def _mentions(entry) -> list[tuple[int, str]]:
    """(1-based line, verbatim text or "") of each mention the importer records for the entry in
    this file (mentions another file contributed through ``import --merge`` are left out)."""
    out = []
    for m in getattr(entry, "mentions", None) or []:
        get = m.get if isinstance(m, dict) else (lambda name, m=m: getattr(m, name, None))
        line, doc = get("line"), get("doc")
        if isinstance(line, int) and line > 0 and not doc:
            out.append((line, get("text") or ""))
    return out


def mention_lines(entry) -> list[int]:
    """The 1-based source lines where the importer says the entry is mentioned (none if it cannot say)."""
    return [line for line, _ in _mentions(entry)]


def mention_spans(entry, src: "Source") -> dict[int, list[int]]:
    """First line -> all lines of each mention: as many lines as the importer's verbatim ``text``
    has, or (an importer that keeps no text) the record the source's shape gives (``Source.record``)."""
    spans: dict[int, list[int]] = {}
    for line, text in _mentions(entry):
        if text:
            n = text.count("\n") + (0 if text.endswith("\n") else 1)
            span = list(range(line, line + max(n, 1)))
        else:
            span = src.record(line)
        spans[line] = sorted(set(spans.get(line, [])) | set(span))
    return spans


def line_map(entries, src: Source) -> tuple[dict[int, set[int]], dict[int, set[int]]]:
    """line -> indices of entries mentioned on it; and line -> entries a mention of which covers it."""
    direct: dict[int, set[int]] = {}
    covered: dict[int, set[int]] = {}
    for i, e in enumerate(entries):
        for no, span in mention_spans(e, src).items():
            direct.setdefault(no, set()).add(i)
            for n in span:
                covered.setdefault(n, set()).add(i)
    return direct, covered


def entries_at(no: int, direct, covered) -> set[int]:
    return direct.get(no) or covered.get(no) or set()


def find_key(list_path: Path) -> Path | None:
    for cand in (list_path.with_name(list_path.name + ".same.json"),
                 FIXTURE_KEYS / (list_path.name + ".same.json")):
        if cand.is_file():
            return cand
    return None


def judge_pairs(key: dict, direct, covered, entries=()) -> list[Pair]:
    """Verdicts on the hand-checked pairs of ``key`` (see the module docstring)."""

    def titles(found: set[int]) -> str:
        return " + ".join(sorted(str(entries[i].title) for i in found)) if entries else ""

    pairs = []
    for kind in ("same", "different"):
        for p in key.get(kind, []):
            a, b = int(p["a_line_no"]), int(p["b_line_no"])
            ea, eb = entries_at(a, direct, covered), entries_at(b, direct, covered)
            together = bool(ea & eb)
            if kind == "same":
                status = "resolved" if together else ("not an entry" if not (ea and eb) else "split")
            else:
                status = "merged" if together else ("kept apart" if ea and eb else "kept apart (not both entries)")
            pairs.append(Pair(kind, a, b, status, p.get("why", ""), (p.get("a", ""), p.get("b", "")),
                              (titles(ea), titles(eb))))
    return pairs


def _first_difference(want: bytes, got: bytes) -> str:
    a, b = want.split(b"\n"), got.split(b"\n")
    for i, (x, y) in enumerate(zip(a, b), 1):
        if x != y:
            return (f"line {i}: source `{_short(x.decode('utf-8', 'replace'))}` / "
                    f"export `{_short(y.decode('utf-8', 'replace'))}`")
    if len(a) != len(b):
        i = min(len(a), len(b)) + 1
        return f"line {i}: source has {len(a)} lines, export {len(b)}"
    return "same lines, different bytes"


def _short(s: str, n: int = 90) -> str:
    s = s.replace("`", "'").replace("|", "\\|")
    return s if len(s) <= n else s[: n - 1] + "…"


def export_roundtrip(path: Path, imported=None) -> tuple[bool | None, str, float]:
    """``wsskg import`` the list into a temporary catalog and ``wsskg export`` it (the CLI in this
    process, exactly as a user runs it): (identical?, first difference, seconds). Given the catalog
    ``read_markdown`` already made, it is saved as ``wsskg import`` saves it instead of parsing the
    list again (the tests' shortcut; the report always goes through ``wsskg import``)."""
    from typer.testing import CliRunner

    from wsskg.cli import app

    with tempfile.TemporaryDirectory() as tmp:
        old = os.environ.get("WSSKG_CACHE_DIR")
        os.environ["WSSKG_CACHE_DIR"] = str(Path(tmp) / "cache")
        try:
            cat, out = Path(tmp) / "catalog.yaml", Path(tmp) / "export.md"
            runner = CliRunner()
            t0 = time.perf_counter()
            if imported is not None:
                from wsskg.store import save_catalog

                save_catalog(cat, imported)
            else:
                r = runner.invoke(app, ["import", str(path), "-c", str(cat)])
                if r.exit_code != 0:
                    return None, f"import failed: {(r.output or repr(r.exception)).strip()[:200]}", 0.0
            r = runner.invoke(app, ["export", "-c", str(cat), "-o", str(out)])
            dt = time.perf_counter() - t0
            if r.exit_code != 0 or not out.exists():
                return None, f"export failed: {(r.output or repr(r.exception)).strip()[:200]}", dt
            want, got = path.read_bytes(), out.read_bytes()
            return want == got, "" if want == got else _first_difference(want, got), dt
        finally:
            if old is None:
                os.environ.pop("WSSKG_CACHE_DIR", None)
            else:
                os.environ["WSSKG_CACHE_DIR"] = old


def measure(path: Path, key_path: Path | None = None, export: bool = True, runs: int = IMPORT_RUNS,
            cli_import: bool = True) -> ListReport:
    """All the numbers for one list (the import timed as the best of ``runs``; ``cli_import=False``
    exports the catalog already read instead of running ``wsskg import`` again)."""
    text = path.read_text(encoding="utf-8-sig")
    src = Source.of(text)
    rep = ListReport(name=path.name, lines=text.count("\n") + (0 if text.endswith("\n") or not text else 1))
    try:
        from wsskg.formats.markdown import read_markdown

        best = float("inf")
        for _ in range(max(runs, 1)):
            t0 = time.perf_counter()
            cat = read_markdown(path)
            best = min(best, time.perf_counter() - t0)
        rep.import_ms = best * 1000
    except Exception as e:  # the instrument reports a broken importer instead of dying with it
        rep.error = f"import raised {type(e).__name__}: {e}"[:300]
        return rep
    entries = list(cat.entries)
    rep.entries = len(entries)
    rep.kinds = Counter(e.kind for e in entries)
    direct, covered = line_map(entries, src)
    for e in entries:
        spans = mention_spans(e, src)
        lines = sorted(spans)
        if not lines:
            rep.unmapped += 1
        source = [src.line(n) for no in lines for n in spans[no]]
        if not (e.title or "").strip():
            rep.untitled.append((e.kind, lines))
        texts = [t for _, t in _mentions(e) if t] or [src.line(no) for no in lines]
        if lines:
            tail = cut_at_colon(e.title, source)
            if tail:
                rep.cut.append((e.title, lines[0], tail))
            if navigation_only(e, texts):
                rep.navigation.append((e.title, lines[0]))
        short = getattr(e, "short_name", None)
        if short:
            problems = [p for p in markup_problems(short) if p not in SHORT_NAME_OK]
            if problems:
                rep.dirty_short.append((short, lines[0] if lines else 0, problems))
        problems = markup_problems(e.title, source if lines else None)
        if problems:
            rep.dirty.append((e.title, lines, problems))
        if e.year is None and lines:
            where = _year_source(src, spans)
            if where:
                rep.no_year.append((e.title, lines[0], where))
    key_path = key_path or find_key(path)
    if key_path:
        rep.has_key = True
        rep.pairs = judge_pairs(json.loads(key_path.read_text(encoding="utf-8")), direct, covered, entries)
    if export:
        rep.export_identical, rep.export_diff, secs = export_roundtrip(path, None if cli_import else cat)
        rep.export_ms = secs * 1000
    return rep


def _year_source(src: Source, spans: dict[int, list[int]] | list[int]) -> str:
    """Where the source states the year of an entry with these mentions ('' if nowhere): a line
    of a mention first, then the headings above it."""
    if not isinstance(spans, dict):
        spans = {no: src.record(no) for no in spans}
    for no, span in sorted(spans.items()):
        for n in span:
            if n in src.fenced and n != no:
                continue
            y = year_hint(src.line(n))
            if y:
                return f"{y} on line {n}"
        for h in src.heading_chain(no):
            if h == no:
                continue
            y = year_hint(src.line(h))
            if y:
                return f"{y} in heading line {h} `{_short(src.line(h).strip(), 50)}`"
    return ""


# -- the report -----------------------------------------------------------------------------------


def _kinds(c: Counter) -> str:
    return ", ".join(f"{k} {n}" for k, n in sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))) or "-"


def _pairs_cell(rep: ListReport, kind: str, good: str) -> str:
    if not rep.has_key:
        return "-"
    n = rep.total(kind)
    vacuous = rep.count(kind, "kept apart (not both entries)") if kind == "different" else 0
    return f"{rep.count(kind, good) + vacuous}/{n}" + (" †" if vacuous else "")


def _no_year_cell(rep: ListReport) -> str:
    if rep.entries and rep.unmapped == rep.entries:
        return "n/a"
    return str(len(rep.no_year))


def _export_cell(rep: ListReport) -> str:
    return {True: "yes", False: "no", None: "error"}[rep.export_identical]


def render(reports: list[ListReport], lists_label: str, golden_md: list[str] | None = None) -> str:
    out = [
        "# Import fidelity on real awesome-lists",
        "",
        "Generated by `python benchmarks/fidelity.py` (do not edit by hand; rerun it to refresh:",
        "`python benchmarks/fidelity.py --out docs/fidelity.md`). Lists: every Markdown list in",
        f"`{lists_label}` (other people's lists, not committed) and the shipped `tests/data/reading-list.md`.",
        "How each number is measured is in the script's docstring and at the end of this page.",
        "",
        "## Summary",
        "",
        "| list | lines | entries | unmapped | dirty titles | no year (source has one) "
        "| same pairs resolved | different kept apart | export byte-identical | import ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | :---: | ---: |",
        "| **goal** | | | 0 | 0 | 0 | all | all | yes | |",
    ]
    for r in reports:
        if r.error:
            out.append(f"| {r.name} | {r.lines} | error: {_short(r.error, 60)} | | | | | | | |")
            continue
        out.append(
            f"| {r.name} | {r.lines} | {r.entries} | {r.unmapped} | {len(r.dirty)} | {_no_year_cell(r)} "
            f"| {_pairs_cell(r, 'same', 'resolved')} | {_pairs_cell(r, 'different', 'kept apart')} "
            f"| {_export_cell(r)} | {r.import_ms:.0f} |"
        )
    tot = [r for r in reports if not r.error]
    out += [
        f"| **all** | {sum(r.lines for r in tot)} | {sum(r.entries for r in tot)} | {sum(r.unmapped for r in tot)} "
        f"| {sum(len(r.dirty) for r in tot)} | {sum(len(r.no_year) for r in tot)} "
        f"| {sum(r.count('same', 'resolved') for r in tot)}/{sum(r.total('same') for r in tot)} "
        f"| {sum(r.count('different', 'kept apart') + r.count('different', 'kept apart (not both entries)') for r in tot)}"
        f"/{sum(r.total('different') for r in tot)} "
        f"| {sum(1 for r in tot if r.export_identical)}/{len(tot)} | {sum(r.import_ms for r in tot):.0f} |",
        "",
        "*unmapped*: entries the importer gives no source line for (no `mentions`); their year and pairs",
        "cannot be checked (*n/a*: no entry is mapped). A same-work pair whose line the importer does not make",
        "an entry at all counts as not resolved (\"not an entry\" below). †: some different-work pairs count as",
        "kept apart only because one of their lines is no entry at all.",
        "",
        "## Entries by kind",
        "",
        "| list | entries | by kind |",
        "| --- | ---: | --- |",
    ]
    for r in tot:
        out.append(f"| {r.name} | {r.entries} | {_kinds(r.kinds)} |")
    out += [""] + (golden_md or [])
    out += [
        "",
        "## Suspects",
        "",
        "Not goals of their own (a list may really name a work by a link alone), but what to look at next:",
        "entries without a title; titles the source continues after a colon with more of the title",
        "(`Tell Me Where to Look: Guided Attention Inference Network` imported as `Tell Me Where to Look`);",
        "single lines whose only links go to `#anchors` of the page (navigation) made entries; short names",
        "with markup left in them (`TSRNet*`, `**WSGCN`).",
        "",
        "| list | no title | cut at a colon | navigation as entries | short names with markup |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for r in tot:
        out.append(f"| {r.name} | {len(r.untitled)} | {len(r.cut)} | {len(r.navigation)} | {len(r.dirty_short)} |")
    out += ["", "## Per list", ""]
    for r in reports:
        out += [f"### {r.name}", ""]
        if r.error:
            out += [f"Import failed: `{_short(r.error, 200)}`", ""]
            continue
        out.append(f"{r.entries} entries ({_kinds(r.kinds)}), {r.unmapped} unmapped; import {r.import_ms:.1f} ms "
                   f"(best of {IMPORT_RUNS}), import+export through the CLI {r.export_ms:.0f} ms.")
        out.append("")
        exp = _export_cell(r)
        out.append(f"- Export byte-identical: **{exp}**" + (f" — first difference at {r.export_diff}" if r.export_diff else ""))
        why = Counter(p for _, _, ps in r.dirty for p in ps)
        out.append(f"- Titles with leftover markup: **{len(r.dirty)}**"
                   + (f" ({', '.join(f'{k}: {n}' for k, n in why.most_common())})" if why else ""))
        out.append(f"- Entries with no year where the source gives one: **{_no_year_cell(r)}**")
        out.append(f"- Suspects: {len(r.untitled)} entries without a title, {len(r.cut)} titles cut at a colon, "
                   f"{len(r.navigation)} navigation links made entries, {len(r.dirty_short)} short names with markup")
        if r.has_key:
            same = Counter(p.status for p in r.pairs if p.kind == "same")
            diff = Counter(p.status for p in r.pairs if p.kind == "different")
            out.append(f"- Same-work pairs: {r.total('same')} — " + ", ".join(f"{k} {n}" for k, n in sorted(same.items())))
            out.append(f"- Different-work pairs: {r.total('different')} — "
                       + ", ".join(f"{k} {n}" for k, n in sorted(diff.items())))
        else:
            out.append("- Same/different pairs: no hand-checked key for this list")
        out.append("")
        if r.dirty:
            out += [f"<details><summary>Titles with leftover markup (first {min(SHOW, len(r.dirty))} of {len(r.dirty)})</summary>", "",
                    "| line | title | why |", "| ---: | --- | --- |"]
            for title, lines, ps in r.dirty[:SHOW]:
                out.append(f"| {lines[0] if lines else '?'} | `{_short(title)}` | {', '.join(ps)} |")
            out += ["", "</details>", ""]
        if r.no_year:
            out += [f"<details><summary>No year although the source gives one (first {min(SHOW, len(r.no_year))} of {len(r.no_year)})</summary>", "",
                    "| line | title | year in the source |", "| ---: | --- | --- |"]
            for title, line, where in r.no_year[:SHOW]:
                out.append(f"| {line} | `{_short(title)}` | {where} |")
            out += ["", "</details>", ""]
        if r.untitled or r.cut or r.navigation or r.dirty_short:
            n = len(r.untitled) + len(r.cut) + len(r.navigation) + len(r.dirty_short)
            out += [f"<details><summary>Suspects ({n}; first {SHOW} of each)</summary>", "",
                    "| line | entry | suspect |", "| ---: | --- | --- |"]
            for kind, lines in r.untitled[:SHOW]:
                out.append(f"| {lines[0] if lines else '?'} | ({kind} without a title) | no title |")
            for title, line, tail in r.cut[:SHOW]:
                out.append(f"| {line} | `{_short(title)}` | the source goes on: `{_short(tail, 60)}` |")
            for title, line in r.navigation[:SHOW]:
                out.append(f"| {line} | `{_short(title)}` | links only to #anchors of the page |")
            for short, line, ps in r.dirty_short[:SHOW]:
                out.append(f"| {line or '?'} | short name `{_short(short)}` | {', '.join(ps)} |")
            out += ["", "</details>", ""]
        bad = [p for p in r.pairs if p.status not in ("resolved", "kept apart", "kept apart (not both entries)")]
        if bad:
            out += [f"<details><summary>Pairs not handled ({len(bad)})</summary>", "",
                    "| pair | lines | status | source lines | entries made of them |", "| --- | --- | --- | --- | --- |"]
            for p in bad:
                made = " / ".join(f"`{_short(t, 50)}`" if t else "(none)" for t in p.titles)
                out.append(f"| {p.kind} | {p.a} / {p.b} | {p.status} "
                           f"| `{_short(p.texts[0], 50)}` / `{_short(p.texts[1], 50)}` | {made} |")
            out += ["", "</details>", ""]
    out += [
        "## How it is measured",
        "",
        "- *Dirty title*: the entry's `title` contains an asterisk (`**`, `*emphasis*`, a footnote mark),",
        "  `__`/`_emphasis_`, a backtick, `[..](`, an HTML tag or entity, a Markdown escape, wrapping quotes,",
        "  an emoji (`:name:` or a character), a URL, a leading or trailing `[TAG]`, a leading `ABBR:` the",
        "  list wrote apart from the title (`**WSGCN:** \"Title\"`; a paper whose real title is `WebSeg: ...`",
        "  is clean), a trailing venue/year (`CVPR 2019`, `*ICME2021*`, `(ECCV'18)`), or is only a venue.",
        "- *No year*: the entry's `year` is empty while one of its mention lines (with continuation lines",
        "  such as an authors sub-bullet) or a heading above it states one: `2019`, `CVPR'19`, `ICCV 21`,",
        "  `ICCV2021`, `arxiv 25.10`. Years inside URLs, arXiv ids and dataset names (`VOC2012`) do not count.",
        "- *Pairs*: `<list>.same.json` names lines of the same work (`same`) and look-alike different works",
        "  (`different`). A line belongs to the entries mentioned on it, else to the entry whose record",
        "  (continuation lines, or a heading's section) covers it. Same: *resolved* when one entry holds both",
        "  lines, *split* when they are two entries, *not an entry* when a line belongs to none. Different:",
        "  *kept apart* unless one entry holds both lines.",
        "- *Export*: `wsskg import LIST -c tmp/catalog.yaml && wsskg export -c tmp/catalog.yaml -o tmp/out.md`,",
        "  then the bytes of `out.md` against the list's.",
        "",
    ]
    return "\n".join(out)


def list_files(lists_dir: Path | None, shipped: bool = True) -> list[Path]:
    files = []
    if lists_dir is not None:
        files = [p for p in sorted(lists_dir.glob("*.md")) if p.name.lower() not in NOT_LISTS]
    if shipped and SHIPPED_LIST.is_file():
        files.append(SHIPPED_LIST)
    return files


def golden_section(lists_dir: Path) -> list[str]:
    """The hand-checked answers (``<list>.golden.json``), scored by ``benchmarks/golden.py``: the lists
    tuned on and the lists held aside, apart (their gap is what generalisation costs)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("golden", Path(__file__).with_name("golden.py"))
    golden = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("golden", golden)  # its dataclasses look their module up
    spec.loader.exec_module(golden)
    paths = golden.golden_lists(lists_dir)
    if not paths:
        return []
    aside = golden.held_aside([p.name for p in paths])
    scores = [golden.score(p) for p in paths]
    out = ["## Hand-checked answers", "",
           "Each `<list>.golden.json` names about 15 papers of its list with their clean title, short name, venue "
           "and year, and lines that are not papers; `python benchmarks/golden.py -v` shows every miss. The lists "
           f"held aside ({len(aside)} of {len(paths)}, the first by SHA-1 of the name, fixed before tuning) were not "
           "looked at while the importer was tuned; the gap between the two tables is what a new list costs.", ""]
    for heading, part in (("tuned on", [s for s in scores if s.name not in aside]),
                          ("held aside", [s for s in scores if s.name in aside])):
        if part:
            out += golden.table(part, heading) + [""]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Measure how well wsskg imports real awesome-lists; write docs/fidelity.md.")
    ap.add_argument("--lists", type=Path, default=None,
                    help="folder of Markdown lists with optional <list>.same.json keys (default: ../shared/peer-lists)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="report to write (default: docs/fidelity.md)")
    ap.add_argument("--no-shipped", action="store_true", help="leave out the shipped tests/data/reading-list.md")
    args = ap.parse_args(argv)
    lists_dir = args.lists or DEFAULT_LISTS
    if not lists_dir.is_dir():
        shown = args.lists if args.lists else "../shared/peer-lists (beside the repo)"
        print(f"fidelity: {shown}: no such folder; the peer lists are not committed: put ../shared beside "
              f"the checkout or pass --lists DIR", file=sys.stderr)
        return 2
    files = list_files(lists_dir, shipped=not args.no_shipped)
    if not files:
        print(f"fidelity: no Markdown lists in {args.lists or '../shared/peer-lists'}", file=sys.stderr)
        return 2
    reports = []
    for i, f in enumerate(files, 1):
        print(f"[{i}/{len(files)}] {f.name}", file=sys.stderr, flush=True)
        reports.append(measure(f))
    label = "../shared/peer-lists" if args.lists is None else args.lists.name + "/"
    text = render(reports, label, golden_section(lists_dir))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    for r in reports:
        print(f"{r.name[:48]:48} entries {r.entries:4} dirty {len(r.dirty):4} no-year {len(r.no_year):4} "
              f"same {_pairs_cell(r, 'same', 'resolved'):>6} diff {_pairs_cell(r, 'different', 'kept apart'):>6} "
              f"export {_export_cell(r):5} {r.import_ms:6.1f} ms" + (f"  {r.error}" if r.error else ""))
    print(f"wrote {args.out}", file=sys.stderr)
    failed = [r.name for r in reports if r.error]
    if failed:  # the report is written (it shows the errors), but a broken import is no success
        print(f"fidelity: the import failed for {len(failed)} list(s): {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    try:
        import wsskg  # noqa: F401  (the installed package, or whatever PYTHONPATH names)
    except ImportError:  # a plain checkout without `pip install -e .`
        sys.path.insert(0, str(REPO))
    sys.exit(main())
