"""Writing results into the catalog: :func:`apply_records` fills one entry from its records,
:class:`BatchWriter` collects updates and applies them in one locked save.

One writer serves every phase of a run and ``fetch_citations``: each ``flush`` re-reads the
catalog under its lock (:func:`wsskg.store.editing`), applies the pending updates, prunes the
external papers that became catalog entries, and saves atomically, so edits made meanwhile
survive and a SIGKILL loses at most the batch in flight.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from wsskg.catalog import ARXIV_ID_RE, Catalog, Entry, strip_arxiv_version


def sources_of(match: dict) -> set[str]:
    """The services a ``match`` provenance names (``{"arxiv", "s2"}``)."""
    return {s for s in str(match.get("source") or "").split("+") if s}


def apply_records(e: Entry, catalog: Catalog, arxiv: dict | None = None, s2: dict | None = None,
                  by: str | None = None, score: float | None = None, checked: Iterable[str] = (),
                  partial: bool = False) -> None:
    """Fill an entry from an arXiv and/or S2 record. The list's own fields are not touched.

    ``match`` records the provenance: ``source`` (``arxiv``, ``s2`` or ``arxiv+s2``), ``by``
    (``id`` or ``title``), ``score`` (title similarity, 100 for an id), ``checked`` (sources
    asked that had nothing, when any) and ``partial`` (the S2 batch still has to run).
    """
    if arxiv:
        if not e.arxiv_id and arxiv.get("arxiv_id") and ARXIV_ID_RE.match(arxiv["arxiv_id"]):
            e.arxiv_id = arxiv["arxiv_id"]
        e.doi = e.doi or arxiv.get("doi")
        e.canonical_title = e.canonical_title or arxiv.get("title")
        e.canonical_year = e.canonical_year or arxiv.get("year")
        if not e.authors and arxiv.get("authors"):
            e.authors = list(arxiv["authors"])
        if arxiv.get("abstract"):
            e.abstract = arxiv["abstract"]
    if s2:
        e.s2_id = s2.get("paperId") or e.s2_id
        e.canonical_title = s2.get("title") or e.canonical_title
        e.canonical_year = s2.get("year") or e.canonical_year
        e.canonical_venue = s2.get("venue") or e.canonical_venue
        if s2.get("authors"):
            e.authors = list(s2["authors"])
        if s2.get("citation_count") is not None:
            e.citation_count = s2["citation_count"]
        e.doi = e.doi or s2.get("doi")
        if not e.arxiv_id and s2.get("arxiv_id") and ARXIV_ID_RE.match(str(s2["arxiv_id"])):
            e.arxiv_id = str(s2["arxiv_id"])
        if not e.abstract and s2.get("abstract"):
            e.abstract = s2["abstract"]
        refs = s2.get("references")
        if isinstance(refs, dict):
            e.references = list(refs)
            for pid, meta in refs.items():
                catalog.external[pid] = meta
    old = dict(e.match)
    sources = sources_of(old) | ({"arxiv"} if arxiv else set()) | ({"s2"} if s2 else set())
    if not sources:
        return
    match: dict[str, Any] = {"source": "+".join(sorted(sources))}
    match["by"] = old.get("by") if old.get("by") == "title" else (by or old.get("by") or "id")
    if by == "title":
        match["by"] = "title"
    sc = score if score is not None else old.get("score")
    if sc is not None:
        match["score"] = sc
    extra = (set(old.get("checked") or []) | set(checked)) - sources
    if extra:
        match["checked"] = sorted(extra | sources)
    if partial:
        match["partial"] = True
    e.match = match


def apply_citing(e: Entry, catalog: Catalog, citing: list[dict]) -> None:
    """``e.cited_by`` from a list of citing papers (``{paperId, ...brief}``), their metadata
    into ``catalog.external``."""
    e.cited_by = [c["paperId"] for c in citing]
    for c in citing:
        catalog.external[c["paperId"]] = {k: v for k, v in c.items() if k != "paperId"}


def mark_wrong_link(e: Entry, wrong: dict) -> None:
    """Record that a link of the list names another paper: the link stays as the list wrote
    it, the id taken from it is cleared (``show``, export and the graph must not present
    another paper's id as this one's), the provenance of that lookup is dropped."""
    e.wrong_link = dict(wrong)
    if wrong.get("arxiv_id") and strip_arxiv_version(e.arxiv_id or "").lower() == str(wrong["arxiv_id"]).lower():
        e.arxiv_id = None
    if wrong.get("doi") and (e.doi or "").lower() == str(wrong["doi"]).lower():
        e.doi = None


def describe_wrong_link(e: Entry) -> str | None:
    """One line on an entry's wrong link, for ``show`` and ``check`` (None when it has none)."""
    w = getattr(e, "wrong_link", None) or {}
    if not w:
        return None
    what = w.get("url") or (f"arXiv {w['arxiv_id']}" if w.get("arxiv_id") else f"DOI {w.get('doi')}")
    return f"{what} names another paper: {w.get('reason') or 'found by enrichment'}"


def prune_external(catalog: Catalog) -> None:
    """Drop external papers that are catalog entries now (one home for their metadata)."""
    inside = {e.s2_id for e in catalog.entries if e.s2_id}
    for pid in inside & set(catalog.external):
        del catalog.external[pid]


class BatchWriter:
    """Pending updates per entry, applied to the catalog file in one locked save per flush.

    ``add(entry_id, arxiv=..., s2=..., by=..., score=..., checked=..., partial=...)`` merges into
    the entry's pending update (``checked`` accumulates, other values replace);
    ``add(entry_id, cited_by=[...])`` sets the papers citing it; ``add(entry_id, wrong_link={...})``
    marks a link of the list as naming another paper. Entries removed from the file
    meanwhile are skipped.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self.pending: dict[str, dict] = {}
        self.saves = 0

    def add(self, entry_id: str, **update: Any) -> None:
        cur = self.pending.setdefault(entry_id, {"checked": set()})
        for k, v in update.items():
            if k == "checked":
                cur["checked"] |= set(v)
            elif v is not None:
                cur[k] = v

    def flush(self) -> None:
        if not self.pending:
            return
        from wsskg.store import editing

        with editing(self.path) as catalog:
            for eid, upd in self.pending.items():
                e = catalog.get(eid)
                if e is None:
                    continue  # removed by the user meanwhile
                if "wrong_link" in upd:
                    mark_wrong_link(e, upd["wrong_link"])
                if "cited_by" in upd:
                    apply_citing(e, catalog, upd["cited_by"])
                if any(k in upd for k in ("arxiv", "s2", "by", "partial")) or upd["checked"]:
                    apply_records(e, catalog, arxiv=upd.get("arxiv"), s2=upd.get("s2"), by=upd.get("by"),
                                  score=upd.get("score"), checked=upd.get("checked") or (),
                                  partial=bool(upd.get("partial")))
            prune_external(catalog)
        self.pending.clear()
        self.saves += 1
