"""What the source wrappers share: settings from the environment, the on-disk response cache,
per-service request counters, a rate limiter and the bounded retry policy.

Nothing here imports a client library; ``wsskg.sources.arxiv`` and ``wsskg.sources.s2`` do.

Environment (all optional):

``WSSKG_ARXIV_URL``        arXiv API endpoint (default ``https://export.arxiv.org/api/query``)
``WSSKG_S2_URL``           Semantic Scholar API root (default ``https://api.semanticscholar.org``)
``WSSKG_ARXIV_DELAY``      seconds between arXiv requests (default 3, arXiv's etiquette)
``WSSKG_S2_DELAY``         seconds between Semantic Scholar requests (default 1)
``WSSKG_HTTP_TIMEOUT``     seconds one request may take in all, connect to last byte (default 30)
``WSSKG_HTTP_RETRIES``     retries after the first attempt for 429/5xx/timeouts/bad bodies (default 3)
``WSSKG_HTTP_BACKOFF``     first backoff in seconds, doubled per retry (default 2)
``WSSKG_MAX_RETRY_AFTER``  longest ``Retry-After`` honoured; longer gives up at once (default 120)
``WSSKG_MAX_RESPONSE_MB``  largest response body read, in MB (default 32; S2 caps its own at 10)
``WSSKG_BREAKER``          consecutive failures of one service after which it is not asked again
                           in this run (default 3)
``S2_API_KEY``             sent to Semantic Scholar as ``x-api-key``; never printed, logged or stored
"""

from __future__ import annotations

import email.utils
import json
import os
import sqlite3
import threading
import time
import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from wsskg.config import cache_dir
from wsskg.errors import RateLimited, SourceError

DEFAULT_ARXIV_URL = "https://export.arxiv.org/api/query"
DEFAULT_S2_URL = "https://api.semanticscholar.org"
SERVICES = ("arxiv", "s2")
ARXIV_MIN_DELAY = 3.0  # arXiv API terms: no more than one request every three seconds
S2_MIN_DELAY = 1.0  # S2 API key: 1 request per second on all endpoints
S2_KEYLESS_JITTER = 0.25  # keyless S2 gaps stretched by up to 25 % (a shared pool)
SERVICE_NAMES = {"arxiv": "arXiv", "s2": "Semantic Scholar"}
JITTER = 0.5  # a 429 backoff waits 1 to 1.5 times its step


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
    max_response_bytes: int = 32 * 1024 * 1024
    breaker: int = 3
    run_timeout: float | None = None  # the whole run (``--timeout``); None: no limit
    s2_api_key: str | None = field(default=None, repr=False)  # never in repr, logs or files

    @classmethod
    def from_env(cls) -> "Settings":
        retries = _env_float("WSSKG_HTTP_RETRIES", 3)
        settings = cls(
            arxiv_url=(os.environ.get("WSSKG_ARXIV_URL") or DEFAULT_ARXIV_URL).strip(),
            s2_url=(os.environ.get("WSSKG_S2_URL") or DEFAULT_S2_URL).strip().rstrip("/"),
            arxiv_delay=_env_float("WSSKG_ARXIV_DELAY", 3.0),
            s2_delay=_env_float("WSSKG_S2_DELAY", 1.0),
            timeout=_env_float("WSSKG_HTTP_TIMEOUT", 30.0) or 30.0,
            retries=int(retries),
            backoff=_env_float("WSSKG_HTTP_BACKOFF", 2.0),
            max_retry_after=_env_float("WSSKG_MAX_RETRY_AFTER", 120.0),
            max_response_bytes=int(_env_float("WSSKG_MAX_RESPONSE_MB", 32.0) * 1024 * 1024) or 1,
            breaker=max(1, int(_env_float("WSSKG_BREAKER", 3))),
            s2_api_key=(os.environ.get("S2_API_KEY") or "").strip() or None,
        )
        return settings.polite()

    def with_run_timeout(self, timeout: float | None) -> "Settings":
        """These settings with the whole run bounded by ``timeout`` seconds (``--timeout`` of
        ``enrich`` and ``watch``); None leaves them as they are."""
        if timeout is None:
            return self
        if timeout <= 0:
            from wsskg.errors import WsskgError

            raise WsskgError(f"the time limit must be a positive number of seconds, got {timeout:g}")
        return dataclasses.replace(self, run_timeout=timeout)

    def polite(self) -> "Settings":
        """Never faster than the real services allow: arXiv one request per 3 s, S2 one per
        second (a key's rate; keyless shares a smaller pool). A lower delay is kept only for
        other endpoints (a mirror, a test server)."""
        if self.arxiv_url.rstrip("/") == DEFAULT_ARXIV_URL:
            self.arxiv_delay = max(self.arxiv_delay, ARXIV_MIN_DELAY)
        if self.s2_url.rstrip("/") == DEFAULT_S2_URL:
            self.s2_delay = max(self.s2_delay, S2_MIN_DELAY)
        return self

    def redact(self, text: str) -> str:
        """``text`` with the API key (if any) replaced, also percent-encoded: for every
        message shown to the user or kept."""
        key = self.s2_api_key
        if key:
            from urllib.parse import quote, quote_plus

            for form in {key, quote(key, safe=""), quote_plus(key)}:
                text = text.replace(form, "***")
        return text

    def redact_error(self, err: Exception) -> Exception:
        """``err`` with the key taken out of its message (in place; returned for ``raise``)."""
        if self.s2_api_key and err.args:
            err.args = tuple(self.redact(a) if isinstance(a, str) else a for a in err.args)
        return err


