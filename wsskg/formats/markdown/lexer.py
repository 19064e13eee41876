"""Markdown text -> blocks with line numbers: the first stage of the reader.

Forgiving and line-based (real awesome-lists are messy): it needs the list's own lines back,
verbatim, not an HTML tree. Every line of the file belongs to exactly one block, so the blocks'
raw text joined is the file again, byte for byte.

Block kinds: ``heading`` (ATX or ``<hN>``), ``table`` (header, alignment row, rows), ``item`` (a
list item with its indented body, sub-items and lazy continuation lines), ``line`` (a paragraph
line with any indented lines under it), ``fence`` (a fenced code block), ``blank``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ATX = re.compile(r"^(#{1,6})(?:[ \t]+(.*?))?[ \t]*#*[ \t]*$")
HTML_HEADING = re.compile(r"^\s*<h([1-6])(?:\s+[^>]*?\bid=[\"']([^\"']*)[\"'])?[^>]*>(.*?)</h\1>\s*$", re.I)
ITEM = re.compile(r"^([ \t]*)([-*+]|\d{1,4}[.)])([ \t]+|$)(.*)$")
CHECKBOX = re.compile(r"^\[([ xX~/-])\][ \t]*(.*)$")
TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{1,}:?\s*(\|\s*:?-{1,}:?\s*)*\|?\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")
_LINE_RE = re.compile(r"[^\n]*\n|[^\n]+$")


def indent_of(line: str) -> int:
    return len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip())


@dataclass
class Block:
    """Lines ``start``..``end`` (0-based, end exclusive) of the file, of one kind."""

    kind: str
    start: int
    end: int
    level: int = 0  # heading level
    name: str = ""  # heading text
    anchor: str | None = None  # heading id
    indent: int = 0  # item marker indent
    marker: str = ""  # item marker (``-``, ``1.``)
    head: str = ""  # item/line content of the first line (marker removed)
    body: list[int] = field(default_factory=list)  # item/line: indices of the lines after the first


class Lexed:
    """The file split into raw lines (ending kept) and blocks."""

    def __init__(self, text: str):
        self.raw: list[str] = _LINE_RE.findall(text)
        self.lines: list[str] = [r.rstrip("\n").rstrip("\r") for r in self.raw]
        self.blocks: list[Block] = _lex(self.lines)

    def text(self, start: int, end: int) -> str:
        return "".join(self.raw[start:end])


#: ``---``, ``***``, ``___`` (a thematic break): never a lazy continuation of an item.
THEMATIC_BREAK = re.compile(r"^[ \t]*([-*_])(?:[ \t]*\1){2,}[ \t]*$")


#: ``99.[arXiv 2021] **Title**``, ``5 [Arxiv 2022]**Title**``: a numbered item that lost its space,
#: never a lazy continuation of the item above it.
NUMBERED_TYPO = re.compile(r"^\s*\d{1,4}[.)]?[ \t]*(?:\[|\*\*)")


def _is_structural(line: str, nxt: str | None) -> bool:
    s = line.strip()
    return bool(
        not s or THEMATIC_BREAK.match(line) or ATX.match(line) or HTML_HEADING.match(line) or FENCE.match(line) or ITEM.match(line)
        or NUMBERED_TYPO.match(line)
        or (s.startswith("|") and nxt is not None and TABLE_SEP.match(nxt))
    )


def _lex(lines: list[str]) -> list[Block]:
    blocks: list[Block] = []
    n = len(lines)
    i = 0
    while i < n:
        ln = lines[i]
        nxt = lines[i + 1] if i + 1 < n else None
        if not ln.strip():
            j = i
            while j < n and not lines[j].strip():
                j += 1
            blocks.append(Block("blank", i, j))
            i = j
            continue
        if FENCE.match(ln):
            fence = FENCE.match(ln).group(1)
            j = i + 1
            while j < n and not lines[j].lstrip().startswith(fence):
                j += 1
            blocks.append(Block("fence", i, min(j + 1, n)))
            i = min(j + 1, n)
            continue
        h = ATX.match(ln)
        hh = HTML_HEADING.match(ln) if not h else None
        if h or hh:
            if h:
                blocks.append(Block("heading", i, i + 1, level=len(h.group(1)), name=(h.group(2) or "").strip()))
            else:
                name = re.sub(r"<[^>]+>", "", hh.group(3)).strip()
                blocks.append(Block("heading", i, i + 1, level=int(hh.group(1)), name=name, anchor=hh.group(2)))
            i += 1
            continue
        if ln.lstrip().startswith("|") and nxt is not None and TABLE_SEP.match(nxt) and "|" in nxt:
            j = i + 2
            while j < n and lines[j].lstrip().startswith("|"):
                j += 1
            blocks.append(Block("table", i, j))
            i = j
            continue
        m = ITEM.match(ln)
        if m and not THEMATIC_BREAK.match(ln):
            ind = indent_of(m.group(1))
            j = _body_end(lines, i, ind, item=True)
            blocks.append(Block("item", i, j, indent=ind, marker=m.group(2), head=m.group(4).strip(),
                                body=list(range(i + 1, j))))
            i = j
            continue
        ind = indent_of(ln)
        j = _body_end(lines, i, ind, item=False)
        blocks.append(Block("line", i, j, indent=ind, head=ln.strip(), body=list(range(i + 1, j))))
        i = j
    return blocks


def _body_end(lines: list[str], i: int, ind: int, item: bool) -> int:
    """The end of the block starting at line ``i``: following lines indented deeper than its
    marker, lazy continuation lines (an item's wrapped text), and blank lines between them."""
    n = len(lines)
    j = i + 1
    last = i + 1  # one past the last non-blank line that belongs
    blank = False
    while j < n:
        ln = lines[j]
        if not ln.strip():
            blank = True
            j += 1
            continue
        nxt = lines[j + 1] if j + 1 < n else None
        deeper = indent_of(ln) > ind
        if deeper and not (ATX.match(ln) or HTML_HEADING.match(ln)):
            if FENCE.match(ln) and blank:
                break
            last = j + 1
            blank = False
            j += 1
            continue
        if item and not blank and not _is_structural(ln, nxt) and not ln.lstrip().startswith("|"):
            last = j + 1  # lazy continuation of the item's paragraph
            j += 1
            continue
        break
    return last


def lex_range(lx: Lexed, start: int, end: int) -> list[Block]:
    """The blocks of lines ``start``..``end`` of an already lexed file (an item's body)."""
    blocks = _lex(lx.lines[start:end])
    for b in blocks:
        b.start += start
        b.end += start
        b.body = [i + start for i in b.body]
    return blocks
