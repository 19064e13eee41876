"""The one YAML load/save pair.

Loading uses the safe loader (libyaml's C implementation when present): no tags that run code.
Saving uses a small emitter of our own rather than ``yaml.dump``: it writes the catalog's
fixed layout (one ``- id:`` block per entry, one line per scalar field, links as one-line flow
mappings), which keeps ``git diff`` small, lets a status change edit one entry's lines in
place (see ``wsskg.store``), and is several times faster than the C dumper. Every scalar is
written plain only when it provably reads back as the same string; otherwise it is written as
a double-quoted (JSON-compatible) scalar. ``tests/test_properties.py`` checks the round trip.
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable

import yaml

from wsskg import layout
from wsskg.errors import CatalogError
from wsskg.yamlfast import load_blocks

SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: Refuse documents with more aliases than this, or that would expand beyond this many nodes
#: once every alias is replaced by what it points to (alias bombs).
MAX_ALIASES = 1000
MAX_EXPANDED = 1_000_000


def load_yaml(text: str, path: object = "catalog.yaml") -> Any:
    """Parse YAML text safely. Raises :class:`CatalogError` with the line and column."""
    if "&" in text and "*" in text:
        _check_aliases(text, path)
    import gc

    enabled = gc.isenabled()
    gc.disable()  # a big document is hundreds of thousands of live objects: see load_catalog_yaml
    try:
        return yaml.load(text, Loader=SafeLoader)  # noqa: S506 - SafeLoader/CSafeLoader only
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else None
        col = f", column {mark.column + 1}" if mark else ""
        problem = (e.problem or e.context or "invalid YAML").strip()
        if "could not determine a constructor" in str(e) or "tag" in problem and "!" in str(e):
            tag = re.search(r"tag '([^']+)'", str(e))
            problem = f"YAML tag {tag.group(1) if tag else ''} is not allowed (safe loading only)".replace("  ", " ")
        elif e.context and e.context_mark and e.problem_mark and e.context_mark.line != e.problem_mark.line:
            # e.g. an unclosed quote: the error is at the end of the file, the cause where it began
            col += f" ({e.context.strip()} at line {e.context_mark.line + 1})"
        raise CatalogError(f"{problem}{col}", path=path, line=line) from None
    except yaml.reader.ReaderError as e:
        line = text.count("\n", 0, e.position) + 1 if isinstance(text, str) else None
        raise CatalogError(f"invalid YAML: {str(e).splitlines()[0].strip()}", path=path, line=line) from None
    except yaml.YAMLError as e:
        raise CatalogError(f"invalid YAML: {str(e).splitlines()[0]}", path=path) from None
    finally:
        if enabled:
            gc.enable()


_ENTRIES_KEY = re.compile(layout.ENTRIES_KEY, re.M)
_FOREIGN_LINE = re.compile(layout.FOREIGN_LINE, re.M)
_DOC_MARKER = re.compile(layout.DOC_MARKER, re.M)
_ITEM_START = re.compile(layout.ITEM_START, re.M)
_FOREIGN_AFTER_NL = re.compile(layout.FOREIGN_AFTER_NL)
_ITEM_AFTER_NL = re.compile(layout.ITEM_AFTER_NL)
#: Entries per :func:`~wsskg.yamlfast.load_blocks` call (bigger runs reuse more of its
#: per-line cache; a run it is not sure about is read again in runs of CHUNK_ENTRIES).
FAST_CHUNK_ENTRIES = 2000
#: Entries per ``yaml.load`` call when the fast reader is not sure.
CHUNK_ENTRIES = 16


def load_catalog_yaml(text: str, path: object = "catalog.yaml",
                      progress: Callable[[int, int], None] | None = None) -> Any:
    """:func:`load_yaml` for a whole catalog file, parsed entry block by entry block.

    When the text is in the layout wsskg writes (``entries:`` is the last top-level key and
    every column-0 line after it starts an entry), the part before ``entries:`` and runs of
    entry blocks are parsed separately and joined. The entry blocks are read by
    :func:`wsskg.yamlfast.load_blocks` (exactly ``yaml.load``'s result, about 10x faster);
    a run it is not sure about is read again in small runs, each by it or by ``yaml.load``.
    That gives the same data as one ``yaml.load`` (a block that does not parse on its own,
    e.g. an alias to another block, sends the whole text to :func:`load_yaml`, which also
    reports errors with their place), needs a fraction of the memory (libyaml's node graph
    for the whole file never exists at once), and the garbage collector is not run over
    millions of young objects again and again. ``progress(done, total)`` hears of the entry
    blocks parsed (the fast path only: a parse of the whole text is one step).
    """
    import gc

    m = _ENTRIES_KEY.search(text)
    if not m:
        return load_yaml(text, path)
    head, body = text[: m.start()], text[m.end():]
    if _FOREIGN_AFTER_NL.search(body) or _DOC_MARKER.search(head):
        return load_yaml(text, path)
    enabled = gc.isenabled()
    gc.disable()
    try:
        data = _load_fast(head, body, path, progress)
    finally:
        if enabled:
            gc.enable()
    return load_yaml(text, path) if data is None else data


def _load_fast(head: str, body: str, path: object, progress: Callable[[int, int], None] | None = None) -> Any:
    if "&" in head and "*" in head:
        return None  # possible aliases: the careful path checks them
    try:
        data = yaml.load(head, Loader=SafeLoader)  # noqa: S506 - SafeLoader/CSafeLoader only
    except yaml.YAMLError:
        return None
    if data is None:
        data = {}
    if not isinstance(data, dict) or "entries" in data:
        return None
    starts = [mm.start() + 1 for mm in _ITEM_AFTER_NL.finditer(body)]
    lead = body[: starts[0]] if starts else body
    if any(ln.strip() and not ln.lstrip().startswith("#") for ln in lead.split("\n")):
        return None  # e.g. an indented sequence under ``entries:``
    if not starts:
        data["entries"] = None
        return data
    entries: list = []
    for i in range(0, len(starts), FAST_CHUNK_ENTRIES):
        j = i + FAST_CHUNK_ENTRIES
        end = starts[j] if j < len(starts) else len(body)
        part = load_blocks(body[starts[i]:end])
        if part is None:
            part = _load_small_runs(body, starts[i:j], end, path)
            if part is None:
                return None
        entries.extend(part)
        if progress is not None:
            progress(len(entries), len(starts))
    data["entries"] = entries
    return data


def _load_small_runs(body: str, starts: list[int], end: int, path: object) -> list | None:
    """The entries of the blocks at ``starts`` (up to ``end``), :data:`CHUNK_ENTRIES` at a
    time: each run by :func:`~wsskg.yamlfast.load_blocks`, or by ``yaml.load`` when it is not
    sure; None when a run does not load on its own."""
    entries: list = []
    for i in range(0, len(starts), CHUNK_ENTRIES):
        b = starts[i + CHUNK_ENTRIES] if i + CHUNK_ENTRIES < len(starts) else end
        chunk = body[starts[i]:b]
        part = load_blocks(chunk)
        if part is None:
            if "&" in chunk and "*" in chunk:
                _check_aliases(chunk, path)  # an alias to another block fails to load below
            try:
                part = yaml.load(chunk, Loader=SafeLoader)  # noqa: S506 - SafeLoader/CSafeLoader only
            except yaml.YAMLError:
                return None
            if not isinstance(part, list):
                return None
        entries.extend(part)
    return entries


def _check_aliases(text: str, path: object) -> None:
    """Reject alias bombs (billion laughs) before anything walks the loaded data.

    PyYAML shares the object an alias points to, so loading a bomb is cheap, but anything that
    walks the result (validation, ``str()``, JSON, the exporter) expands it. So the document's
    size with every alias expanded is computed from the event stream (each anchor's subtree
    size is remembered), and a document that would grow past :data:`MAX_EXPANDED` nodes, or
    that uses more than :data:`MAX_ALIASES` aliases, is refused.
    """
    sizes: dict[str, int] = {}
    stack = [0]
    anchors: list = []
    aliases = 0
    try:
        for ev in yaml.parse(text, Loader=SafeLoader):
            if isinstance(ev, yaml.ScalarEvent):
                stack[-1] += 1
                if ev.anchor:
                    sizes[ev.anchor] = 1
            elif isinstance(ev, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                stack.append(0)
                anchors.append(ev.anchor)
            elif isinstance(ev, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                n = stack.pop() + 1
                anchor = anchors.pop()
                if anchor:
                    sizes[anchor] = n
                stack[-1] += n
            elif isinstance(ev, yaml.AliasEvent):
                aliases += 1
                stack[-1] += sizes.get(ev.anchor, 1)
                expanded = sum(stack)
                if expanded > MAX_EXPANDED or aliases > MAX_ALIASES:
                    what = (f"more than {MAX_ALIASES:,} aliases" if aliases > MAX_ALIASES else
                            f"aliases that expand to more than {MAX_EXPANDED:,} nodes")
                    raise CatalogError(f"YAML {what} (a billion-laughs document?); refusing to expand", path=path)
    except yaml.YAMLError:
        return  # the real load reports the syntax error with its place


# -- emitter ---------------------------------------------------------------------------------

_PLAIN_OK = re.compile(r"^[A-Za-z0-9_(][^\x00-\x1f\x7f-\x9f#:'\"`{}\[\],&*!|>%@?]*$")
_RESERVED = re.compile(
    r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|"
    r"null|Null|NULL|~|[-+]?(?:\.inf|\.Inf|\.INF|\.nan|\.NaN|\.NAN))$"
)
_NUMBERISH = re.compile(r"^[-+.\d][\dA-Fa-fxXoObB_:.+\-TtZz ]*$")
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")


def quote(s: str) -> str:
    """A YAML scalar that reads back as exactly ``s``."""
    if (
        s
        and _PLAIN_OK.match(s)
        and not _RESERVED.match(s)
        and not _NUMBERISH.match(s)
        and s == s.strip()
        and not _BAD_CHARS.search(s)
        and "  " not in s
        and " -" not in s[:2]
    ):
        return s
    out = json.dumps(s, ensure_ascii=False)
    return _BAD_CHARS.sub(lambda m: "\\u%04x" % ord(m.group()) if ord(m.group()) < 0x10000 else m.group(), out)


def scalar(v: Any) -> str:
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    return quote(str(v))


def _flow(d: dict) -> str:
    return "{" + ", ".join(f"{quote(str(k))}: {_flow_value(v)}" for k, v in d.items()) + "}"


def _flow_value(v: Any) -> str:
    if isinstance(v, dict):
        return _flow(v)
    if isinstance(v, list):
        return "[" + ", ".join(_flow_value(x) for x in v) + "]"
    return scalar(v)


def _is_flat(d: dict) -> bool:
    """Scalars, or lists/mappings of scalars: small enough to write on one line."""
    for v in d.values():
        if isinstance(v, list) and any(isinstance(x, (dict, list)) for x in v):
            return False
        if isinstance(v, dict) and any(isinstance(x, (dict, list)) for x in v.values()):
            return False
    return True


def _literal_ok(s: str) -> bool:
    """Can ``s`` be written as a ``|-`` literal block and read back unchanged?"""
    if "\n" not in s or s.endswith("\n") or s.startswith(("\n", " ", "\t")) or "\r" in s:
        return False
    if _BAD_CHARS.search(s) or "\x85" in s:
        return False
    return all(line == line.rstrip() for line in s.split("\n"))


def _emit_key(out: list[str], indent: int, key: Any, v: Any) -> None:
    pad = " " * indent
    k = f"{pad}{quote(str(key))}:"
    if isinstance(v, dict) and v:
        out.append(k)
        for kk, vv in v.items():
            _emit_key(out, indent + 2, kk, vv)
    elif isinstance(v, list) and v:
        if all(not isinstance(x, (dict, list)) for x in v) and sum(len(scalar(x)) + 2 for x in v) < 80:
            out.append(f"{k} [" + ", ".join(scalar(x) for x in v) + "]")
        else:
            out.append(k)
            for x in v:
                _emit_item(out, indent, x)
    elif isinstance(v, str) and _literal_ok(v):
        out.append(f"{k} |-")
        inner = " " * (indent + 2)
        out.extend(inner + line if line else "" for line in v.split("\n"))
    else:
        out.append(f"{k} {_flow_value(v)}")


def _emit_item(out: list[str], indent: int, x: Any) -> None:
    pad = " " * indent
    if isinstance(x, dict) and x:
        if indent > 0 and _is_flat(x) and len(_flow(x)) <= 160:
            out.append(f"{pad}- {_flow(x)}")
            return
        items = list(x.items())
        first: list[str] = []
        _emit_key(first, indent + 2, *items[0])
        first[0] = f"{pad}- " + first[0][indent + 2 :]
        out.extend(first)
        for kk, vv in items[1:]:
            _emit_key(out, indent + 2, kk, vv)
    elif isinstance(x, (dict, list)):
        out.append(f"{pad}- {_flow_value(x)}")
    elif isinstance(x, str) and _literal_ok(x):
        out.append(f"{pad}- |-")
        out.extend(pad + "  " + line if line else "" for line in x.split("\n"))
    else:
        out.append(f"{pad}- {scalar(x)}")


def dump_yaml(data: dict, header: str = "") -> str:
    """Serialise a catalog dict in the fixed layout: top-level keys, block lists, one
    ``- id:`` block per entry."""
    out: list[str] = []
    if header:
        out.extend("# " + line if line else "#" for line in header.splitlines())
    for k, v in data.items():
        _emit_key(out, 0, k, v)
    return "\n".join(out) + "\n"


# -- editing a hand-kept file in place -----------------------------------------------------------

#: Lists of mappings matched item by item (by this key) when a file is patched in place.
KEYED_LISTS = {"entries": "id", "topics": "path"}
_MISSING = object()
_SCALARS = (str, int, float, bool, type(None))


def patch_text(text: str, before: dict, after: dict, keyed: dict[str, str] = KEYED_LISTS) -> str | None:
    """``text`` (which reads as ``before``) changed to read as ``after``, touching only what changed.

    A file kept by hand (comments, another indentation, flow style, key order) is edited, not
    re-rendered: a changed scalar is replaced where it stands; a changed list or mapping value
    is re-emitted in its key's place; a new key is added after its predecessor; items of the
    ``keyed`` lists (entries by id, topics by path) are patched, inserted and deleted one by
    one. Everything else, comments included, stays byte for byte. Returns None when the
    document is not a block mapping or a change cannot be placed (the caller re-renders, and
    must check the result parses back to ``after``)."""
    try:
        root = yaml.compose(text, Loader=SafeLoader)  # noqa: S506 - SafeLoader/CSafeLoader only
    except yaml.YAMLError:
        return None
    if not isinstance(root, yaml.MappingNode) or root.flow_style:
        return None
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    doc = _Doc(text, starts)
    if not doc.mapping(root, before, after, keyed):
        return None
    return doc.apply()


class _Doc:
    """Offsets and pending edits of one document being patched."""

    def __init__(self, text: str, starts: list[int]):
        self.text = text
        self.starts = starts
        self.edits: list[tuple[int, int, int, str]] = []  # (start, end, order, replacement)

    def at(self, mark) -> int:
        return self.starts[mark.line] + mark.column

    def line_start(self, pos: int) -> int:
        return self.text.rfind("\n", 0, pos) + 1

    def content_end(self, start: int, end: int) -> int:
        """``end`` moved back over the blank and comment-only lines a block collection's end
        mark includes (they belong to what follows)."""
        seg = self.text[start:end]
        lines = seg.split("\n")
        while len(lines) > 1 and (not lines[-1].strip() or lines[-1].lstrip().startswith("#")):
            lines.pop()
        return start + len("\n".join(lines).rstrip(" \t"))

    def edit(self, start: int, end: int, new: str) -> None:
        self.edits.append((start, end, len(self.edits), new))

    def apply(self) -> str:
        out = self.text
        last = len(out) + 1
        # from the end backwards, so earlier offsets stay valid; at one offset the replacement
        # first, then the insertions (the later-made one first, so they end up in order)
        for start, end, _, new in sorted(self.edits, key=lambda e: (e[0], e[1] > e[0], e[2]), reverse=True):
            if end > last:
                return None  # overlapping edits: give up rather than guess
            out = out[:start] + new + out[end:]
            last = start
        return out

    def pairs(self, node) -> dict | None:
        found: dict = {}
        for k, v in node.value:
            if not isinstance(k, yaml.ScalarNode) or k.value in found:
                return None
            found[k.value] = (k, v)
        return found

    def key_block(self, knode, vnode, indent: int, key: str, value: Any) -> None:
        """Re-emit ``key: value`` where ``key: <old value>`` stands."""
        start = self.at(knode.start_mark)
        end = self.content_end(start, self.at(vnode.end_mark))
        out: list[str] = []
        _emit_key(out, indent, key, value)
        self.edit(start, end, "\n".join(out)[indent:])

    def mapping(self, node, before: dict, after: dict, keyed: dict[str, str] | None = None) -> bool:
        """Patch a block mapping; on False, no edit of it is kept (the caller re-emits it whole)."""
        mark = len(self.edits)
        if not self._mapping(node, before, after, keyed):
            del self.edits[mark:]
            return False
        return True

    def _mapping(self, node, before: dict, after: dict, keyed: dict[str, str] | None) -> bool:
        if not isinstance(node, yaml.MappingNode) or node.flow_style or not node.value:
            return False
        pairs = self.pairs(node)
        if pairs is None:
            return False
        indent = node.value[0][0].start_mark.column
        order = list(after)
        for key in dict.fromkeys([*before, *after]):
            b, a = before.get(key, _MISSING), after.get(key, _MISSING)
            if b == a:
                continue
            if key not in pairs:
                if a is _MISSING:
                    continue
                # a new key: after the nearest earlier key of ``after`` that the text has
                prev = next((pairs[k] for k in reversed(order[: order.index(key)]) if k in pairs), None)
                kn, vn = prev if prev else node.value[-1]
                pos = self.content_end(self.at(kn.start_mark), self.at(vn.end_mark))
                out: list[str] = []
                _emit_key(out, indent, key, a)
                self.edit(pos, pos, "\n" + "\n".join(out))
                continue
            knode, vnode = pairs[key]
            kstart = self.at(knode.start_mark)
            if a is _MISSING:
                ls = self.line_start(kstart)
                if self.text[ls:kstart].strip():
                    return False  # the first key of a ``- `` item: leave it to a re-emit
                end = self.content_end(kstart, self.at(vnode.end_mark))
                nl = self.text.find("\n", end)
                self.edit(ls, len(self.text) if nl < 0 else nl + 1, "")
                continue
            if keyed and key in keyed and isinstance(a, list) and isinstance(b, list) \
                    and isinstance(vnode, yaml.SequenceNode) and self.sequence(vnode, b, a, keyed[key]):
                continue
            if isinstance(vnode, yaml.ScalarNode) and vnode.style not in ("|", ">") \
                    and isinstance(a, _SCALARS) and not (isinstance(a, str) and _literal_ok(a)):
                self.edit(self.at(vnode.start_mark), self.at(vnode.end_mark), scalar(a))
                continue
            self.key_block(knode, vnode, indent, key, a)
        return True

    def sequence(self, node, before: list, after: list, idkey: str) -> bool:
        mark = len(self.edits)
        if not self._sequence(node, before, after, idkey):
            del self.edits[mark:]
            return False
        return True

    def _sequence(self, node, before: list, after: list, idkey: str) -> bool:
        if node.flow_style or not node.value or len(node.value) != len(before):
            return False
        if not all(isinstance(x, dict) and idkey in x for x in (*before, *after)):
            return False
        items: dict = {}
        for item, b in zip(node.value, before):
            p = self.pairs(item) if isinstance(item, yaml.MappingNode) else None
            if p is not None and idkey in p and p[idkey][1].value != str(b[idkey]):
                return False
            items[b[idkey]] = (item, b)
        if len(items) != len(before):
            return False
        after_ids = [x[idkey] for x in after]
        if len(set(after_ids)) != len(after_ids):
            return False
        kept = [i for i in items if i in set(after_ids)]
        if kept != [i for i in after_ids if i in items]:
            return False  # reordered: not a few local edits
        first = node.value[0]
        dash_line = self.line_start(self.at(first.start_mark))
        dash = self.text[dash_line: self.at(first.start_mark)]
        if dash.strip() != "-":
            return False
        dash_col = dash.index("-")

        def extent(item) -> tuple[int, int]:
            s = self.at(item.start_mark)
            return self.line_start(s), self.content_end(s, self.at(item.end_mark))

        for iid, (item, b) in items.items():
            if iid not in set(after_ids):
                ls, end = extent(item)
                if self.text[ls: self.at(item.start_mark)].strip() != "-":
                    return False
                nl = self.text.find("\n", end)
                self.edit(ls, len(self.text) if nl < 0 else nl + 1, "")
        pending: list[str] = []
        anchor = None  # the item the pending new ones follow (None: before the first kept one)

        def flush(at_item) -> None:
            if not pending:
                return
            out: list[str] = []
            for x in pending:
                _emit_item(out, dash_col, x)
            if anchor is None:
                pos = extent(at_item)[0] if at_item is not None else extent(node.value[0])[0]
                self.edit(pos, pos, "\n".join(out) + "\n")
            else:
                pos = extent(anchor)[1]
                self.edit(pos, pos, "\n" + "\n".join(out))
            pending.clear()

        for x in after:
            iid = x[idkey]
            if iid not in items:
                pending.append(x)
                continue
            item, b = items[iid]
            flush(item)
            anchor = item
            if b != x and not self.mapping(item, b, x):
                s = self.at(item.start_mark)
                out: list[str] = []
                _emit_item(out, dash_col, x)
                self.edit(s, extent(item)[1], "\n".join(out)[dash_col + 2:])
        if anchor is None and pending:
            # every old item went: put the new ones where the first old one was
            pos = extent(node.value[0])[0]
            out = []
            for x in pending:
                _emit_item(out, dash_col, x)
            self.edit(pos, pos, "\n".join(out) + "\n")
            pending.clear()
        flush(None)
        return True


def patch_item(block: str, before: dict, after: dict) -> str | None:
    """One ``- ...`` item of a block sequence (its text ``block``, which reads as ``[before]``)
    changed to read as ``[after]``, touching only what changed (see :func:`patch_text`)."""
    try:
        root = yaml.compose(block, Loader=SafeLoader)  # noqa: S506 - SafeLoader/CSafeLoader only
    except yaml.YAMLError:
        return None
    if not isinstance(root, yaml.SequenceNode) or len(root.value) != 1:
        return None
    doc = _Doc(block, [0] + [m.end() for m in re.finditer("\n", block)])
    if not doc.mapping(root.value[0], before, after):
        return None
    return doc.apply()


def emit_item(item: Any, indent: int = 0) -> str:
    """The text of one sequence item as :func:`dump_yaml` writes it (ends with a newline)."""
    out: list[str] = []
    _emit_item(out, indent, item)
    return "\n".join(out) + "\n"


def split_entries(text: str) -> tuple[str, str, list[str]] | None:
    """``(head, lead, blocks)`` of a catalog whose ``entries:`` is the last top-level key and
    a block sequence at column 0 (wsskg's layout, whatever the user did inside the blocks):
    ``head`` ends with the ``entries:`` line, ``lead`` is what comes before the first item
    (comments, blank lines), ``blocks`` are the items' texts (each with the comment and blank
    lines after it). None for any other shape."""
    m = _ENTRIES_KEY.search(text)
    if not m:
        return None
    head, body = text[: m.end()], text[m.end():]
    if _FOREIGN_LINE.search(body) or _DOC_MARKER.search(head):
        return None
    starts = [mm.start() for mm in _ITEM_START.finditer(body)]
    if not starts:
        return None
    lead = body[: starts[0]]
    if any(ln.strip() and not ln.lstrip().startswith("#") for ln in lead.split("\n")):
        return None
    blocks = [body[a:b] for a, b in zip(starts, starts[1:] + [len(body)])]
    return head, lead, blocks