@dataclass
class Stats:
    """HTTP requests actually sent (retries included) and cache hits, per service."""

    requests: dict[str, int] = field(default_factory=lambda: {s: 0 for s in SERVICES})
    cache_hits: dict[str, int] = field(default_factory=lambda: {s: 0 for s in SERVICES})
    retries: dict[str, int] = field(default_factory=lambda: {s: 0 for s in SERVICES})
    throttled: dict[str, int] = field(default_factory=lambda: {s: 0 for s in SERVICES})  # 429 answers
    splits: dict[str, int] = field(default_factory=lambda: {s: 0 for s in SERVICES})  # batches split in halves
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, service: str, what: str = "requests", n: int = 1) -> None:
        with self._lock:
            getattr(self, what)[service] = getattr(self, what).get(service, 0) + n

    def to_dict(self) -> dict:
        return {"requests": dict(self.requests), "cache_hits": dict(self.cache_hits), "retries": dict(self.retries),
                "throttled": dict(self.throttled), "splits": dict(self.splits)}


class RateLimiter:
    """At least ``interval`` seconds between the starts of two requests to one service, each
    gap stretched by up to ``jitter`` (a fraction) at random: clients sharing a pool (S2
    without a key) then do not arrive in lockstep."""

    def __init__(self, interval: float, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic, jitter: float = 0.0):
        import random

        self.interval = interval
        self.jitter = jitter
        self._random = random.random
        self._sleep = sleep
        self._clock = clock
        self._last: float | None = None
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            if self._last is not None and self.interval > 0:
                gap = self._clock() - self._last
                want = self.interval * (1.0 + self.jitter * self._random())
                if gap < want:
                    self._sleep(want - gap)
            self._last = self._clock()


class ServiceDown(SourceError):
    """The circuit breaker is open: the service failed too often in a row in this run."""


class RunTimedOut(SourceError):
    """The whole run's time limit (``--timeout``) is spent."""


class ResponseTooLarge(SourceError):
    """A response body larger than ``Settings.max_response_bytes`` (not read any further)."""


class AuthFailed(SourceError):
    """HTTP 401/403: the key (or its absence) is refused; counts toward the breaker."""


def read_capped(chunks, cap: int, deadline: float, clock: Callable[[], float] = time.monotonic) -> bytes:
    """Join body ``chunks`` while they stay under ``cap`` bytes and ``deadline`` (monotonic)
    is not passed: a trickling server cannot hold a request past its deadline, an endless one
    cannot fill memory."""
    parts: list[bytes] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > cap:
            raise ResponseTooLarge(f"response larger than {cap / 1048576:g} MB (WSSKG_MAX_RESPONSE_MB); not read further")
        parts.append(chunk)
        if clock() > deadline:
            raise TimeoutError("the response trickled in past the request's deadline")
    return b"".join(parts)


