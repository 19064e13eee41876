"""The model: ids, title normalisation, reference resolution and validation messages."""

from __future__ import annotations

import pytest

from wsskg.catalog import (
    Catalog, Entry, Link, Topic, arxiv_id_from_url, from_dict, link_kind, normalize_title, resolve, slugify,
    unique_id,
)
from wsskg.errors import AmbiguousReference, CatalogError, PaperNotFound


def test_normalize_title_ignores_case_punctuation_bold_and_venue_suffix():
    a = normalize_title("**Adaptive Affinity Field for Semantic Segmentation**, ECCV2018")
    assert a == normalize_title("adaptive affinity field for semantic-segmentation") == "adaptive affinity field for semantic segmentation"
    assert normalize_title("Otsu’s method") != normalize_title("Otsu method")


def test_ids_are_short_slugs_and_unique():
    assert slugify("Adaptive Affinity Field for Semantic Segmentation", 2018) == "adaptive-affinity-field-2018"
    assert slugify("3D Scans", None) == "e3d-scans"
    taken: set[str] = set()
    assert [unique_id("x", taken) for _ in range(3)] == ["x", "x-b", "x-c"]


def test_arxiv_ids_and_link_kinds():
    assert arxiv_id_from_url("https://arxiv.org/abs/1802.10171.pdf") == "1802.10171"
    assert arxiv_id_from_url("https://arxiv.org/pdf/1807.08902v1") == "1807.08902"
    assert arxiv_id_from_url("https://arxiv.org/ftp/arxiv/papers/1802/1802.06955.pdf") == "1802.06955"
    assert arxiv_id_from_url("https://github.com/x/y") is None
    assert link_kind("https://github.com/x/y") == "code"
    assert link_kind("https://x.github.io/p/") == "web"
    assert link_kind("https://arxiv.org/abs/1") == "paper"
    assert link_kind("http://e.org/a.PDF") == "pdf"
    assert link_kind("https://www.youtube.com/watch?v=1") == "video"


def _cat():
    t = [Topic(path="A", name="A")]
    return Catalog(topics=t, entries=[
        Entry(id="seg-a-2018", title="Segmentation Alpha", topics=["A"], arxiv_id="1804.01346"),
        Entry(id="seg-b-2019", title="Segmentation Beta", topics=["A"], doi="10.1/XYZ"),
    ])


def test_resolve_by_id_arxiv_doi_title_and_fragment():
    c = _cat()
    assert resolve(c, "seg-a-2018").id == "seg-a-2018"
    assert resolve(c, "https://arxiv.org/abs/1804.01346v2").id == "seg-a-2018"
    assert resolve(c, "1804.01346").id == "seg-a-2018"
    assert resolve(c, "10.1/xyz").id == "seg-b-2019"
    assert resolve(c, "segmentation beta").id == "seg-b-2019"
    assert resolve(c, "Beta").id == "seg-b-2019"
    with pytest.raises(AmbiguousReference) as ei:
        resolve(c, "segmentation")
    # one per line in the message: id, year (---- when unknown), title
    assert ei.value.candidates == ["seg-a-2018  ----  Segmentation Alpha", "seg-b-2019  ----  Segmentation Beta"]
    with pytest.raises(PaperNotFound) as ei:
        resolve(c, "seg-c-2018")
    assert ei.value.suggestions[0].startswith("seg-")


@pytest.mark.parametrize("data, message", [
    ([], "expected a mapping at the top level"),
    ({"entries": [{"id": "1abc", "title": "x"}]}, "id must be a word"),
    ({"entries": [{"id": "a", "title": "x", "topics": ["Nope"]}]}, "topic 'Nope' is not in the topics list"),
    ({"entries": [{"id": "a", "title": "x", "year": "2018x"}]}, "year must be a 4-digit number"),
    ({"entries": [{"id": "a", "title": "x", "kind": "book"}]}, "unknown kind 'book'"),
    ({"entries": [{"id": "a", "title": "x", "links": [{"label": "no url"}]}]}, "link #1 needs a 'url'"),
    ({"entries": [{"id": "a", "title": "x", "arxiv_id": "abc"}]}, "is not an arXiv identifier"),
    ({"entries": [{"id": "a", "title": "x", "colour": "red"}]}, "unknown field(s): colour"),
    ({"wsskg": 9}, "unsupported catalog format version 9"),
])
def test_validation_names_the_entry_and_problem(data, message):
    with pytest.raises(CatalogError) as ei:
        from_dict(data, path="c.yaml")
    assert message in str(ei.value) and str(ei.value).startswith("c.yaml")


