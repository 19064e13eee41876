"""The link checker: a verdict for each URL, politely and within bounds.

A link checker that hammers a host gets itself blocked, and one that waits on a black hole
never finishes; a CI job needs both to be impossible. So every request goes through a
:class:`_Hosts` scheduler (at most ``per_host`` open connections to one host, request starts
``pace`` seconds apart there, a host's ``Retry-After`` holding all of its requests) and a
pool of ``connections`` worker threads (the bound in total: one connection per worker, closed
after its answer). Every request has a deadline from connect to the last header byte, kept
even against a server that trickles one byte at a time (:class:`_DeadlineSocket`); a body is
never read at all, so a huge one costs nothing.

HEAD first; GET when HEAD is refused or answered with an error (many servers refuse HEAD, some
answer it 404 or 403 while GET works). Redirects are followed by hand up to ``max_hops``, with
loop detection; the permanent ones (301, 308) at the head of the chain give the URL the list
should now say. Only the standard library is used: a check asks for status lines and headers,
which ``http.client`` gives without a dependency.

``connect_to`` sends the requests for an origin to another address, as curl's ``--connect-to``
does: tests point real-looking URLs (``https://arxiv.org/...``) at a server on 127.0.0.1, and
``mapped_only`` makes sure nothing else is contacted.
"""

from __future__ import annotations

import http.client
import io
import ipaddress
import os
import re
import socket
import ssl
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Iterable
from urllib.parse import quote, urljoin, urlsplit

from wsskg import __version__
from wsskg.errors import WsskgError
from wsskg.sources.http import parse_retry_after

#: The verdicts, in the order reports count them.
VERDICTS = ("ok", "redirected", "dead", "flaky", "blocked", "invalid")
#: The verdicts that fail a run unless told otherwise (``--fail-on``).
DEFAULT_FAIL_ON = ("dead",)

#: HTTP statuses that say the page is gone.
DEAD_CODES = frozenset({404, 410})
#: Statuses of a wall in front of a page that may well exist (bots, logins, rate limits).
BLOCKED_CODES = frozenset({401, 403, 429, 451, 999})
#: Permanent redirects: the list should say the new URL.
PERMANENT_CODES = frozenset({301, 308})
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})

USER_AGENT = f"wsskg-links/{__version__} (reading-list link checker; polite: few connections per host)"


@dataclass
class CheckSettings:
    """How hard and how long the checker may try. The defaults suit a list of a few thousand
    links on a few hundred hosts (GitHub and arXiv hold most of them)."""

    connections: int = 32  # open connections in total (worker threads)
    per_host: int = 2  # open connections to one host
    pace: float = 0.2  # seconds between two request starts to one host
    timeout: float = 20.0  # one request, connect to last header byte
    retries: int = 2  # more attempts for a flaky answer (timeout, 5xx, lost connection)
    backoff: float = 1.0  # first pause before a retry, doubled each time
    max_retry_after: float = 60.0  # a longer Retry-After is not waited for: the link is "blocked"
    max_hops: int = 10  # redirects followed for one URL
    run_timeout: float | None = None  # the whole check; links not asked by then are flaky
    user_agent: str = USER_AGENT
    #: origin -> origin that answers for it (``"https://arxiv.org" -> "http://127.0.0.1:8080"``)
    connect_to: dict[str, str] = field(default_factory=dict)
    #: with ``connect_to``: never contact an origin it does not map (tests: no real request)
    mapped_only: bool = False

    @classmethod
    def from_env(cls, **overrides) -> "CheckSettings":
        """Settings with ``connect_to`` and ``mapped_only`` from the environment (the way the
        command line is pointed at a test server), then ``overrides``:

        ``WSSKG_LINKS_CONNECT_TO``   ``origin=origin`` pairs, space or comma separated
                                     (``https://arxiv.org=http://127.0.0.1:8080``)
        ``WSSKG_LINKS_MAPPED_ONLY``  ``1``: contact no origin outside that map
        """
        raw = os.environ.get(CONNECT_TO_ENV, "")
        pairs = {}
        for item in raw.replace(",", " ").split():
            origin, sep, target = item.partition("=")
            if not sep or invalid_reason(origin) or invalid_reason(target):
                raise WsskgError(f"${CONNECT_TO_ENV}: expected origin=origin pairs, got {item!r}")
            pairs[origin.rstrip("/").lower()] = target.rstrip("/")
        mapped_only = os.environ.get(MAPPED_ONLY_ENV, "").strip() not in ("", "0")
        return cls(**{"connect_to": pairs, "mapped_only": mapped_only, **overrides})


