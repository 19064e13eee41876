"""Web sources for enrichment, one wrapper module per service (papis-style).

``http``   settings from the environment, the on-disk response cache, request counters, rate
           limiter and retry policy (no client library imported)
``arxiv``  :class:`~wsskg.sources.arxiv.ArxivSource` over the ``arxiv`` client package
``s2``     :class:`~wsskg.sources.s2.S2Source` over the ``semanticscholar`` client package

Each wrapper answers in plain dicts ("records") that are cached as JSON, raises only
:class:`wsskg.errors.SourceError` (with one clear line), and counts every HTTP request it makes.
Matching records to catalog entries is ``wsskg.enrich``'s job. The client packages are imported
only when a wrapper module is imported, so importing this package stays cheap.
"""

from __future__ import annotations

from wsskg.sources.http import Cache, Guard, Settings, Stats

__all__ = ["Cache", "Guard", "Settings", "Stats", "open_sources"]


def open_sources(settings: Settings, cache: Cache, stats: Stats, sleep=None, guard: Guard | None = None) -> tuple:
    """``(ArxivSource, S2Source)`` sharing one cache, one set of counters and one
    :class:`~wsskg.sources.http.Guard` (the run's deadline and circuit breakers)."""
    import time

    from wsskg.sources.arxiv import ArxivSource
    from wsskg.sources.s2 import S2Source

    sleep = time.sleep if sleep is None else sleep
    guard = guard or Guard(settings)
    return (ArxivSource(settings, cache, stats, sleep=sleep, guard=guard),
            S2Source(settings, cache, stats, sleep=sleep, guard=guard))
