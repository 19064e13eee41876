"""Recogniser for papers written as headings::

    #### [Title](https://arxiv.org/abs/...) CVPR'19
    #### Title
    [[paper]](url) [[code]](url)
    - **Motivation**: ...

A heading is a paper, not a topic, when it links a paper, when the first thing under it is a
line of links, or when it ends in a venue and reads like a title. The lines under it up to the
next heading are its links and notes. Headings that are only a venue or a year (``### CVPR 2025``,
``#### 2019``) are topics whose venue/year the papers under them inherit.
"""

from __future__ import annotations

import re

from wsskg.formats.markdown.bullets import is_link_line, link_of, notes_of
from wsskg.formats.markdown.fields import GENERIC_LABELS, title_case, extract, tokenize
from wsskg.formats.markdown.lexer import Block, Lexed
from wsskg.formats.markdown.mention import Candidate
from wsskg.text import strip_markup
from wsskg.venues import heading_venue


#: ``- **🔗 链接**：…`` / ``- **Authors:** …``: a detail bullet, a label and its value.
_LABELLED = re.compile(r"^\s*[-*+]\s+(?:\*\*|__)[^*_]{1,30}?(?:[:：]\s*(?:\*\*|__)|(?:\*\*|__)\s*[:：])")
#: A heading is a paper when most of the first list under it are such details.
LABELLED_SHARE = 0.5


_OTHER_WORK = re.compile(r"\b(?:preliminary|previous|earlier|extended|extension of|conference|journal|short|"
                         r"workshop)\s+(?:work|version|paper)\b", re.I)


def names_other_work(line: str) -> bool:
    """Does a detail line speak of another work (an earlier or extended version)?"""
    return bool(_OTHER_WORK.search(line))


def _labelled_details(lx: Lexed, b: Block) -> bool:
    """Is the item block under a heading a paper's details (authors, links, notes) rather than
    a list of works?"""
    lines = [lx.lines[i] for i in range(b.start, b.end) if lx.lines[i].strip()]
    return bool(lines) and sum(1 for ln in lines if _LABELLED.match(ln)) >= LABELLED_SHARE * len(lines)


def recognise(block: Block, lx: Lexed, under: list[Block], topic: str) -> Candidate | None:
    """``block`` is a heading, ``under`` the blocks up to the next heading."""
    name = lx.lines[block.start].strip().lstrip("#").strip()
    if block.anchor is not None or not name:
        return None
    if heading_venue(block.name) != (None, None):
        return None
    f = extract(block.name)
    if not f.title or len(f.title.split()) < 2:
        return None
    paper_link = any(ln.kind in ("paper", "pdf") and strip_markup(ln.label).lower() not in GENERIC_LABELS
                     for ln in f.links) and f.title_linked
    first = next((b for b in under if b.kind != "blank"), None)
    links_under = first is not None and first.kind == "line" and is_link_line(lx.lines[first.start]) \
        and any(t.url and strip_markup(t.label).lower().strip("[]") in GENERIC_LABELS
                for t in tokenize(lx.lines[first.start]))
    venue_titled = bool(f.venue and f.year) and len(f.title.split()) >= 3 and title_case(f.title)
    labelled_under = first is not None and first.kind == "item" and _labelled_details(lx, first)
    if not (paper_link or links_under or venue_titled or labelled_under):
        return None
    if any(b.kind == "heading" for b in under):
        return None
    body = [b for b in under if b.kind != "blank"]
    while body and body[-1].kind == "item" and names_other_work(lx.lines[body[-1].start]):
        body.pop()  # ``- Preliminary work X was published in CVPR 2024``: a note about another work
    last = max((b.end for b in body), default=block.end)
    cand = Candidate(start=block.start, end=last, topic=topic, form="heading", fields=f)
    rest = [i for b in under if b.kind != "blank" and b.end <= last for i in range(b.start, b.end)]
    link_lines = [i for i in rest if is_link_line(lx.lines[i])]
    for i in link_lines:
        for t in tokenize(lx.lines[i].strip()):
            if t.url is not None:
                f.links.append(link_of(t))
    cand.notes = notes_of(lx, [i for i in rest if i not in link_lines])
    return cand
