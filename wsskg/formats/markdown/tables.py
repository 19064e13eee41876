"""Recogniser for tables of papers, in any column layout.

The columns are found from the header names and the cells, not from fixed positions: a title
column (``Title``, ``Paper``, or the column of multi-word linked text), a short-name column
(``Method``, ``Model``, ``Name``: also the label of a results table), ``Venue``, ``Year``,
``Code``, notes (``Notes``, ``Keywords``), an index (``ID``, ``#``) and score columns (numbers).
Each row that names a work with a venue, year, paper link or scores is a ``row`` mention; a
table with score columns also keeps each row's scores as a :class:`~wsskg.catalog.Result`.
"""

from __future__ import annotations

import re

from wsskg.catalog import Link, Result, link_kind
from wsskg.formats.markdown.fields import FOOTNOTE_MARKS, GENERIC_LABELS, Fields, extract, tokenize
from wsskg.formats.markdown.lexer import Block, Lexed
from wsskg.formats.markdown.mention import Candidate
from wsskg.text import strip_markup
from wsskg.venues import VENUE_CORE, parse_year, year_of

_ROLES = (
    ("id", re.compile(r"^(?:#|id|no\.?|nr\.?|index|idx)$")),
    ("year", re.compile(r"\byear\b|\bdate\b")),
    ("venue", re.compile(r"venue|conf|journal|publication$|published|\bpub\b|source|booktitle")),
    ("code", re.compile(r"\bcode\b|github|repo|implementation|project|official")),
    ("note", re.compile(r"note|comment|remark|keyword|descr|highlight|\btags?\b|summary|contribution")),
    ("title", re.compile(r"title|paper|article|\bwork\b")),
    ("short", re.compile(r"method|model|\bname\b|abbr|acronym|approach|algorithm|short")),
)
#: A column of titles has at least this many words a cell on average.
TITLE_WORDS = 4
_NUMBERISH = re.compile(r"^(?:\*\*|__)?\s*(?:[-+]?\d+(?:\.\d+)?%?|-|–|n/?a|—)\s*(?:\*\*|__)?$", re.I)


def cells(row: str) -> list[str]:
    row = row.strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    return list(re.split(r"(?<!\\)\|", row))


def _role(name: str, column: list[str]) -> str | None:
    n = strip_markup(re.sub(r"<br\s*/?>", " ", name)).strip().lower()
    filled = [c.strip() for c in column if c.strip()]
    if filled and all(_NUMBERISH.match(c) for c in filled) and not re.search(r"year|id|no", n):
        return "score"
    for role, rx in _ROLES:
        if rx.search(n):
            return role
    if filled and sum(1 for c in filled if parse_year(c) and len(c) <= 8) >= 0.8 * len(filled):
        return "year"
    if filled and sum(1 for c in filled if re.fullmatch(VENUE_CORE, strip_markup(c))) >= 0.8 * len(filled):
        return "venue"
    return None


def _label_column(col: list[str]) -> bool:
    """A column of link labels (``[[Paper]](url)``, ``[Link](url)``): links, never titles."""
    filled = [c for c in col if c.strip()]
    labels = sum(1 for c in filled if "](" in c and strip_markup(c).strip(" []").lower() in GENERIC_LABELS)
    return bool(filled) and labels >= 0.5 * len(filled)


