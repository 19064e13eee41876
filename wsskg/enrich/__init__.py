"""Enrichment: match catalog entries to arXiv / Semantic Scholar records and fill them in.

Usable without the CLI::

    from wsskg.enrich import enrich
    report = enrich(Path("catalog.yaml"), source="all")
    print(report.summary())

**Order of work.** Entries that are not papers (``kind`` code/resource) and titles that read
like a concept ("dilated convolution") are skipped. Entries with only a title are matched by
title first (one S2 relevance search; when S2 has no close candidate, one arXiv ``ti:``
query), so that those S2 found can join the S2 batch. Then entries with an arXiv id (the
field or an arxiv.org link) are looked up with ``id_list`` in chunks of 100, and every entry
with an id (S2 id, arXiv id, DOI, or a paperId found by title) through the S2 batch endpoint
in chunks of 500, which also brings the papers it cites (stored in ``Catalog.external``).
For a catalog of N papers, M with ids and T title-only, that is at most ceil(M/500) S2
batches + ceil(M/100) arXiv calls + 2 per title-only entry; 0 on a second run (every answer
is cached, and entries already enriched are skipped).

**Never a wrong paper.** A title match needs the normalised titles to agree closely
(``rapidfuzz`` ratio >= 90, and every word that differs is a typo of the other title's word,
not a different word: "Webly" is not "Weakly"), and the candidate's year/venue must not
contradict the list's. Several close candidates that are different papers (a conference
paper and its later journal version, with no year to tell them apart) or none leave the
entry unmatched and reported. A lookup by id is checked too: when the list names the paper
("FickleNet") and the id's paper names itself otherwise ("CIAN: ..."), it is a conflict.

**Saving.** After every batch (an arXiv chunk, an S2 batch, or ``save_every`` title lookups)
the results are written under the catalog lock by :func:`wsskg.store.editing`, so a SIGKILL
loses at most the batch in flight, and answers already received are in the cache. What
the list said (title, venue, year, notes, links, status) is never changed.

**Layout.** ``matching`` (pure functions: is this record the list's paper?), ``planning``
(what to ask for), ``run`` (the run, one method per phase), ``writer`` (the one batch writer
and how records fill an entry), ``citations`` (citing papers for ``discover``) and ``add``
(``wsskg add``). The names below are the public API.
"""

from __future__ import annotations

import importlib
from typing import Any

#: public name -> the module of this package that defines it. Loaded on first use, so that
#: importing one module of the package (``wsskg.enrich.matching``, which ``wsskg.recommend``
#: needs) does not load the run, the store and the index with it.
_API = {
    "add_paper": "add", "parse_ref": "add",
    "CitationsReport": "citations", "fetch_citations": "citations",
    "TITLE_THRESHOLD": "matching", "WORD_TYPO": "matching", "Decision": "matching", "choose": "matching",
    "concept_like": "matching", "entry_arxiv_id": "matching", "entry_doi": "matching", "id_conflict": "matching",
    "s2_key": "matching", "title_score": "matching", "venue_key": "matching",
    "SOURCES": "planning",
    "EnrichReport": "run", "EnrichRun": "run", "Progress": "run", "enrich": "run",
    "BatchWriter": "writer", "apply_records": "writer",
}

__all__ = sorted(_API)


def __getattr__(name: str) -> Any:
    try:
        module = _API[name]
    except KeyError:
        raise AttributeError(f"module 'wsskg.enrich' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f"wsskg.enrich.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))
