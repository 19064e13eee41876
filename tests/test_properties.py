"""Property-based tests (hypothesis) of the importers and of the catalog loader/emitter.

* The YAML emitter writes any string so that the loader reads back exactly that string, and
  the block-by-block catalog parser gives exactly what one ``yaml.load`` gives.
* ``store.render`` -> ``parse_catalog`` is the identity on generated catalogs, and a status
  change edits the file so that it parses to the same catalog with that one change.
* The Markdown importer never raises anything but a one-line ``WsskgError`` on generated,
  mutated or random text; on valid generated lists every link and checkbox state survives
  import -> export -> import.
* The BibTeX importer keeps titles, DOIs and years through import -> export -> import.
"""

from __future__ import annotations

import re
import string

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import SEED
from wsskg.catalog import Catalog, Entry, Link, Topic
from wsskg.errors import CatalogError, WsskgError
from wsskg.export import to_markdown
from wsskg.formats.markdown import parse_markdown
from wsskg.store import parse_catalog, render, set_status
from wsskg.yamlio import dump_yaml, load_catalog_yaml, load_yaml

pytestmark = pytest.mark.slow  # hypothesis searches: tens of seconds in all

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                      HealthCheck.function_scoped_fixture])

# Text that stresses YAML: indicators, quotes, spaces, line breaks, control and odd Unicode.
NASTY = st.text(alphabet=st.one_of(
    st.sampled_from(list(":#-?&*!|>'\"%@`{}[],. \t\n\r\\~") + ["\x00", "\x1b", "\x85", "\u2028", "\ufeff", "é", "中"]),
    st.characters(blacklist_categories=("Cs",)),
), max_size=40)
ANY_TEXT = st.one_of(NASTY, st.text(max_size=60))


def one_line(err: Exception) -> None:
    assert "\n" not in str(err), str(err)


# -- YAML --------------------------------------------------------------------------------------------

@SETTINGS
@given(ANY_TEXT)
def test_any_string_round_trips_through_the_emitter(s):
    doc = {"title": s, "items": [s, s + "x"], "map": [{"text": s, "after": "a"}]}
    assert load_yaml(dump_yaml(doc)) == doc


@SETTINGS
@given(st.lists(ANY_TEXT, max_size=6), st.integers(min_value=-10**12, max_value=10**12), st.booleans())
def test_mixed_values_round_trip(values, n, flag):
    doc = {"entries": [{"id": f"e{i}", "title": v, "year": n, "flag": flag, "notes": values} for i, v in enumerate(values)]}
    assert load_yaml(dump_yaml(doc)) == doc


# -- catalogs ----------------------------------------------------------------------------------------

TOPICS = ["A", "A/b", "C", "C/d e"]
WORD = st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=8)
IDS = st.builds(lambda a, b: f"{a}-{b}", st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=6), WORD)


@st.composite
def entries(draw, eid):
    status = draw(st.sampled_from(["unread", "reading", "read"]))
    return Entry(
        id=eid,
        title=draw(ANY_TEXT),
        kind=draw(st.sampled_from(["paper", "code", "resource"])),
        status=status,
        read_on=draw(st.dates().map(str)) if status == "read" and draw(st.booleans()) else None,
        topics=draw(st.lists(st.sampled_from(TOPICS), unique=True, max_size=3)),
        form=draw(st.sampled_from(["checkbox", "bullet", "line"])),
        venue=draw(st.none() | ANY_TEXT),
        year=draw(st.none() | st.integers(1000, 2999)),
        links=draw(st.lists(st.builds(Link, url=st.builds(lambda w: f"https://example.org/{w}?q=a&b=#x", WORD),
                                      label=st.sampled_from(["", "code", "pdf"]),
                                      kind=st.sampled_from(["paper", "pdf", "code", "web", "video"])), max_size=3)),
        comment=draw(ANY_TEXT),
        notes=draw(st.lists(ANY_TEXT, max_size=3)),
        authors=draw(st.lists(ANY_TEXT, max_size=3)),
        doi=draw(st.none() | ANY_TEXT.filter(bool)),
        citation_count=draw(st.none() | st.integers(0, 10**6)),
    )


