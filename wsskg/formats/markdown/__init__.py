"""Markdown reading list -> :class:`~wsskg.catalog.Catalog`: the works of the list, losing nothing.

The reader is a pipeline, one small module per stage:

1. ``lexer``: the file as blocks with line numbers (headings, tables, list items with their
   bodies, paragraph lines, fences, blanks), every line in exactly one block;
2. recognisers, one per shape family: ``bullets`` (list items, numbered items, code lines,
   paper links in prose), ``records`` (title line + indented link lines + authors bullet),
   ``tables`` (papers and results in any column layout), ``headings`` (papers written as
   headings with their links line and note bullets);
3. ``fields``: clean title, short name, venue, year, authors, links from one mention's text;
4. ``assemble``: the identity pass, joining mentions of one work into one entry
   (:mod:`wsskg.identity` decides), each mention remembered with its topic, form, line and text.

``reader`` drives them and records the layout (the text between mentions), so an unchanged
catalog exports back to the imported file byte for byte. A table of contents is navigation,
never entries; badges are prose.
"""

from __future__ import annotations

from wsskg.formats.markdown.fields import ParsedLine, extract, parse_entry_line, split_title, tokenize
from wsskg.formats.markdown.reader import Reader
from wsskg.venues import year_of


def parse_markdown(text: str, decisions: list[dict] | None = None):
    """Build a catalog from the text of a Markdown reading list. ``decisions`` are the user's
    recorded identity decisions (``{"same": [a, b]}``, ``{"not_same": [a, b]}``) to respect."""
    return Reader(text, decisions).run()


def read_markdown(path, decisions: list[dict] | None = None):
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
    return parse_markdown(text, decisions)


__all__ = ["ParsedLine", "extract", "parse_entry_line", "parse_markdown", "read_markdown", "split_title",
           "tokenize", "year_of"]
