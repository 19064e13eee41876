"""Topic suggestion learned from the list itself: which topics a new or topic-less paper belongs to.

Nothing here is trained elsewhere or downloaded: the catalog is the training set. Every paper
becomes a sparse vector of weighted terms:

* words of its title (and canonical title), with the title's word pairs ("random walk",
  "semantic segmentation") as extra terms, its comment and notes, its abstract, its authors'
  names, its venue's name and its year, each field with its own weight, term frequency dampened
  (``1 + log tf``) and scaled by the term's inverse document frequency *in this catalog*, so a
  word every entry shares ("segmentation" in a segmentation list) counts for little and a word
  three entries share ("affinity") counts for much;
* when enriched, the Semantic Scholar ids of the papers it cites (``ref:`` terms), so two
  papers that cite the same work are close (bibliographic coupling).

A topic's score for a paper mixes the two classic nearest-neighbour rules: cosine similarity to
the topic's centroid (Rocchio) and the summed similarity of the topic's members among the
paper's nearest neighbours (kNN); on the held-out measurement in ``docs/watch.md`` the mix beats
each alone. When the catalog knows who cites whom, the share of the paper's citation links into
the catalog that land in a topic ("cites 4 of 7 papers in affinity") is added on top.

Only leaf topics that directly hold papers are candidates; results tables (topics with
``columns``) are not, since a new paper has no scores to file there. Every suggestion carries
its evidence: the nearest entries of the topic and the terms they share.

The library never imports typer; ``wsskg suggest-topic`` (``wsskg/cli/watch_cmds.py``) is the shell.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Iterable

from wsskg.catalog import Catalog, Entry, normalize_title
from wsskg.search import words
from wsskg.text import STOP_WORDS as _TITLE_STOP_WORDS

#: Field weights of a paper's vector: the title says most about a paper's topic in a reading
#: list; notes and comments are the curator's own words; an abstract is long and generic.
W_TITLE = 1.0
W_TITLE_PAIR = 0.8
W_NOTES = 0.7
W_ABSTRACT = 0.5
W_AUTHOR = 0.6
W_VENUE = 0.2
W_REF = 0.8
#: The year is a term too (``y:2020``): many lists file papers by year, and papers of one
#: period share a topic more often than not; at 1.0 it turns year-headed lists from worse than
#: guessing into 87 % right and leaves topic-headed lists as they were (docs/watch.md).
W_YEAR = 1.0
#: How many nearest neighbours vote in the kNN half of the score.
KNN = 15
#: Share of the kNN half in the mixed score (the rest is the centroid cosine).
KNN_SHARE = 0.5
#: Weight of the citation share (0..1) added to the text score.
W_CITES = 0.6
#: Words too short or too common in writing about papers to say anything about a topic.
_EXTRA_STOP = frozenset({
    "we", "our", "this", "that", "these", "which", "be", "can", "or", "it", "not", "new", "based", "method",
    "approach", "propose", "proposed", "paper", "result", "show", "also", "than", "such", "has", "have",
    "been", "while", "both", "more", "most", "other", "each", "their", "they", "them", "how", "what", "when",
})
STOP_WORDS = _TITLE_STOP_WORDS | _EXTRA_STOP
_DIGITS = re.compile(r"\d")


# -- documents ----------------------------------------------------------------------------------

def _terms(text: str) -> list[str]:
    return [w for w in words(text) if len(w) > 1 and w not in STOP_WORDS and not _DIGITS.search(w)]


def _venue_terms(venue: str | None) -> list[str]:
    """``CVPR2018`` -> ``v:cvpr``: the venue's name without its year, as its own kind of term."""
    return ["v:" + re.sub(r"\d+$", "", w) for w in words(venue or "") if not w.isdigit() and len(w) > 1][:6]