@st.composite
def catalogs(draw, max_entries=8):
    ids = draw(st.lists(IDS, unique=True, max_size=max_entries))
    return Catalog(title=draw(st.none() | ANY_TEXT), topics=[Topic(path=t, name=t.rsplit("/", 1)[-1]) for t in TOPICS],
                   entries=[draw(entries(i)) for i in ids])


@SETTINGS
@given(catalogs())
def test_render_then_parse_is_the_identity(cat):
    text = render(cat)
    back = parse_catalog(text)
    assert back.to_dict() == cat.to_dict()
    assert render(back) == text  # and the layout is stable


@SETTINGS
@given(catalogs())
def test_block_by_block_parse_equals_one_yaml_load(cat):
    text = render(cat)
    assert load_catalog_yaml(text) == load_yaml(text)


MUTATIONS = st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 3), st.sampled_from(
    ["\n", "- ", "  ", "\t", ":", "'", '"', "&a ", "*a", "- id: x\n", "entries:\n", "---\n", "#", "[", "{", "\x00", "é"])),
    min_size=1, max_size=5)


def mutate(text: str, ops) -> str:
    for pos, span, ins in ops:
        i = pos % (len(text) + 1)
        text = text[:i] + ins + text[i + span:]
    return text


@SETTINGS
@given(catalogs(max_entries=5), MUTATIONS)
def test_mutated_catalog_text_is_a_catalog_or_a_one_line_error(cat, ops):
    text = mutate(render(cat), ops)
    try:
        whole = load_yaml(text)
    except CatalogError as e:
        one_line(e)
        with pytest.raises(CatalogError):
            load_catalog_yaml(text)
        return
    assert load_catalog_yaml(text) == whole  # the fast path never disagrees with the careful one
    try:
        parse_catalog(text)
    except CatalogError as e:
        one_line(e)


@FEW
@given(catalogs(max_entries=6), st.data())
def test_status_change_edits_exactly_that_entry(tmp_path_factory, cat, data):
    assume(cat.entries)
    path = tmp_path_factory.mktemp("st") / "catalog.yaml"
    path.write_text(render(cat), encoding="utf-8")
    target = data.draw(st.sampled_from(cat.entries))
    status = data.draw(st.sampled_from(["unread", "reading", "read"]))
    set_status(path, [target.id], status, today="2024-05-06")
    after = parse_catalog(path.read_text(encoding="utf-8"))
    old = target.status
    target.status = status
    if status != "read":
        target.read_on = None
    elif old != "read" or not target.read_on:
        target.read_on = "2024-05-06"
    assert after.to_dict() == cat.to_dict()


# -- Markdown ------------------------------------------------------------------------------------

def _venue_word(word: str) -> bool:
    from wsskg.venues import VENUES

    return word.lower() in {v.lower() for v in VENUES}


# Titles, not "Title VENUE": a trailing venue name (``Aa Miccai``) is stripped by design (the
# venue is a field of its own), so the generated titles never end in one.
TITLE = st.lists(st.text(alphabet=string.ascii_letters, min_size=2, max_size=9), min_size=2, max_size=6).map(
    lambda ws: " ".join(w.capitalize() for w in ws)).filter(lambda t: not _venue_word(t.rsplit(" ", 1)[-1]))