def _table_roles(header: list[str], body: list[list[str]]) -> list[str | None]:
    cols = [[r[i] if i < len(r) else "" for r in body] for i in range(len(header))]
    roles = [_role(h, col) for h, col in zip(header, cols)]
    for i, col in enumerate(cols):
        if roles[i] in ("title", "short", None) and _label_column(col):
            roles[i] = "code"  # ``| Paper |`` holding ``[[Paper]](url)``: the paper's link
    titles = [i for i, r in enumerate(roles) if r == "title"]
    if len(titles) > 1:  # ``| Title | Paper |``: the column of the longest text names the work
        keep = max(titles, key=lambda i: sum(len(strip_markup(c).split()) for c in cols[i]))
        for i in titles:
            if i != keep:
                roles[i] = "note"
    if "title" not in roles:
        # the column of multi-word (linked) text is the title
        best, best_score = None, 0.0
        for i, col in enumerate(cols):
            if roles[i] in ("year", "venue", "code", "score", "id", "note"):
                continue
            words = [len(strip_markup(c).split()) for c in col if c.strip()]
            if words and sum(words) / len(words) >= TITLE_WORDS and sum(1 for c in col if "](" in c) >= 0.5 * len(words):
                if sum(words) / len(words) > best_score:
                    best, best_score = i, sum(words) / len(words)
        if best is not None:
            roles[best] = "title"
    if "title" not in roles and "short" not in roles:
        first = next((i for i, r in enumerate(roles) if r is None), None)
        if first is not None:
            roles[first] = "short"
    return roles


def recognise(block: Block, lx: Lexed, topic: str, context: tuple[str | None, int | None]) -> tuple[list[str], list[Candidate]]:
    """The table's header names (when it holds scores) and the row mentions."""
    rows = [lx.lines[i] for i in range(block.start, block.end)]
    header = [h.strip() for h in cells(rows[0])]
    body = [cells(r) for r in rows[2:]]
    roles = _table_roles(header, body)
    has_scores = "score" in roles
    out: list[Candidate] = []
    for k, row in enumerate(body):
        line_no = block.start + 2 + k
        cs = [c.strip() for c in row] + [""] * (len(header) - len(row))
        f = Fields()
        for i, role in enumerate(roles):
            cell = cs[i].replace("\\|", "|")
            if not cell:
                continue
            if role == "title":
                g = extract(cell)
                f.title, f.title_linked = g.title, g.title_linked
                f.links = g.links + f.links
                f.refs += g.refs
                f.venue = f.venue or g.venue
                f.year = f.year or g.year
                f.short_name = f.short_name or g.short_name
            elif role == "short":
                g = extract(cell)
                f.short_name = FOOTNOTE_MARKS.sub("", g.title or g.short_name or "").strip() or None
                f.title_linked = f.title_linked or g.title_linked
                f.refs += g.refs
                f.links = f.links + [ln for ln in g.links if ln not in f.links]
                f.venue = f.venue or g.venue
                f.year = f.year or g.year
                if g.comment:
                    f.comment = (f.comment + " " + g.comment).strip()
            elif role == "venue":
                v = strip_markup(cell).strip()
                if v and v not in ("-", "N/A"):
                    f.venue = v
                    f.year = f.year or year_of(v)
            elif role == "year":
                f.year = parse_year(cell) or f.year
            elif role == "code":
                for t in tokenize(cell):
                    if t.url is not None:
                        f.links.append(Link(url=t.url, label=t.label, kind=link_kind(t.url)))
        if not f.title and f.short_name:
            f.title = f.short_name
        if not f.title:
            continue
        cand = Candidate(start=line_no, end=line_no + 1, topic=topic, form="row", fields=f,
                         context_venue=context[0], context_year=context[1])
        if has_scores:
            values: dict[str, str] = {}
            bold: list[str] = []
            note = ""
            for i, role in enumerate(roles):
                if role in ("title", "short") or (role is None and i == 0):
                    continue
                raw = cs[i] if i < len(cs) else ""
                if role == "note":
                    note = raw.replace("\\|", "|")
                    continue
                m = re.fullmatch(r"\*\*(.*)\*\*", raw)
                if m:
                    bold.append(header[i])
                    raw = m.group(1).strip()
                values[header[i]] = raw
            cand.results = [Result(table=topic, values=values, bold=bold, note=note)]
        if not (cand.paperish or has_scores):
            continue
        out.append(cand)
    return (header if has_scores else []), out