CONNECT_TO_ENV = "WSSKG_LINKS_CONNECT_TO"
MAPPED_ONLY_ENV = "WSSKG_LINKS_MAPPED_ONLY"


@dataclass
class LinkResult:
    """The verdict on one URL. ``final_url`` is where the redirects ended, ``moved_to`` the URL
    the permanent redirects at the head of the chain lead to (the repair of a moved link)."""

    url: str
    status: str
    code: int | None = None
    final_url: str | None = None
    moved_to: str | None = None
    detail: str = ""
    chain: list[list] = field(default_factory=list)  # [code, url] per redirect followed
    attempts: int = 0
    checked_at: float = 0.0
    cached: bool = False

    def to_dict(self) -> dict:
        return {"url": self.url, "status": self.status, "code": self.code, "final_url": self.final_url,
                "moved_to": self.moved_to, "detail": self.detail, "chain": [list(c) for c in self.chain],
                "attempts": self.attempts, "checked_at": self.checked_at}

    @classmethod
    def from_dict(cls, d: dict) -> "LinkResult":
        return cls(url=d["url"], status=d["status"], code=d.get("code"), final_url=d.get("final_url"),
                   moved_to=d.get("moved_to"), detail=d.get("detail") or "", chain=list(d.get("chain") or []),
                   attempts=int(d.get("attempts") or 0), checked_at=float(d.get("checked_at") or 0.0))


def host_key(url: str) -> str:
    """What politeness is counted per: the URL's host and port, lower case."""
    return urlsplit(url).netloc.lower().rsplit("@", 1)[-1]


_MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def request_url(url: str) -> str:
    """The URL a reader's browser follows for a link as the list wrote it: Markdown's backslash
    escapes (``b\\_c``) and HTML's ``&amp;`` undone."""
    if "\\" in url:
        url = _MD_ESCAPE.sub(r"\1", url)
    return url.replace("&amp;", "&")


def invalid_reason(url: str) -> str | None:
    """Why ``url`` is not an http(s) URL a checker can ask for, or None when it is one."""
    if not url or url != url.strip() or any(c.isspace() for c in url):
        return "not a URL (blank or holds spaces)"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as e:
        return f"not a URL ({e})"
    if parts.scheme.lower() not in ("http", "https"):
        return f"not a web URL (scheme {parts.scheme!r})" if parts.scheme else "not a URL (no scheme)"
    if not parts.hostname:
        return "not a URL (no host)"
    if port == 0:
        return "not a URL (port 0)"
    try:
        parts.hostname.encode("idna")
    except UnicodeError:
        return "not a URL (the host name cannot be encoded)"
    return None


# -- the scheduler: connections per host, pace, Retry-After ------------------------------------------

