"""Papers citing catalog papers (for ``wsskg discover --direction citing``)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from wsskg.catalog import resolve
from wsskg.enrich.run import Progress
from wsskg.enrich.writer import BatchWriter
from wsskg.errors import RateLimited, SourceError, WsskgError
from wsskg.sources.http import Cache, OfflineMiss, Settings, Stats


@dataclass
class CitationsReport:
    filled: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # no s2_id
    offline_missing: list[str] = field(default_factory=list)
    stats: Stats = field(default_factory=Stats)

    def to_dict(self) -> dict:
        return {"filled": self.filled, "failed": [{"id": i, "reason": r} for i, r in self.failed],
                "skipped": self.skipped, "offline_missing": self.offline_missing,
                "requests": dict(self.stats.requests), "cache_hits": dict(self.stats.cache_hits)}


def fetch_citations(path: Path, refs: list[str] | None = None, offline: bool = False, refresh: bool = False,
                    limit_per_paper: int = 100, progress: Progress | None = None,
                    settings: Settings | None = None, sleep: Callable[[float], None] | None = None,
                    save_every: int = 10) -> CitationsReport:
    """Fill ``Entry.cited_by`` (and ``Catalog.external`` for citing papers outside the catalog)
    for catalog papers with an ``s2_id``: cached, rate-limited S2 citation pages per paper
    (``limit_per_paper`` up to 10,000, asked in pages of at most 1,000),
    saved every ``save_every`` papers. Papers that already have ``cited_by`` are skipped unless
    ``refresh``. ``refs`` limits the run to those entries."""
    from wsskg.sources.s2 import S2Source
    from wsskg.store import load_catalog

    from wsskg.sources.s2 import CITATIONS_CAP

    if not 1 <= limit_per_paper <= CITATIONS_CAP:  # pages of 1,000; the endpoint stops at 10,000
        raise WsskgError(f"limit_per_paper must be between 1 and {CITATIONS_CAP}")
    path = Path(path)
    settings = settings or Settings.from_env()
    report = CitationsReport()
    catalog = load_catalog(path)
    entries = [resolve(catalog, r) for r in refs] if refs else [e for e in catalog.entries if e.kind == "paper"]
    todo = []
    seen: set[str] = set()
    for e in entries:
        if e.id in seen:
            continue
        seen.add(e.id)
        if not e.s2_id:
            report.skipped.append(e.id)
        elif e.cited_by and not refresh:
            continue
        else:
            todo.append((e.id, e.s2_id))
    cache = Cache(refresh=refresh, offline=offline)
    src = S2Source(settings, cache, report.stats, sleep=time.sleep if sleep is None else sleep)
    writer = BatchWriter(path)
    try:
        for n, (eid, pid) in enumerate(todo, 1):
            try:
                writer.add(eid, cited_by=src.citations(pid, limit=limit_per_paper))
                report.filled.append(eid)
            except OfflineMiss:
                report.offline_missing.append(eid)
            except SourceError as err:
                report.failed.append((eid, str(err)))
                if isinstance(err, RateLimited):
                    for rest_id, _ in todo[n:]:
                        report.failed.append((rest_id, "not asked: rate limited earlier in this run"))
                    break
            if progress:
                progress(n, len(todo), eid)
            if n % save_every == 0:
                writer.flush()
        writer.flush()
    finally:
        cache.close()
    return report
