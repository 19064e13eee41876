"""wsskg.yamlfast.load_blocks must return exactly what ``yaml.load(text, CSafeLoader)`` returns
(values, types, key order) or None. Checked differentially: on the repo's catalog, on
catalogs written by ``dump_yaml`` from random entries with nasty strings, on hand-edited
variants, on random mutations of both; and every construct it does not vouch for must make it
say None, not guess."""

from __future__ import annotations

import datetime
import math
import random
import re
from pathlib import Path

import pytest
import yaml

from wsskg.yamlfast import load_blocks
from wsskg.yamlio import dump_yaml, load_catalog_yaml, load_yaml

REPO = Path(__file__).resolve().parents[1]
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def typed(x):
    """``x`` with every type spelled out (``True`` is not ``1``, ``1.0`` is not ``1``, a date
    is not its string) and key order kept; NaN equals NaN."""
    if isinstance(x, dict):
        return ("dict", [(typed(k), typed(v)) for k, v in x.items()])
    if isinstance(x, list):
        return ("list", [typed(v) for v in x])
    if isinstance(x, float):
        return ("float", "nan" if math.isnan(x) else repr(x))
    return (type(x).__name__, x)


def reference(text: str):
    """yaml.load's result, or the exception class when it refuses the text."""
    try:
        return yaml.load(text, Loader=SafeLoader)  # noqa: S506 - safe loader only
    except Exception as e:  # noqa: BLE001 - any refusal (YAMLError, ValueError from a date...)
        return type(e)


def check(text: str, *, must_be_fast: bool = True):
    """load_blocks(text) is None or yaml.load's result; with ``must_be_fast``, not None."""
    got = load_blocks(text)
    want = reference(text)
    if got is None:
        assert not must_be_fast, f"fell back on:\n{text}"
        return None
    assert isinstance(want, list), f"fast path read text yaml.load refuses ({want}):\n{text}"
    assert typed(got) == typed(want), f"differs from yaml.load on:\n{text}"
    return got


def entries_body(text: str) -> str:
    """The entry blocks of a catalog text (from its first ``- `` after ``entries:``)."""
    body = text[re.search(r"^entries:[ \t]*$", text, re.M).end():]
    return body[body.index("\n- ") + 1:]


# -- the repo's catalog -------------------------------------------------------------------------


def test_repo_catalog_whole_and_block_by_block():
    body = entries_body((REPO / "catalog.yaml").read_text(encoding="utf-8"))
    assert len(check(body)) > 100
    blocks = re.split(r"(?m)^(?=- )", body)[1:]
    for block in blocks:
        check(block)  # every block takes the fast path on its own too


def test_repo_catalog_loads_the_same_through_yamlio():
    text = (REPO / "catalog.yaml").read_text(encoding="utf-8")
    assert load_catalog_yaml(text) == load_yaml(text)


# -- catalogs written by dump_yaml ----------------------------------------------------------------

NASTY = [
    "", " ", "yes", "No", "on", "OFF", "y", "n", "Y", "~", "null", "Null", "NULL", "true", "True",
    "false", "0x1F", "0o17", "0b101", "010", "0", "00", "1_000", "1e3", "1.5", "1.", ".5", "-1.5e-3",
    ".inf", "-.Inf", ".NaN", "2018-01-01", "2018-01-01 10:00:00", "2001-12-14t21:59:43.10-05:00",
    "2018-13-45", "12:30", "190:20:30", "-5", "+5", "-0", "007", "a: b", "a #b", "#x", "a:", ":a",
    "a:b", "- a", "-a", "-", "? x", "?x", "[a]", "{a}", "a, b", "a [b] {c}", "'q'", '"q"', "a'b",
    'a"b', "a\\b", "\\", "\\x41", "tab\there", "line\nbreak", "trail ", " lead", "a  b",
    "x\x00y", "\x07", "\x1b[0m", "\x85", "\u2028", "\u2029", "\ufeff", "\x7f", "\x9f", "\u00a0x",
    "x\u00a0", "é", "日本語", "😀", "\ud7ff", "\ue000", "\ufffd", "*a", "&a", "!t", "!!str", "|",
    ">", "%x", "@x", "`x", "<<", "=", "a\r\nb", "C#", "http://x.y/z?a=b#c", "a\n\nb", "\nx", "x\n",
    "x\n\n", "  x\ny", "a\n  b", "- x\n- y", "key: value\nk2: v2", "…", "’", "—",
]


