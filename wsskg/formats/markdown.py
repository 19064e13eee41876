"""Markdown reading list -> :class:`~wsskg.catalog.Catalog`, losing nothing.

Real awesome-lists are messy, so this is a forgiving line-based reader rather than a
CommonMark parser: it needs the list's own wording back, verbatim, not an HTML tree.

* Headings (``#``..``######`` and ``<h2 id=..>``) become topics; the first ``#`` heading is the
  list's title and what stands under it before any topic is its intro.
* List items (``- [x]``, ``- [ ]``, ``-``/``*``/``+``) and title-like lines become entries; their
  sub-bullets and indented continuation lines become notes, verbatim.
* A table with ``val``/``test`` columns is a results table: each row is an entry with scores.
  Other tables, prose lines, HTML and a table of contents stay as verbatim prose.
* The same paper under two headings is one entry with two topics, read if checked anywhere.
  Entries are matched by normalised title (case, punctuation, ``**``, venue suffixes), never by
  link alone: real lists contain wrong links, which ``wsskg check`` reports instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from wsskg.catalog import (
    STATUS_RANK,
    Catalog,
    Entry,
    Link,
    Prose,
    Result,
    Topic,
    arxiv_id_from_url,
    link_kind,
    normalize_title,
    slugify,
    unique_id,
)

# -- recognisers ---------------------------------------------------------------------------------

_ATX = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")
_HTML_H = re.compile(r"^\s*<h([1-6])(?:\s+[^>]*?\bid=[\"']([^\"']*)[\"'])?[^>]*>(.*?)</h\1>\s*$", re.I)
_ITEM = re.compile(r"^([ \t]*)([-*+]|\d{1,3}[.)])[ \t]+(.*)$")
_CHECK = re.compile(r"^\[([ xX~/-])\][ \t]*(.*)$")
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")

VENUE_NAMES = (
    "CVPR|ICCV|ECCV|NIPS|NeurIPS|BMVC|ICML|ICLR|AAAI|IJCAI|WACV|KDD|TPAMI|PAMI|TIP|IJCV|TMI|ACCV|"
    "MICCAI|ISVC|SIGGRAPH|TOG|ICIP|ICASSP|ACM\\s?MM|MM|TNNLS|TCSVT|CVIU|PR|ACL|EMNLP|NAACL|"
    "[Aa]rxiv|ArXiv|ARXIV|arXiv|preprint|Preprint"
)
_VENUE_CORE = (
    rf"(?:{VENUE_NAMES})(?:[ \t]?'?\d{{2,4}})?(?:[ \t]*\((?:Spotlight|Oral|Poster|spotlight|oral|poster)\))?"
    r"(?:[ \t]+(?:[Ww]orkshops?|[Ww]ork[Ss]hop))?"
)
_VENUE = re.compile(rf"(?:\*{{1,2}}|<sub>)?(?P<venue>{_VENUE_CORE})(?:\*{{1,2}}|</sub>)?(?![\w])")
_YEAR_ONLY = re.compile(r"\(?\[?(?P<year>(?:19|20)\d\d)\]?\)?(?![\w])")
_SEPARATORS = re.compile(r"[ \t]*(?:[:,，;]|\.(?=\s)|\s-\s)[ \t]*|[ \t]+(?=\*|<sub>|\[(?:19|20)\d\d\])")
_GENERIC_LABELS = {"this", "here", "link", "web", "code", "pdf", "paper", "project", "ppt", "slides"}
_SMALL = {"a", "an", "the", "of", "for", "and", "or", "with", "to", "in", "on", "by", "from", "via",
          "is", "at", "as", "vs", "into", "towards", "using", "without"}
_CONCEPT_TOPICS = re.compile(r"tutorial|dataset|resource|benchmark|tool|other lists|blog|result|metric|loss",
                             re.I)


def _indent(ws: str) -> int:
    return len(ws.expandtabs(4))


def year_of(venue: str) -> int | None:
    """The year in a venue as lists write it: ``CVPR2018``, ``CVPR 2018``, ``PAMI19``, ``Arxiv1804``."""
    m = re.search(r"(\d{2,4})", venue or "")
    if not m:
        return None
    d = m.group(1)
    if len(d) == 4 and d[:2] in ("19", "20"):
        return int(d)
    if len(d) == 4:  # arXiv yymm
        return 2000 + int(d[:2]) if int(d[2:]) <= 12 else None
    if len(d) == 2:
        return 2000 + int(d) if int(d) < 50 else 1900 + int(d)
    return None


# -- links ------------------------------------------------------------------------------------------

_MD_LINK = (
    r"(?P<pre>\\?\[)?\[(?P<label>(?:[^\[\]]|\[[^\[\]]*\]|!\[[^\]]*\]\([^)]*\))*)\]"
    r"\((?P<url>[^()\s]*(?:\([^()\s]*\)[^()\s]*)*)(?:\s+\"[^\"]*\")?\)(?(pre)\\?\]|)"
)
_AUTOLINK = r"<(?P<auto>https?://[^>\s]+)>"
_BRACKET_URLS = r"\[(?P<urls>https?://[^\]\s]+(?:,\s*https?://[^\]\s]+)*)\]"
_BARE = r"(?<![(<\[\w])(?P<bare>https?://[^\s<>()\[\]]+(?:\([^\s<>()]*\)[^\s<>()\[\]]*)*)"
_LINKS = re.compile(f"{_MD_LINK}|{_AUTOLINK}|{_BRACKET_URLS}|{_BARE}")


@dataclass
class _Tok:
    """A piece of an entry line: text, or a link (url + label)."""

    text: str = ""
    url: str | None = None
    label: str = ""


def tokenize(line: str) -> list[_Tok]:
    """Split a line into text and link tokens (Markdown links, autolinks, bracketed and bare URLs)."""
    toks: list[_Tok] = []
    pos = 0
    for m in _LINKS.finditer(line):
        if m.start() > pos:
            toks.append(_Tok(text=line[pos : m.start()]))
        if m.group("url") is not None:
            toks.append(_Tok(url=m.group("url"), label=m.group("label")))
        elif m.group("auto") is not None:
            toks.append(_Tok(url=m.group("auto"), label=m.group("auto")))
        elif m.group("urls") is not None:
            for u in re.split(r",\s*", m.group("urls")):
                toks.append(_Tok(url=u, label=u))
        else:
            whole = m.group("bare")
            url = whole.rstrip(".,;:!?*")
            toks.append(_Tok(url=url, label=url))
            if whole[len(url):]:
                toks.append(_Tok(text=whole[len(url):]))
        pos = m.end()
    if pos < len(line):
        toks.append(_Tok(text=line[pos:]))
    return toks


def _is_url_label(label: str) -> bool:
    return bool(re.match(r"^https?://", label))


# -- entry lines ----------------------------------------------------------------------------------

@dataclass
class ParsedLine:
    title: str = ""
    title_linked: bool = False
    venue: str | None = None
    year: int | None = None
    comment: str = ""
    links: list[Link] = field(default_factory=list)


def _title_case(segment: str) -> bool:
    words = [w for w in re.findall(r"[^\s]+", segment) if w.lower().strip(",.") not in _SMALL]
    if not words or len(words) > 14:
        return False
    caps = sum(1 for w in words if w[0].isupper() or w[0].isdigit())
    return caps / len(words) >= 0.75


def _clean(text: str) -> str:
    return re.sub(r"[ \t]+", " ", text).strip()


def _strip_seps(text: str) -> str:
    return re.sub(r"^[\s,，:;.\-]+", "", text).strip()


def leading_venue(text: str) -> tuple[str | None, int | None, str] | None:
    """``CVPR2018. rest`` / ``2014, rest`` at the start of ``text``: ``(venue, year, rest)``."""
    v = _VENUE.match(text)
    if v:
        venue = v.group("venue").strip()
        return venue, year_of(venue), text[v.end():]
    y = _YEAR_ONLY.match(text)
    if y and (not text[y.end():].strip() or re.match(r"\s*[,.:;]", text[y.end():])):
        return None, int(y.group("year")), text[y.end():]
    return None


def _collect(toks: list[_Tok], p: ParsedLine) -> str:
    """Move the link tokens into ``p.links``; return the text tokens joined."""
    text = ""
    for t in toks:
        if t.url is not None:
            p.links.append(Link(url=t.url, label=t.label, kind=link_kind(t.url)))
        else:
            text += t.text
    return text


def _after_words(text: str, n: int) -> int:
    """The index just past the ``n``-th word of ``text`` (its length when shorter)."""
    for k, m in enumerate(re.finditer(r"\S+", text), 1):
        if k == n:
            return m.end()
    return len(text)


def split_title(text: str) -> tuple[str, str | None, int | None, str]:
    """Split ``Title: VENUE2018. comment`` / ``Title, Venue`` / ``Title: comment`` shapes.

    Returns ``(title, venue, year, comment)``. Colons inside titles (``SeGAN: Segmenting ...``,
    ``Simple Does It: Weakly Supervised ...``) are kept when the part before is short or the part
    after is itself title-cased and followed by another colon.
    """
    text = text.strip()
    # 1. the earliest separator followed by a venue or a bare year, if the title before it is
    #    short (24 words) and has no sentence break; only that head of the line is scanned, so a
    #    hostile line of a million commas stays linear
    for m in _SEPARATORS.finditer(text, 0, _after_words(text, 26)):
        before = text[: m.start()]
        if ". " in before or len(before.split()) > 24:
            break
        if not before.strip():
            continue
        found = leading_venue(text[m.end():])
        if found:
            venue, year, rest = found
            return _clean(before), venue, year, _strip_seps(rest)
    # 2. colon heuristics (a title has a few colons at most)
    start = 0
    for _ in range(8):
        i = text.find(":", start)
        if i < 0:
            break
        before = text[:i]
        after = text[i + 1:]
        nxt = after.find(":")
        segment = after if nxt < 0 else after[:nxt]
        if len(before.split()) <= 2 and segment.strip()[:1].isalnum() and not segment.strip()[:1].islower():
            start = i + 1
            continue
        if nxt >= 0 and _title_case(segment) and segment.strip():
            start = i + 1
            continue
        if nxt < 0 and _title_case(segment) and len(segment.split()) >= 2 and not re.search(r"[.,;]", segment):
            break  # "Title: Subtitle" with nothing after: all title
        return _clean(before), None, None, _strip_seps(after)
    # 3. a venue at the very end of the comment-less line ("..., IJCAI2018")
    return _clean(text.rstrip(" ,，;:")), None, None, ""


def parse_entry_line(line: str) -> ParsedLine:
    """Parse one entry line (the text after any list marker and checkbox)."""
    toks = tokenize(line.strip())
    p = ParsedLine()
    links = [t for t in toks if t.url is not None]
    first = next((i for i, t in enumerate(toks) if t.url is not None or t.text.strip()), None)
    if first is not None and toks[first].url is not None and not _is_url_label(toks[first].label) \
            and _clean(toks[first].label.replace("**", "")).lower() not in _GENERIC_LABELS \
            and not toks[first].label.startswith("!["):
        # [Title](url) rest
        t = toks[first]
        p.title = _clean(t.label)
        p.title_linked = True
        p.links.append(Link(url=t.url, label="", kind=link_kind(t.url)))
        rest_toks = toks[first + 1:]
        lead = ""
        while rest_toks and rest_toks[0].url is None:
            lead += rest_toks.pop(0).text
        after = re.sub(r"^[\s,，:;.]*", "", lead)
        found = leading_venue(after)
        if found:
            p.venue, p.year, after = found
        p.comment = _tidy_comment(_strip_seps(after) + _collect(rest_toks, p))
        return p
    if first is not None and toks[first].url is not None and _is_url_label(toks[first].label):
        # a bare URL first: no title
        p.comment = _tidy_comment(_collect(toks, p))
        ym = re.fullmatch(r"\s*\[((?:19|20)\d\d)\]\s*(.*)", p.comment)
        if ym:
            p.year, p.comment = int(ym.group(1)), ym.group(2).strip()
        return p
    # Title text, then links
    lead = ""
    i = 0
    while i < len(toks) and toks[i].url is None:
        lead += toks[i].text
        i += 1
    title, venue, year, comment = split_title(lead)
    p.title, p.venue, p.year = title, venue, year
    tail = _tidy_comment(_collect(toks[i:], p))
    if p.venue is None and p.year is None:
        vm = _VENUE.match(tail.strip(" ,，"))
        ym = re.match(r"^\s*\[((?:19|20)\d\d)\]\s*", tail)
        if ym:
            p.year = int(ym.group(1))
            tail = tail[ym.end():]
        elif vm and comment == "":
            stripped = tail.strip(" ,，")
            p.venue = vm.group("venue").strip()
            p.year = year_of(p.venue)
            tail = _strip_seps(stripped[vm.end():])
    p.comment = _tidy_comment(" ".join(x for x in (comment, tail) if x))
    if p.venue is None and p.year is None and p.comment:
        vm = re.search(rf"[,，]\s*(?P<venue>{_VENUE_CORE})\s*$", p.comment)
        if vm:
            p.venue = vm.group("venue").strip()
            p.year = year_of(p.venue)
            p.comment = p.comment[: vm.start()].rstrip()
    return p


def _tidy_comment(text: str) -> str:
    text = re.sub(r"\\\[\s*\\\]|\[\s*\]|\(\s*\)", " ", text)  # wrappers left by removed links
    text = re.sub(r"\\[\[\]]", " ", text)
    text = re.sub(r"(?<=\s)[,，](?=\s|$)", " ", text)
    return _clean(text).strip(" ,，")


# -- the reader ----------------------------------------------------------------------------------------

@dataclass
class _Placement:
    """One occurrence of an entry in the list (before duplicates are merged)."""

    topic: str
    form: str | None  # checkbox / bullet / line / None for a table row
    status: str
    parsed: ParsedLine
    notes: list[str] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)
    order: int = 0


class _Reader:
    def __init__(self, text: str):
        self.lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        self.cat = Catalog()
        self.topic: Topic | None = None
        self.stack: list[Topic] = []
        self.placements: list[_Placement] = []
        self.prose: list[str] = []  # pending prose lines
        self.item: _Placement | None = None  # the item sub-bullets attach to
        self.item_indent = 0
        self.sub_indent: int | None = None
        self.prose_items: list[tuple[str | None, _Placement | None, Prose]] = []
        self.seen_title = False
        self.preamble: list[str] = []

    # prose -------------------------------------------------------------------------------
    def flush_prose(self) -> None:
        lines = self.prose
        while lines and not lines[0].strip():
            lines.pop(0)
        while lines and not lines[-1].strip():
            lines.pop()
        if lines:
            text = "\n".join(lines)
            if not self.seen_title and self.topic is None:
                self.preamble.append(text)
            else:
                after = self._last_placement_here()
                self.prose_items.append((self.topic.path if self.topic else None, after, Prose(text=text)))
        self.prose = []

    def _last_placement_here(self) -> _Placement | None:
        if self.topic is None:
            return None
        for pl in reversed(self.placements):
            if pl.topic == self.topic.path and pl.form is not None:
                return pl
            if pl.topic != self.topic.path:
                break
        return None

    # structure -----------------------------------------------------------------------------
    def heading(self, level: int, name: str, anchor: str | None) -> None:
        self.flush_prose()
        self.item = None
        name = name.strip()
        if level == 1 and not self.seen_title and not self.cat.topics:
            self.cat.title = name
            self.seen_title = True
            self.topic = None
            return
        while self.stack and self.stack[-1].level >= level:
            self.stack.pop()
        comp = name.replace("/", "\u2215") or "untitled"
        path = f"{self.stack[-1].path}/{comp}" if self.stack else comp
        base, n = path, 2
        while self.cat.topic(path):
            path = f"{base} ({n})"
            n += 1
        t = Topic(path=path, name=name, level=level, anchor=anchor)
        self.cat.topics.append(t)
        self.stack.append(t)
        self.topic = t
        self.seen_title = True

    def table(self, rows: list[str]) -> None:
        self.flush_prose()
        self.item = None
        header = _cells(rows[0])
        lowered = [h.strip().lower() for h in header]
        if self.topic is None or not ({"val", "test", "miou"} & set(lowered)) or self.topic.columns:
            self.prose.extend(rows)
            self.flush_prose()
            return
        self.topic.columns = [h.strip() for h in header]
        note_col = next((i for i, h in enumerate(lowered) if h in ("notes", "note", "comment", "remarks")), None)
        for row in rows[2:]:
            cells = _cells(row)
            cells += [""] * (len(header) - len(cells))
            parsed = parse_entry_line(cells[0].strip().replace("\\|", "|"))
            values: dict[str, str] = {}
            bold: list[str] = []
            for i, h in enumerate(self.topic.columns):
                if i == 0 or i == note_col:
                    continue
                raw = cells[i].strip()
                m = re.fullmatch(r"\*\*(.*)\*\*", raw)
                if m:
                    bold.append(h)
                    raw = m.group(1).strip()
                values[h] = raw
            note = cells[note_col].strip() if note_col is not None and note_col < len(cells) else ""
            extra = cells[len(header):]
            if any(c.strip() for c in extra):
                note = (note + " | " + " | ".join(c.strip() for c in extra)).strip(" |")
            res = Result(table=self.topic.path, values=values, bold=bold, note=note.replace("\\|", "|"))
            self.placements.append(_Placement(topic=self.topic.path, form=None, status="unread", parsed=parsed,
                                              results=[res], order=len(self.placements)))

    def entry(self, form: str, status: str, text: str, indent: int) -> None:
        self.flush_prose()
        parsed = parse_entry_line(text)
        pl = _Placement(topic=self.topic.path, form=form, status=status, parsed=parsed, order=len(self.placements))
        self.placements.append(pl)
        self.item = pl
        self.item_indent = indent
        self.sub_indent = None

    def note(self, indent: int, content: str) -> None:
        assert self.item is not None
        if self.sub_indent is None or indent < self.sub_indent:
            self.sub_indent = indent
        depth = (indent - self.sub_indent) // 2
        self.item.notes.append(("  " * depth + "- " + content) if depth else content)

    # driver -----------------------------------------------------------------------------------
    def run(self) -> Catalog:
        lines = self.lines
        i = 0
        in_fence = False
        blank_since_item = False
        while i < len(lines):
            raw = lines[i]
            if in_fence or _FENCE.match(raw):
                if _FENCE.match(raw):
                    in_fence = not in_fence
                self.item = None
                self.prose.append(raw)
                i += 1
                continue
            h = _ATX.match(raw)
            hh = _HTML_H.match(raw) if not h else None
            if h or hh:
                if h:
                    self.heading(len(h.group(1)), h.group(2), None)
                else:
                    self.heading(int(hh.group(1)), re.sub(r"<[^>]+>", "", hh.group(3)), hh.group(2))
                i += 1
                continue
            if raw.lstrip().startswith("|") and i + 1 < len(lines) and _TABLE_SEP.match(lines[i + 1]):
                j = i + 2
                while j < len(lines) and lines[j].lstrip().startswith("|"):
                    j += 1
                self.table(lines[i:j])
                i = j
                continue
            if not raw.strip():
                if self.item is None:
                    self.flush_prose()
                blank_since_item = True
                i += 1
                continue
            m = _ITEM.match(raw)
            ind = _indent(m.group(1)) if m else _indent(raw[: len(raw) - len(raw.lstrip())])
            # sub-bullets and continuation lines of the current entry
            if self.item is not None and ind > self.item_indent and (m or ind >= self.item_indent + 2):
                content = m.group(3) if m else raw.strip()
                if m:
                    self.note(ind, content)
                else:
                    self.item.notes.append(content)
                blank_since_item = False
                i += 1
                continue
            if self.topic is None:
                # the document's title block: everything is prose
                self.item = None
                self.prose.append(raw)
                i += 1
                continue
            if m:
                if self.prose and not blank_since_item and self.item is None and ind > 0 and \
                        any(ln.strip() for ln in self.prose):
                    # a sub-list under a prose line: keep it with the prose
                    self.prose.append(raw)
                    i += 1
                    continue
                content = m.group(3)
                c = _CHECK.match(content)
                if c:
                    mark = c.group(1)
                    status = "read" if mark in "xX" else ("reading" if mark in "~/-" else "unread")
                    self.entry("checkbox", status, c.group(2), ind)
                else:
                    self.entry("bullet", "unread", content, ind)
                blank_since_item = False
                i += 1
                continue
            # a paragraph line inside a topic: an entry when it looks like one
            nxt = lines[i + 1] if i + 1 < len(lines) else ""
            nm = _ITEM.match(nxt)
            has_sublist = bool(nm and _indent(nm.group(1)) > ind)
            if ind == 0 and _looks_like_entry(raw, has_sublist):
                self.entry("line", "unread", raw.strip(), 0)
                blank_since_item = False
            else:
                self.item = None
                self.prose.append(raw)
            i += 1
        self.flush_prose()
        return self.finish()

    # merging placements into entries ------------------------------------------------------------
    def finish(self) -> Catalog:
        cat = self.cat
        if self.preamble:
            cat.preamble = "\n\n".join(self.preamble)
        groups: list[list[_Placement]] = []
        by_key: dict[str, list[list[_Placement]]] = {}
        for pl in self.placements:
            key = _dedup_key(pl.parsed)
            target = None
            for g in by_key.get(key, []):
                if _compatible(g, pl):
                    target = g
                    break
            if target is None:
                target = []
                groups.append(target)
                by_key.setdefault(key, []).append(target)
            target.append(pl)
        taken: set[str] = set()
        entry_of: dict[int, Entry] = {}
        for g in groups:
            e = _merge_group(g)
            e.id = unique_id(_base_id(e), taken)
            for pl in g:
                entry_of[id(pl)] = e
            cat.entries.append(e)
        # topic prose: intro (no topic) and per-topic blocks anchored after an entry
        toc_seen = False
        for topic_path, after, prose in self.prose_items:
            if topic_path is None:
                if not toc_seen and _is_toc(prose.text):
                    cat.toc = True
                    toc_seen = True
                    continue
                cat.intro.append(prose)
                continue
            prose.after = entry_of[id(after)].id if after is not None else None
            cat.topic(topic_path).prose.append(prose)
        return cat


def _cells(row: str) -> list[str]:
    row = row.strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    return [c for c in re.split(r"(?<!\\)\|", row)]


def _is_toc(text: str) -> bool:
    lines = [ln for ln in text.split("\n") if ln.strip()]
    return bool(lines) and all(re.match(r"^\s*([-*+]|\d+\.)\s+\[[^\]]+\]\(#[^)]*\)\s*$", ln) for ln in lines)


def _looks_like_entry(line: str, has_sublist: bool) -> bool:
    s = line.strip()
    if s.startswith(("<", ">", "!", "```")) or re.fullmatch(r"\*{1,2}.*\*{1,2}", s):
        return False
    toks = tokenize(s)
    first = toks[0] if toks else None
    if first is not None and first.url is not None:
        label = _clean(first.label.replace("**", "")).lower()
        return label not in _GENERIC_LABELS and not first.label.startswith("!")
    p = parse_entry_line(s)
    words = p.title.split()
    if has_sublist and 1 <= len(words) <= 12:
        return True
    if not words:
        return False
    if p.venue or p.year:
        return True
    if any(t.url is not None and _clean(t.label).lower() in _GENERIC_LABELS for t in toks) and s[0].islower():
        return False
    if s[0].islower():
        return False
    if p.links and len(words) >= 2:
        return True
    return len(words) >= 3 and (p.comment != "" or _title_case(p.title))


def _dedup_key(p: ParsedLine) -> str:
    norm = normalize_title(p.title)
    if norm:
        return norm
    return "url:" + (p.links[0].url if p.links else "")


def _arxiv_ids(p: ParsedLine) -> set[str]:
    return {a for a in (arxiv_id_from_url(ln.url) for ln in p.links) if a}


def _is_paperish(p: ParsedLine) -> bool:
    return bool(p.venue or p.year or any(ln.kind in ("paper", "pdf") for ln in p.links))


def _compatible(group: list[_Placement], pl: _Placement) -> bool:
    """May ``pl`` join ``group`` (same normalised title)? Not when their arXiv ids disagree, and
    for non-papers only when they share a link or say nothing else (a "Keras" heading in two
    sections is two different lists of links)."""
    ids = set().union(*(_arxiv_ids(g.parsed) for g in group))
    mine = _arxiv_ids(pl.parsed)
    if ids and mine and not (ids & mine):
        return False
    if any(g.topic == pl.topic and g.form is not None and pl.form is not None for g in group):
        return False  # twice in one section: the list meant two things
    if _is_paperish(pl.parsed) or any(_is_paperish(g.parsed) for g in group) or pl.form is None \
            or any(g.form is None for g in group):
        return True
    urls = {ln.url for g in group for ln in g.parsed.links}
    if urls & {ln.url for ln in pl.parsed.links}:
        return True
    return not pl.notes and not pl.parsed.links and all(not g.notes and not g.parsed.links for g in group)


_FORM_RANK = {"checkbox": 3, "bullet": 2, "line": 1}


def _merge_group(group: list[_Placement]) -> Entry:
    # the title as the list wrote it where it was most carefully written: a list item over a
    # paragraph line, then the one with more capitals
    best = max(group, key=lambda pl: (pl.form in ("checkbox", "bullet"), _caps(pl.parsed.title), -pl.order))
    title = best.parsed.title
    e = Entry(id="", title=title)
    forms = [pl.form for pl in group if pl.form]
    e.form = max(forms, key=lambda f: _FORM_RANK[f]) if forms else "line"
    e.status = max((pl.status for pl in group), key=lambda s: STATUS_RANK[s])
    for pl in group:
        if pl.topic not in e.topics:
            e.topics.append(pl.topic)
        p = pl.parsed
        if e.venue is None and p.venue:
            e.venue = p.venue
        if e.year is None and p.year:
            e.year = p.year
        for ln in p.links:
            if ln.label == "" and not p.title_linked:
                continue
            if not any(x.url == ln.url and x.label == ln.label for x in e.links):
                if ln.label == "" and any(x.label == "" for x in e.links):
                    ln = Link(url=ln.url, label=ln.url, kind=ln.kind)  # a second title link
                    if any(x.url == ln.url for x in e.links):
                        continue
                e.links.append(ln)
        e.comment = _merge_comment(e, p.comment)
        for n in pl.notes:
            if n not in e.notes:
                e.notes.append(n)
        e.results.extend(pl.results)
    # the title link comes first
    e.links.sort(key=lambda ln: 0 if ln.label == "" else 1)
    if e.venue and e.year is None:
        e.year = year_of(e.venue)
    for ln in e.links:
        aid = arxiv_id_from_url(ln.url)
        if aid:
            e.arxiv_id = aid
            break
    e.kind = _kind(e, group)
    return e


def _caps(title: str) -> int:
    return sum(1 for w in title.split() if w[:1].isupper())


def _merge_comment(e: Entry, comment: str) -> str:
    if not comment or comment == e.comment:
        return e.comment
    if not e.comment:
        return comment
    if comment in e.comment:
        return e.comment
    if e.comment in comment:
        return comment
    if comment not in e.notes:
        e.notes.append(comment)  # a second, different remark: kept as a note
    return e.comment


def _kind(e: Entry, group: list[_Placement]) -> str:
    in_table = any(pl.form is None for pl in group)
    title_linked = any(pl.parsed.title_linked for pl in group)
    first_link = e.links[0] if e.links else None
    words = e.title.split()
    paper_link = any(ln.kind in ("paper", "pdf") for ln in e.links)
    if re.search(r"\btutorial\b", e.title, re.I) or (
            all(_CONCEPT_TOPICS.search(t.rsplit("/", 1)[-1]) for t in e.topics) and not paper_link and not in_table):
        return "resource"
    if in_table or e.venue or e.year or e.arxiv_id or any(ln.kind in ("paper", "pdf") for ln in e.links):
        return "paper"
    repo_like = len(words) <= 3 or not _title_case(e.title)
    if first_link and first_link.kind == "code" and (not e.title or (title_linked and repo_like)):
        return "code"
    if any("code" in t.rsplit("/", 1)[-1].lower() for t in e.topics) and repo_like:
        return "code"
    if not e.links and len(words) >= 3 and e.title[:1].isupper() and _title_case(e.title) or \
            (len(words) >= 4 and e.title[:1].isupper()):
        return "paper"
    return "resource"


def _base_id(e: Entry) -> str:
    if e.title.strip(" *"):
        return slugify(e.title, e.year)
    url = e.links[0].url if e.links else "entry"
    tail = re.sub(r"^https?://(www\.)?", "", url).rstrip("/")
    parts = [p for p in tail.split("/") if p]
    if parts and parts[0] in ("github.com", "gitlab.com", "bitbucket.org") and len(parts) >= 3:
        parts = parts[2:3]
    else:
        parts = parts[-2:] if len(parts) > 1 else parts
    return slugify(" ".join(parts), e.year)


def parse_markdown(text: str) -> Catalog:
    """Build a catalog from the text of a Markdown reading list."""
    return _Reader(text).run()


def read_markdown(path) -> Catalog:
    """Read a Markdown file (UTF-8; other bytes are an :class:`ImportFailed` with the place)."""
    from pathlib import Path

    from wsskg.errors import ImportFailed

    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as e:
        raise ImportFailed(f"{p}: cannot read: {e.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise ImportFailed(f"{p}:{line}: not UTF-8 text (byte 0x{raw[e.start]:02x})") from None
    return parse_markdown(text)
