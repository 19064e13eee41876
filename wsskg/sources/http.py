"""What the source wrappers share: settings from the environment, the on-disk response cache,
per-service request counters, a rate limiter and the bounded retry policy.

Nothing here imports a client library; ``wsskg.sources.arxiv`` and ``wsskg.sources.s2`` do.

Environment (all optional):

``WSSKG_ARXIV_URL``        arXiv API endpoint (default ``https://export.arxiv.org/api/query``)
``WSSKG_S2_URL``           Semantic Scholar API root (default ``https://api.semanticscholar.org``)
``WSSKG_ARXIV_DELAY``      seconds between arXiv requests (default 3, arXiv's etiquette)
``WSSKG_S2_DELAY``         seconds between Semantic Scholar requests (default 1)
``WSSKG_HTTP_TIMEOUT``     seconds before a request is abandoned (default 30)
``WSSKG_HTTP_RETRIES``     retries after the first attempt for 429/5xx/timeouts/bad bodies (default 3)
``WSSKG_HTTP_BACKOFF``     first backoff in seconds, doubled per retry (default 2)
``WSSKG_MAX_RETRY_AFTER``  longest ``Retry-After`` honoured; longer gives up at once (default 120)
``S2_API_KEY``             sent to Semantic Scholar as ``x-api-key``; never printed, logged or stored
"""

from __future__ import annotations

import email.utils
import json
import os
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from wsskg.config import cache_dir
from wsskg.errors import RateLimited, SourceError

DEFAULT_ARXIV_URL = "https://export.arxiv.org/api/query"
DEFAULT_S2_URL = "https://api.semanticscholar.org"
SERVICES = ("arxiv", "s2")
SERVICE_NAMES = {"arxiv": "arXiv", "s2": "Semantic Scholar"}


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SourceError(f"${name} must be a number of seconds, got {raw!r}") from None
    if value < 0:
        raise SourceError(f"${name} must not be negative, got {raw!r}")
    return value


@dataclass
class Settings:
    """Endpoints, politeness and fault policy. ``from_env()`` reads the variables above."""

    arxiv_url: str = DEFAULT_ARXIV_URL
    s2_url: str = DEFAULT_S2_URL
    arxiv_delay: float = 3.0
    s2_delay: float = 1.0
    timeout: float = 30.0
    retries: int = 3
    backoff: float = 2.0
    max_retry_after: float = 120.0
    s2_api_key: str | None = field(default=None, repr=False)  # never in repr, logs or files

    @classmethod
    def from_env(cls) -> "Settings":
        retries = _env_float("WSSKG_HTTP_RETRIES", 3)
        return cls(
            arxiv_url=(os.environ.get("WSSKG_ARXIV_URL") or DEFAULT_ARXIV_URL).strip(),
            s2_url=(os.environ.get("WSSKG_S2_URL") or DEFAULT_S2_URL).strip().rstrip("/"),
            arxiv_delay=_env_float("WSSKG_ARXIV_DELAY", 3.0),
            s2_delay=_env_float("WSSKG_S2_DELAY", 1.0),
            timeout=_env_float("WSSKG_HTTP_TIMEOUT", 30.0) or 30.0,
            retries=int(retries),
            backoff=_env_float("WSSKG_HTTP_BACKOFF", 2.0),
            max_retry_after=_env_float("WSSKG_MAX_RETRY_AFTER", 120.0),
            s2_api_key=(os.environ.get("S2_API_KEY") or "").strip() or None,
        )

    def redact(self, text: str) -> str:
        """``text`` with the API key (if any) replaced: for every message shown to the user."""
        if self.s2_api_key and self.s2_api_key in text:
            text = text.replace(self.s2_api_key, "***")
        return text


@dataclass
class Stats:
    """HTTP requests actually sent (retries included) and cache hits, per service."""

    requests: dict[str, int] = field(default_factory=lambda: {s: 0 for s in SERVICES})
    cache_hits: dict[str, int] = field(default_factory=lambda: {s: 0 for s in SERVICES})
    retries: dict[str, int] = field(default_factory=lambda: {s: 0 for s in SERVICES})
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, service: str, what: str = "requests", n: int = 1) -> None:
        with self._lock:
            getattr(self, what)[service] = getattr(self, what).get(service, 0) + n

    def to_dict(self) -> dict:
        return {"requests": dict(self.requests), "cache_hits": dict(self.cache_hits), "retries": dict(self.retries)}


