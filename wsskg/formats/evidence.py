"""When is an imported bibliography record the same work as a catalog entry?

A BibTeX or CSL-JSON library is the user's own record: the entries of one file are distinct
(four citekeys of one film, two papers of one author in one year, chapters sharing the book's
DOI), so an import never merges them with each other. Merging them into an existing catalog
(``wsskg import --merge``) needs *agreeing* evidence, one of:

* the same arXiv id (version ignored);
* the same DOI, and titles that agree (equal once normalised, one containing the other, or
  close) and years at most one apart -- and not two parts of one book (different pages or
  chapters);
* the same normalised title, the same year and the same first author's family name;
* the same citekey and the same normalised title, nothing contradicting (a re-import).

Two different DOIs or two different arXiv ids always mean two works, and so does anything
:func:`wsskg.identity.conflict` (the one "certainly different" test: years more than one apart,
different named venues, two full titles that differ, ...) finds; titles agree as
:func:`wsskg.identity.titles_agree` says. A candidate that shares an identifier or a title but
fails these rules is a *near miss*: it is refused and reported.

:func:`same_record` is the test (stricter than :func:`wsskg.identity.same_work`, the rule for
reading lists, on whose pieces it builds), :func:`merge_records` runs it over a whole import (and is what
``wsskg import --merge`` uses for BibTeX and CSL-JSON). ``wsskg.merge`` keeps the field-level
merging of two entries that are the same work (:func:`wsskg.merge.merge_entry`).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from wsskg.catalog import RECORD_FIELDS, Catalog, Entry, normalize_title, strip_arxiv_version, unique_id
from wsskg.identity import conflict, titles_agree

#: How far apart two years may be for records sharing a DOI (online-first vs issue year).
DOI_YEAR_SLACK = 1


@dataclass
class Verdict:
    """Whether two records are one work, and why (or why not)."""

    same: bool
    reason: str
    near_miss: bool = False  # they share an id or a title but the evidence does not agree


def _arxiv(e: Entry) -> str | None:
    return strip_arxiv_version(e.arxiv_id).lower() if e.arxiv_id else None


def _doi(e: Entry) -> str | None:
    return e.doi.strip().lower() if e.doi and e.doi.strip() else None


def _title(e: Entry) -> str:
    return normalize_title(e.title or e.canonical_title or "")


def _year(e: Entry) -> int | None:
    return e.year or e.canonical_year


def _first_author(e: Entry) -> str | None:
    from wsskg.formats.bibtex import family_name

    return family_name(e.authors[0]) if e.authors else None


def _parts_differ(a: Entry, b: Entry) -> str | None:
    """Two parts of one book (chapters sharing its DOI): different pages or chapter."""
    if a.pages and b.pages and a.pages.replace("--", "-") != b.pages.replace("--", "-"):
        return f"pages {a.pages} vs {b.pages}"
    ca, cb = (a.extra or {}).get("chapter"), (b.extra or {}).get("chapter")
    if ca and cb and ca != cb:
        return f"chapter {ca} vs {cb}"
    return None


def same_record(a: Entry, b: Entry) -> Verdict:
    """Is ``b`` (an imported record) the same work as ``a`` (a catalog entry)? See the module
    docstring for the rules; ``near_miss`` marks candidates refused for want of agreement."""
    ax_a, ax_b = _arxiv(a), _arxiv(b)
    doi_a, doi_b = _doi(a), _doi(b)
    t_a, t_b = _title(a), _title(b)
    y_a, y_b = _year(a), _year(b)
    shares = (ax_a and ax_a == ax_b) or (doi_a and doi_a == doi_b) or (t_a and t_a == t_b)
    if ax_a and ax_b and ax_a != ax_b:
        return Verdict(False, f"different arXiv ids {ax_a} and {ax_b}", bool(shares))
    if doi_a and doi_b and doi_a != doi_b:
        return Verdict(False, f"different DOIs {a.doi} and {b.doi}", bool(shares))
    different = conflict(a, b)  # the one "certainly different" test (years, venues, titles, names)
    if different:
        return Verdict(False, different, bool(shares))
    if ax_a and ax_a == ax_b:
        return Verdict(True, f"same arXiv id {ax_a}")
    if doi_a and doi_a == doi_b:
        if not (t_a and t_b and titles_agree(a.title or a.canonical_title or "", b.title or b.canonical_title or "")):
            return Verdict(False, f"same DOI {b.doi} but different titles", True)
        if y_a and y_b and abs(y_a - y_b) > DOI_YEAR_SLACK:
            return Verdict(False, f"same DOI {b.doi} but years {y_a} and {y_b}", True)
        parts = _parts_differ(a, b)
        if parts:
            return Verdict(False, f"same DOI {b.doi} but different parts ({parts})", True)
        return Verdict(True, f"same DOI {b.doi} and title")
    if t_a and t_a == t_b:
        fa, fb = _first_author(a), _first_author(b)
        if a.citekey and a.citekey == b.citekey and (not (y_a and y_b) or y_a == y_b) and (
                not (fa and fb) or fa == fb):
            return Verdict(True, f"same citekey {a.citekey} and title")  # a re-import of the same record
        if not (y_a and y_b):
            return Verdict(False, "same title, but no year to compare", True)
        if y_a != y_b:
            return Verdict(False, f"same title, but years {y_a} and {y_b}", True)
        if not (fa and fb):
            return Verdict(False, "same title and year, but no first author to compare", True)
        if fa != fb:
            return Verdict(False, f"same title and year, but first authors {fa} and {fb}", True)
        parts = _parts_differ(a, b)
        if parts:
            return Verdict(False, f"same title but different parts ({parts})", True)
        return Verdict(True, "same title, year and first author")
    return Verdict(False, "nothing shared")


@dataclass
class RecordOutcome:
    action: str  # "added" | "merged" | "skipped"
    incoming_id: str
    base_id: str
    title: str
    reason: str = ""
    changes: list[str] = field(default_factory=list)


@dataclass
class RecordMergeReport:
    """What :func:`merge_records` did: one outcome per incoming record, and the near misses
    (``(incoming id, base id, reason)``) it refused."""

    outcomes: list[RecordOutcome] = field(default_factory=list)
    near_misses: list[tuple[str, str, str]] = field(default_factory=list)
    topics_added: list[str] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for o in self.outcomes if o.action == action)

    def summary(self) -> str:
        s = (f"added {self.count('added')}, merged {self.count('merged')}, "
             f"skipped {self.count('skipped')} (already present); {len(self.near_misses)} near misses refused")
        if self.topics_added:
            s += f"; {len(self.topics_added)} new topic{'s' if len(self.topics_added) != 1 else ''}"
        return s

    def lines(self) -> list[str]:
        """One line for every merge, every skip, every renamed id and every refused near miss."""
        out = []
        for o in self.outcomes:
            if o.action == "merged":
                out.append(f"merged {o.incoming_id} into {o.base_id} ({o.reason}): added {', '.join(o.changes)}")
            elif o.action == "skipped":
                out.append(f"skipped {o.incoming_id}: already present as {o.base_id} ({o.reason})")
            elif o.base_id != o.incoming_id:
                out.append(f"added {o.incoming_id} as {o.base_id} (id {o.incoming_id} was taken)")
        out.extend(f"kept apart: {inc} and {base} ({why})" for inc, base, why in self.near_misses)
        return out


class _Index:
    def __init__(self, entries: list[Entry]):
        self.by: dict[str, list[Entry]] = {}
        for e in entries:
            self.add(e)

    def _keys(self, e: Entry) -> list[str]:
        keys = []
        if _arxiv(e):
            keys.append("a:" + _arxiv(e))
        if _doi(e):
            keys.append("d:" + _doi(e))
        for t in {normalize_title(x) for x in (e.title, e.canonical_title) if x}:
            if t:
                keys.append("t:" + t)
        return keys

    def add(self, e: Entry) -> None:
        for k in self._keys(e):
            bucket = self.by.setdefault(k, [])
            if e not in bucket:
                bucket.append(e)

    def candidates(self, e: Entry) -> list[Entry]:
        seen: dict[int, Entry] = {}
        for k in self._keys(e):
            for c in self.by.get(k, []):
                seen.setdefault(id(c), c)
        return list(seen.values())


def _fill_record(base: Entry, inc: Entry) -> list[str]:
    """Fill the record fields ``base`` lacks from ``inc`` (never overwriting); names changed."""
    changed = []
    for name in RECORD_FIELDS:
        mine, theirs = getattr(base, name), getattr(inc, name)
        if name in ("tags", "editors"):
            new = [x for x in theirs if x not in mine]
            if new and (name == "tags" or not mine):
                setattr(base, name, mine + new)
                changed.append(name)
        elif name == "extra":
            new = {k: v for k, v in theirs.items() if k.lower() not in {m.lower() for m in mine}}
            if new:
                base.extra = {**mine, **new}
                changed.append("extra")
        elif not mine and theirs:
            setattr(base, name, theirs)
            changed.append(name)
    return changed


def merge_records(base: Catalog, incoming: Catalog) -> RecordMergeReport:
    """Merge imported records into ``base`` in place: a record joins the first base entry that
    :func:`same_record` accepts (filling what that entry lacks, overwriting nothing), every other
    record is added with an id unique in ``base``. Records are only ever matched against the
    entries ``base`` had before, so two records of one file never become one."""
    from wsskg.merge import merge_entry

    report = RecordMergeReport()
    known = {t.path for t in base.topics}
    for t in incoming.topics:
        if t.path not in known:
            base.topics.append(copy.deepcopy(t))
            known.add(t.path)
            report.topics_added.append(t.path)
    index = _Index(base.entries)
    taken = {e.id for e in base.entries}
    added: list[Entry] = []
    for inc in incoming.entries:
        target, reason = None, ""
        misses = []
        # a record whose citekey the catalog already has (a re-import) is tried on that entry first
        for cand in sorted(index.candidates(inc), key=lambda c: not (inc.citekey and c.citekey == inc.citekey)):
            v = same_record(cand, inc)
            if v.same:
                target, reason = cand, v.reason
                break
            if v.near_miss:
                misses.append((inc.id, cand.id, v.reason))
        if target is None:
            report.near_misses.extend(misses)
            new = copy.deepcopy(inc)
            new.id = unique_id(inc.id, taken)
            added.append(new)
            report.outcomes.append(RecordOutcome("added", inc.id, new.id, inc.display_title))
            continue
        changes = merge_entry(target, inc) + _fill_record(target, inc)
        action = "merged" if changes else "skipped"
        report.outcomes.append(RecordOutcome(action, inc.id, target.id, inc.display_title, reason, changes))
    base.entries.extend(added)
    return report
