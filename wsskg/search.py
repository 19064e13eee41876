"""Queries over the catalog: search by topic first, then by text; listing with filters.

Search is tolerant of case, plurals and small typos: query words are expanded to the
catalog's own vocabulary with rapidfuzz (``saliancy`` -> ``saliency``) once per query, then
entries are scored with plain set lookups, so a query over 10,000 papers stays fast.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from wsskg.catalog import Catalog, Entry
from wsskg.lazyre import lazy_compile

_WORD = lazy_compile(r"[^\W_]+", re.UNICODE)
_FIELD_WEIGHTS = (("title", 3.0), ("authors", 2.0), ("venue", 1.0), ("comment", 1.0), ("notes", 1.0),
                  ("abstract", 0.5))


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
    """A search result, from this in-memory search or from the index (``wsskg.index``, which
    also sets ``rid``, its row id, and ``mode``: keyword, meaning or hybrid)."""

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


def _expand(query_words: list[str], vocabulary: set[str]) -> list[dict[str, float]]:
    # (a prefix of a query word matches its plurals and derived forms in the text: "network"
    # finds "networks", "affinit" is not needed since the stem of the query is used)
    """For each query word, the vocabulary words it stands for, with a closeness weight."""
    from rapidfuzz import fuzz, process

    vocab = list(vocabulary)
    out = []
    for q in query_words:
        found = {q: 1.0}
        if len(q) >= 4:
            for w, score, _ in process.extract(q, vocab, scorer=fuzz.ratio, limit=12, score_cutoff=80):
                found.setdefault(w, 0.6 if score < 90 else 0.8)
            for w in vocab:
                if len(w) > len(q) and w.startswith(q):
                    found.setdefault(w, 0.7)
        out.append(found)
    return out


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


def search(catalog: Catalog, query: str, topic: str | None = None, status: str | None = None,
           year: int | None = None, kind: str | None = None, limit: int | None = 20,
           tag: str | None = None) -> list[Hit]:
    """Rank entries for ``query``: entries filed under a topic whose name matches come first,
    then entries whose title, authors, venue, notes or abstract match.

    Query words are expanded against the vocabulary of titles, comments and topic names (typos,
    plurals, prefixes), then matched as word prefixes in each field with one compiled regex, so
    the cost is a few C-level scans per entry rather than tokenising every abstract.
    """
    qwords = [w for w in words(query) if w]
    if not qwords:
        return []
    candidates = [e for e in catalog.entries if _filters(e, topic, status, year, kind, tag)]
    short_text = " ".join(f"{e.title} {e.canonical_title or ''} {e.comment}" for e in candidates)
    vocab = {_stem(w) for w in set(_WORD.findall(short_text.lower()))}
    topic_words = {t.path: set(words(t.name)) for t in catalog.topics}
    for ws in topic_words.values():
        vocab.update(ws)
    expanded = _expand(qwords, vocab)

    # topics whose own name matches every query word
    topic_score: dict[str, float] = {}
    for path, tw in topic_words.items():
        sc = 0.0
        for alts in expanded:
            best = max((wt for w, wt in alts.items() if w in tw), default=0.0)
            if best == 0.0:
                sc = 0.0
                break
            sc += best
        if sc:
            topic_score[path] = sc / len(expanded)

    # a parent topic's name finds the entries of its subtopics ("Top Works" -> its tables)
    for path in topic_words:
        parents = [p for p in topic_score if path.startswith(p + "/")]
        if parents and path not in topic_score:
            topic_score[path] = max(topic_score[p] for p in parents)

    patterns = [
        [(re.compile(r"\b" + re.escape(w), re.I), wt) for w, wt in sorted(alts.items(), key=lambda x: -x[1])]
        for alts in expanded
    ]
    anything = re.compile("|".join(r"\b" + re.escape(w) for alts in expanded for w in alts), re.I)
    hits: list[Hit] = []
    for position, e in enumerate(candidates):
        why: list[str] = []
        score = 0.0
        in_topics = [t for t in e.topics if t in topic_score]
        if in_topics:
            score += 10.0 * max(topic_score[t] for t in in_topics)
            why.append("topic " + ", ".join(t.rsplit("/", 1)[-1] for t in in_topics))
        fields_text = _entry_text(e)
        if not in_topics and not anything.search(fields_text["all"]):
            continue
        text_score = 0.0
        matched_all = True
        for pats in patterns:
            best, best_field = 0.0, ""
            for name, weight in _FIELD_WEIGHTS:
                text = fields_text.get(name)
                if not text or weight <= best:
                    continue
                for rx, closeness in pats:
                    if weight * closeness <= best:
                        break
                    if rx.search(text):
                        best, best_field = weight * closeness, name
                        break
            if best == 0.0:
                matched_all = False
            else:
                text_score += best
                if best_field not in why:
                    why.append(best_field)
        if text_score and (matched_all or in_topics):
            score += text_score / len(expanded)
        elif not in_topics:
            continue
        hits.append(Hit(entry=e, score=score, why=why))
        hits[-1]._position = position  # type: ignore[attr-defined]
    hits.sort(key=lambda h: (-h.score, h._position))  # type: ignore[attr-defined]
    return hits[:limit] if limit else hits


def _entry_text(e: Entry) -> dict[str, str]:
    d = {
        "title": f"{e.title} {e.canonical_title or ''} {e.id.replace('-', ' ')}",
        "authors": " ".join(e.authors),
        "venue": f"{e.venue or ''} {e.canonical_venue or ''}",
        "comment": e.comment,
        "notes": " ".join(e.notes + [r.note for r in e.results]),
        "abstract": e.abstract or "",
    }
    d["all"] = " ".join(d.values())
    return d


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
