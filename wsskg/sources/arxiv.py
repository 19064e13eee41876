"""arXiv, through the ``arxiv`` client package, without its failure modes.

The client (4.0.2) sets no timeout, retries every non-200 (even a 400) with a fixed delay and
ignores ``Retry-After``, and turns an HTML, empty or error-feed body into "zero results". So
the client here runs with ``num_retries=0`` and ``delay_seconds=0`` on a requests session of
ours that adds a timeout, the rate limit and request counting, and remembers the last
response: after every call the body is checked (a feed that does not end in ``</feed>`` was
cut short; an ``api/errors`` entry is an error), and :class:`wsskg.sources.http.Policy`
decides about retries. Every answer is cached per arXiv id / per title query.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from typing import Callable, Iterable

import arxiv
import requests

from wsskg.catalog import normalize_title, strip_arxiv_version
from wsskg.errors import SourceError
from wsskg.sources.http import (
    AuthFailed, Cache, Guard, ResponseTooLarge, Retryable, Settings, Source, Stats, parse_retry_after, read_capped,
)

SERVICE = "arxiv"
CHUNK = 100  # ids per id_list request
CHUNK_BYTES = 64 * 1024  # body read size (the deadline and size cap are checked per chunk)

logging.getLogger("arxiv").setLevel(logging.ERROR)  # its "Malformed feed" warnings: we raise instead


class _Session(requests.Session):
    """A requests session with the rate limit, a request counter, a response size cap and a
    whole-request deadline.

    ``requests``' own timeout is per read: a server sending one byte every few seconds keeps
    it alive for ever. So the exchange runs in a daemon thread that reads the body in chunks
    (stopping at the deadline or the size cap) while this thread waits at most the request's
    time; past it, the caller gets a ``requests.exceptions.Timeout`` and the reader thread ends
    at its next chunk (or its read timeout), holding nothing the run needs.
    """

    def __init__(self, owner: "ArxivSource"):
        super().__init__()
        self._owner = owner
        self._worker: threading.Thread | None = None

    def request(self, method, url, *args, **kwargs):  # type: ignore[override]
        owner = self._owner
        if self._worker is not None and self._worker.is_alive():  # one connection at a time
            self._worker.join(owner.settings.timeout)
        owner.limiter.wait()
        limit = owner.last_limit = owner.guard.request_timeout()
        kwargs.setdefault("timeout", limit)
        kwargs["stream"] = True
        owner.stats.count(SERVICE)
        owner.last_response = None
        deadline = time.monotonic() + limit
        cap = owner.settings.max_response_bytes
        box: dict = {}

        def exchange() -> None:
            try:
                resp = super(_Session, self).request(method, url, *args, **kwargs)
                try:
                    size = resp.headers.get("Content-Length", "")
                    if size.isdigit() and int(size) > cap:
                        raise ResponseTooLarge(f"response of {int(size) / 1048576:.1f} MB is larger than "
                                               f"{cap / 1048576:g} MB (WSSKG_MAX_RESPONSE_MB); not read")
                    resp._content = read_capped(resp.iter_content(CHUNK_BYTES), cap, deadline)
                    resp._content_consumed = True
                finally:
                    resp.close()
                box["resp"] = resp
            except TimeoutError as e:
                box["error"] = requests.exceptions.Timeout(str(e))
            except BaseException as e:  # handed to the caller's thread
                box["error"] = e

        worker = self._worker = threading.Thread(target=exchange, name="wsskg-arxiv-request", daemon=True)
        worker.start()
        worker.join(limit)
        if worker.is_alive():
            raise requests.exceptions.Timeout(f"no complete answer within {limit:g} s")
        if "error" in box:
            raise box["error"]
        owner.last_response = box["resp"]
        return box["resp"]


class _Client(arxiv.Client):
    def __init__(self, owner: "ArxivSource", page_size: int):
        super().__init__(page_size=page_size, delay_seconds=0, num_retries=0)
        self._session = _Session(owner)
        self.query_url_format = owner.settings.arxiv_url + "?{}"


def record_from_result(r: "arxiv.Result") -> dict:
    """The fields wsskg keeps from an ``arxiv.Result`` (plain JSON for the cache)."""
    short = r.get_short_id()
    year = r.published.year if getattr(r, "published", None) and r.published.year > 1 else None
    return {
        "arxiv_id": strip_arxiv_version(short),
        "version": short[len(strip_arxiv_version(short)):] or None,
        "title": " ".join((r.title or "").split()),
        "authors": [a.name for a in r.authors],
        "abstract": " ".join((r.summary or "").split()) or None,
        "year": year,
        "doi": r.doi or None,
        "journal_ref": r.journal_ref or None,
        "primary_category": r.primary_category or None,
        "categories": list(getattr(r, "categories", None) or []),
        "published": r.published.date().isoformat() if year else None,
    }


def title_query(title: str) -> str:
    """An arXiv ``ti:`` phrase query for a title: words only (quotes, colons, ``&`` and such
    would change the query's meaning)."""
    words = normalize_title(title).split()
    return 'ti:"' + " ".join(words) + '"'


class ArxivSource(Source):
    """Lookups by id (``id_list`` in chunks of 100) and title search (``ti:`` queries)."""

    service = SERVICE

    def __init__(self, settings: Settings, cache: Cache, stats: Stats,
                 sleep: Callable[[float], None] = time.sleep, guard: Guard | None = None):
        super().__init__(settings, cache, stats, settings.arxiv_delay, sleep=sleep, guard=guard)
        self.last_response: requests.Response | None = None
        self.last_limit = settings.timeout  # the last request's whole-request deadline, seconds
        self._clients: dict[int, _Client] = {}

    def _client(self, page_size: int) -> _Client:
        if page_size not in self._clients:
            self._clients[page_size] = _Client(self, page_size)
        return self._clients[page_size]

    # -- by id -----------------------------------------------------------------------------------
    def fetch_ids(self, ids: Iterable[str], on_chunk: Callable[[dict], None] | None = None) -> dict[str, dict | None]:
        """``{id: record or None (arXiv does not know it)}`` for versionless ids.

        Cached ids cost nothing; the rest go out in chunks of 100. With ``offline`` an uncached
        id is left out of the answer. A chunk that fails raises :class:`SourceError`; ids of
        chunks answered before stay answered (``on_chunk`` sees each chunk's answer).
        """
        wanted = list(dict.fromkeys(strip_arxiv_version(i) for i in ids))
        return self.cached_chunks(wanted, lambda i: f"arxiv:id:{i}", CHUNK, "lookup", self._fetch_chunk, on_chunk)

    def _fetch_chunk(self, chunk: list[str]) -> dict[str, dict | None]:
        search = arxiv.Search(id_list=chunk, max_results=len(chunk))
        results = self._run(search, CHUNK)
        found = {}
        for r in results:
            rec = record_from_result(r)
            found[rec["arxiv_id"]] = rec
        lowered = {k.lower(): v for k, v in found.items()}
        return {i: lowered.get(i.lower()) for i in chunk}

    # -- by title --------------------------------------------------------------------------------
    def search_title(self, title: str, limit: int = 10) -> list[dict]:
        """Candidates for a title (one request, ``limit`` results at most)."""
        query = title_query(title)
        search = arxiv.Search(query=query, max_results=limit)
        return self.cached(f"arxiv:title:{limit}:{query}", "title search",
                           lambda: [record_from_result(r) for r in self._run(search, limit)])

    # -- the newest papers matching a query (``wsskg watch``) -----------------------------------------
    def recent(self, query: str, limit: int = 50) -> list[dict]:
        """The ``limit`` most recently submitted papers matching an arXiv ``search_query``
        (one request), newest first. Cached like any answer; a watch gives its cache a
        ``max_age`` so "newest" stays new."""
        search = arxiv.Search(query=query, max_results=limit, sort_by=arxiv.SortCriterion.SubmittedDate,
                              sort_order=arxiv.SortOrder.Descending)
        return self.cached(f"arxiv:recent:{limit}:{query}", "query for recent papers",
                           lambda: [record_from_result(r) for r in self._run(search, limit)])

    # -- one call through the client, with its failures made ours ---------------------------------
    def _run(self, search: "arxiv.Search", page_size: int) -> list:
        client = self._client(page_size)
        try:
            results = list(client.results(search))
        except arxiv.HTTPError as e:
            raise self._http_error(e.status) from None
        except arxiv.UnexpectedEmptyPageError:
            raise Retryable("a page of results was unexpectedly empty") from None
        except requests.exceptions.Timeout:
            raise Retryable(f"no complete answer within {self.last_limit:g} s") from None
        except requests.exceptions.RequestException as e:
            raise Retryable(_short(e)) from None
        self._check_body()
        return results

    def _http_error(self, status: int) -> SourceError:
        resp = self.last_response
        if status == 429:
            after = parse_retry_after(resp.headers.get("Retry-After")) if resp is not None else None
            return Retryable("HTTP 429 Too Many Requests", retry_after=after, status=429)
        if status >= 500:
            return Retryable(f"HTTP {status}", status=status)
        detail = _error_summary(resp.content) if resp is not None else None
        if status in (401, 403):
            return AuthFailed(f"HTTP {status}" + (f": {detail}" if detail else ""))
        return SourceError(f"HTTP {status}" + (f": {detail}" if detail else ""))

    def _check_body(self) -> None:
        resp = self.last_response
        if resp is None:
            return
        body = resp.content.rstrip()
        if not body:
            raise Retryable("empty response body")
        if b"arxiv.org/api/errors" in body:
            raise SourceError("arXiv error: " + (_error_summary(body) or "unknown"))
        if not body.endswith(b"</feed>"):
            kind = "an HTML page" if b"<html" in body[:500].lower() else "a cut-short or malformed feed"
            raise Retryable(f"the response was {kind}, not a complete Atom feed")


def _error_summary(body: bytes) -> str | None:
    m = re.search(rb"<summary>(.*?)</summary>", body or b"", re.S)
    return m.group(1).decode("utf-8", "replace").strip() if m else None


def _short(e: Exception) -> str:
    text = str(e).splitlines()[0] if str(e) else type(e).__name__
    text = re.sub(r"<[^>]*object at 0x[0-9a-f]+>", "", text)
    return f"{type(e).__name__}: {text[:200]}"