class RateLimiter:
    """At least ``interval`` seconds between the starts of two requests to one service."""

    def __init__(self, interval: float, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic):
        self.interval = interval
        self._sleep = sleep
        self._clock = clock
        self._last: float | None = None
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            if self._last is not None and self.interval > 0:
                gap = self._clock() - self._last
                if gap < self.interval:
                    self._sleep(self.interval - gap)
            self._last = self._clock()


class OfflineMiss(Exception):
    """``--offline`` and the answer is not in the cache (internal; never reaches the user)."""


class Cache:
    """Answers of earlier requests, keyed by service and question (``arxiv:id:1707.08567``).

    One SQLite file under the user cache dir (``$WSSKG_CACHE_DIR/http/responses.sqlite3``):
    every write is its own transaction, so a SIGKILL never leaves a half-written answer.
    Negative answers ("arXiv does not know this id") are cached too; errors never are.
    ``refresh`` ignores what is stored (and overwrites it); ``offline`` never asks the network.
    """

    MISSING = object()

    def __init__(self, path: Path | None = None, refresh: bool = False, offline: bool = False):
        self.path = Path(path) if path else cache_dir() / "http" / "responses.sqlite3"
        self.refresh = refresh
        self.offline = offline
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(str(self.path), timeout=30, check_same_thread=False, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, value TEXT NOT NULL, fetched REAL NOT NULL)")
            self._db = db
        return self._db

    def get(self, key: str) -> Any:
        """The stored answer, or :attr:`MISSING` (always MISSING with ``refresh``)."""
        if self.refresh and not self.offline:  # offline, the cache is all there is
            return self.MISSING
        with self._lock:
            try:
                row = self._conn().execute("SELECT value FROM answers WHERE key = ?", (key,)).fetchone()
            except sqlite3.DatabaseError:
                return self.MISSING
        if row is None:
            return self.MISSING
        try:
            return json.loads(row[0])
        except ValueError:
            return self.MISSING

    def peek(self, key: str) -> Any:
        """Like :meth:`get` but ignores ``refresh`` (used to report what offline could fill)."""
        refresh, self.refresh = self.refresh, False
        try:
            return self.get(key)
        finally:
            self.refresh = refresh

    def put(self, key: str, value: Any) -> None:
        data = json.dumps(value, ensure_ascii=False, sort_keys=True)
        with self._lock:
            try:
                self._conn().execute(
                    "INSERT OR REPLACE INTO answers (key, value, fetched) VALUES (?, ?, ?)", (key, data, time.time())
                )
            except sqlite3.DatabaseError as e:
                raise SourceError(f"cannot write the response cache {self.path}: {e}") from None

    def put_many(self, items: dict[str, Any]) -> None:
        now = time.time()
        rows = [(k, json.dumps(v, ensure_ascii=False, sort_keys=True), now) for k, v in items.items()]
        with self._lock:
            try:
                db = self._conn()
                db.execute("BEGIN")
                db.executemany("INSERT OR REPLACE INTO answers (key, value, fetched) VALUES (?, ?, ?)", rows)
                db.execute("COMMIT")
            except sqlite3.DatabaseError as e:
                raise SourceError(f"cannot write the response cache {self.path}: {e}") from None

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


# -- retry policy ------------------------------------------------------------------------------

class Retryable(SourceError):
    """A failure worth another attempt: 429, 5xx, a timeout, a dropped connection, a cut body."""

    def __init__(self, message: str, retry_after: float | None = None, status: int | None = None):
        self.retry_after = retry_after
        self.status = status
        super().__init__(message)


def parse_retry_after(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - now())


