"""Recogniser for list items and paragraph lines: ``- [ ] Title: CVPR2018``, ``1. [Title](url)``,
``[repo](github-url) description`` code lines, a paper link inside a prose line, and plain
title-like paragraph lines. Sub-bullets and continuation lines become the entry's notes."""

from __future__ import annotations

import re

from wsskg.catalog import Link, link_kind
from wsskg.formats.markdown.fields import GENERIC_LABELS, looks_like_entry, title_case, extract, split_title, tokenize
from wsskg.formats.markdown.lexer import CHECKBOX, ITEM, Block, Lexed, indent_of
from wsskg.formats.markdown.mention import Candidate
from wsskg.text import strip_markup

#: A line of nothing but links to ``#anchors``: a table of contents.
_TOC_LINE = re.compile(r"^\s*(?:[-*+]|\d+\.)?\s*\[[^\]]*\]\(#[^)]*\)\s*$")
_CODE_HOSTS = ("github.com", "gitlab.com", "bitbucket.org")


def is_navigation(block: Block, lx: Lexed) -> bool:
    """A table of contents: every non-blank line is a link to an ``#anchor``."""
    lines = [lx.lines[i] for i in range(block.start, block.end) if lx.lines[i].strip()]
    return bool(lines) and all(_TOC_LINE.match(ln) for ln in lines)


def is_badges(text: str) -> bool:
    """Only images and links to images (badges), or only links to other lists' anchors."""
    s = re.sub(r"\[!\[[^\]]*\]\([^)]*\)\]\([^)]*\)|!\[[^\]]*\]\([^)]*\)|<img[^>]*>", "", text)
    return not s.strip(" -*+|") and s != text


def _head_and_rest(block: Block, lx: Lexed) -> tuple[str, list[int]]:
    """The item's text with its continuation lines joined, and the remaining body lines."""
    head = block.head
    rest = list(block.body)
    while rest and lx.lines[rest[0]].strip() and not ITEM.match(lx.lines[rest[0]]) \
            and not is_link_line(lx.lines[rest[0]]):
        head += " " + lx.lines[rest[0]].strip()
        rest.pop(0)
    return head, rest


def is_link_line(line: str) -> bool:
    if re.match(r"^\s*\\?\[\[[^\]]*\]\]\(", line):
        return True  # ``[[pdf]](...)``, even when the list broke the URL
    toks = tokenize(line.strip())
    return bool(toks) and any(t.url for t in toks) and all(
        t.url is not None or not t.text.strip(" \t|/,\\") for t in toks)


def notes_of(lx: Lexed, rest: list[int]) -> list[str]:
    """Sub-bullets and continuation lines, nested sub-bullets indented two spaces a level."""
    notes: list[str] = []
    base = None
    for i in rest:
        ln = lx.lines[i]
        if not ln.strip():
            continue
        m = ITEM.match(ln)
        ind = indent_of(ln)
        if m:
            if base is None or ind < base:
                base = ind
            depth = (ind - base) // 2
            content = m.group(4).strip()
            notes.append(("  " * depth + "- " + content) if depth else content)
        else:
            notes.append(ln.strip())
    return notes


def _code_line(f, toks) -> bool:
    """``[repo](https://github.com/o/repo) description``: the first link is a code host."""
    first = next((t for t in toks if t.url is not None or t.text.strip()), None)
    if first is None or first.url is None:
        return False
    host = re.sub(r"^[a-z]+://", "", first.url.lower()).split("/", 1)[0].removeprefix("www.")
    return host in _CODE_HOSTS and strip_markup(first.label).lower() not in GENERIC_LABELS


def _apply_code_form(c: Candidate) -> None:
    """A code line whose description names the paper: the description is the title, the
    link text its short name (``[psa](repo) Learning Pixel-level ...``)."""
    f = c.fields
    desc = f.comment
    title_part = split_title(desc)[0]
    title_part = re.split(r"(?:,\s|\.\s|\s-\s|\s\(|!)", title_part, maxsplit=1)[0].strip(" .")
    if len(title_part.split()) >= 2 and title_case(title_part) and title_part[:1].isupper():
        f.short_name = f.short_name or f.title
        f.title = title_part
        f.comment = desc[desc.find(title_part) + len(title_part):].lstrip(" ,:.-") if title_part in desc else desc


def recognise_item(block: Block, lx: Lexed, topic: str) -> Candidate | None:
    """A list item naming a work, or None (then the item is prose or a container)."""
    head, rest = _head_and_rest(block, lx)
    status, form = "unread", "bullet"
    c = CHECKBOX.match(head)
    if c:
        mark = c.group(1)
        status = "read" if mark in "xX" else ("reading" if mark in "~/-" else "unread")
        form = "checkbox"
        head = c.group(2)
    elif block.marker[:1].isdigit():
        form = "numbered"
    if not head.strip() or is_badges(head):
        return None
    f = extract(head)
    toks = tokenize(head)
    if not f.title and not f.short_name and not f.links:
        return None
    cand = Candidate(start=block.start, end=block.end, topic=topic, form=form, fields=f, status=status)
    if form in ("bullet", "numbered") and _code_line(f, toks) and not f.venue and not f.year:
        _apply_code_form(cand)
    link_lines = [i for i in rest if is_link_line(lx.lines[i]) and not ITEM.match(lx.lines[i])]
    for i in link_lines:
        for t in tokenize(lx.lines[i].strip()):
            if t.url is not None:
                f.links.append(link_of(t))
    cand.notes = notes_of(lx, [i for i in rest if i not in link_lines])
    if not f.title and f.short_name:
        f.title = f.short_name
    if not f.title and not f.links:
        return None
    if form == "bullet" and not cand.paperish and not _worth_an_entry(f, cand.notes):
        return None
    return cand


def _worth_an_entry(f, notes) -> bool:
    """An unchecked, unnumbered item with no venue, year or paper link: an entry when it names
    something (a title, a linked name), not when it is a sentence of prose."""
    if f.links:
        return True
    words = f.title.split()
    return bool(words) and (len(words) <= 12 or title_case(f.title))


def link_of(t):
    """A link token as the catalog's :class:`~wsskg.catalog.Link`."""
    return Link(url=t.url, label=t.label, kind=link_kind(t.url))


def recognise_line(block: Block, lx: Lexed, topic: str) -> Candidate | None:
    """A paragraph line naming a work: a title-like line, a code line, or prose with a paper link."""
    raw = lx.lines[block.start]
    s = raw.strip()
    if block.indent > 0 or s.startswith(("<", ">", "!", "```", "|")) or is_badges(s):
        return None
    has_sub = bool(block.body and ITEM.match(lx.lines[block.body[0]]))
    toks = tokenize(s)
    if looks_like_entry(s, has_sub):
        f = extract(s)
        form = "code" if _code_line(f, toks) else "line"
        cand = Candidate(start=block.start, end=block.end, topic=topic, form=form, fields=f)
        if form == "code":
            _apply_code_form(cand)
        if not f.title and f.short_name:
            f.title = f.short_name
        cand.notes = notes_of(lx, block.body)
        return cand
    # prose with a paper link: "a good summary paper:[Title](https://arxiv.org/...)"
    for t in toks:
        if t.url is not None and link_kind(t.url) in ("paper", "pdf") and len(strip_markup(t.label).split()) >= 4:
            f = extract(f"[{t.label}]({t.url})")
            cand = Candidate(start=block.start, end=block.end, topic=topic, form="prose", fields=f)
            return cand
    return None