class Guard:
    """What every source of one run shares beside the cache: the run's deadline and one
    circuit breaker per service.

    A failure is an attempt that timed out, lost its connection, got a 5xx, a cut body, a
    401/403 (a bad key) or an oversized body; ``breaker`` of them in a row open the breaker
    and the service is not asked again in this run (:class:`ServiceDown`, once per call, no
    request). Any answer, a 404 included, closes it. A 429 is neither: it is pacing.
    """

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic):
        self.settings = settings
        self.clock = clock
        self.deadline = clock() + settings.run_timeout if settings.run_timeout else None
        self.failures: dict[str, int] = {s: 0 for s in SERVICES}
        self.down: dict[str, str] = {}

    def remaining(self) -> float | None:
        return None if self.deadline is None else self.deadline - self.clock()

    def check(self, service: str) -> None:
        """Raise when ``service`` must not be asked now."""
        left = self.remaining()
        if left is not None and left <= 0:
            raise RunTimedOut(f"not asked: the run's time limit ({self.settings.run_timeout:g} s) is spent")
        if service in self.down:
            raise ServiceDown(self.down[service])

    def request_timeout(self) -> float:
        """Seconds the next request may take in all: the request timeout, or what is left of the run."""
        left = self.remaining()
        return self.settings.timeout if left is None else max(0.05, min(self.settings.timeout, left))

    def failed(self, service: str, why: str) -> None:
        self.failures[service] = self.failures.get(service, 0) + 1
        n = self.failures[service]
        if n >= self.settings.breaker and service not in self.down:
            self.down[service] = (f"{SERVICE_NAMES[service]} not asked any more in this run: {n} failures in a row "
                                  f"(last: {self.settings.redact(why)[:160]})")

    def succeeded(self, service: str) -> None:
        self.failures[service] = 0


class OfflineMiss(Exception):
    """``--offline`` and the answer is not in the cache (internal; never reaches the user)."""


class Cache:
    """Answers of earlier requests, keyed by service and question (``arxiv:id:1707.08567``).

    One SQLite file under the user cache dir (``$WSSKG_CACHE_DIR/http/responses.sqlite3``):
    every write is its own transaction, so a SIGKILL never leaves a half-written answer.
    Negative answers ("arXiv does not know this id") are cached too; errors never are.
    ``refresh`` ignores what is stored (and overwrites it); ``offline`` never asks the network.
    ``max_age`` (seconds) treats older answers as missing unless offline: for questions whose
    answer changes ("the newest papers on ...", asked by ``wsskg watch``).
    """

    MISSING = object()

    def __init__(self, path: Path | None = None, refresh: bool = False, offline: bool = False,
                 max_age: float | None = None):
        self.path = Path(path) if path else cache_dir() / "http" / "responses.sqlite3"
        self.refresh = refresh
        self.offline = offline
        self.max_age = max_age
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
                row = self._conn().execute("SELECT value, fetched FROM answers WHERE key = ?", (key,)).fetchone()
            except sqlite3.DatabaseError:
                return self.MISSING
        if row is None:
            return self.MISSING
        if self.max_age is not None and not self.offline and time.time() - row[1] > self.max_age:
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
    """Runs one logical request with bounded retries, within the run's :class:`Guard`.

    429: wait ``Retry-After`` when given (capped by ``max_retry_after``; a longer demand gives up
    at once with :class:`RateLimited`), else exponential backoff starting at 2.5 x ``backoff``,
    stretched by up to ``JITTER`` at random (so clients sharing a pool do not retry in step).
    5xx, timeouts, dropped connections, truncated or malformed bodies: exponential backoff.
    Anything else (400, 403, 404, ...) fails at once. At most ``retries`` retries; never past
    the run's deadline, never to a service whose breaker is open. Every error leaving here has
    the API key taken out of its message.
    """

    def __init__(self, service: str, settings: Settings, stats: Stats,
                 sleep: Callable[[float], None] = time.sleep, guard: Guard | None = None,
                 jitter: Callable[[], float] | None = None):
        import random

        self.service = service
        self.settings = settings
        self.stats = stats
        self.sleep = sleep
        self.guard = guard or Guard(settings)
        self.jitter = jitter or random.random

    def run(self, what: str, fn: Callable[[], Any], split: Callable[[Exception], bool] | None = None,
            quiet: bool = False) -> Any:
        """``fn()`` under the policy. ``split(err)`` true: the caller will split the request
        (a batch that timed out), so the error is raised at once, not retried, and does not
        count toward the breaker (the service answered). ``quiet``: failed attempts do not
        count toward the breaker either (the caller counts the outcome once)."""
        try:
            return self._run(what, fn, split, quiet)
        except SourceError as e:
            raise self.settings.redact_error(e) from None

    def _run(self, what: str, fn: Callable[[], Any], split: Callable[[Exception], bool] | None,
             quiet: bool = False) -> Any:
        name = SERVICE_NAMES[self.service]
        attempt = 0
        while True:
            self.guard.check(self.service)
            try:
                result = fn()
            except Retryable as e:
                if split is not None and split(e):
                    raise
                if e.status == 429:
                    self.stats.count(self.service, "throttled")
                elif not quiet:
                    self.guard.failed(self.service, str(e))
                if attempt >= self.settings.retries or (e.status != 429 and self.service in self.guard.down):
                    msg = f"{name}: {what}: {e} (gave up after {attempt + 1} attempts)"
                    if e.status == 429:
                        raise RateLimited(self.settings.redact(msg), retry_after=e.retry_after) from None
                    err = SourceError(self.settings.redact(msg))
                    err.status = e.status  # type: ignore[attr-defined]
                    raise err from None
                if e.status == 429 and e.retry_after is not None:
                    if e.retry_after > self.settings.max_retry_after:
                        raise RateLimited(
                            f"{name}: {what}: rate limited, the server asks to wait {e.retry_after:.0f} s "
                            f"(more than WSSKG_MAX_RETRY_AFTER={self.settings.max_retry_after:.0f} s); try again later",
                            retry_after=e.retry_after,
                        ) from None
                    delay = e.retry_after
                else:
                    delay = self.settings.backoff * (2 ** attempt)
                    if e.status == 429:  # a shared pool: spread the retries of many clients
                        delay *= 2.5 * (1.0 + JITTER * self.jitter())
                left = self.guard.remaining()
                if left is not None and delay >= left:
                    raise RunTimedOut(f"{name}: {what}: {e}; the run's time limit "
                                      f"({self.settings.run_timeout:g} s) is spent before a retry") from None
                attempt += 1
                self.stats.count(self.service, "retries")
                if delay > 0:
                    self.sleep(delay)
                continue
            except (ResponseTooLarge, AuthFailed) as e:
                if not quiet and not (split is not None and split(e)):
                    self.guard.failed(self.service, str(e))
                raise
            self.guard.succeeded(self.service)
            return result


