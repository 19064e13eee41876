"""The reader's driver: blocks -> topics, mentions, prose and the layout of the file.

Walks the lexer's blocks in order. Headings become topics (or, when they name a paper, a
mention); every other block goes to the recogniser of its shape (``tables``, ``headings``,
``bullets`` with ``records``); what no recogniser claims is prose. The layout keeps the file's
text between mentions verbatim, so the exporter can give the file back byte for byte.
"""

from __future__ import annotations

import re

from wsskg.catalog import Catalog, Link, Prose, Topic, link_kind
from wsskg.formats.markdown import bullets, headings, records, tables
from wsskg.formats.markdown.assemble import assemble
from wsskg.formats.markdown.fields import Fields
from wsskg.formats.markdown.lexer import ITEM, Block, Lexed, lex_range
from wsskg.formats.markdown.mention import Candidate
from wsskg.formats.markdown.template import induce, is_detail_line, read_record, split_short_name
from wsskg.venues import heading_venue, title_venue


#: Mention forms whose fields come from elsewhere: a table row's columns are read by ``tables``.
TEMPLATE_SKIPS = ("row", "code")
#: The list title's venue is its papers' only when fewer than this share of them name their own.
TITLE_CONTEXT_SHARE = 0.5
#: A template reading whose title scores lower (one word, a label) leaves the recogniser's.
MIN_TITLE_SCORE = 0.3


