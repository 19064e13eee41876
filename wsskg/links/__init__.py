"""Keep the list's links alive: check every URL, tell dead from flaky, repair what moved.

:func:`check_links` checks the URLs a catalog holds (``wsskg.links.sites`` finds them and their
lines in the imported list) with the polite checker of ``wsskg.links.check``, answering from
the verdict cache (``wsskg.links.cache``) where it can; :func:`plan_repairs` and
:func:`apply_repairs` (``wsskg.links.repair``) turn moved and dead links into new URLs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from wsskg.catalog import Catalog
from wsskg.errors import WsskgError
from wsskg.links.cache import DEFAULT_LIFETIME, LinkCache
from wsskg.links.check import DEFAULT_FAIL_ON, VERDICTS, Checker, CheckSettings, LinkResult
from wsskg.links.repair import Repair, apply_repairs, plan_repairs
from wsskg.links.sites import LinkSite, collect_links


@dataclass
class LinkReport:
    """The verdicts of one check, in the catalog's order, with where each URL stands."""

    results: list[LinkResult]
    sites: dict[str, LinkSite]
    requests: int = 0  # requests sent (0: every verdict came from the cache)
    elapsed: float = 0.0
    peak_per_host: int = 0  # the most connections ever open to one host
    checker: Checker | None = field(default=None, repr=False)  # for the repairs: same cache and settings

    def counts(self) -> dict[str, int]:
        out = {v: 0 for v in VERDICTS}
        for r in self.results:
            out[r.status] += 1
        return out

    def failing(self, fail_on=DEFAULT_FAIL_ON) -> list[LinkResult]:
        wanted = set(fail_on)
        return [r for r in self.results if r.status in wanted]

    def to_json(self) -> list[dict]:
        """One object per URL: ``url``, ``status``, ``code``, ``final_url``, ``moved_to``,
        ``detail``, ``entries``, ``lines`` (in the imported list), ``places`` (``[doc, line]``,
        also in files merged in), ``cached``."""
        out = []
        for r in self.results:
            s = self.sites.get(r.url) or LinkSite(r.url)
            d = {"url": r.url, "status": r.status, "code": r.code, "final_url": r.final_url,
                 "moved_to": r.moved_to, "detail": r.detail, "entries": list(s.entries), "lines": s.lines,
                 "places": [[doc, ln] for doc, ln in s.places], "cached": r.cached}
            out.append(d)
        return out

    def summary(self) -> str:
        c = self.counts()
        shown = ", ".join(f"{n} {v}" for v, n in c.items() if n)
        return (f"{len(self.results)} links: {shown or 'none'} ({self.requests} requests, "
                f"{self.elapsed:.1f} s)")


def parse_fail_on(text: str) -> tuple[str, ...]:
    """``"dead,flaky"`` -> ``("dead", "flaky")``; ``"none"`` -> ``()``."""
    words = [w.strip().lower() for w in (text or "").split(",") if w.strip()]
    if words == ["none"]:
        return ()
    bad = [w for w in words if w not in VERDICTS]
    if bad:
        raise WsskgError(f"unknown verdict(s) {', '.join(bad)} (expected some of {', '.join(VERDICTS)}, or none)")
    return tuple(dict.fromkeys(words))


def check_links(catalog: Catalog, topic: str | None = None, everything: bool = False,
                settings: CheckSettings | None = None, recheck: bool = False, cache: bool = True,
                lifetime: float = DEFAULT_LIFETIME,
                progress: Callable[[int, int], None] | None = None) -> LinkReport:
    """Check every URL the catalog's entries hold (of ``topic`` when given; ``everything``: the
    list's other lines too). Verdicts younger than ``lifetime`` seconds come from the cache
    unless ``recheck``; ``cache=False`` neither reads nor keeps them."""
    sites = collect_links(catalog, topic=topic, everything=everything)
    store = LinkCache(lifetime=lifetime, recheck=recheck) if cache else None
    checker = Checker(settings, cache=store)
    start = time.monotonic()
    got = checker.check(list(sites), progress=progress)
    return LinkReport(results=[got[u] for u in sites], sites=sites, requests=checker.requests,
                      elapsed=time.monotonic() - start, peak_per_host=max(checker.peak.values(), default=0),
                      checker=checker)


__all__ = [
    "CheckSettings", "Checker", "DEFAULT_FAIL_ON", "LinkCache", "LinkReport", "LinkResult", "LinkSite", "Repair",
    "VERDICTS", "apply_repairs", "check_links", "collect_links", "parse_fail_on", "plan_repairs",
]