class Source:
    """What every source wrapper shares: settings, the response cache, request statistics, its
    rate limiter and retry policy, and the two shapes of a cached request (one question; many
    ids in chunks). Subclasses set ``service`` and say how to ask."""

    service = ""

    def __init__(self, settings: Settings, cache: "Cache", stats: Stats, delay: float,
                 sleep: Callable[[float], None] = time.sleep, guard: Guard | None = None):
        self.settings = settings
        self.cache = cache
        self.stats = stats
        self.guard = guard or Guard(settings)
        self.limiter = RateLimiter(delay, sleep=sleep, jitter=self.pacing_jitter())
        self.policy = Policy(self.service, settings, stats, sleep=sleep, guard=self.guard)
        self.failed_alone: dict[str, str] = {}  # ids whose lookup failed even when asked alone

    def pacing_jitter(self) -> float:
        """How much the gaps between requests vary at random (a fraction); none by default."""
        return 0.0

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
                      more_keys: Callable[[dict], dict] | None = None,
                      splittable: Callable[[Exception], bool] | None = None) -> dict:
        """``{id: answer}`` for many ids: cached ones cost nothing, the rest are asked
        ``chunk_size`` at a time (offline: left out). Each chunk's answers are cached as they
        arrive (``more_keys`` may add other keys for the same records) and shown to
        ``on_chunk``; a failing chunk raises, earlier chunks stay answered.

        With ``splittable``, a chunk failing that way (a batch timing out on the server) is
        split in halves and each half asked on its own, down to single ids; an id that still
        fails alone is left out of the answer and recorded in :attr:`failed_alone`
        (``{id: reason}``) instead of failing the rest. Splits are counted in ``stats.splits``.
        """
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

        def ask(chunk: list[str]) -> None:
            many = len(chunk) > 1
            can_split = (lambda e: many and splittable(e)) if splittable else None
            try:
                got = self.policy.run(f"{what} of {len(chunk)} id(s)", lambda: fetch_chunk(chunk), split=can_split,
                                      quiet=bool(splittable) and not many)
            except SourceError as e:
                if splittable is None or not splittable(e) or isinstance(e, (RunTimedOut, ServiceDown)):
                    raise
                if many:
                    self.stats.count(self.service, "splits")
                    mid = len(chunk) // 2
                    ask(chunk[:mid])
                    ask(chunk[mid:])
                else:  # one failure for the breaker: a service failing every id alone is down
                    self.failed_alone[chunk[0]] = str(e)
                    self.guard.failed(self.service, str(e))
                return
            answers = {key_of(i): rec for i, rec in got.items()}
            if more_keys:
                for k, v in more_keys(got).items():
                    answers.setdefault(k, v)
            self.cache.put_many(answers)
            out.update(got)
            if on_chunk:
                on_chunk(got)

        for start in range(0, len(todo), chunk_size):
            ask(todo[start:start + chunk_size])
        return out