class Reader:
    def __init__(self, text: str, decisions: list[dict] | None = None):
        self.lx = Lexed(text)
        self.cat = Catalog()
        self.decisions = decisions or []
        self.stack: list[Topic] = []
        self.topic: Topic | None = None
        self.seen_title = False
        # a flat list (its title the only heading): the works under the title are its entries,
        # filed under a topic named after the title, not read as the list's intro
        self.flat = sum(1 for b in self.lx.blocks if b.kind == "heading") == 1
        self.cands: list[Candidate] = []
        self.layout: list = []  # str runs and Candidate objects
        self.prose: list[tuple[str | None, int | None, list[str]]] = []  # (topic, last cand index, lines)
        self.preamble: list[str] = []
        self._run: list[str] = []  # the prose paragraph being collected

    # -- layout and prose ----------------------------------------------------------------------
    def text(self, b: Block) -> None:
        raw = self.lx.text(b.start, b.end)
        if self.layout and isinstance(self.layout[-1], str):
            self.layout[-1] += raw
        else:
            self.layout.append(raw)
        if b.kind == "blank":
            self.flush()
        elif b.kind != "heading":
            self._run.extend(self.lx.lines[b.start:b.end])

    def flush(self) -> None:
        lines = self._run
        while lines and not lines[-1].strip():
            lines.pop()
        if lines:
            if self.topic is None and not self.seen_title:
                self.preamble.append("\n".join(lines))
            else:
                last = None
                if self.topic is not None:
                    for k in range(len(self.cands) - 1, -1, -1):
                        if self.cands[k].topic == self.topic.path:
                            last = k
                            break
                        break
                self.prose.append((self.topic.path if self.topic else None, last, list(lines)))
        self._run = []

    def mention(self, c: Candidate) -> None:
        self.flush()
        c.order = len(self.cands)
        self.cands.append(c)
        self.layout.append(c)

    # -- structure -------------------------------------------------------------------------------
    def heading(self, b: Block) -> None:
        self.flush()
        name = b.name
        if b.level == 1 and not self.seen_title and not self.cat.topics:
            self.cat.title = name
            self.seen_title = True
            self.topic = None
            if not self.flat:
                return
        while self.stack and self.stack[-1].level >= b.level:
            self.stack.pop()
        comp = name.replace("/", "\u2215") or "untitled"
        path = f"{self.stack[-1].path}/{comp}" if self.stack else comp
        base, n = path, 2
        while self.cat.topic(path):
            path = f"{base} ({n})"
            n += 1
        t = Topic(path=path, name=name, level=b.level, anchor=b.anchor)
        self.cat.topics.append(t)
        self.stack.append(t)
        self.topic = t
        self.seen_title = True

    def context(self) -> tuple[str | None, int | None]:
        """The venue and year the enclosing headings give (``### CVPR 2025`` / ``#### 2019``)."""
        venue = year = None
        for t in reversed(self.stack):
            v, y = heading_venue(t.name)
            venue, year = venue or v, year or y
        return venue, year

    def blocks(self, blocks: list[Block]) -> None:
        i = 0
        while i < len(blocks):
            b = blocks[i]
            if b.kind == "heading":
                j = next((k for k in range(i + 1, len(blocks)) if blocks[k].kind == "heading"), len(blocks))
                if self.topic is not None:
                    c = headings.recognise(b, self.lx, blocks[i + 1:j], self.topic.path)
                    if c is not None:
                        self._with_context(c)
                        self.mention(c)
                        i += 1
                        while i < j and blocks[i].end <= c.end:
                            i += 1
                        while i < j and (blocks[i].kind == "blank" or (
                                blocks[i].kind == "item" and headings.names_other_work(self.lx.lines[blocks[i].start]))):
                            self.text(blocks[i])  # its note about another work stays the record's prose
                            i += 1
                        continue
                self.heading(b)
                self.text(b)
                i += 1
                continue
            if self.topic is None or b.kind in ("blank", "fence"):
                if b.kind == "item" and bullets.is_navigation(b, self.lx):
                    self.cat.toc = True
                self.text(b)
                i += 1
                continue
            if b.kind == "table":
                self.table(b)
            elif b.kind == "item":
                self.item(b)
            elif b.kind == "line":
                c = bullets.recognise_line(b, self.lx, self.topic.path)
                end = _paragraph_end(blocks, i, self.lx)
                if c is not None and end > i + 1:
                    c = self.template_record(b.start, blocks[end - 1].end) or c  # a title line over its details
                if c is not None:
                    if c.end > b.end:
                        i = end - 1
                    else:
                        records.apply(c)
                    self._with_context(c)
                    self.mention(c)
                else:
                    end = max(end, _record_end(blocks, i, self.lx))
                    c = self.template_record(b.start, blocks[end - 1].end)
                    if c is None:
                        self.text(b)
                    else:
                        self._with_context(c)
                        self.mention(c)
                        i = end - 1
            else:
                self.text(b)
            i += 1

    def _with_context(self, c: Candidate) -> None:
        c.context_venue, c.context_year = self.context()

    def item(self, b: Block) -> None:
        if bullets.is_navigation(b, self.lx):
            self.text(b)
            return
        c = bullets.recognise_item(b, self.lx, self.topic.path)
        cut = _nested_work(b, self.lx) if c is not None and c.paperish else None
        if cut is not None:
            # a sub-item that is a work of its own (its own title and paper link or venue): the
            # item's mention ends above it, the sub-items are read like any others
            head = Block("item", b.start, cut, indent=b.indent, marker=b.marker, head=b.head,
                         body=list(range(b.start + 1, cut)))
            self.item(head)
            self.blocks(lex_range(self.lx, cut, b.end))
            return
        if c is not None:
            records.apply(c)  # an authors line under it makes it a record, not a container
        if c is not None and c.paperish is False and b.body and _container(b, self.lx):
            c = None
        if c is not None:
            self._with_context(c)
            self.mention(c)
            return
        if c is None and b.body:
            c = self.template_record(b.start, b.end, sub_title=True)
            if c is not None:
                self._with_context(c)
                self.mention(c)
                return
        if b.body and any(ITEM.match(self.lx.lines[k]) for k in b.body):
            # a container item (``- **Segmentation**`` with papers under it): its first line is
            # prose, its sub-items are read like any others
            self.text(Block("line", b.start, b.start + 1))
            self.blocks(lex_range(self.lx, b.start + 1, b.end))
            return
        self.text(b)

    def table(self, b: Block) -> None:
        columns, cands = tables.recognise(b, self.lx, self.topic.path, self.context())
        if columns and not self.topic.columns:
            self.topic.columns = columns
        rows = {c.start: c for c in cands}
        k = b.start
        while k < b.end:
            if k in rows:
                self.mention(rows[k])
            else:
                self.text(Block("line", k, k + 1))
            k += 1

    def template_record(self, start: int, end: int, sub_title: bool = False) -> Candidate | None:
        """Lines ``start``..``end`` that no recogniser claimed, as one record when the list's
        template reading finds a title and paper evidence in them (``<summary>Title (2023)
        [<a>Paper</a>]``, ``**Title**`` over ``- Paper: url`` lines); ``sub_title``: only when the
        title stands below the first line (a header line over a bold title)."""
        r = read_record(self.lx.lines[start:end])
        if r is None or (sub_title and not r.slot.startswith(("1:", "2:"))):
            return None
        if not any(link_kind(u) in ("paper", "pdf") for u in r.urls) and not (r.venue or r.year):
            return None
        links = [Link(url=u, label=lab or u, kind=link_kind(u)) for u, lab in zip(r.urls, r.labels)]
        f = Fields(title=r.title, short_name=r.short_name, venue=r.venue, year=r.year, links=links,
                   authors=list(r.authors))
        return Candidate(start=start, end=end, topic=self.topic.path, form="record", fields=f, confidence=r.confidence)

    def title_context(self) -> None:
        """``# ECCV 2024 Papers with Code``: the list's title names the venue of its papers when
        most of them name none themselves (a survey's own ``(IJCAI 2023)`` in a list whose papers
        give their venues is not theirs)."""
        venue, year = title_venue(self.cat.title)
        works = [c for c in self.cands if c.form != "row"]
        if venue is None or not works or sum(1 for c in works if c.fields.venue) >= TITLE_CONTEXT_SHARE * len(works):
            return
        for c in self.cands:
            if c.venue is None and c.year is None:
                c.context_venue, c.context_year = venue, year

    def read_templates(self) -> None:
        """Each mention's fields as its list's own template reads them (``template``); the
        recogniser's reading stays where the template finds no title."""
        for c in self.cands:
            if c.form == "row" and not c.fields.short_name and c.fields.title:
                title, name = split_short_name(c.fields.title)  # ``RSVG: Exploring data ...`` in a title cell
                if name:
                    c.fields.full_title, c.fields.title, c.fields.short_name = c.fields.title, title, name
        cands = [c for c in self.cands if c.form not in TEMPLATE_SKIPS]
        readings = induce([self.lx.lines[c.start:c.end] for c in cands])
        for c, r in zip(cands, readings):
            f = c.fields
            c.confidence = r.confidence
            if not r.title or r.score < MIN_TITLE_SCORE:
                continue
            f.full_title = r.full_title if r.full_title != r.title else ""
            f.title = r.title
            f.short_name = r.short_name or (f.short_name if f.short_name not in (r.title, r.venue) else None)
            f.venue = r.venue or f.venue
            f.year = r.year or f.year
            if r.authors and not f.authors:
                f.authors = r.authors
            f.kind = r.kind or f.kind
            have = {ln.url for ln in f.links}
            for u, lab in zip(r.urls, r.labels):
                if u not in have:  # a link on the record's other lines (``- [Paper](url)`` under it)
                    f.links.append(Link(url=u, label=lab or u, kind=link_kind(u)))
                    have.add(u)

    # -- the result --------------------------------------------------------------------------
    def run(self) -> Catalog:
        self.blocks(self.lx.blocks)
        self.flush()
        cat = self.cat
        texts = {i: self.lx.text(c.start, c.end) for i, c in enumerate(self.cands)}
        self.read_templates()
        self.title_context()
        entries = assemble(self.cands, texts, self.decisions)
        cat.entries = entries
        entry_of = {}
        for e in entries:
            for m in e.mentions:
                entry_of[m.line] = e
        if self.preamble:
            cat.preamble = "\n\n".join(self.preamble)
        for topic_path, last, lines in self.prose:
            text = "\n".join(lines)
            if topic_path is None:
                if _is_toc(text):
                    cat.toc = True
                    continue
                cat.intro.append(Prose(text=text))
                continue
            after = entry_of[self.cands[last].start + 1].id if last is not None else None
            cat.topic(topic_path).prose.append(Prose(text=text, after=after))
        # an empty file still has a layout (one empty run): its export is the empty file
        cat.layout = [x if isinstance(x, str) else x.start + 1 for x in self.layout] or [""]
        cat.decisions = [dict(d) for d in self.decisions]
        return cat