def nasty_string(r: random.Random) -> str:
    k = r.random()
    if k < 0.4:
        return r.choice(NASTY)
    if k < 0.6:
        return "".join(r.choice(NASTY) for _ in range(r.randint(1, 3)))
    return "".join(r.choice("abcXYZ019 :#-'\"\\,[]{}é\n\t") for _ in range(r.randint(0, 14)))


def nasty_value(r: random.Random, depth: int = 0):
    k = r.random()
    if k < 0.45:
        return nasty_string(r)
    if k < 0.55:
        return r.choice([None, True, False, 0, 1, -3, 10**20, 1.5, -0.0, 1e300, float("inf"), 2019])
    if depth > 1:
        return nasty_string(r)
    if k < 0.75:
        return [nasty_value(r, depth + 1) for _ in range(r.randint(0, 4))]
    return {nasty_string(r) or "k": nasty_value(r, depth + 1) for _ in range(r.randint(0, 3))}


KEYS = ["title", "kind", "status", "year", "authors", "links", "notes", "mentions", "results",
        "topics", "yes", "on", "1", "a b", "null", "~", "x:y", "<<"]


def random_entry(r: random.Random) -> dict:
    e = {"id": nasty_string(r) or "x"}
    for _ in range(r.randint(0, 8)):
        e[r.choice(KEYS + [nasty_string(r) or "z"])] = nasty_value(r)
    if r.random() < 0.3:
        e["links"] = [{"url": nasty_string(r), "kind": r.choice(["paper", "code", nasty_string(r)])}
                      for _ in range(r.randint(1, 3))]
    return e


def dumped_body(entries: list[dict]) -> str:
    text = dump_yaml({"entries": entries})
    return text[len("entries:\n"):]


def test_dump_yaml_output_of_random_nasty_entries():
    fast = total = 0
    for seed in range(400):
        r = random.Random(seed)
        body = dumped_body([random_entry(r) for _ in range(r.randint(1, 5))])
        total += 1
        fast += check(body, must_be_fast=False) is not None
    assert fast >= 0.97 * total  # the emitter's own output takes the fast path


def test_bench_like_entries_take_the_fast_path():
    r = random.Random(7)
    names = ["Kaiming He", "Yi Wei", "Tsung-Yi Lin", "Olaf Ronneberger", "Noah Snavely", "Fei-Fei Li"]
    entries = []
    for i in range(300):
        e = {"id": f"p{i:05d}-2019", "title": r.choice(["Fully Conv: Nets", "On Things", "Yes We Can", "Plain"]),
             "kind": "paper", "status": r.choice(["unread", "read"]), "topics": ["Reading List/webly"],
             "venue": "CVPR 2019", "year": 2019, "arxiv_id": f"19{i % 12 + 1:02d}.{i:05d}",
             "authors": r.sample(names, r.randint(1, 6)),
             "links": [{"url": f"https://arxiv.org/abs/19{i:02d}", "kind": "paper"}] * r.randint(0, 2),
             "citation_count": r.randint(0, 5000)}
        if i % 7 == 0:
            e["read_on"] = "2022-03-03"
            e["comment"] = "a, b [c] {d}: e"
        entries.append(e)
    assert len(check(dumped_body(entries))) == 300


# -- hand-edited variants ---------------------------------------------------------------------------