class _Hosts:
    """Who may open a connection to which host, and when.

    Workers :meth:`take` a URL whose host is free now (round robin over the hosts, so a list
    sorted by host does not queue every worker behind one), and :meth:`acquire` a host for each
    later request (a GET after HEAD, a redirect, a retry); :meth:`release` with ``hold`` keeps
    the host's next start that far away (a ``Retry-After`` or a backoff)."""

    def __init__(self, settings: CheckSettings, clock: Callable[[], float] = time.monotonic):
        self.per_host = max(1, settings.per_host)
        self.pace = max(0.0, settings.pace)
        self._clock = clock
        self._cond = threading.Condition()
        self._active: dict[str, int] = {}
        self._next: dict[str, float] = {}
        self._queues: dict[str, deque] = {}
        self._order: deque[str] = deque()
        self.peak: dict[str, int] = {}  # the most connections one host ever had open at once

    def add(self, urls: Iterable[str]) -> None:
        with self._cond:
            for url in urls:
                h = host_key(url)
                if h not in self._queues:
                    self._queues[h] = deque()
                    self._order.append(h)
                self._queues[h].append(url)
            self._cond.notify_all()

    def _free_in(self, h: str, now: float) -> float | None:
        """Seconds until host ``h`` may start a request (0: now); None while it is full."""
        if self._active.get(h, 0) >= self.per_host:
            return None
        return max(0.0, self._next.get(h, 0.0) - now)

    def _start(self, h: str, now: float) -> None:
        n = self._active.get(h, 0) + 1
        self._active[h] = n
        self.peak[h] = max(self.peak.get(h, 0), n)
        self._next[h] = now + self.pace

    def take(self, stop_at: float | None = None) -> tuple[str, str] | None:
        """The next URL and its host, already acquired; None when no URL is left or the clock
        has passed ``stop_at``."""
        with self._cond:
            while True:
                now = self._clock()
                if not self._order or (stop_at is not None and now >= stop_at):
                    return None
                wait: float | None = None
                for _ in range(len(self._order)):
                    h = self._order[0]
                    self._order.rotate(-1)
                    free = self._free_in(h, now)
                    if free == 0:
                        url = self._queues[h].popleft()
                        if not self._queues[h]:
                            del self._queues[h]
                            self._order.remove(h)
                        self._start(h, now)
                        return url, h
                    if free is not None:
                        wait = free if wait is None else min(wait, free)
                if stop_at is not None:
                    wait = min(wait, stop_at - now) if wait is not None else stop_at - now
                self._cond.wait(wait)

    def acquire(self, h: str) -> None:
        with self._cond:
            while True:
                now = self._clock()
                free = self._free_in(h, now)
                if free == 0:
                    self._start(h, now)
                    return
                self._cond.wait(free)

    def release(self, h: str, hold: float = 0.0) -> None:
        with self._cond:
            self._active[h] = self._active.get(h, 1) - 1
            if hold > 0:
                self._next[h] = max(self._next.get(h, 0.0), self._clock() + hold)
            self._cond.notify_all()


# -- one request -----------------------------------------------------------------------------------

class _DeadlineSocket:
    """The socket an HTTP response reads from, refusing to read past ``deadline``: each read
    may wait only the time left, so a trickling server cannot stretch a request."""

    def __init__(self, sock: socket.socket, deadline: float):
        self._sock = sock
        self._deadline = deadline

    def makefile(self, mode: str, *args, **kwargs):
        return io.BufferedReader(_DeadlineReader(self._sock, self._deadline))


class _DeadlineReader(io.RawIOBase):
    def __init__(self, sock: socket.socket, deadline: float):
        self._sock = sock
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the answer trickled in past the request's deadline")
        self._sock.settimeout(left)
        return self._sock.recv_into(b)


class _Failure(Exception):
    """A request that got no HTTP answer: ``status`` is the verdict it leads to."""

    def __init__(self, status: str, detail: str, retry: bool | None = None):
        self.status = status
        self.detail = detail
        self.retry = status == "flaky" if retry is None else retry
        super().__init__(detail)


@dataclass
class _Answer:
    code: int
    location: str | None
    retry_after: str | None
    cookie: bool


#: What stays as it is when a ``Location`` header is escaped (spaces and non-ASCII do not).
_LOCATION_SAFE = ":/?#[]@!$&'()*+,;=%~"