_BOLD_LINE = re.compile(r"^\s*(?:\*\*[^*].*\*\*|__[^_].*__|<(?:b|strong)>.*</(?:b|strong)>)\s*$", re.I)
_LABELLED_LINK = re.compile(r"^\s*[-*+]\s+[^\s:：]{1,20}\s*[:：]?\s*(?:https?://\S+|\[[^\]]*\]\([^)]*\))?\s*$")


def _paragraph_end(blocks: list[Block], i: int, lx: Lexed) -> int:
    """One past the last block of a paragraph record: a title line followed, with no blank line
    between, by lines of details (``**[CVPR'24]** **[[PDF]](url)**``, ``[[paper]](url) [[code]](url)``)."""
    end = i + 1
    if is_detail_line(lx.lines[blocks[i].start]):
        return end  # a line of links itself: rows of one table, not a title over its details
    while end < len(blocks) and blocks[end].kind == "line" and all(
            is_detail_line(lx.lines[k]) for k in range(blocks[end].start, blocks[end].end) if lx.lines[k].strip()):
        end += 1
    return end


def _record_end(blocks: list[Block], i: int, lx: Lexed) -> int:
    """One past the last block of a record that starts with the line block ``blocks[i]``: a
    bold title line takes the ``- Paper: url`` / ``- Code: url`` items under it."""
    if not _BOLD_LINE.match(lx.lines[blocks[i].start]):
        return i + 1
    end = i + 1
    j = i + 1
    while j < len(blocks):
        b = blocks[j]
        if b.kind == "item" and all(_LABELLED_LINK.match(lx.lines[k]) for k in range(b.start, b.end)
                                    if lx.lines[k].strip()):
            end = j + 1
        elif b.kind != "blank":
            break
        j += 1
    return end


