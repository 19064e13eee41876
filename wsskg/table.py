"""An entry as one line of a table on a terminal (``wsskg list``, ``wsskg search``).

The line is ``ID  STATUS YEAR  TITLE  TOPICS``. Everything after the status (year, title,
topics) is the line's *tail*: it depends only on the entry's year, title and topic paths, so
the index (``wsskg.index``) stores it with the entry's row, and ``list`` of 10,000 entries
reads ready tails instead of rebuilding each title (emphasis stripped, spaces folded, cut to
the column) and topic list on every run; the status is left out of it because ``read`` changes
it without rewriting the row, and a terminal colours it.

Text from lists, BibTeX files and APIs must not drive the terminal: :func:`safe` shows
control characters, DEL and bidi overrides as U+FFFD. Tails are stored already neutralised.
"""

from __future__ import annotations

import re
from typing import Callable, Iterable, Sequence


#: Characters of the title column; longer titles end in an ellipsis.
TITLE_WIDTH = 72
#: The id column is as wide as the longest id shown, up to this.
MAX_ID_WIDTH = 40
#: The status column (``unread``, ``reading``, ``read``).
STATUS_WIDTH = 7

# C0/C1 controls (ESC starts terminal escape sequences: clear screen, set the window title,
# OSC 8 links), DEL and bidi overrides.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def safe(text: str) -> str:
    """``text`` with every character that could drive a terminal shown as U+FFFD."""
    return _CONTROL.sub("\ufffd", text)


def tail(year: int | str | None, title: str, topics: Iterable[str]) -> str:
    """The year, title and topic cells of a line (each topic by its last part), neutralised.

    ``title`` is the entry's display title (:attr:`wsskg.catalog.Entry.display_title`)."""
    title = " ".join(safe(title).split())
    if len(title) > TITLE_WIDTH:
        title = title[: TITLE_WIDTH - 1] + "…"
    leaves = safe(", ".join([t.rpartition("/")[2] for t in topics]))
    # ljust and +: once per entry of every index build, and faster than a computed-width format
    return " " + (str(year) if year else "").ljust(4) + "  " + title.ljust(TITLE_WIDTH) + "  " + leaves


def entry_tail(e) -> str:
    """:func:`tail` of an :class:`~wsskg.catalog.Entry` (its own year, else the canonical one)."""
    year = e.year if e.year is not None else e.canonical_year
    return tail(year, e.display_title, e.topics)


def render(rows: Sequence[tuple[str, str, str]], style: Callable[[str, str], str] | None = None) -> str:
    """The table of ``(id, status, tail)`` rows, header first. ``style(cell, status)`` colours
    the status cell (on a terminal)."""
    ids = [r[0] for r in rows]
    width = min(max((len(i) for i in ids), default=2), MAX_ID_WIDTH)
    if _CONTROL.search("".join(ids)):  # ids come from files too; one search for all of them
        rows = [(safe(i), s, t) for i, s, t in rows]
    out = [f"{'ID':<{width}}  {'STATUS':<{STATUS_WIDTH}} {'YEAR':<4}  {'TITLE':<{TITLE_WIDTH}}  TOPICS"]
    # str.ljust and + : twice as fast as a format string with a computed width, at 10,000 rows
    if style is None:
        out += [eid.ljust(width) + "  " + status.ljust(STATUS_WIDTH) + rest for eid, status, rest in rows]
    else:
        out += [eid.ljust(width) + "  " + style(status.ljust(STATUS_WIDTH), status) + rest for eid, status, rest in rows]
    return "\n".join(out)
