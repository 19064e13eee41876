"""A fast reader for the entry blocks of catalog.yaml, exact or silent.

Why it exists: a 100,000-entry catalog is ~46 MB of YAML, and ``yaml.load`` with the C safe
loader spends ~15-20 s on it, most of it in PyYAML's Python constructor and resolver (several
Python calls per node). The entry blocks wsskg writes (see the emitter in ``wsskg.yamlio``)
use a small fixed layout: ``- id: ...`` blocks at column 0, one ``key: value`` per line,
one-line flow collections, ``|-`` literal blocks, double-quoted (JSON-compatible) scalars.
This module reads that layout with a few Python operations per line, about 10x faster.

What it promises: :func:`load_blocks` returns exactly what
``yaml.load(text, Loader=yaml.CSafeLoader)`` returns for the same text (same values, same
types, same key order), or ``None`` when it is not sure. It is not sure about anything
outside the layout it knows (anchors, aliases, tags, explicit keys, multi-line plain or
quoted scalars, flow collections spanning lines, block scalars other than ``|-``, trailing
comments, tabs outside literal blocks, CR, control characters, duplicate keys, YAML-only
escapes ...); the caller
then uses ``yaml.load`` for that text. Plain scalars are resolved with the loader's own
implicit resolvers and constructed with its own constructors, so ``yes``, ``010``,
``1_000``, ``2018-01-01``, ``.inf`` and ``~`` mean what PyYAML says they mean; no rule of
YAML's typing is written here. ``tests/test_yamlfast.py`` checks the promise differentially
against ``yaml.load``.

How: the text is cut into entry blocks at each ``"\\n- "``. :class:`_Fast` reads a block
made of the usual lines (its first ``key: value``, then ``key: value`` and ``key:`` at column
2, ``- item`` lines of an indentless sequence, blank and comment lines) in a short loop in
which a line seen before is one dict lookup: each distinct line is classified once per call
(``kind: paper``, ``year: 2019``, ``topics: [..]`` repeat), flat flow collections are split
at ``", "`` and their tokens cached. Any other block (nested mappings, ``- key: v`` items,
literal blocks, quoted keys ...) is read by :class:`_Reader`, a general recursive descent
over its lines that knows the rest of the emitter's layout and hand edits of it. Why not a
regex per line or per block: under CPython a regex match or a method call costs about a
thousand machine instructions and a bytecode about a hundred (measured with callgrind);
the floor is a few operations per line, and the speed comes from doing the expensive ones
once per distinct line.
"""

from __future__ import annotations

import gc
import re
from functools import lru_cache
from json.decoder import scanstring
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import ScalarNode

#: The loader whose result is reproduced (the one ``wsskg.yamlio`` uses).
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
STR_TAG = "tag:yaml.org,2002:str"
INT_TAG = "tag:yaml.org,2002:int"

#: libyaml refuses an implicit (simple) key longer than 1024 characters; stay well below.
MAX_KEY_LEN = 1000
#: Flow texts longer than this take the general flow path (which checks key lengths).
MAX_FLAT_FLOW = 1000

# -- characters ---------------------------------------------------------------------------------
# Only the space is a blank below: line breaks other than LF never get that far (see
# _UNSURE_CHAR), a line with a tab is left to the general reader (which only accepts one in a
# literal block's text), and YAML does not count other Unicode spaces as blanks.