def document(entry: Entry) -> dict[str, float]:
    """The raw weighted term counts of an entry (before IDF), see the module docstring."""
    counts: Counter[str] = Counter()
    titles = [entry.title]
    if entry.canonical_title and normalize_title(entry.canonical_title) != normalize_title(entry.title):
        titles.append(entry.canonical_title)
    seen_title: set[str] = set()
    for t in titles:
        ws = _terms(normalize_title(t))
        for w in ws:
            if w not in seen_title:
                counts[w] += W_TITLE
                seen_title.add(w)
        for a, b in zip(ws, ws[1:]):
            pair = f"{a} {b}"
            if pair not in seen_title:
                counts[pair] += W_TITLE_PAIR
                seen_title.add(pair)
    notes = " ".join([entry.comment, *entry.notes, *(r.note for r in entry.results)])
    for w, n in Counter(_terms(notes)).items():
        counts[w] += W_NOTES * (1 + math.log(n))
    if entry.abstract:
        for w, n in Counter(_terms(entry.abstract)).items():
            counts[w] += W_ABSTRACT * (1 + math.log(n))
    for a in entry.authors:
        last = words(a)
        if last:
            counts["au:" + last[-1]] += W_AUTHOR
    for v in _venue_terms(entry.venue or entry.canonical_venue):
        counts[v] += W_VENUE
    for r in entry.references:
        counts["ref:" + r.lower()] += W_REF
    year = entry.year or entry.canonical_year
    if year and W_YEAR:
        counts[f"y:{year}"] += W_YEAR
    return dict(counts)


def text_entry(title: str, abstract: str | None = None, venue: str | None = None) -> Entry:
    """A stand-in entry for free text (``wsskg suggest-topic --title ...``)."""
    return Entry(id="text", title=title or "", abstract=abstract or None, venue=venue or None)


# -- the model -------------------------------------------------------------------------------------

@dataclass
class Suggestion:
    """One proposed topic: its path, a score (higher is closer; comparable within one query) and
    the evidence a person can check."""

    topic: str
    score: float
    evidence: list[str] = field(default_factory=list)
    neighbours: list[str] = field(default_factory=list)  # ids of the topic's closest entries
    cites: int = 0  # catalog papers of the topic the paper cites (or is cited by)
    topic_size: int = 0
    text: float = 0.0  # the text part of the score (without the citation share)

    def to_json(self) -> dict:
        return {"topic": self.topic, "name": self.topic.rsplit("/", 1)[-1], "score": round(self.score, 4),
                "text_score": round(self.text, 4), "evidence": list(self.evidence),
                "neighbours": list(self.neighbours), "cites": self.cites, "topic_size": self.topic_size}


def candidate_topics(catalog: Catalog, entries: Iterable[Entry] | None = None) -> list[str]:
    """Leaf topics that directly hold papers, in catalog order (results tables excluded)."""
    entries = catalog.entries if entries is None else entries
    holding: dict[str, None] = {}
    for e in entries:
        if e.kind == "paper":
            for t in e.topics:
                holding.setdefault(t)
    tables = {t.path for t in catalog.topics if t.columns}
    paths = list(holding)
    return [p for p in paths if p not in tables and not any(q.startswith(p + "/") for q in paths)]