@st.composite
def reading_lists(draw):
    """A valid list: topics with checkbox entries ``[Title](url)``, some with a code link."""
    n_topics = draw(st.integers(1, 4))
    titles = draw(st.lists(TITLE, min_size=1, max_size=12, unique_by=lambda t: t.lower()))
    lines = ["# My Reading List", ""]
    expected = {}
    per = max(1, len(titles) // n_topics)
    for t in range(n_topics):
        chunk = titles[t * per:(t + 1) * per] if t < n_topics - 1 else titles[t * per:]
        if not chunk:
            break
        lines += [f"## Topic {string.ascii_uppercase[t]}", ""]
        for j, title in enumerate(chunk):
            mark = draw(st.sampled_from([" ", "x"]))
            url = f"https://arxiv.org/abs/{1500 + t:04d}.{10000 + len(expected):05d}"
            line = f"- [{mark}] [{title}]({url})"
            urls = [url]
            if draw(st.booleans()):
                code = f"https://github.com/someone/{re.sub(r'[^a-z]', '', title.lower())[:20]}{len(expected)}"
                line += f" [code]({code})"
                urls.append(code)
            lines.append(line)
            expected[title] = ("read" if mark == "x" else "unread", urls)
        lines.append("")
    return "\n".join(lines) + "\n", expected


def _observed(cat: Catalog) -> dict:
    return {e.title: (e.status, [ln.url for ln in e.links]) for e in cat.entries}


@SETTINGS
@given(reading_lists())
def test_links_and_checkboxes_survive_import_export_import(case):
    text, expected = case
    first = parse_markdown(text)
    assert _observed(first) == expected
    again = parse_markdown(to_markdown(first))
    assert _observed(again) == expected
    assert again.to_dict() == first.to_dict()


SEED_TEXT = SEED.read_text(encoding="utf-8")
MD_INSERTS = st.sampled_from(["\n", "- ", "- [ ] ", "- [x] ", "* ", "## ", "#### ", "[", "]", "(", ")", "](", "<a>",
                              "</a>", "|", "\n|---|---|\n", "**", "`", "\t", "  ", "<h2 id=\"x\">", "http://",
                              "\\", "\x00", "\u202e", "é"])


@SETTINGS
@given(st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 40), MD_INSERTS), min_size=1, max_size=8))
def test_mutated_seed_list_imports_or_fails_in_one_line(ops):
    _import_or_one_line_error(mutate(SEED_TEXT, ops))


@SETTINGS
@given(st.text(max_size=400))
def test_random_text_imports_or_fails_in_one_line(text):
    _import_or_one_line_error(text)


def _import_or_one_line_error(text: str) -> None:
    try:
        cat = parse_markdown(text)
    except WsskgError as e:
        one_line(e)
        return
    # whatever came in, the catalog is valid: it saves and loads back with the same entries and topics
    back = parse_catalog(render(cat)).to_dict()
    want = cat.to_dict()
    assert back["entries"] == want["entries"]
    assert [t["path"] for t in back["topics"]] == [t["path"] for t in want["topics"]]


# -- BibTeX ---------------------------------------------------------------------------------------

bibtex = pytest.importorskip("wsskg.formats.bibtex")

BIB_TITLE = st.lists(st.text(alphabet=string.ascii_letters, min_size=2, max_size=9), min_size=1, max_size=6).map(" ".join)


@st.composite
def bib_files(draw):
    n = draw(st.integers(1, 6))
    titles = draw(st.lists(BIB_TITLE, min_size=n, max_size=n, unique_by=str.lower))
    out, expected = [], {}
    for i, title in enumerate(titles):
        doi = f"10.{1000 + i}/x{draw(st.integers(0, 10**6))}"
        year = draw(st.integers(1950, 2030))
        out.append(f"@article{{key{i},\n  title = {{{title}}},\n  author = {{Doe, Jane and Roe, Rick}},\n"
                   f"  journal = {{Journal {i}}},\n  year = {{{year}}},\n  doi = {{{doi}}}\n}}\n")
        expected[title] = (doi, year)
    return "\n".join(out), expected


@SETTINGS
@given(bib_files())
def test_bibtex_titles_and_dois_survive_import_export_import(case):
    text, expected = case
    cat, problems = bibtex.parse_bibtex(text)
    got = {e.title: (e.doi, e.year) for e in cat.entries}
    assert got == expected, problems
    again, _ = bibtex.parse_bibtex(bibtex.to_bibtex(cat.entries))
    assert {e.title: (e.doi, e.year) for e in again.entries} == expected


BIB_INSERTS = st.sampled_from(["{", "}", "@", ",", "=", "\"", "\\", "%", "#", "@string{a = \"b\"}", "\n", "\\'e",
                               "$", "~", "\x00", "é", "@comment{", "and", "title = {"])


@SETTINGS
@given(bib_files(), st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10), BIB_INSERTS), min_size=1, max_size=6))
def test_mutated_bibtex_imports_or_fails_in_one_line(case, ops):
    text = mutate(case[0], ops)
    try:
        cat, problems = bibtex.parse_bibtex(text)
    except WsskgError as e:
        one_line(e)
        return
    assert all("\n" not in p for p in problems)
    assert parse_catalog(render(cat)).to_dict() == cat.to_dict()