HAND_EDITED = [
    # comments between keys and entries, blank lines
    "- id: a\n  # a comment\n  title: T\n\n  year: 2019\n# between entries\n\n- id: b\n  kind: paper\n",
    "- id: a\n  authors:\n  # who\n  - X\n\n  - Y\n  links:\n  - {url: \"u\", kind: code}\n",
    # single quotes, extra spaces after the colon and trailing blanks
    "- id: 'it''s'\n  title:    'a: b # c'\n  kind:   paper   \n  year:  2019\n",
    "- id: a\n  topics: ['x, y', \"z\", w]\n  links:\n  - {url: 'https://x', kind: 'code'}\n",
    # the same with keys already seen (the fast loop's cached heads)
    "- id: a\n  kind: x\n  title: t\n- id: b\n  kind: paper   \n  title: \"t\"  \n  links:  \n  - x  \n",
    # key order changed, keys YAML types
    "- kind: paper\n  id: a\n  yes: 1\n  2: two\n  ~: nothing\n  Off: two\n",
    # flow lists of numbers and other scalars
    "- id: a\n  pages: [1, 2, 3]\n  mixed: [1, 1.5, -2, 0x10, 010, 1_000, .inf, yes, ~, 2018-01-01, x]\n",
    "- id: a\n  empty: []\n  none: {}\n  nested: {a: [1, {b: c}], d: {e: \"f\"}}\n  seq: [[1, 2], [3]]\n",
    # values a hand editor writes: dates, bools, negative numbers, plain with inner specials
    "- id: a\n  read_on: 2022-03-03\n  done: true\n  on: off\n  delta: -3\n  note: C# or C++, [maybe] {x}\n",
    "- id: a\n  url: http://x.y/z?a=b#frag\n  time: 12:30:00\n  ratio: 1:2\n",
    # nested block mappings and sequences of mappings (the emitter's mentions and results)
    "- id: a\n  mentions:\n  - topic: X\n    form: row\n    line: 44\n  - topic: Y\n    text: \"t\\n\"\n  last: 1\n",
    "- id: a\n  meta:\n    deep:\n      deeper: 1\n    list:\n      - a\n      - b\n  after: 2\n",
    "- id: a\n  results:\n  - {table: T, values: {val: \"61.4\", test: \"63.2\"}, note: \"n\"}\n",
    # literal blocks
    "- id: a\n  abstract: |-\n    line one\n\n      indented # not a comment\n    - not an item\n  year: 1\n",
    "- id: a\n  quotes:\n  - |-\n    first\n    second\n  - plain\n",
    "- id: a\n  code: |-\n    def f():\n    \treturn 1\n    \t\n  after: x\n",
    # unicode
    "- id: 日本\n  title: \"😀 \\u00e9\"\n  author: Émile Zola\n",
    # indentless vs indented sequences, empty values
    "- id: a\n  authors:\n    - X\n    - Y\n  links:\n  empty:\n  other: 1\n",
    "- id: a\n- id: b\n  x:\n- id: c\n",
]


@pytest.mark.parametrize("text", HAND_EDITED)
def test_hand_edited_variants(text):
    check(text)


def test_null_and_odd_keys_are_resolved_like_yaml():
    got = check("- id: a\n  yes: 1\n  2: two\n  ~: nothing\n  2018-01-01: date\n")
    assert list(got[0]) == ["id", True, 2, None, datetime.date(2018, 1, 1)]


# -- fallbacks ---------------------------------------------------------------------------------------