#: A sub-item is a work of its own only with a title this long (a note names no work).
NESTED_TITLE_WORDS = 3


def _nested_work(b: Block, lx: Lexed) -> int | None:
    """The first line of a sub-item of ``b`` that names a work of its own, or None."""
    for s in lex_range(lx, b.start + 1, b.end):
        if s.kind != "item":
            continue
        c = bullets.recognise_item(s, lx, "")
        if c is None or not c.paperish or len(c.fields.title.split()) < NESTED_TITLE_WORDS:
            continue
        if records.apply(c):
            continue  # an authors line: part of the record
        has_paper = any(ln.kind in ("paper", "pdf") for ln in c.fields.links)
        if has_paper:
            return s.start
    return None


def _container(b: Block, lx: Lexed) -> bool:
    """Does the item hold list items that are themselves works (papers with links or venues)?"""
    subs = lex_range(lx, b.start + 1, b.end)
    for s in subs:
        if s.kind == "item":
            c = bullets.recognise_item(s, lx, "")
            if c is not None and c.paperish:
                return True
    return False


def _is_toc(text: str) -> bool:
    lines = [ln for ln in text.split("\n") if ln.strip()]
    return bool(lines) and all(re.match(r"^\s*([-*+]|\d+\.)\s+\[[^\]]+\]\(#[^)]*\)\s*$", ln) for ln in lines)
