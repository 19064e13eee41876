"""Search (the function API over a Catalog, which asks an index in memory) and the
in-memory filters and topic counts, called directly as library functions."""

from __future__ import annotations

from conftest import SEED
from wsskg.formats.markdown import read_markdown
from wsskg import search_catalog as search
from wsskg.search import filter_entries, topic_counts, words


def test_words_fold_plurals():
    assert words("Networks, Priors and Studies") == ["network", "prior", "and", "study"]


def test_topic_hits_come_first_then_text_hits():
    cat = read_markdown(SEED)
    hits = search(cat, "affinity", limit=None)
    ids = [h.entry.id for h in hits]
    assert ids[:2] == ["learning-pixel-level", "adaptive-affinity-field-2018"]
    assert "topic affinity" in hits[0].why
    # text-only matches follow: a title, a comment, a results-table note
    assert {"learning-superpixels-segmentation", "soft-proposal-networks", "cian-2019"} <= set(ids[2:])


def test_typos_and_multiword_queries():
    cat = read_markdown(SEED)
    assert search(cat, "saliancy")[0].entry.topics == ["Reading List/Saliency"]
    hits = search(cat, "dilated convolution")
    # the entries matching both words first (those matching only one follow them)
    assert hits and all("dilat" in (h.entry.title + h.entry.comment + " ".join(h.entry.notes) + " ".join(r.note for r in h.entry.results)).lower() for h in hits[:5])
    assert search(cat, "zzzz qqqq") == []


def test_filters_and_counts():
    cat = read_markdown(SEED)
    unread_aff = filter_entries(cat, topic="affinity", status="unread")
    assert unread_aff == []
    counts = {r["path"]: r for r in topic_counts(cat)}
    assert counts["Reading List/webly"]["total"] == 7 and counts["Reading List/webly"]["read"] == 5