FALLBACKS = {
    "anchor and alias": "- id: &a x\n  other: *a\n",
    "alias": "- id: x\n  other: *a\n",
    "tag": "- id: !!str 1\n",
    "local tag": "- id: !foo x\n",
    "explicit key": "- ? id\n  : x\n",
    "explicit key in mapping": "- id: x\n  ? k\n  : v\n",
    "multi-line plain": "- id: a\n  title: one\n    two\n",
    "multi-line plain after blank": "- id: a\n  title: one\n\n    two\n",
    "multi-line double-quoted": "- id: a\n  title: \"one\n    two\"\n",
    "multi-line single-quoted": "- id: a\n  title: 'one\n    two'\n",
    "flow sequence over lines": "- id: a\n  topics: [a,\n    b]\n",
    "flow mapping over lines": "- id: a\n  links:\n  - {url: \"u\",\n    kind: code}\n",
    "literal keep": "- id: a\n  t: |\n    x\n",
    "literal plus": "- id: a\n  t: |+\n    x\n",
    "literal indent indicator": "- id: a\n  t: |2-\n     x\n",
    "folded": "- id: a\n  t: >-\n    x\n    y\n",
    "literal leading blank line": "- id: a\n  t: |-\n\n    x\n",
    "literal starting with a tab": "- id: a\n  t: |-\n    \tx\n    y\n",
    "literal whitespace-only line": "- id: a\n  t: |-\n    x\n      \n    y\n",
    "trailing comment on plain": "- id: a # c\n",
    "trailing comment on quoted": "- id: \"a\" # c\n",
    "trailing comment on flow": "- id: a\n  t: [a] # c\n",
    "tab after colon": "- id:\ta\n",
    "tab indentation": "- id: a\n\ttitle: b\n",
    "tab in a value": "- id: a\tb\n",
    "tab before a comment, key seen": "- id: a\n  title: x\n- id: b\n  title: a\t#b\n",
    "mapping value in a value, key seen": "- id: a\n  title: x\n- id: b\n  title: a: b\n",
    "trailing comment, key seen": "- id: a\n  title: x\n- id: b\n  title: a #c\n",
    "final colon, key seen": "- id: a\n  title: x\n- id: b\n  title: a:\n",
    "trailing tab, key seen": "- id: a\n  title: x\n- id: b\n  title: a\t\n",
    "CRLF": "- id: a\r\n  title: b\r\n",
    "duplicate key": "- id: a\n  id: b\n",
    "duplicate key in flow": "- id: a\n  l: {a: 1, a: 2}\n",
    "duplicate key after null": "- id: a\n  k:\n  k: 1\n",
    "keys equal in Python": "- id: a\n  yes: 1\n  1: one\n",
    "null keys": "- id: a\n  ~: 1\n  null: 2\n",
    "escape x": "- id: \"\\x41\"\n",
    "escape e": "- id: \"\\e\"\n",
    "escape N": "- id: \"\\N\"\n",
    "escape underscore": "- id: \"\\_\"\n",
    "escape L": "- id: \"\\L\"\n",
    "escape P": "- id: \"\\P\"\n",
    "escape space": "- id: \"\\ \"\n",
    "escape slash": "- id: \"a\\/b\"\n",
    "escaped surrogate pair": "- id: \"\\ud83d\\ude00\"\n",
    "escaped lone surrogate": "- id: \"\\udc00\"\n",
    "escape in flow": "- id: a\n  l: [\"\\x41\"]\n",
    "escape in link": "- id: a\n  links:\n  - {url: \"\\e\", kind: code}\n",
    "slash in link": "- id: a\n  links:\n  - {url: \"a\\/b\", kind: code}\n",
    "unclosed quote": "- id: \"a\n",
    "merge key": "- id: a\n  <<: {b: 1}\n",
    "value key": "- id: a\n  =: 1\n",
    "control character": "- id: a\x07b\n",
    "NUL": "- id: a\x00b\n",
    "BOM": "- id: \ufeffa\n",
    "NEL": "- id: a\x85b\n",
    "line separator": "- id: a\u2028b\n",
    "DEL": "- id: a\x7fb\n",
    "document marker": "- id: a\n---\n- id: b\n",
    "plain at column 0": "- id: a\nstray\n",
    "item without dash space": "- id: a\n-\n  id: b\n",
    "long key": "- id: a\n  " + "k" * 1100 + ": v\n",
    "nested sequence compact": "- - a\n  - b\n",
    "item after scalar": "- id: a\n  title: t\n  - x\n",
    "mapping value on key line": "- id: a: b\n",
    "empty item": "- \n  id: a\n",
    "bad date": "- id: a\n  d: 2018-13-45\n",
    "sexagesimal in key is fine but directive is not": "%YAML 1.1\n- id: a\n",
}


