"""Verdicts of earlier checks, kept in the cache dir for a lifetime, so a second run soon after
the first (a CI job re-run, ``--fix`` after a check) asks no server again.

Stored in the response cache of :mod:`wsskg.sources.http` (one SQLite file, a transaction per
write, answers older than the lifetime treated as missing), in a file of its own under
``links/``. Flaky verdicts are not kept: a timeout or a 5xx says nothing about the next try.
"""

from __future__ import annotations

from pathlib import Path

from wsskg.config import cache_dir
from wsskg.links.check import LinkResult
from wsskg.sources.http import Cache

#: How long a verdict stands: a day, so a weekly CI run always checks afresh.
DEFAULT_LIFETIME = 24 * 3600.0
#: Verdicts worth keeping (a flaky one is asked again next time).
KEPT = frozenset({"ok", "redirected", "dead", "blocked"})
_KEY = "links:"


def default_path() -> Path:
    return cache_dir() / "links" / "results.sqlite3"


class LinkCache:
    """``get(url)`` -> the stored :class:`LinkResult` (marked ``cached``) or None; ``put``
    keeps a verdict. ``recheck`` ignores what is stored (and overwrites it)."""

    def __init__(self, path: Path | None = None, lifetime: float = DEFAULT_LIFETIME, recheck: bool = False):
        self.lifetime = lifetime
        self._store = Cache(Path(path) if path else default_path(), refresh=recheck, max_age=lifetime)

    def get(self, url: str) -> LinkResult | None:
        got = self._store.get(_KEY + url)
        if got is Cache.MISSING or not isinstance(got, dict):
            return None
        try:
            res = LinkResult.from_dict(got)
        except (KeyError, TypeError, ValueError):
            return None
        res.cached = True
        return res

    def put(self, result: LinkResult) -> None:
        if result.status in KEPT:
            self._store.put(_KEY + result.url, result.to_dict())

    def close(self) -> None:
        self._store.close()
