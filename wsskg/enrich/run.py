"""The run: :class:`EnrichRun` carries one enrichment through its phases, one method each.

1. :meth:`EnrichRun.titles`: title-only entries, one S2 relevance search each (by the short
   name for entries called "FickleNet"); when S2 has no close candidate, one arXiv ``ti:``
   query. Papers found by title join the S2 batch (by paperId or arXiv id).
2. :meth:`EnrichRun.arxiv_ids`: entries with an arXiv id, ``id_list`` in the source's chunks.
3. :meth:`EnrichRun.s2_batch`: every entry with an id (and the papers found by title)
   through the S2 batch endpoint, which also brings the papers each one cites.
4. :meth:`EnrichRun.rescue`: a link whose paper is not the one the list names is marked
   ``wrong_link`` (kept, its id cleared); the entry is looked up by title or short name and
   venue/year instead, and batched for its references, in the same run.
5. :meth:`EnrichRun.report_outcomes`: each entry is enriched, unmatched, failed or missing
   from the cache (offline).

Results go to the catalog through one :class:`~wsskg.enrich.writer.BatchWriter` after every
chunk and every ``save_every`` title lookups. A service that rate-limits us beyond the retry
budget is not asked again in the run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from wsskg.catalog import arxiv_id_from_url, strip_arxiv_version
from wsskg.enrich.matching import Decision, choose, choose_by_name, id_conflict
from wsskg.enrich.planning import Plan, Work, make_work, plan, progress_steps, wanted_sources
from wsskg.enrich.writer import BatchWriter
from wsskg.errors import RateLimited, SourceError
from wsskg.sources.http import (
    SERVICE_NAMES, SERVICES, Cache, Guard, OfflineMiss, RunTimedOut, ServiceDown, Settings, Stats,
)

Progress = Callable[[int, int, str], None]
KEY_HINT = ("Semantic Scholar answered 429 (too many requests) {n} time(s): without a key wsskg shares a small "
            "public pool. Ask for a free key at https://www.semanticscholar.org/product/api and set it, "
            "e.g. `export S2_API_KEY=...`, for 1 request/s of your own")


@dataclass
class EnrichReport:
    """What a run did. ``unmatched``/``failed`` hold ``(entry id, reason)``."""

    source: str = "all"
    enriched: list[str] = field(default_factory=list)
    unmatched: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    skipped: dict[str, list[str]] = field(default_factory=dict)  # reason -> entry ids
    offline_missing: list[str] = field(default_factory=list)
    stats: Stats = field(default_factory=Stats)
    seconds: float = 0.0
    notices: list[str] = field(default_factory=list)  # services given up on, the time limit, hints
    wrong_links: list[tuple[str, str, str]] = field(default_factory=list)  # (entry id, link, reason)
    same_works: list[tuple[list[str], str]] = field(default_factory=list)  # [kept, merged] ids and why
    not_merged: list[tuple[list[str], str]] = field(default_factory=list)  # one work by the ids, the user said not

    def notice(self, text: str) -> None:
        if text not in self.notices:
            self.notices.append(text)

    def skip(self, reason: str, entry_id: str) -> None:
        self.skipped.setdefault(reason, []).append(entry_id)

    @property
    def skipped_count(self) -> int:
        return sum(len(v) for v in self.skipped.values())

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "enriched": list(self.enriched),
            "unmatched": [{"id": i, "reason": r} for i, r in self.unmatched],
            "failed": [{"id": i, "reason": r} for i, r in self.failed],
            "skipped": {k: list(v) for k, v in self.skipped.items()},
            "offline_missing": list(self.offline_missing),
            "requests": dict(self.stats.requests),
            "cache_hits": dict(self.stats.cache_hits),
            "retries": dict(self.stats.retries),
            "seconds": round(self.seconds, 3),
            "notices": list(self.notices),
            "wrong_links": [{"id": i, "link": u, "reason": r} for i, u, r in self.wrong_links],
            "merged": [{"kept": ids[0], "merged": ids[1], "reason": r} for ids, r in self.same_works],
            "not_merged": [{"ids": ids, "reason": r} for ids, r in self.not_merged],
        }

    def summary(self) -> str:
        req = ", ".join(f"{SERVICE_NAMES[s]} {n}" for s, n in self.stats.requests.items())
        line = (f"enriched {len(self.enriched)}, unmatched {len(self.unmatched)}, failed {len(self.failed)}, "
                f"skipped {self.skipped_count}"
                + (f", wrong links {len(self.wrong_links)}" if self.wrong_links else "")
                + f"; HTTP requests: {req}")
        if self.offline_missing:
            line += f"; offline, not in cache: {len(self.offline_missing)}"
        return line


class EnrichRun:
    """One enrichment of the catalog at ``path``; :meth:`run` does all phases in order."""

    def __init__(self, path: Path, source: str = "all", topic: str | None = None, only: list[str] | None = None,
                 refresh: bool = False, offline: bool = False, progress: Progress | None = None,
                 settings: Settings | None = None, sleep: Callable[[float], None] | None = None,
                 save_every: int = 10, timeout: float | None = None):
        from wsskg.store import load_catalog

        wanted_sources(source)  # a bad --source fails before anything is read
        self.started = time.monotonic()
        self.path = Path(path)
        self.settings = (settings or Settings.from_env()).with_run_timeout(timeout)
        self.guard = Guard(self.settings)
        self.sleep = time.sleep if sleep is None else sleep
        self.refresh, self.offline = refresh, offline
        self.progress = progress
        self.save_every = save_every
        self.report = EnrichReport(source=source)
        catalog = load_catalog(self.path)
        self.plan: Plan = plan(catalog, source, topic, only, refresh)
        self.report.skipped = self.plan.skipped
        self.entries = {e.id: e for e in catalog.entries}
        self.wanted = self.plan.wanted
        self.writer = BatchWriter(self.path)
        self.blocked: dict[str, str] = {}  # service -> why it is not asked any more this run
        self.total = progress_steps(self.plan)
        self.step = 0
        self.arxiv_src = self.s2_src = None
        self.cache: Cache | None = None

    # -- plumbing ----------------------------------------------------------------------------------
    def tick(self, msg: str) -> None:
        self.step += 1
        if self.progress:
            self.progress(min(self.step, self.total), self.total, msg)

    def ask(self, service: str, fn: Callable[[], Any]) -> Any:
        """``fn()`` unless ``service`` is blocked for this run; a rate limit blocks it."""
        if service in self.blocked:
            raise SourceError(self.blocked[service])
        try:
            return fn()
        except RateLimited:
            self.blocked[service] = f"{SERVICE_NAMES[service]} not asked: rate limited earlier in this run"
            self.report.notice(self.blocked[service])
            raise
        except ServiceDown as e:
            self.blocked[service] = str(e)
            self.report.notice(str(e))
            raise
        except RunTimedOut as e:
            why = f"not asked: the run's time limit ({self.settings.run_timeout:g} s) was spent"
            for s in SERVICES:
                self.blocked.setdefault(s, why)
            self.report.notice(f"stopped: the run's time limit ({self.settings.run_timeout:g} s) was spent; "
                               "what was found is saved, run again to continue")
            raise e

    def run(self) -> EnrichReport:
        self.cache = Cache(refresh=self.refresh, offline=self.offline)
        try:
            if self.plan.works:
                from wsskg.sources import open_sources

                self.arxiv_src, self.s2_src = open_sources(self.settings, self.cache, self.report.stats,
                                                           sleep=self.sleep, guard=self.guard)
            self.arxiv_ids()
            self.requeue_wrong()  # wrong arXiv links: looked up by title with the others
            self.titles(self.plan.title_works)
            if self.plan.use_s2:
                self.s2_batch(self.plan.works)
            self.rescue()  # wrong links only S2 revealed (a DOI): one more lookup and batch
            self.writer.flush()
        finally:
            self.cache.close()
        for service, why in self.guard.down.items():  # breakers opened outside ask()
            self.report.notice(why)
        if self.report.stats.throttled.get("s2") and not self.settings.s2_api_key:
            self.report.notice(KEY_HINT.format(n=self.report.stats.throttled["s2"]))
        self.report_outcomes()
        self.merge_same_works()
        self.report.seconds = time.monotonic() - self.started
        return self.report

    # -- 1. title-only entries ------------------------------------------------------------------------
    def titles(self, works: list[Work]) -> None:
        """S2 relevance search, then arXiv ``ti:`` when S2 has nothing close; by the short name
        instead of the title for entries called "FickleNet"."""
        use_arxiv, use_s2 = self.plan.use_arxiv, self.plan.use_s2
        for n, w in enumerate(works, 1):
            e = self.entries[w.entry_id]
            query = w.name or e.title

            def pick(cands: list[dict], e=e, w=w) -> Decision:
                return choose_by_name(e, w.name, cands) if w.name else choose(e, cands)

            decision: Decision | None = None
            try:
                if use_s2:
                    decision = pick(self.ask("s2", lambda: self.s2_src.search_title(query)))
                    if decision.record:  # saved with the S2 batch, which adds references
                        w.s2, w.by, w.score = decision.record, "title", decision.score
                        w.s2_key = decision.record.get("paperId")
                        w.checked |= self.wanted
                if use_arxiv and (decision is None or (not decision.record and not decision.ambiguous)):
                    d2 = pick(self.ask("arxiv", lambda: self.arxiv_src.search_title(query)))
                    if d2.record:
                        w.arxiv, w.by, w.score = d2.record, "title", d2.score
                        w.checked |= self.wanted  # S2 had nothing close: not searched again ...
                        if use_s2 and d2.record.get("arxiv_id"):  # ... but its batch brings references
                            w.s2_key = f"ARXIV:{d2.record['arxiv_id']}"
                        self.writer.add(w.entry_id, arxiv=w.arxiv, by="title", score=w.score, checked=w.checked)
                    if decision is None or d2.record or d2.ambiguous:
                        decision = d2
                if not w.arxiv and not w.s2:
                    w.unmatched = decision.reason if decision else "no source asked"
            except OfflineMiss:
                w.offline_miss = True
            except SourceError as err:
                w.failed = str(err)
            self.tick(f"title {e.id}")
            if n % self.save_every == 0:
                self.writer.flush()
        self.writer.flush()

    # -- 2. arXiv ids -----------------------------------------------------------------------------------
    def arxiv_ids(self) -> None:
        ax_works = self.plan.arxiv_works
        if not ax_works:
            return
        want: dict[str, list[Work]] = {}
        for w in ax_works:
            want.setdefault(w.arxiv_id, []).append(w)

        def take(got: dict) -> None:
            for ax, rec in got.items():
                for w in want.get(ax, []):
                    if w.arxiv is not None or w.conflict or "arxiv" in w.checked:
                        continue
                    if rec is None:
                        w.checked.add("arxiv")
                        continue
                    why = id_conflict(self.entries[w.entry_id], rec.get("title"), f"arXiv {ax}", rec)
                    if why:
                        self.mark_wrong(w, "arxiv_id", ax, why)
                        continue
                    w.arxiv = rec
                    w.checked.add("arxiv")
                    self.writer.add(w.entry_id, arxiv=rec, by="id", score=100.0, checked={"arxiv"})
            self.writer.flush()
            self.tick("arXiv ids")

        try:
            got = self.ask("arxiv", lambda: self.arxiv_src.fetch_ids(list(want), on_chunk=take))
            for w in ax_works:
                if w.arxiv_id not in got:
                    w.offline_miss = True
        except SourceError as err:
            for w in ax_works:
                if w.arxiv is None and not w.conflict and "arxiv" not in w.checked:
                    w.failed = str(err)

    # -- 3. the S2 batch ----------------------------------------------------------------------------------
    def s2_batch(self, works: list[Work]) -> None:
        """Every entry with an id, and the papers the title search found (on S2, or on arXiv:
        then by their arXiv id), so that title matches get their references in this run."""
        use_arxiv = self.plan.use_arxiv
        want: dict[str, list[Work]] = {}
        for w in works:
            if w.s2_key and not w.conflict and (not w.title_only or w.s2 or w.arxiv):
                want.setdefault(w.s2_key, []).append(w)
        if not want:
            return

        def take(got: dict) -> None:
            for key, rec in got.items():
                for w in want.get(key, []):
                    if "s2-done" in w.checked or w.conflict:
                        continue
                    w.checked.add("s2-done")
                    if w.by == "title":  # found by the title search; the batch adds references
                        w.s2 = rec or w.s2
                        self.writer.add(w.entry_id, s2=w.s2, by="title", score=w.score, checked=self.wanted)
                        continue
                    if rec is None:
                        w.checked.add("s2")
                        if w.arxiv:
                            self.writer.add(w.entry_id, checked={"s2", "arxiv"})
                        continue
                    why = id_conflict(self.entries[w.entry_id], rec.get("title"), f"Semantic Scholar {key}", rec)
                    if why:
                        kind, _, value = key.partition(":")
                        if kind.upper() in ("ARXIV", "DOI") and value:
                            self.mark_wrong(w, "arxiv_id" if kind.upper() == "ARXIV" else "doi", value, why)
                        else:
                            w.conflict = why
                        continue
                    w.s2 = rec
                    # no arXiv id to look up this run: S2's record stands for arXiv too
                    also = {"arxiv"} if use_arxiv and not w.arxiv_id else set()
                    self.writer.add(w.entry_id, s2=rec, by="id", score=100.0, checked={"s2"} | also)
            self.writer.flush()
            self.tick("Semantic Scholar batch")

        try:
            got = self.ask("s2", lambda: self.s2_src.fetch_batch(list(want), on_chunk=take))
            for key, ws in want.items():
                alone = self.s2_src.failed_alone.get(key)
                for w in ws:
                    if key in got:
                        continue
                    if alone:  # its batch was split down to this id, which still fails
                        if w.by == "title":
                            self.writer.add(w.entry_id, s2=w.s2, by="title", score=w.score, partial=True)
                        elif w.arxiv:
                            w.failed = f"Semantic Scholar part: {alone}"
                        else:
                            w.failed = alone
                    elif w.by != "title":
                        w.offline_miss = True
        except SourceError as err:
            for ws in want.values():
                for w in ws:
                    if "s2-done" in w.checked or w.conflict:
                        continue
                    if w.by == "title":  # keep the search's record; the batch is retried next run
                        self.writer.add(w.entry_id, s2=w.s2, by="title", score=w.score, partial=True)
                    elif not w.arxiv:
                        w.failed = str(err)
                    else:
                        w.failed = f"Semantic Scholar part: {err}"
        # offline, title matches whose batch answer is not cached keep the search's record
        for ws in want.values():
            for w in ws:
                if w.by == "title" and "s2-done" not in w.checked and w.s2 and not w.failed:
                    self.writer.add(w.entry_id, s2=w.s2, by="title", score=w.score, partial=True)

    # -- 4. wrong links: look the work up by its title or short name instead --------------------
    def mark_wrong(self, w: Work, kind: str, value: str, reason: str) -> None:
        """The id taken from a link of the list names another paper: keep the link, mark it,
        clear the id (saved now), and queue the entry for :meth:`rescue`."""
        e = self.entries[w.entry_id]
        url = None
        for ln in e.links:
            if kind == "arxiv_id" and strip_arxiv_version(arxiv_id_from_url(ln.url) or "").lower() == value.lower():
                url = ln.url
            elif kind == "doi" and value.lower() in ln.url.lower():
                url = ln.url
            if url:
                break
        w.wrong = {"url": url, kind: value, "reason": reason} if url else {kind: value, "reason": reason}
        w.conflict = reason
        e.wrong_link = dict(w.wrong)  # entry_arxiv_id / entry_doi skip it from now on
        self.writer.add(w.entry_id, wrong_link=w.wrong)
        self.report.wrong_links.append((w.entry_id, url or f"{kind} {value}", reason))

    def requeue_wrong(self) -> list[Work]:
        """Fresh work for entries whose link was just found wrong: without that id, by another
        id of theirs, else by title or short name (FickleNet: by "FickleNet", CVPR 2019)."""
        todo: list[Work] = []
        for i, w in enumerate(self.plan.works):
            if not (w.wrong and w.conflict):
                continue
            fresh, why = make_work(self.entries[w.entry_id], self.plan.use_s2)
            if fresh is None:
                w.conflict = f"{w.wrong['reason']}; not looked up otherwise: {why}"
                w.wrong = dict(w.wrong, done=True)
                continue
            fresh.wrong = w.wrong
            self.plan.works[i] = fresh
            todo.append(fresh)
        self.writer.flush()
        return todo

    def rescue(self) -> None:
        """Entries whose link the S2 batch found wrong: looked up by title or short name, and
        batched for their references, in this run too. Then the reasons of those not found."""
        todo = self.requeue_wrong()
        if todo:
            self.titles([w for w in todo if w.title_only])
            if self.plan.use_s2:
                self.s2_batch(todo)
        for w in self.plan.works:
            if w.wrong and not w.wrong.get("done") and not (w.arxiv or w.s2) and not w.failed and not w.conflict:
                found = w.unmatched or "no source knows its other id"
                how = f"by the name {w.name!r}" if w.name else "by title"
                w.unmatched = f"{w.wrong['reason']}; looked up {how} instead: {found}"

    # -- 6. one work, several entries --------------------------------------------------------------
    def merge_same_works(self) -> None:
        """Entries that enrichment showed to be one work are merged: they share an S2 id, arXiv
        id or DOI now, and the one "same work" test (:func:`wsskg.identity.same_work`: agreeing
        titles or names, no conflicting year/venue) accepts them; the results row "DSRG" and
        the row "... Deep Seeded Region Growing". The entry with the full title is kept, the
        other's mentions, links and topics are folded into it and its id becomes an alias
        (:func:`wsskg.identity_ops.merge_entries`, which records the decision). Pairs the user
        marked ``not-same`` are left apart and reported."""
        from wsskg.enrich.matching import same_work_pairs
        from wsskg.store import editing, load_catalog

        touched = {w.entry_id for w in self.plan.works if w.arxiv or w.s2}
        if not touched or self.offline:
            return
        if not any(a.id in touched or b.id in touched for a, b, _ in same_work_pairs(load_catalog(self.path).entries)):
            return  # nothing to merge: the file is not rewritten
        from wsskg.identity_ops import merge_entries

        with editing(self.path) as cat:
            gone: set[str] = set()
            for a, b, why in same_work_pairs(cat.entries):
                if a.id in gone or b.id in gone or not (a.id in touched or b.id in touched):
                    continue
                if _decided_apart(cat, a, b):
                    self.report.not_merged.append(([a.id, b.id], f"{why}; but the catalog says not-same"))
                    continue
                keep, other = (b, a) if _is_name_only(a) and not _is_name_only(b) else (a, b)
                merge_entries(cat, keep, other)
                gone.add(other.id)
                self.report.same_works.append(([keep.id, other.id], why))

    # -- 5. outcomes ------------------------------------------------------------------------------------
    def report_outcomes(self) -> None:
        report = self.report
        for w in self.plan.works:
            if w.arxiv or w.s2:
                report.enriched.append(w.entry_id)
                if w.failed:
                    report.failed.append((w.entry_id, w.failed))
            elif w.conflict:
                report.unmatched.append((w.entry_id, w.conflict))
            elif w.failed:
                report.failed.append((w.entry_id, w.failed))
            elif w.offline_miss:
                report.offline_missing.append(w.entry_id)
            elif w.unmatched:
                report.unmatched.append((w.entry_id, w.unmatched))
            else:
                report.unmatched.append((w.entry_id, "no source knows this id"))


def _names_of(e) -> set[str]:
    return {e.id, *getattr(e, "aliases", []), *(m.key for m in getattr(e, "mentions", []) if m.key)}


def _decided_apart(catalog, a, b) -> bool:
    """Whether the user recorded that ``a`` and ``b`` are different works (``not-same``)."""
    na, nb = _names_of(a), _names_of(b)
    for d in getattr(catalog, "decisions", []) or []:
        pair = d.get("not_same") if isinstance(d, dict) else None
        if pair and len(pair) == 2 and ((pair[0] in na and pair[1] in nb) or (pair[1] in na and pair[0] in nb)):
            return True
    return False


def _is_name_only(e) -> bool:
    from wsskg.enrich.matching import short_name

    return short_name(e) is not None


def enrich(path: Path, source: str = "all", topic: str | None = None, only: list[str] | None = None,
           refresh: bool = False, offline: bool = False, progress: Progress | None = None,
           settings: Settings | None = None, sleep: Callable[[float], None] | None = None,
           save_every: int = 10, timeout: float | None = None) -> EnrichReport:
    """Enrich the catalog at ``path`` in place (see :mod:`wsskg.enrich`). Returns the report.

    ``timeout`` bounds the whole run in seconds: past it no request is started (what was found
    is saved; the rest is reported as failed, so a second run continues)."""
    return EnrichRun(path, source=source, topic=topic, only=only, refresh=refresh, offline=offline,
                     progress=progress, settings=settings, sleep=sleep, save_every=save_every,
                     timeout=timeout).run()