@pytest.mark.parametrize("name", sorted(FALLBACKS))
def test_fallback_triggers_return_none(name):
    assert load_blocks(FALLBACKS[name]) is None


# -- random mutations: fast path or None, never a different value -------------------------------------

SNIPPETS = [" ", "  ", "#", " #c", ":", ": ", "-", "- ", "'", '"', "\\", "[", "]", "{", "}", ",", ", ",
            "|", "|-", ">", "&a ", "*a", "!!str ", "? ", "\t", "yes", "~", "1", "0x", "\n", "\n  ",
            "\n    ", "\n# c\n", "\n\n", "é", "\\x41", "\\/", "\\ud800", "''", ": \"", "\": "]


def mutate(r: random.Random, text: str) -> str:
    for _ in range(r.randint(1, 4)):
        p = r.randint(0, len(text))
        op = r.random()
        if op < 0.5:
            text = text[:p] + r.choice(SNIPPETS) + text[p:]
        elif op < 0.8:
            text = text[:p] + text[p + r.randint(1, 3):]
        else:
            lines = text.split("\n")
            i, j = r.randrange(len(lines)), r.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
    return text


@pytest.mark.slow
def test_random_mutations_never_give_a_wrong_value():
    repo = entries_body((REPO / "catalog.yaml").read_text(encoding="utf-8")).split("\n")
    fast = 0
    for seed in range(3000):
        r = random.Random(seed)
        if seed % 2:
            a = r.randrange(0, len(repo) - 40)
            src = "\n".join(repo[a:a + 40])
            src = src[src.index("- "):] if "- " in src else src
        else:
            src = dumped_body([random_entry(r) for _ in range(r.randint(1, 4))])
        body = mutate(r, src)
        if not body.startswith("- "):
            body = "- " + body.lstrip()
        fast += check(body, must_be_fast=False) is not None
    assert fast > 200  # the mutants that stay in the layout are still read fast


def test_a_few_mutations_quickly():
    for seed in range(150):
        r = random.Random(10_000 + seed)
        body = mutate(r, dumped_body([random_entry(r) for _ in range(2)]))
        check("- " + body.lstrip() if not body.startswith("- ") else body, must_be_fast=False)


# -- wired into load_catalog_yaml ---------------------------------------------------------------------


def test_load_catalog_yaml_mixes_fast_and_yaml_load_runs(monkeypatch):
    """Runs of blocks outside the fast layout (an anchor and its alias in one block, a tab in
    a comment) are read by yaml.load, the others fast; an alias to another block makes the
    block-by-block load give up as a whole. Every way, the result is one yaml.load's."""
    import wsskg.yamlio as yamlio

    monkeypatch.setattr(yamlio, "FAST_CHUNK_ENTRIES", 40)  # several runs in a small catalog
    r = random.Random(3)
    text = dump_yaml({"title": "T", "entries": [random_entry(r) for _ in range(200)]})
    starts = [m.start() for m in re.finditer(r"(?m)^- id:", text)]
    within = text[:starts[50]] + "- id: &a x\n  again: *a\n" + text[starts[50]:]
    across = text[:starts[50]] + "- id: &a x\n" + text[starts[50]:starts[120]] + "- id: *a\n" + text[starts[120]:]
    tabbed = text[:starts[90]] + "# a\ttab\n" + text[starts[90]:]
    for variant in (text, within, across, tabbed):
        assert typed(load_catalog_yaml(variant)) == typed(load_yaml(variant))


def test_load_catalog_yaml_uses_the_fast_reader(monkeypatch):
    import wsskg.yamlio as yamlio

    real_load, calls = yaml.load, []

    def counting_load(*args, **kwargs):
        calls.append(1)
        return real_load(*args, **kwargs)

    monkeypatch.setattr(yamlio.yaml, "load", counting_load)
    text = (REPO / "catalog.yaml").read_text(encoding="utf-8")
    assert load_catalog_yaml(text)["entries"]
    assert len(calls) == 1  # the head only: every entry block went through load_blocks
