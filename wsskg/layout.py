"""The line rules of catalog.yaml in the layout wsskg writes, in one place.

The careful loader (``wsskg.yamlio``, on text) and the derived index (``wsskg.index``, on the
file's bytes) both cut the file at ``entries:`` into a header and one block per entry, and
both fall back to a full parse when a line breaks the layout; they compile these patterns
for ``str`` and for ``bytes`` respectively. Kept free of imports so a query can use them
without loading PyYAML.
"""

#: The ``entries:`` key at column 0 (multiline).
ENTRIES_KEY = r"^entries:[ \t]*$"
#: A YAML document marker or directive at column 0 (multiline): not a single plain document.
DOC_MARKER = r"^(?:---|\.\.\.|%)"
#: An entry block's first line (multiline).
ITEM_START = r"^- "
#: A line at column 0 that is not an entry start, a comment or blank (multiline): not our layout.
FOREIGN_LINE = r"^(?:[^ \-#\n]|-(?! ))"
#: The last two as searches for a line break, for the body after ``entries:`` (which starts
#: with one): a literal is scanned at memchr speed, ~6x faster than ``^`` over 46 MB.
FOREIGN_AFTER_NL = r"\n(?:[^ \-#\n]|-(?! ))"
ITEM_AFTER_NL = r"\n- "