def test_dict_form_round_trips_and_leaves_empty_fields_out():
    e = Entry(id="a", title="T", topics=["A"], links=[Link(url="https://github.com/a/b", kind="code")])
    d = e.to_dict()
    assert "venue" not in d and "notes" not in d and d["links"] == [{"url": "https://github.com/a/b", "kind": "code"}]
    c = Catalog(topics=[Topic(path="A", name="A")], entries=[e])
    assert from_dict(c.to_dict()).to_dict() == c.to_dict()


def _suffix_by_search_alone(t: str) -> str:
    """``strip_venue_suffix`` without its quick test: the search over the last characters."""
    from wsskg import venues

    for m in venues._WORD_START_RE.finditer(t, max(0, len(t) - venues.SUFFIX_SPAN)):
        if venues._SUFFIX_RE.match(t, m.start()):
            i = m.start()
            while i > 0 and (t[i - 1].isspace() or t[i - 1] in ",:.;(*_"):
                i -= 1
            return t[:i]
    return t


def test_the_quick_venue_test_never_changes_a_title():
    """The quick test in front of the venue-suffix search only skips titles the search would
    leave alone: checked on written-out suffixes and on random tails of letters, digits,
    separators, venue names, case and Unicode look-alikes."""
    import random

    from wsskg.venues import VENUES, strip_venue_suffix

    rng = random.Random(13)
    pieces = [*VENUES[:40], "workshop", "Workshops", "oral", "Spotlight", "2018", "'19", "-2021", ".05", " ",
              ", ", "*", "_", "(", ")", ":", "\u212a", "\u017f", "\u0130", "é", "٣", "²", "x", "Net", "access",
              "AI", "\t", "-", "!", "\u00a0"]
    titles = [f"Learning to Segment{sep}{v}{yr}{tail}" for v in VENUES for sep in (" ", ", ", " *", "(")
              for yr in ("", "2019", " '19") for tail in ("", "*", ")", " workshop", ".")]
    titles += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))) for _ in range(20000)]
    titles += ["a" * 70 + ", CVPR", "CVPR" + "," * 70, "x" * 59 + " ICCV", "Title " + "!" * 61]
    # letters re.I matches that str.lower does not fold to them (long s, Kelvin sign)
    titles += [f"Learning, {v.replace('s', chr(0x17F)).replace('S', chr(0x17F)).replace('K', chr(0x212A))}"
               for v in VENUES]
    changed = 0
    for t in titles:
        want = _suffix_by_search_alone(t)
        assert strip_venue_suffix(t) == want, t
        changed += want != t
    assert changed > 1000  # the tails did reach the search, and it stripped them


def test_string_shortcuts_give_what_the_regular_expressions_gave():
    """``strip_arxiv_version`` and ``Entry.display_title`` skip the regular expressions they
    were written with (both run per entry in graph work): same results on random strings of
    the characters that matter (``v``, ASCII and other decimal digits, ``*``, ``_``, spaces,
    newlines)."""
    import random
    import re

    from wsskg.catalog import strip_arxiv_version

    rng = random.Random(7)
    pieces = ["v", "V", "1", "12", "٣", "²", "1234.5678", "hep-th/9901001", "*", "**", "_", "__", " ", "\n", "\t",
              "a", "Net", "é"]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 8))) for _ in range(20000)]
    texts += ["1234.5678v2", "1234.5678v", "v12", " 1234.5678v10 \n", "2101.00001v2v3", "x٣v٣"]
    stripped = emphasis = 0
    for t in texts:
        want = re.sub(r"v\d+$", "", t.strip())
        assert strip_arxiv_version(t) == want, repr(t)
        stripped += want != t.strip()
        e = Entry(id="x", title=t)
        want = re.sub(r"(\*\*|__)(.+?)\1", r"\2", t).strip() or "x"
        assert e.display_title == want, repr(t)
        emphasis += "*" in t and "*" not in want
    assert stripped > 100 and emphasis > 100  # both expressions did match on many
