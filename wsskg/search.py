"""The words of a query and the filters of a listing, over a Catalog in memory.

Ranked search itself is one implementation, the index's (``wsskg.index``, asked by the CLI,
by :class:`wsskg.library.Library` and, over an index in memory, by ``wsskg.search_catalog``);
it splits text into words with :func:`words` and returns :class:`Hit` objects. The filters
here serve exports of a catalog in memory; the index runs the same filters in SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from wsskg.catalog import Catalog, Entry

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def words(text: str) -> list[str]:
    return [_stem(w) for w in _WORD.findall((text or "").lower())]


def _stem(w: str) -> str:
    """A light plural folding: ``networks`` -> ``network``, ``priors`` -> ``prior``, ``ies`` -> ``y``."""
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


@dataclass
class Hit:
    """A search result: the entry, its score, why it matched, its row id in the index and the
    ``mode`` that found it (keyword, meaning or hybrid)."""

    entry: Entry
    score: float
    why: list[str] = field(default_factory=list)
    rid: int = 0
    mode: str = "keyword"

    def to_json(self) -> dict:
        d = self.entry.to_json()
        d["score"] = round(self.score, 4)
        d["why"] = self.why
        d["mode"] = self.mode
        return d


def _filters(e: Entry, topic: str | None, status: str | None, year: int | None, kind: str | None,
             tag: str | None = None) -> bool:
    if tag and tag.lower() not in (t.lower() for t in e.tags):
        return False
    if status and e.status != status:
        return False
    if year and (e.year or e.canonical_year) != year:
        return False
    if kind and e.kind != kind:
        return False
    if topic and not any(_topic_matches(t, topic) for t in e.topics):
        return False
    return True


def _topic_matches(path: str, wanted: str) -> bool:
    p, w = path.lower(), wanted.lower().strip("/")
    return p == w or p.startswith(w + "/") or p.rsplit("/", 1)[-1] == w


def filter_entries(catalog: Catalog, topic: str | None = None, status: str | None = None,
                   year: int | None = None, kind: str | None = None, tag: str | None = None) -> list[Entry]:
    """Entries in catalog order that pass the filters (used by ``list`` and ``export``);
    ``tag`` matches a tag case-insensitively."""
    return [e for e in catalog.entries if _filters(e, topic, status, year, kind, tag)]


# -- topic tree ------------------------------------------------------------------------------------

def topic_counts(catalog: Catalog) -> list[dict]:
    """Each topic in order with its read/reading/total counts (own entries and with subtopics)."""
    own: dict[str, list[Entry]] = {t.path: [] for t in catalog.topics}
    for e in catalog.entries:
        for t in e.topics:
            if t in own:
                own[t].append(e)
    out = []
    for t in catalog.topics:
        subtree: dict[str, Entry] = {}
        for path, es in own.items():
            if path == t.path or path.startswith(t.path + "/"):
                for e in es:
                    subtree[e.id] = e
        papers = list(subtree.values())
        out.append({
            "path": t.path, "name": t.name, "depth": t.depth,
            "total": len(papers),
            "read": sum(1 for e in papers if e.status == "read"),
            "reading": sum(1 for e in papers if e.status == "reading"),
            "own": len(own[t.path]),
        })
    return out