class Policy:
    """Runs one logical request with bounded retries.

    429: wait ``Retry-After`` when given (capped by ``max_retry_after``; a longer demand gives up
    at once with :class:`RateLimited`), else exponential backoff starting at 2.5 x ``backoff``.
    5xx, timeouts, dropped connections, truncated or malformed bodies: exponential backoff.
    Anything else (400, 403, 404, ...) fails at once. At most ``retries`` retries.
    """

    def __init__(self, service: str, settings: Settings, stats: Stats,
                 sleep: Callable[[float], None] = time.sleep):
        self.service = service
        self.settings = settings
        self.stats = stats
        self.sleep = sleep

    def run(self, what: str, fn: Callable[[], Any]) -> Any:
        name = SERVICE_NAMES[self.service]
        attempt = 0
        while True:
            try:
                return fn()
            except Retryable as e:
                if attempt >= self.settings.retries:
                    msg = f"{name}: {what}: {e} (gave up after {attempt + 1} attempts)"
                    if e.status == 429:
                        raise RateLimited(self.settings.redact(msg), retry_after=e.retry_after) from None
                    raise SourceError(self.settings.redact(msg)) from None
                if e.status == 429 and e.retry_after is not None:
                    if e.retry_after > self.settings.max_retry_after:
                        raise RateLimited(
                            f"{name}: {what}: rate limited, the server asks to wait {e.retry_after:.0f} s "
                            f"(more than WSSKG_MAX_RETRY_AFTER={self.settings.max_retry_after:.0f} s); try again later",
                            retry_after=e.retry_after,
                        ) from None
                    delay = e.retry_after
                else:
                    base = self.settings.backoff * (2.5 if e.status == 429 else 1.0)
                    delay = base * (2 ** attempt)
                attempt += 1
                self.stats.count(self.service, "retries")
                if delay > 0:
                    self.sleep(delay)


class Source:
    """What every source wrapper shares: settings, the response cache, request statistics, its
    rate limiter and retry policy, and the two shapes of a cached request (one question; many
    ids in chunks). Subclasses set ``service`` and say how to ask."""

    service = ""

    def __init__(self, settings: Settings, cache: "Cache", stats: Stats, delay: float,
                 sleep: Callable[[float], None] = time.sleep):
        self.settings = settings
        self.cache = cache
        self.stats = stats
        self.limiter = RateLimiter(delay, sleep=sleep)
        self.policy = Policy(self.service, settings, stats, sleep=sleep)

    def cached(self, key: str, what: str, fetch: Callable[[], Any]) -> Any:
        """The cached answer to one question, else ``fetch()`` under the retry policy, stored.
        Offline and not cached: :class:`OfflineMiss`."""
        hit = self.cache.get(key)
        if hit is not Cache.MISSING:
            self.stats.count(self.service, "cache_hits")
            return hit
        if self.cache.offline:
            raise OfflineMiss(key)
        found = self.policy.run(what, fetch)
        self.cache.put(key, found)
        return found

    def cached_chunks(self, ids: list[str], key_of: Callable[[str], str], chunk_size: int, what: str,
                      fetch_chunk: Callable[[list[str]], dict], on_chunk: Callable[[dict], None] | None = None,
                      more_keys: Callable[[dict], dict] | None = None) -> dict:
        """``{id: answer}`` for many ids: cached ones cost nothing, the rest are asked
        ``chunk_size`` at a time (offline: left out). Each chunk's answers are cached as they
        arrive (``more_keys`` may add other keys for the same records) and shown to
        ``on_chunk``; a failing chunk raises, earlier chunks stay answered."""
        out: dict = {}
        todo: list[str] = []
        for i in ids:
            hit = self.cache.get(key_of(i))
            if hit is Cache.MISSING:
                todo.append(i)
            else:
                self.stats.count(self.service, "cache_hits")
                out[i] = hit
        if self.cache.offline:
            todo = []
        if on_chunk and out:
            on_chunk(dict(out))
        for start in range(0, len(todo), chunk_size):
            chunk = todo[start:start + chunk_size]
            got = self.policy.run(f"{what} of {len(chunk)} id(s)", lambda: fetch_chunk(chunk))
            answers = {key_of(i): rec for i, rec in got.items()}
            if more_keys:
                for k, v in more_keys(got).items():
                    answers.setdefault(k, v)
            self.cache.put_many(answers)
            out.update(got)
            if on_chunk:
                on_chunk(got)
        return out
