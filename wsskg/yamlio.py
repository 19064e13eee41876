"""The one YAML load/save pair.

Loading uses the safe loader (libyaml's C implementation when present): no tags that run code.
Saving uses a small emitter of our own rather than ``yaml.dump``: it writes the catalog's
fixed layout (one ``- id:`` block per entry, one line per scalar field, links as one-line flow
mappings), which keeps ``git diff`` small, lets a status change edit one entry's lines in
place (see ``wsskg.store``), and is several times faster than the C dumper. Every scalar is
written plain only when it provably reads back as the same string; otherwise it is written as
a double-quoted (JSON-compatible) scalar. ``tests/test_yamlio.py`` checks the round trip.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from wsskg.errors import CatalogError

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


_ENTRIES_KEY = re.compile(r"^entries:[ \t]*$", re.M)
#: A line at column 0 that is not an entry start (``- ``), a comment or blank: not our layout.
_FOREIGN_LINE = re.compile(r"^(?:[^ \-#\n]|-(?! ))", re.M)
_DOC_MARKER = re.compile(r"^(?:---|\.\.\.|%)", re.M)
_ITEM_START = re.compile(r"^- ", re.M)
#: Entries parsed per ``yaml.load`` call on the fast path.
CHUNK_ENTRIES = 16


def load_catalog_yaml(text: str, path: object = "catalog.yaml") -> Any:
    """:func:`load_yaml` for a whole catalog file, parsed entry block by entry block.

    When the text is in the layout wsskg writes (``entries:`` is the last top-level key and
    every column-0 line after it starts an entry), the part before ``entries:`` and small runs
    of entry blocks are parsed separately and joined. That gives the same data as one
    ``yaml.load`` (a block that does not parse on its own, e.g. an alias to another block,
    sends the whole text to :func:`load_yaml`, which also reports errors with their place) but
    is about 4x faster and needs a fraction of the memory at 10,000 entries: libyaml's node
    graph for the whole file never exists at once, and the garbage collector is not run over
    millions of young objects again and again.
    """
    import gc

    m = _ENTRIES_KEY.search(text)
    if not m:
        return load_yaml(text, path)
    head, body = text[: m.start()], text[m.end():]
    if _FOREIGN_LINE.search(body) or _DOC_MARKER.search(head):
        return load_yaml(text, path)
    enabled = gc.isenabled()
    gc.disable()
    try:
        data = _load_fast(head, body, path)
    finally:
        if enabled:
            gc.enable()
    return load_yaml(text, path) if data is None else data


def _load_fast(head: str, body: str, path: object) -> Any:
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
    starts = [mm.start() for mm in _ITEM_START.finditer(body)]
    lead = body[: starts[0]] if starts else body
    if any(ln.strip() and not ln.lstrip().startswith("#") for ln in lead.split("\n")):
        return None  # e.g. an indented sequence under ``entries:``
    if not starts:
        data["entries"] = None
        return data
    entries: list = []
    for i in range(0, len(starts), CHUNK_ENTRIES):
        a = starts[i]
        b = starts[i + CHUNK_ENTRIES] if i + CHUNK_ENTRIES < len(starts) else len(body)
        chunk = body[a:b]
        if "&" in chunk and "*" in chunk:
            _check_aliases(chunk, path)  # an alias to another block fails to load below
        try:
            part = yaml.load(chunk, Loader=SafeLoader)  # noqa: S506 - SafeLoader/CSafeLoader only
        except yaml.YAMLError:
            return None
        if not isinstance(part, list):
            return None
        entries.extend(part)
    data["entries"] = entries
    return data


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