class TopicModel:
    """TF-IDF vectors of the catalog's papers and the topics' centroids.

    ``exclude`` leaves entries out of everything (vocabulary, IDF, topics), which is how the
    held-out measurement asks about a paper as if the list had never seen it."""

    def __init__(self, catalog: Catalog, exclude: Iterable[str] = (), docs: dict[str, dict[str, float]] | None = None):
        skip = set(exclude)
        self.catalog = catalog
        self.entries = [e for e in catalog.entries if e.kind == "paper" and e.id not in skip]
        self.topics = candidate_topics(catalog, self.entries)
        raw = {e.id: (docs[e.id] if docs and e.id in docs else document(e)) for e in self.entries}
        df: Counter[str] = Counter()
        for d in raw.values():
            df.update(d.keys())
        self.n_docs = len(raw)
        self.idf = {t: math.log((1 + self.n_docs) / (1 + n)) + 1.0 for t, n in df.items()}
        self.vectors = {eid: self._weigh(d) for eid, d in raw.items()}
        by_id = {e.id: e for e in self.entries}
        self.by_id = by_id
        wanted = set(self.topics)
        self.members: dict[str, list[str]] = defaultdict(list)
        for e in self.entries:
            for t in e.topics:
                if t in wanted:
                    self.members[t].append(e.id)
        self.centroids = {t: _normalise(_sum(self.vectors[i] for i in ids)) for t, ids in self.members.items()}
        # citation links: S2 id -> entry ids, and who cites whom inside the catalog
        self.s2_to_ids: dict[str, list[str]] = defaultdict(list)
        for e in self.entries:
            if e.s2_id:
                self.s2_to_ids[e.s2_id.lower()].append(e.id)
        self.cited_by_catalog: dict[str, set[str]] = defaultdict(set)  # s2 id -> entry ids citing it
        for e in self.entries:
            for r in e.references:
                self.cited_by_catalog[r.lower()].add(e.id)

    def surface(self, term: str) -> str:
        """A term as the titles write it: the most common lowercase word (pair) whose folded
        form is ``term`` (``losse`` -> ``losses``), for queries to services that fold differently."""
        if not hasattr(self, "_surface"):
            forms: dict[str, Counter[str]] = defaultdict(Counter)
            for e in self.entries:
                raw = [w for w in re.findall(r"[^\W_]+", normalize_title(e.title)) if not _DIGITS.search(w)]
                for w in raw:
                    forms[words(w)[0] if words(w) else w][w] += 1
                for a, b in zip(raw, raw[1:]):
                    fa, fb = words(a), words(b)
                    if fa and fb:
                        forms[f"{fa[0]} {fb[0]}"][f"{a} {b}"] += 1
            self._surface = {k: c.most_common(1)[0][0] for k, c in forms.items()}
        return self._surface.get(term, term)

    def characteristic_terms(self, topic: str, n: int = 4) -> list[str]:
        """The words (and title word pairs) that most set ``topic`` apart: its centroid's heaviest
        terms, counting only terms at least two of its papers share when it has three or more
        (one paper's odd word should not steer a search)."""
        ids = self.members.get(topic) or []
        need = 2 if len(ids) >= 3 else 1
        own: Counter[str] = Counter()
        for i in ids:
            own.update(t for t in self.vectors[i] if not t.startswith(("ref:", "au:", "v:")))
        ranked = sorted((t for t in own if own[t] >= need), key=lambda t: (-self.centroids[topic].get(t, 0.0), t))
        out: list[str] = []
        for t in ranked:
            if any(t in o.split() or o in t.split() for o in out):
                continue  # "random walk" after "walk" adds nothing to a search
            out.append(t)
            if len(out) == n:
                break
        return out

    def _weigh(self, raw: dict[str, float]) -> dict[str, float]:
        default = math.log(1 + self.n_docs) + 1.0  # a term no catalog paper has
        return _normalise({t: w * self.idf.get(t, default) for t, w in raw.items()})

    def vector(self, entry: Entry) -> dict[str, float]:
        if self.by_id.get(entry.id) is entry:
            return self.vectors[entry.id]
        vec = self._weigh(document(entry))
        # terms no catalog paper shares cannot bring it closer to any topic
        return {t: w for t, w in vec.items() if t in self.idf}

    def cited_entries(self, entry: Entry, references: Iterable[str] = (), cited_by: Iterable[str] = ()) -> set[str]:
        """Catalog entries linked to ``entry`` by a citation, either way."""
        linked: set[str] = set()
        for r in list(entry.references) + list(references):
            linked.update(self.s2_to_ids.get(r.lower(), ()))
        for c in list(entry.cited_by) + list(cited_by):
            linked.update(self.s2_to_ids.get(c.lower(), ()))
        if entry.s2_id:
            linked |= self.cited_by_catalog.get(entry.s2_id.lower(), set())
        linked.discard(entry.id)
        return linked

    def suggest(self, entry: Entry, k: int = 3, references: Iterable[str] = (), cited_by: Iterable[str] = ()) -> list[Suggestion]:
        """The ``k`` topics ``entry`` is closest to, best first (empty when the catalog has no
        candidate topic). ``references``/``cited_by`` add citation links the entry does not hold
        (a candidate from Semantic Scholar)."""
        if not self.topics:
            return []
        q = self.vector(entry)
        sims: dict[str, float] = {}
        if q:
            for eid, vec in self.vectors.items():
                if eid == entry.id:
                    continue
                s = _dot(q, vec)
                if s > 0:
                    sims[eid] = s
        nearest = sorted(sims.items(), key=lambda kv: -kv[1])[:KNN]
        knn: Counter[str] = Counter()
        for eid, s in nearest:
            for t in self.by_id[eid].topics:
                if t in self.centroids:
                    knn[t] += s
        linked = self.cited_entries(entry, references, cited_by)
        linked_in: Counter[str] = Counter()
        for eid in linked:
            e = self.by_id.get(eid)
            for t in (e.topics if e else ()):
                if t in self.centroids:
                    linked_in[t] += 1
        n_linked = len(linked)

        out: list[Suggestion] = []
        for t in self.topics:
            if not self.members.get(t) or (self.members[t] == [entry.id]):
                continue
            cos = _dot(q, self.centroids[t]) if q else 0.0
            text = (1 - KNN_SHARE) * cos + KNN_SHARE * knn.get(t, 0.0)
            share = linked_in.get(t, 0) / n_linked if n_linked else 0.0
            score = text + W_CITES * share
            out.append(Suggestion(topic=t, score=score, cites=linked_in.get(t, 0), text=text,
                                  topic_size=len([i for i in self.members[t] if i != entry.id])))
        order = {t: i for i, t in enumerate(self.topics)}
        out.sort(key=lambda s: (-s.score, -s.topic_size, order[s.topic]))
        top = out[:k]
        for s in top:
            self._explain(s, q, sims)
        return top

    def _explain(self, s: Suggestion, q: dict[str, float], sims: dict[str, float]) -> None:
        name = s.topic.rsplit("/", 1)[-1]
        if s.cites:
            s.evidence.append(f"cites or is cited by {s.cites} of {s.topic_size} papers in {name}")
        close = sorted((i for i in self.members[s.topic] if i in sims), key=lambda i: -sims[i])[:2]
        s.neighbours = close
        if close:
            titles = " and ".join(_clip(self.by_id[i].display_title) for i in close)
            s.evidence.append(f"title/abstract close to {titles}")
        shared = sorted(((q[t] * self.centroids[s.topic].get(t, 0.0), t) for t in q
                         if not t.startswith(("ref:", "au:", "v:")) and t in self.centroids[s.topic]), reverse=True)
        terms = [t for w, t in shared[:4] if w > 0]
        if terms:
            s.evidence.append("shares terms: " + ", ".join(terms))
        if not s.evidence:
            s.evidence.append(f"nothing in common with {name}; ranked by its size")


def suggest_topics(catalog: Catalog, entry: Entry, k: int = 3) -> list[Suggestion]:
    """The ``k`` closest topics for ``entry`` (a catalog entry or :func:`text_entry`).

    A catalog entry is left out of the model, so its own topic earns no credit for containing
    it: the answer is what the list would say about it as a newcomer."""
    return TopicModel(catalog, exclude=[entry.id]).suggest(entry, k=k)


# -- vector helpers ---------------------------------------------------------------------------------

def _normalise(v: dict[str, float]) -> dict[str, float]:
    n = math.sqrt(sum(x * x for x in v.values()))
    return {t: x / n for t, x in v.items()} if n else {}


def _sum(vs: Iterable[dict[str, float]]) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for v in vs:
        for t, x in v.items():
            out[t] += x
    return dict(out)


def _dot(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(x * b.get(t, 0.0) for t, x in a.items())


def _clip(text: str, width: int = 50) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= width else text[: width - 1] + "…")


__all__ = ["Suggestion", "TopicModel", "candidate_topics", "document", "suggest_topics", "text_entry"]