#: The start of a dead verdict's detail when the host's name does not exist.
NO_HOST = "no such host"


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _request_target(parts) -> str:
    """The path and query as they go on the request line: ASCII, already-escaped parts kept."""
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=~-._")
    query = quote(parts.query, safe="/%:@!$&'()*+,;=~-._?")
    return path + (f"?{query}" if parts.query else "")


# -- the checker -------------------------------------------------------------------------------------

class Checker:
    """Checks URLs with :class:`CheckSettings`; :attr:`requests` counts the requests sent and
    :attr:`peak` the most connections ever open to one host (both for the report and tests).

    ``cache`` (a :class:`wsskg.links.cache.LinkCache`) answers URLs checked within its
    lifetime without a request and keeps the new verdicts."""

    def __init__(self, settings: CheckSettings | None = None, cache=None,
                 sleep: Callable[[float], None] = time.sleep):
        self.settings = settings or CheckSettings()
        self.cache = cache
        self.requests = 0
        self.peak: dict[str, int] = {}
        #: some host name was resolved: "no such host" can be believed (else the machine is offline)
        self.resolved = False
        self._run_end: float | None = None
        self._sleep = sleep
        self._lock = threading.Lock()
        self._ssl: ssl.SSLContext | None = None

    def check(self, urls: Iterable[str], progress: Callable[[int, int], None] | None = None) -> dict[str, LinkResult]:
        """A verdict for every URL of ``urls`` (each asked once however often it is given)."""
        todo = list(dict.fromkeys(urls))
        out: dict[str, LinkResult] = {}
        ask: list[str] = []
        for url in todo:
            why = invalid_reason(request_url(url))
            if why is not None:
                out[url] = LinkResult(url, "invalid", detail=why, checked_at=time.time())
                continue
            hit = self.cache.get(url) if self.cache is not None else None
            if hit is not None:
                out[url] = hit
            else:
                ask.append(url)
        total = len(todo)
        if progress is not None:
            progress(len(out), total)
        if not ask:
            return {u: out[u] for u in todo}
        hosts = _Hosts(self.settings)
        hosts.add(ask)
        done_lock = threading.Lock()
        limit = self.settings.run_timeout
        self._run_end = time.monotonic() + limit if limit is not None else None

        def work() -> None:
            while True:
                got = hosts.take(self._run_end)
                if got is None:
                    return
                url, h = got
                try:
                    res = self._check_one(url, hosts, h)
                except Exception as e:  # a bug must not lose the other verdicts or hang the pool
                    res = LinkResult(url, "flaky", detail=f"checker error: {type(e).__name__}: {e}",
                                     checked_at=time.time())
                if self.cache is not None and not res.detail.startswith(NO_HOST):
                    self.cache.put(res)  # "no such host" waits: is the resolver working at all?
                with done_lock:
                    out[url] = res
                    if progress is not None:
                        progress(len(out), total)

        workers = [threading.Thread(target=work, name=f"wsskg-links-{i}", daemon=True)
                   for i in range(max(1, min(self.settings.connections, len(ask))))]
        for t in workers:
            t.start()
        for t in workers:
            t.join()
        for h, n in hosts.peak.items():
            self.peak[h] = max(self.peak.get(h, 0), n)
        for url in ask:
            if url not in out:
                out[url] = LinkResult(url, "flaky", detail=f"not checked: the run's time limit ({limit:g} s) came first",
                                      checked_at=time.time())
        for url in ask:
            res = out[url]
            if not res.detail.startswith(NO_HOST):
                continue
            if self.resolved:
                if self.cache is not None:
                    self.cache.put(res)
            else:
                # not one host name resolved in this run: no network or no resolver, not a dead link
                res.status = "flaky"
                res.detail += " (no host name resolved in this run: offline?)"
        return {u: out[u] for u in todo}

    # one URL: attempts around a walk along the redirects ------------------------------------------

    def _check_one(self, url: str, hosts: _Hosts, held: str | None) -> LinkResult:
        s = self.settings
        attempt = 0
        while True:
            attempt += 1
            res, wait, host, retry = self._walk(request_url(url), hosts, held)  # releases its host if it raises
            res.url = url
            held = None
            res.attempts = attempt
            res.checked_at = time.time()
            pause = wait if wait is not None else s.backoff * 2 ** (attempt - 1)
            late = self._run_end is not None and time.monotonic() + pause >= self._run_end
            if not retry or attempt > s.retries or late:
                hosts.release(host)
                if retry:
                    res.detail += f" (after {attempt} attempts" + ("; the run's time limit came first)" if late else ")")
                return res
            hosts.release(host, hold=pause)  # the host's next start waits: its Retry-After, or a backoff

    def _walk(self, url: str, hosts: _Hosts, held: str | None) -> tuple[LinkResult, float, str, bool]:
        """Follow ``url`` to an answer. Returns the result, the pause the host asked for before
        a retry (None: it said nothing), the host still held (the caller releases it) and
        whether to retry."""
        s = self.settings
        seen = [url]
        chain: list[list] = []
        moved_to: str | None = None
        permanent = True
        cookie = False
        current = url
        host = held
        while True:
            h = host_key(current)
            if host != h:
                if host is not None:
                    hosts.release(host)
                    host = None
                hosts.acquire(h)
                host = h
            try:
                ans = self._ask("HEAD", current)
                if ans.code >= 400 and ans.code != 429:  # HEAD refused (405, 501) or doubted
                    hosts.release(host)
                    host = None
                    hosts.acquire(h)
                    host = h
                    ans = self._ask("GET", current)
            except _Failure as f:
                res = LinkResult(url, f.status, detail=f.detail, chain=chain, moved_to=moved_to,
                                 final_url=current if chain else None)
                return res, None, host, f.retry
            except BaseException:  # a bug, or Ctrl-C: the host's slot must not stay taken
                if host is not None:
                    hosts.release(host)
                raise
            cookie = cookie or ans.cookie
            if ans.code in REDIRECT_CODES and ans.location:
                nxt = urljoin(current, quote(ans.location.strip(), safe=_LOCATION_SAFE))
                chain.append([ans.code, nxt])
                if ans.code in PERMANENT_CODES and permanent:
                    moved_to = nxt
                else:
                    permanent = False
                why = invalid_reason(nxt)
                if why is not None:
                    return LinkResult(url, "dead", ans.code, nxt, None, f"redirected to a bad URL: {why}",
                                      chain), None, host, False
                if nxt in seen or len(chain) > s.max_hops:
                    what = "a redirect loop" if nxt in seen else f"more than {s.max_hops} redirects"
                    # a loop that sets cookies is a cookie wall (a browser gets through): not dead
                    status = "blocked" if cookie else "dead"
                    return LinkResult(url, status, ans.code, nxt, None, what + (" setting cookies" if cookie else ""),
                                      chain), None, host, False
                seen.append(nxt)
                current = nxt
                continue
            return self._verdict(url, ans, current, chain, moved_to)

    def _verdict(self, url: str, ans: _Answer, final: str, chain: list, moved_to: str | None):
        s = self.settings
        code = ans.code
        final_url = final if chain else None
        moved = moved_to if moved_to and moved_to != url else None
        if 200 <= code < 400:
            status = "redirected" if moved else "ok"
            detail = f"moved permanently to {moved}" if moved else ""
            return LinkResult(url, status, code, final_url, moved, detail, chain), None, host_key(final), False
        h = host_key(final)
        if code in DEAD_CODES:
            return LinkResult(url, "dead", code, final_url, None, f"HTTP {code}", chain), None, h, False
        if code == 429:
            wait = parse_retry_after(ans.retry_after)
            if wait is not None and wait > s.max_retry_after:
                return LinkResult(url, "blocked", code, final_url, None,
                                  f"HTTP 429, asks to wait {wait:.0f} s (more than {s.max_retry_after:.0f})",
                                  chain), None, h, False
            return LinkResult(url, "blocked", code, final_url, None, "HTTP 429 (rate limited)", chain), wait, h, True
        if code >= 500:  # a 503 may say when to come back, as a 429 does
            wait = parse_retry_after(ans.retry_after)
            if wait is not None and wait > s.max_retry_after:
                return LinkResult(url, "flaky", code, final_url, None, f"HTTP {code}, asks to wait {wait:.0f} s",
                                  chain), None, h, False
            return LinkResult(url, "flaky", code, final_url, None, f"HTTP {code}", chain), wait, h, True
        # other 4xx (400, 406, 418...): as often a bot check as a broken link; not called dead
        what = f"HTTP {code}" if code in BLOCKED_CODES else f"HTTP {code}: refused, perhaps to bots; look by hand"
        return LinkResult(url, "blocked", code, final_url, None, what, chain), None, h, False

    # one request ------------------------------------------------------------------------------------

    def _ask(self, method: str, url: str) -> _Answer:
        """Send one request and read its status line and headers, never its body."""
        s = self.settings
        parts = urlsplit(url)
        origin = f"{parts.scheme.lower()}://{parts.netloc.lower()}"
        target = s.connect_to.get(origin)
        if target is None and s.mapped_only:
            raise _Failure("flaky", f"not contacted: {origin} is outside connect_to", retry=False)
        via = urlsplit(target) if target else parts
        deadline = time.monotonic() + s.timeout
        if self._run_end is not None:
            if time.monotonic() >= self._run_end:
                raise _Failure("flaky", "not asked: the run's time limit came first", retry=False)
            deadline = min(deadline, self._run_end)
        host = via.hostname or ""
        try:
            port = via.port
        except ValueError as e:
            raise _Failure("invalid", f"not a URL ({e})") from None
        if via.scheme.lower() == "https":
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                host, port, timeout=max(0.001, deadline - time.monotonic()), context=self._tls())
        else:
            conn = http.client.HTTPConnection(host, port, timeout=max(0.001, deadline - time.monotonic()))
        conn.response_class = lambda sock, **kw: http.client.HTTPResponse(_DeadlineSocket(sock, deadline), **kw)
        with self._lock:
            self.requests += 1
        try:
            netloc = parts.netloc.rsplit("@", 1)[-1]
            headers = {"Host": netloc if netloc.isascii() else netloc.encode("idna").decode("ascii"),
                       "User-Agent": s.user_agent, "Accept": "*/*", "Accept-Encoding": "identity",
                       "Connection": "close"}
            conn.connect()
            if not self.resolved and not _is_address(host):
                self.resolved = True  # the resolver works: a name it does not know is gone
            # sending the request may take only what the connection left of the deadline
            conn.sock.settimeout(max(0.001, deadline - time.monotonic()))
            conn.request(method, _request_target(parts), headers=headers)
            resp = conn.getresponse()
            return _Answer(resp.status, resp.getheader("Location"), resp.getheader("Retry-After"),
                           resp.getheader("Set-Cookie") is not None)
        except socket.gaierror as e:
            if e.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)):
                raise _Failure("dead", f"{NO_HOST}: {host}") from None
            raise _Failure("flaky", f"name lookup failed: {e.strerror or e}") from None
        except ssl.SSLCertVerificationError as e:
            raise _Failure("flaky", f"TLS certificate not verified: {e.verify_message or e}") from None
        except (TimeoutError, socket.timeout):
            raise _Failure("flaky", f"no answer within {s.timeout:g} s") from None
        except (OSError, http.client.HTTPException) as e:
            raise _Failure("flaky", f"connection failed: {type(e).__name__}: {e}".rstrip(": ")) from None
        except ValueError as e:  # a URL http.client refuses (control characters), a host idna cannot encode
            raise _Failure("invalid", f"not a URL ({e})") from None
        finally:
            conn.close()

    def _tls(self) -> ssl.SSLContext:
        with self._lock:
            if self._ssl is None:
                self._ssl = ssl.create_default_context()
            return self._ssl