#: Characters libyaml reads as themselves everywhere: printable, no line break other than
#: LF (no CR, NEL, LS, PS), no BOM (libyaml skips one at the start of a line); and the tab,
#: which only a literal block's text may hold (a line with a tab anywhere else is not sure).
#: Any other character anywhere makes the whole text "not sure".
_UNSURE_CHAR = re.compile(
    "[^\t\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)
#: The same for one-byte texts (ASCII or Latin-1), checked with ``bytes.translate``.
_SURE_LATIN1 = bytes([0x09, 0x0A, *range(0x20, 0x7F), *range(0xA0, 0x100)])
#: JSON reads these but libyaml does not read them the same: ``\\/`` and escaped surrogates
#: (may also flag an escaped backslash followed by ``/`` or ``u``: that only costs speed).
_JSON_ONLY_ESCAPE = re.compile(r"\\(?:/|u[dD][89a-fA-F])")


def _chars_sure(text: str) -> bool:
    """No character in ``text`` that :data:`_UNSURE_CHAR` refuses (fast for the usual texts)."""
    try:
        return not text.encode("latin-1").translate(None, _SURE_LATIN1)
    except UnicodeEncodeError:
        pass
    if text.replace("\n", " ").replace("\t", " ").isprintable():
        return True  # Python's printable characters are a subset of the sure ones
    return not _UNSURE_CHAR.search(text)


# -- token regexes ----------------------------------------------------------------------------

#: A double-quoted scalar on one line (its escapes are checked when it is decoded).
_DQ = r'"[^"\\\n]*+(?:\\.[^"\\\n]*+)*+"'
#: A single-quoted scalar on one line: ``''`` is a quote, nothing else is special.
_SQ = r"'[^'\n]*+(?:''[^'\n]*+)*+'"
#: Characters that may not start a plain scalar (YAML indicators), and the blank.
_INDICATORS = "-?:,[]{}#&*!|>'\"%@` "
_PLAIN_FIRST = r"[^ \-?:,\[\]{}#&*!|>'\"%@`\n]"
#: A plain key in block context: no indicator first, no ``:``, ``#`` or flow indicator at all,
#: no trailing blank (a conservative subset of what YAML allows).
_BLOCK_KEY = rf"{_PLAIN_FIRST}(?:[^:#,\[\]{{}}\n]*[^ :#,\[\]{{}}\n])?"
#: A plain scalar in flow context: no ``:``, ``#`` or flow indicator at all; ``-`` may start
#: it when a non-blank, non-indicator follows (``-1``, ``-x``).
_FLOW_PLAIN_REST = r"(?:[^:#,\[\]{}\n]*[^ :#,\[\]{}\n])?"
_FLOW_PLAIN = rf"(?:{_PLAIN_FIRST}|-(?=[^ :#,\[\]{{}}\n])){_FLOW_PLAIN_REST}"
_FLOW_SCALAR = rf"(?>{_DQ}|{_SQ}|{_FLOW_PLAIN})"

#: One line for the general reader: indentation, ``- `` (a sequence entry), an optional
#: ``key:`` (followed by blanks or the end of the line), and the rest without trailing blanks.
#: Used for the lines the cheap split in :meth:`_Reader.info` cannot classify.
_LINE = re.compile(rf"( *)(- |)(?:((?>{_BLOCK_KEY}|{_DQ}|{_SQ})):(?: +|$))?((?:.*[^ ])?) *")
_SQ_FULL = re.compile(_SQ)
_FLOW_PLAIN_FULL = re.compile(_FLOW_PLAIN)
#: Nested flow collections: tokens (``:`` only when a blank follows) and the check that the
#: tokens cover the whole text.
_FLOW_TOKEN_RE = rf"{_FLOW_SCALAR}|[\[\]{{}},]|:(?= )"
_FLOW_TOKEN = re.compile(_FLOW_TOKEN_RE)
_FLOW_WHOLE = re.compile(rf"(?: *(?:{_FLOW_TOKEN_RE}))* *")
_FLOW_PUNCT = frozenset("[]{},:")

#: Line kinds of the fast loop: a key with a value at column 2, an item at column 2, the first
#: key of a block (``key: value`` right after its ``- ``), the same two with no value, a blank
#: or comment line, anything else (the general reader's).
_K, _I, _S, _KE, _SE, _B, _X, _KC, _IC, _SC = range(10)
#: The kinds whose value (a list or mapping) is copied for each use: (kind, key, value, copier).
_COPIED = {_K: _KC, _I: _IC, _S: _SC}
_X_INFO = (_X, None, None, None)
#: A value copier meaning "nested: do not cache this line".
_NESTED = object()
#: What the first character of a value says to do (see :func:`_kinds_table`).
_STR, _RESOLVE, _DQUOTE, _OTHER = range(4)
_MISSING = object()
_NOKEY = object()
#: A blank or comment line's indentation in :meth:`_Reader.info`.
_INSIGNIFICANT = -1


class NotSure(Exception):
    """Internal: the text is outside what this reader vouches for; use ``yaml.load``."""


class _Complex(Exception):
    """Internal: an entry block is not in the fast loop's layout; the general reader reads it."""


def load_blocks(text: str) -> list[Any] | None:
    """The list of entry mappings in a run of catalog entry blocks, or None when not sure.

    ``text`` is one or more ``- ...`` blocks at column 0 (as split from the ``entries:``
    list of catalog.yaml, any number of them, cut at any ``"\\n- "``), possibly with comment
    and blank lines. The result equals ``yaml.load(text, Loader=yaml.CSafeLoader)`` (values
    and types); None means "parse it with yaml.load" (which also reports any error with its
    place). Each call is independent (no state survives it) and costs ~20 us besides the
    parse, so runs of a few dozen blocks are fine; bigger runs reuse more of the per-line
    cache. The garbage collector is paused during the call.
    """
    if not _standard_loader() or not _chars_sure(text):
        return None
    enabled = gc.isenabled()
    gc.disable()  # hundreds of thousands of new containers, none of them garbage
    try:
        return _Fast(text).document()
    except (NotSure, ValueError, RecursionError):
        # ValueError: json's scanstring or a constructor (e.g. an impossible date) refused
        return None
    finally:
        if enabled:
            gc.enable()


def _standard_loader() -> bool:
    """Does the loader still build containers and strings the standard way (no constructor,
    path resolver or wildcard implicit resolver registered on it since)? Otherwise
    reproducing it is not this module's job."""
    cons = LOADER.yaml_constructors
    return (
        cons.get(STR_TAG) is SafeConstructor.construct_yaml_str
        and cons.get("tag:yaml.org,2002:map") is SafeConstructor.construct_yaml_map
        and cons.get("tag:yaml.org,2002:seq") is SafeConstructor.construct_yaml_seq
        and not LOADER.yaml_path_resolvers
        and None not in LOADER.yaml_implicit_resolvers
    )


def _dq(tok: str) -> str:
    """A double-quoted scalar that must fill ``tok``, read by json when json reads it as
    libyaml does (JSON's escapes are a subset of YAML's, with the exceptions checked)."""
    if "\\" in tok and _JSON_ONLY_ESCAPE.search(tok):
        raise NotSure
    value, end = scanstring(tok, 1)
    if end != len(tok):
        raise NotSure  # something after the closing quote (a comment, a ':', more text)
    return value


def _sq(tok: str) -> str:
    """A single-quoted scalar that must fill ``tok``."""
    if not _SQ_FULL.fullmatch(tok):
        raise NotSure
    return tok[1:-1].replace("''", "'")


@lru_cache(maxsize=4)
def _kinds_table(first: frozenset[str]) -> dict[str, int]:
    """First character of a value -> what to do with it: a plain string as it is, ask the
    resolver (``first``: the characters implicit resolvers are registered for), a
    double-quoted scalar, or anything else (the careful path). Characters not in the table
    (non-ASCII, unless a resolver is registered for them) are plain strings. Shared: never
    modified."""
    table = {c: (_RESOLVE if c in first else _STR) for c in map(chr, range(128))}
    table.update({c: _OTHER for c in _INDICATORS})
    table.update({'"': _DQUOTE, "": _OTHER, "\n": _OTHER})
    table.update({c: _RESOLVE for c in first if c not in _INDICATORS})
    return table


class _Resolver:
    """Plain scalars to values with the loader's own implicit resolvers and constructors.

    Results are cached per text (they are immutable: str, int, float, bool, None, date,
    datetime). A scalar whose first character no implicit resolver is registered for is a
    string without asking.
    """

    def __init__(self) -> None:
        self.table = LOADER.yaml_implicit_resolvers
        self.first = frozenset(k for k in self.table if k)
        self.loader = LOADER("")  # only its constructor table is used
        self.cache: dict[str, Any] = {}

    def plain(self, s: str) -> Any:
        if s and s[0] not in self.first:
            return s
        v = self.cache.get(s, _MISSING)
        if v is _MISSING:
            v = self.cache[s] = self._construct(s)
        return v

    def _construct(self, s: str) -> Any:
        # BaseResolver.resolve for a plain scalar, without its path and wildcard resolvers
        # (load_blocks only runs when the loader has none)
        for tag, regexp in self.table.get(s[0] if s else "", ()):
            if regexp.match(s):
                break
        else:
            return s
        if tag == INT_TAG and s.isascii() and s.isdigit() and (s[0] != "0" or s == "0"):
            return int(s)  # what construct_yaml_int makes of a plain decimal
        ctor = self.loader.yaml_constructors.get(tag)
        if ctor is None:
            raise NotSure  # merge (<<), value (=), the 'yaml' tag: yaml.load refuses or merges
        return ctor(self.loader, ScalarNode(tag, s))


class _Keys(dict):
    """Key token -> key (a dict, so a hit is one C lookup; a miss resolves the token)."""

    def __init__(self, plain) -> None:
        super().__init__()
        self.plain = plain

    def __missing__(self, tok: str) -> Any:
        if len(tok) > MAX_KEY_LEN:
            raise NotSure
        c = tok[0]
        k = self[tok] = _dq(tok) if c == '"' else _sq(tok) if c == "'" else self.plain(tok)
        return k


class _NotFlat(Exception):
    """Internal: a piece of a flat flow collection is not one whole scalar."""


class _Tokens(dict):
    """Flow token -> value, for tokens that are one whole scalar: double-quoted (read as
    :func:`_dq` reads it), single-quoted, or plain in flow context (resolved). Any other
    token raises :class:`_NotFlat` (uncached: rare)."""

    def __init__(self, plain) -> None:
        super().__init__()
        self.plain = plain

    def __missing__(self, tok: str) -> Any:
        c = tok[:1]
        if c == '"':
            if "\\" in tok and _JSON_ONLY_ESCAPE.search(tok):
                raise NotSure
            try:
                v, end = scanstring(tok, 1)
            except ValueError:
                raise _NotFlat from None  # unterminated (a ", " inside it was split) or a YAML escape
            if end != len(tok):
                raise _NotFlat
        elif c == "'":
            if not _SQ_FULL.fullmatch(tok):
                raise _NotFlat
            v = tok[1:-1].replace("''", "'")
        elif _FLOW_PLAIN_FULL.fullmatch(tok):
            v = self.plain(tok)
        else:
            raise _NotFlat
        self[tok] = v
        return v


class _Shared:
    """What one :func:`load_blocks` call's readers share: the resolver, caches, flow reading."""

    def __init__(self, text: str) -> None:
        #: no escape json and libyaml read differently in the text: decode without checking
        self.plain_dq = not ("\\" in text and _JSON_ONLY_ESCAPE.search(text))
        self.res = _Resolver()
        self.plain = self.res.plain
        self.kinds = _kinds_table(self.res.first)
        self.keys = _Keys(self.plain)
        #: ``indent + dash + key`` -> (indent, dash, key) for lines known to be plain-key lines
        self.heads: dict[str, tuple[int, bool, Any]] = {}
        #: the fast loop's: head of a plain key line at column 2 or 0 (no dash) -> (kind, key)
        self.line_heads: dict[str, tuple[int, Any]] = {}
        self.tokens = _Tokens(self.plain)
        self.templates: dict[str, tuple[dict[Any, Any], Any]] = {}

    # -- flow collections ----------------------------------------------------------------

    def flow(self, text: str) -> Any:
        """A flow collection filling ``text`` (one line)."""
        if len(text) <= MAX_FLAT_FLOW:
            v = self.flat_seq(text) if text[0] == "[" else self.flat_map(text)
            if v is not None:
                return v
        return self.flow_general(text)

    def flat_seq(self, text: str) -> list[Any] | None:
        """``[a, "b c", 3]``: whole scalars separated by ``", "``; None for anything else."""
        if text[-1] != "]":
            return None
        inner = text[1:-1]
        if not inner:
            return []
        try:
            return list(map(self.tokens.__getitem__, inner.split(", ")))
        except _NotFlat:
            return None  # e.g. a ", " inside a quoted scalar, nesting, "a,b"

    def flat_map(self, text: str) -> dict[Any, Any] | None:
        """``{url: "https://..", kind: code}``: whole scalars as keys and values, ``": "``
        inside and ``", "`` between pairs; None for anything else.

        Mappings that differ only in their first double-quoted value (links: the same keys
        and kind, another URL) share a template: the text with that value cut out. The
        value sits after the first ``': "'``, behind a plain key (no quote before it, so
        every ``", "`` there separates pairs); libyaml reads it as one token whatever it
        holds, so the mapping is the template's with that value replaced.
        """
        if text[-1] != "}":
            return None
        pre, sep, _ = text.partition(': "')
        if not sep or not self.plain_dq or '"' in pre or "'" in pre:
            return self.split_map(text)
        try:
            value, end = scanstring(text, len(pre) + 3)
        except ValueError:
            return None
        template = pre + "\0" + text[end:]  # NUL never reaches here (see _UNSURE_CHAR)
        hit = self.templates.get(template)
        if hit is not None:
            out = hit[0].copy()
            out[hit[1]] = value
            return out
        out = self.split_map(text)
        if out is not None:
            key = self.tokens.get(pre.rpartition(", ")[2] if ", " in pre else pre[1:], _MISSING)
            if key is not _MISSING and out.get(key, _MISSING) == value:
                self.templates[template] = (dict(out), key)
        return out

    def split_map(self, text: str) -> dict[Any, Any] | None:
        """:meth:`flat_map` by splitting at ``", "`` and ``": "``."""
        inner = text[1:-1]
        out: dict[Any, Any] = {}
        if not inner:
            return out
        tok, scan = self.tokens, scanstring
        try:
            for part in inner.split(", "):
                k, _, v = part.partition(": ")  # no ": ": an empty value token, not a scalar
                if v[:1] == '"' and self.plain_dq:
                    val, end = scan(v, 1)  # a value is usually unique: not worth caching
                    if end != len(v):
                        return None
                    out[tok[k]] = val
                else:
                    out[tok[k]] = tok[v]
        except (_NotFlat, ValueError):
            return None  # e.g. a ", " inside a quoted scalar, nesting, "a,b"
        if len(out) != inner.count(", ") + 1:
            raise NotSure  # a duplicate key
        return out

    def flow_general(self, text: str) -> Any:
        """Any one-line flow collection of scalars, sequences and mappings (with ``": "``)."""
        if not _FLOW_WHOLE.fullmatch(text):
            raise NotSure
        toks = _FLOW_TOKEN.findall(text)
        try:
            v, j = self.flow_node(toks, 0)
        except IndexError:
            raise NotSure from None  # unbalanced brackets
        if j != len(toks):
            raise NotSure
        return v

    def flow_node(self, toks: list[str], j: int) -> tuple[Any, int]:
        """The flow node starting at token ``j``, and the index after it."""
        t = toks[j]
        if t == "[":
            seq: list[Any] = []
            j += 1
            if toks[j] == "]":
                return seq, j + 1
            while True:
                v, j = self.flow_node(toks, j)
                seq.append(v)
                t = toks[j]
                if t == "]":
                    return seq, j + 1
                if t != ",":
                    raise NotSure  # "[a: b]" (a pair in a sequence) and the like
                j += 1
        if t == "{":
            m: dict[Any, Any] = {}
            j += 1
            if toks[j] == "}":
                return m, j + 1
            while True:
                t = toks[j]
                if t in _FLOW_PUNCT or toks[j + 1] != ":":
                    raise NotSure  # a collection as key, a key without value, ...
                k = self.keys[t]
                if k in m:
                    raise NotSure
                m[k], j = self.flow_node(toks, j + 2)
                t = toks[j]
                if t == "}":
                    return m, j + 1
                if t != ",":
                    raise NotSure
                j += 1
        if t in _FLOW_PUNCT:
            raise NotSure  # an empty node ("[a, , b]", "{a: }", a trailing comma)
        c = t[0]
        if c == '"':
            return _dq(t), j + 1
        if c == "'":
            return t[1:-1].replace("''", "'"), j + 1
        return self.plain(t), j + 1


class _Fast:
    """The fast loop: entry blocks made of the usual lines, each line classified once per text.

    The usual lines: ``key: value`` first (after the block's ``- ``), then ``key: value``
    and ``key:`` at column 2, ``- item`` lines at column 2 under a ``key:`` (an indentless
    sequence), blank and comment lines. A block with any other line (:data:`_X`) is read by
    the general :class:`_Reader`. Identical lines (``kind: paper``, ``year: 2019``,
    ``topics: [..]``) are classified once: :meth:`miss` caches ``(kind, key, value,
    copier)`` per line text; a list or mapping value is copied for each use.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.sh = _Shared(text)
        self.plain_dq = self.sh.plain_dq
        self.null = self.sh.plain("")  # what an empty value is (None)
        self.reader = _Reader("", self.sh)  # for its line classification and scalars
        self.cache: dict[str, tuple[int, Any, Any, Any]] = {}
        self.tabs = "\t" in text
        self.heads_get, self.kinds_get, self.plain = self.sh.line_heads.get, self.sh.kinds.get, self.sh.plain

    def document(self) -> list[Any]:
        text = self.text
        if not text.startswith("- "):
            return _Reader(text, self.sh).document()  # comments first, or not our layout
        blocks = text.split("\n- ")
        blocks[0] = blocks[0][2:]
        out: list[Any] = []
        entry = self.entry
        for block in blocks:
            try:
                out.append(entry(block))
            except (_Complex, NotSure, ValueError):
                out.extend(_Reader("- " + block, self.sh).document())
        return out

    def entry(self, block: str) -> dict[Any, Any]:
        """One entry block without its ``- ``, or :class:`_Complex`.

        The hot loop: a line is classified once (:meth:`miss`), then looked up. ``seq`` is
        the indentless sequence being filled, ``pending`` the key a first item would start
        one for.
        """
        lines = block.split("\n")
        cget, miss, null = self.cache.get, self.miss, self.null
        K, KC, I, IC, KE, B, NOKEY = _K, _KC, _I, _IC, _KE, _B, _NOKEY  # noqa: N806 - fast locals
        kind, key, v, copier = cget(lines[0]) or miss(lines[0])
        if kind == _S or kind == _SC:
            d = {key: v if copier is None else copier(v)}
            pending = NOKEY
        elif kind == _SE:
            d = {key: null}
            pending = key
        else:
            raise _Complex  # not a mapping whose first key follows the "- "
        seq: list[Any] | None = None
        for line in lines[1:]:
            kind, key, v, copier = cget(line) or miss(line)
            if kind == K:
                if key in d:
                    raise _Complex  # a duplicate key
                d[key] = v
                seq = None
                pending = NOKEY
            elif kind == I or kind == IC:
                if kind == IC:
                    v = copier(v)
                if seq is not None:
                    seq.append(v)
                elif pending is not NOKEY:
                    seq = d[pending] = [v]
                    pending = NOKEY
                else:
                    raise _Complex  # an item after a scalar value
            elif kind == KC or kind == KE:
                if key in d:
                    raise _Complex
                if kind == KC:
                    d[key] = copier(v)
                    pending = NOKEY
                else:
                    d[key] = null  # unless "- item" lines follow
                    pending = key
                seq = None
            elif kind != B:
                raise _Complex
        return d

    def miss(self, line: str) -> tuple[int, Any, Any, Any]:
        """The info of a line not seen before (cached): the usual lines (a known plain key at
        column 2 or first, or an item, with a plain, double-quoted or flat flow value) read
        here, without further calls; any other line by :meth:`classify`. A flow mapping item
        (a link: usually unique) is not cached, so it is not copied either."""
        if self.tabs and "\t" in line:
            return self.classify(line)  # the general reader's (a literal block's line, or not sure)
        if line[:5] == "  - {" and len(line) <= MAX_FLAT_FLOW:
            v = self.sh.flat_map(line[4:])  # a link, most likely: fresh, not cached
            return (_I, None, v, None) if v is not None else self.classify(line)
        head, sep, rest = line.partition(": ")
        hit = self.heads_get(head) if sep else None
        if hit is not None:
            kind, key = hit
        elif line[:4] == "  - ":
            kind, key, rest = _I, None, line[4:]
            if rest[:1] != "{" and (": " in rest or rest[-1:] == ":"):
                return self.classify(line)  # "- key: value": a mapping item
        else:
            return self.classify(line)
        if not rest or rest[-1] == " ":
            return self.classify(line)
        vk = self.kinds_get(rest[0], _STR)
        if vk == _STR or vk == _RESOLVE:
            if ": " in rest or " #" in rest or rest[-1] == ":":
                return self.classify(line)  # a plain scalar would end there
            info = (kind, key, rest if vk == _STR else self.plain(rest), None)
        elif vk == _DQUOTE and self.plain_dq:
            v, end = scanstring(rest, 1)
            if end != len(rest):
                return self.classify(line)
            info = (kind, key, v, None)
        elif len(rest) <= MAX_FLAT_FLOW and rest[0] == "[":
            v = self.sh.flat_seq(rest)
            if v is None:
                return self.classify(line)
            info = (_COPIED[kind], key, v, list)
        elif len(rest) <= MAX_FLAT_FLOW and rest[0] == "{":
            v = self.sh.flat_map(rest)
            if v is None:
                return self.classify(line)
            info = (_COPIED[kind], key, v, dict.copy)
        else:
            return self.classify(line)
        self.cache[line] = info
        return info

    def classify(self, line: str) -> tuple[int, Any, Any, Any]:
        """``(kind, key, value, copier)`` of a line of an entry block (see :data:`_K` and the
        others); cached unless the value is a nested flow collection."""
        try:
            if "\t" in line:
                raise _Complex  # a literal block's line, or not sure
            if line[:4] == "  - ":
                item = line[4:].rstrip(" ")
                if not item or item[0] not in ("{", "[") and (": " in item or item[-1] == ":"):
                    raise _Complex  # "- key: value" (a mapping item), or "- " alone
                kind, key, rest = _I, None, item
            else:
                ind, dash, key, rest = self.reader.info(line)
                if ind == _INSIGNIFICANT:
                    kind = _B
                elif dash or key is _NOKEY or ind not in (0, 2):
                    raise _Complex
                elif not rest:
                    kind = _KE if ind == 2 else _SE
                else:
                    kind = _K if ind == 2 else _S
            if not rest or kind == _B:
                info: tuple[int, Any, Any, Any] = (kind, key, None, None)
            else:
                v, copier = self.value(rest)
                if copier is _NESTED:
                    return (kind, key, v, None)  # not cached: a nested value needs a deep copy
                if copier is not None:
                    kind = _COPIED[kind]
                info = (kind, key, v, copier)
        except (_Complex, NotSure, ValueError):
            info = _X_INFO  # the general reader will say what it is (or that it is not sure)
        self.cache[line] = info
        return info

    def value(self, rest: str) -> tuple[Any, Any]:
        """The value of a line whose value text is ``rest``, and how to copy it for another
        use: None (immutable), ``list``, ``dict.copy``, or :data:`_NESTED` (do not reuse)."""
        sh = self.sh
        vk = sh.kinds.get(rest[0], _STR)
        if vk == _STR:
            if ": " in rest or " #" in rest or rest[-1] == ":":
                raise _Complex  # a plain scalar would end there
            return rest, None
        if vk == _DQUOTE:
            if not self.plain_dq:
                return _dq(rest), None
            v, end = scanstring(rest, 1)
            if end != len(rest):
                raise _Complex  # something after the closing quote
            return v, None
        c = rest[0]
        if c == "[" or c == "{":
            if len(rest) <= MAX_FLAT_FLOW:
                if c == "[":
                    v = sh.flat_seq(rest)
                    if v is not None:
                        return v, list
                else:
                    v = sh.flat_map(rest)
                    if v is not None:
                        return v, dict.copy
            return sh.flow_general(rest), _NESTED
        if c == "|":
            raise _Complex  # a literal block: the general reader reads its lines
        return self.reader.value(rest, 0, 0)[0], None


Info = tuple  # (indent, dash, key or _NOKEY, rest): one classified line


class _Reader:
    """The general reader: one text's lines and a recursive descent over them.

    A block collection at column ``col`` reads its lines and returns, with the classified
    line (:meth:`info`) it stopped at, at the first significant line (not blank, not a
    comment) that does not belong to it; a line indented deeper than any open collection
    expects is not sure. The block readers return ``(value, index, info of that line)``.
    """

    def __init__(self, text: str, shared: _Shared) -> None:
        self.raw = text.split("\n")
        self.n = len(self.raw)
        self.tabs = "\t" in text
        self.sh = shared
        self.plain = shared.plain
        self.heads = shared.heads

    # -- lines ---------------------------------------------------------------------------

    def info(self, line: str) -> Info:
        """``(indent, dash, key, rest)`` of a line, as :data:`_LINE` reads it; indent is
        :data:`_INSIGNIFICANT` for blank and comment lines. Cheap for the common lines: a
        key line whose head (``indent + dash + key``) was seen, an item without a key. A tab
        (outside a literal block, which :meth:`literal` reads) is not sure."""
        if self.tabs and "\t" in line:
            raise NotSure
        head, sep, rest = line.partition(": ")
        if sep:
            hit = self.heads.get(head)
            if hit is not None:
                if rest[:1] == " " or rest[-1:] == " ":
                    rest = rest.strip(" ")
                return hit[0], hit[1], hit[2], rest
            s = head.lstrip(" ")
            if s[:2] == "- " and s[2:3] in ("{", "["):
                ind = len(head) - len(s)
                return ind, True, _NOKEY, line[ind + 2:].rstrip(" ")
        elif line[-1:] == ":":
            hit = self.heads.get(line[:-1])
            if hit is not None:
                return hit[0], hit[1], hit[2], ""
        else:  # no key (it would need ": " or a final ":")
            s = line.lstrip(" ")
            ind = len(line) - len(s)
            if s[:2] == "- ":
                return ind, True, _NOKEY, s[2:].rstrip(" ")
            if not s or s[0] == "#":
                return _INSIGNIFICANT, False, _NOKEY, ""
            return ind, False, _NOKEY, s.rstrip(" ")
        return self.slow_info(line)

    def slow_info(self, line: str) -> Info:
        m = _LINE.fullmatch(line)
        if m is None:
            raise NotSure
        ind, dash, tok, rest = m.groups()
        if tok is None:
            if not dash and (not rest or rest[0] == "#"):
                return _INSIGNIFICANT, False, _NOKEY, ""
            return len(ind), bool(dash), _NOKEY, rest
        key = self.sh.keys[tok]
        if tok[0] not in "\"'":
            self.heads[ind + dash + tok] = (len(ind), bool(dash), key)
            if not dash and ind in ("", "  "):
                self.sh.line_heads[ind + tok] = (_K if ind else _S, key)
        return len(ind), bool(dash), key, rest

    def next_line(self, i: int) -> tuple[int, Info | None]:
        """The first significant line at or after ``i``, classified (None at the end)."""
        raw, n = self.raw, self.n
        while i < n:
            info = self.info(raw[i])
            if info[0] != _INSIGNIFICANT:
                return i, info
            i += 1
        return i, None

    # -- block structure -----------------------------------------------------------------

    def document(self) -> list[Any]:
        i, info = self.next_line(0)
        if info is None or info[0] != 0 or not info[1]:
            raise NotSure  # nothing (yaml.load gives None), or not a sequence at column 0
        out, i, info = self.sequence(i, 0, info)
        if info is not None:
            raise NotSure  # a line that belongs to no open collection
        return out

    def sequence(self, i: int, col: int, info: Info) -> tuple[list[Any], int, Info | None]:
        """The block sequence whose first ``- `` is line ``i`` (``info``) at column ``col``."""
        out: list[Any] = []
        while True:
            k, rest = info[2], info[3]
            i += 1
            if k is not _NOKEY:
                v, i, info = self.mapping(i, col + 2, k, rest)
            else:
                if not rest:
                    raise NotSure  # "- " alone: the item is on the next lines
                v, i = self.value(rest, i, col)
                i, info = self.next_line(i)
            out.append(v)
            if info is None:
                return out, i, None
            ind = info[0]
            if ind == col and info[1]:
                continue
            if ind <= col:
                return out, i, info
            raise NotSure

    def mapping(self, i: int, col: int, k: Any, rest: str) -> tuple[dict[Any, Any], int, Info | None]:
        """The block mapping at column ``col`` whose first ``key: rest`` was line ``i - 1``."""
        out: dict[Any, Any] = {}
        while True:
            if k in out:
                raise NotSure  # a duplicate key (yaml.load keeps the last; not our layout)
            if not rest:
                out[k], i, info = self.nested(i, col)
            else:
                out[k], i = self.value(rest, i, col)
                i, info = self.next_line(i)
            if info is None:
                return out, i, None
            ind, dash, k, rest = info
            if ind == col and not dash and k is not _NOKEY:
                i += 1
                continue
            if ind < col:
                return out, i, info
            raise NotSure

    def nested(self, i: int, col: int) -> tuple[Any, int, Info | None]:
        """The value of a ``key:`` with nothing after it, at column ``col``: a block
        collection on the next lines, or null."""
        i, info = self.next_line(i)
        if info is not None:
            ind, dash, key, rest = info
            if ind > col:
                if dash:
                    return self.sequence(i, ind, info)
                if key is not _NOKEY:
                    return self.mapping(i + 1, ind, key, rest)
                raise NotSure  # a plain scalar on the next line, or worse
            if ind == col and dash:
                return self.sequence(i, col, info)  # an indentless sequence ("key:" / "- item")
        return self.plain(""), i, info

    # -- scalars ---------------------------------------------------------------------------

    def value(self, rest: str, i: int, col: int) -> tuple[Any, int]:
        """A scalar or one-line flow collection ``rest`` of a key or item at column ``col``
        (line ``i - 1``); a ``|-`` block reads the lines from ``i`` on."""
        c = rest[0]
        if c == '"':
            return _dq(rest), i
        if c == "[" or c == "{":
            return self.sh.flow(rest), i
        if c == "'":
            return _sq(rest), i
        if c == "|":
            if rest != "|-":
                raise NotSure  # |, |+, explicit indentation, a comment after the header
            return self.literal(i, col)
        if c not in _INDICATORS or (c == "-" and rest[1:2] not in ("", " ")):
            if ": " in rest or " #" in rest or rest[-1] == ":":
                raise NotSure  # a plain scalar would end there
            return self.plain(rest), i
        raise NotSure  # > & * ! ? : , ] } # % @ ` or "- " (a block sequence in a value)

    def literal(self, i: int, col: int) -> tuple[str, int]:
        """A ``|-`` literal block whose header ends line ``i - 1``, under a key or ``- `` at
        column ``col``: the lines indented like the first one, joined, trailing breaks
        stripped. Not sure about an empty or blank-only first line, one whose text starts
        with a tab, whitespace-only lines, or a line indented less than the first but more
        than ``col``."""
        raw, n = self.raw, self.n
        first = raw[i] if i < n else ""
        d = len(first) - len(first.lstrip(" "))
        if d <= col or d == len(first) or first[d] == "\t":
            raise NotSure  # libyaml: a tab where the indentation is still being found is an error
        pad = " " * d
        parts: list[str] = []
        while i < n:
            line = raw[i]
            if line.startswith(pad):
                if not line.strip(" "):
                    raise NotSure
                parts.append(line[d:])
            elif not line:
                parts.append("")
            else:
                if not line.strip(" ") or len(line) - len(line.lstrip(" ")) > col:
                    raise NotSure
                break
            i += 1
        while parts and not parts[-1]:
            parts.pop()
        return "\n".join(parts), i
