"""Semantic Scholar, through the ``semanticscholar`` client package, without its failure modes.

The client (0.12.0) ignores ``Retry-After`` and retries a 429 for about four minutes, turns
401/502/503 into empty results, leaks ``KeyError``/``JSONDecodeError`` on odd bodies, does not
escape ``& + % # ?`` in titles and ids, and calls ``logging.basicConfig`` when constructed.

Here the async client runs with ``retry=False``; every HTTP exchange it makes goes through an
``httpx.AsyncClient`` subclass of ours (installed as the ``httpx`` the client's requester
sees) that applies the rate limit, counts the request and keeps the status, headers and body.
After each call that record decides: a non-200 status is an error even when the client
returned an "empty" answer, a body that is not the expected JSON shape is an error, and
:class:`wsskg.sources.http.Policy` retries 429 (honouring ``Retry-After``), 5xx, timeouts and
cut-short bodies a bounded number of times. Titles are stripped of ``& + % # ?`` and path ids
are percent-encoded. The root logger is restored after the client's ``basicConfig`` and the
client's logger is kept at ERROR (its DEBUG lines would show the ``x-api-key`` header).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import json
import logging
import re
import time
import types
from typing import Any, Callable, Iterable
from urllib.parse import quote

import httpx

from wsskg.errors import SourceError
from wsskg.sources.http import (
    S2_KEYLESS_JITTER, AuthFailed, Cache, Guard, ResponseTooLarge, Retryable, Settings, Source, Stats, parse_retry_after,
)

SERVICE = "s2"
# The Graph API's published limits (https://api.semanticscholar.org/api-docs/graph and the
# maintainers' tracker, allenai/s2-folks; see docs/enrichment.md):
CHUNK = 500  # ids per POST /paper/batch, the API's maximum (without nested references)
REFERENCES_CHUNK = 100  # ids per batch asking for references.*: large ones time out with 504 (s2-folks#58, #3)
SPLIT_STATUSES = frozenset({500, 502, 504})  # a batch failing so is split in halves, not retried whole
CITATIONS_PAGE = 1000  # largest ``limit`` of /paper/{id}/citations
CITATIONS_CAP = 10_000  # /paper/{id}/citations returns nothing past this offset
# Never ``citations`` in a batch: at most 9,999 citations come back per request *in total*, the
# other papers' lists silently empty (s2-folks#199). citationCount instead; citing papers from
# the paged /citations endpoint.

_PAPER = ["paperId", "externalIds", "title", "abstract", "venue", "publicationVenue", "journal", "year",
          "authors", "citationCount"]
_REF = ["paperId", "title", "year", "venue", "externalIds", "authors", "citationCount"]
#: The batch also asks for the TLDR: a short name a list uses ("MDC") is often only there or in
#: the abstract (search does not offer it).
BATCH_FIELDS = _PAPER + ["tldr"] + [f"references.{f}" for f in _REF]
SEARCH_FIELDS = list(_PAPER)
CITATION_FIELDS = list(_REF)

_log = logging.getLogger("semanticscholar")


# -- watching the client's HTTP exchanges ---------------------------------------------------------

class _Exchange:
    """What one client call sent and got back (the last exchange wins)."""

    def __init__(self, owner: "S2Source"):
        self.owner = owner
        self.status: int | None = None
        self.headers: httpx.Headers | None = None
        self.body: bytes = b""
        self.error: Exception | None = None
        self.count = 0

    def json(self) -> Any:
        return json.loads(self.body)


_CURRENT: contextvars.ContextVar[_Exchange | None] = contextvars.ContextVar("wsskg_s2_exchange", default=None)


class _StopAfterFailure(Exception):
    """Raised to end a client call whose previous exchange failed (see ``send``)."""


class _WatchedAsyncClient(httpx.AsyncClient):
    """Every exchange: rate limit, count, a whole-request deadline (httpx's timeout is per
    read, so a trickling server could hold it for ever), a response size cap (the body is
    streamed and abandoned past the cap), and the exchange recorded for :meth:`S2Source._call`."""

    async def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:  # type: ignore[override]
        ex = _CURRENT.get()
        if ex is None:
            return await super().send(request, **kwargs)
        if ex.status is not None and ex.status != 200:
            # a paging client asks for the next page even after a failed one (a 503 left its
            # offsets unchanged, so it would ask for ever): one call stops at its first failure
            raise _StopAfterFailure(f"HTTP {ex.status}")
        owner = ex.owner
        owner.limiter.wait()
        owner.stats.count(SERVICE)
        ex.count += 1
        ex.status, ex.headers, ex.body, ex.error = None, None, b"", None
        limit = owner.last_limit = owner.guard.request_timeout()
        cap = owner.settings.max_response_bytes
        kwargs["stream"] = True

        async def exchange() -> httpx.Response:
            resp = await super(_WatchedAsyncClient, self).send(request, **kwargs)
            try:
                size = resp.headers.get("content-length", "")
                if size.isdigit() and int(size) > cap:
                    raise ResponseTooLarge(f"response of {int(size) / 1048576:.1f} MB is larger than "
                                           f"{cap / 1048576:g} MB (WSSKG_MAX_RESPONSE_MB); not read")
                parts, got = [], 0
                async for chunk in resp.aiter_bytes():
                    got += len(chunk)
                    if got > cap:
                        raise ResponseTooLarge(f"response larger than {cap / 1048576:g} MB "
                                               "(WSSKG_MAX_RESPONSE_MB); not read further")
                    parts.append(chunk)
                resp._content = b"".join(parts)
            finally:
                await resp.aclose()
            return resp

        try:
            resp = await asyncio.wait_for(exchange(), limit)
        except asyncio.TimeoutError:
            ex.error = httpx.ReadTimeout(f"no complete answer within {limit:g} s")
            raise ex.error from None
        except Exception as e:
            ex.error = e
            raise
        ex.status, ex.headers, ex.body = resp.status_code, resp.headers, resp.content
        return resp


def _install() -> None:
    import semanticscholar.ApiRequester as requester_mod

    if getattr(requester_mod.httpx, "_wsskg", False):
        return
    shim = types.ModuleType("httpx")
    shim.__dict__.update({k: v for k, v in vars(httpx).items() if not k.startswith("__")})
    shim.AsyncClient = _WatchedAsyncClient
    shim._wsskg = True
    requester_mod.httpx = shim


def _new_client(settings: Settings):
    """An ``AsyncSemanticScholar`` that leaves the root logger as it found it."""
    from semanticscholar.AsyncSemanticScholar import AsyncSemanticScholar

    _install()
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        client = AsyncSemanticScholar(timeout=settings.timeout, api_key=settings.s2_api_key,
                                      api_url=settings.s2_url, retry=False)
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    _log.setLevel(logging.ERROR)
    return client


def _run(coro):
    """Run a coroutine to completion from sync code (also when a loop is running)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    ctx = contextvars.copy_context()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(ctx.run, asyncio.run, coro).result()


# -- helpers -----------------------------------------------------------------------------------------

_QUERY_BAD = re.compile(r"[&+%#?=]")


def clean_query(text: str) -> str:
    """A title the client can put into ``query=`` unescaped: ``& + % # ? =`` become spaces."""
    return " ".join(_QUERY_BAD.sub(" ", text or "").split())


def path_id(paper_id: str) -> str:
    """A paper id safe inside a URL path (``?``, ``#``, ``%``, spaces encoded; ``/`` and ``:`` kept)."""
    return quote(paper_id.strip(), safe="/:")


def _brief(d: dict) -> dict:
    ext = d.get("externalIds") or {}
    return {
        "title": d.get("title"),
        "year": d.get("year"),
        "venue": d.get("venue") or None,
        "authors": [a.get("name") for a in d.get("authors") or [] if isinstance(a, dict) and a.get("name")],
        "arxiv_id": ext.get("ArXiv"),
        "doi": ext.get("DOI"),
        "citation_count": d.get("citationCount"),
    }


def record_from_raw(d: dict) -> dict:
    """The fields wsskg keeps from an S2 paper (plain JSON for the cache)."""
    ext = d.get("externalIds") or {}
    pv = d.get("publicationVenue") or {}
    journal = d.get("journal") or {}
    names = [d.get("venue"), pv.get("name"), *(pv.get("alternate_names") or []), journal.get("name")]
    rec = {
        "paperId": d.get("paperId"),
        "title": " ".join((d.get("title") or "").split()) or None,
        "year": d.get("year"),
        "venue": d.get("venue") or pv.get("name") or journal.get("name") or None,
        "venue_names": [n for n in dict.fromkeys(n for n in names if n)],
        "authors": [a.get("name") for a in d.get("authors") or [] if isinstance(a, dict) and a.get("name")],
        "abstract": d.get("abstract") or None,
        "tldr": (d.get("tldr") or {}).get("text") if isinstance(d.get("tldr"), dict) else None,
        "citation_count": d.get("citationCount"),
        "arxiv_id": ext.get("ArXiv"),
        "doi": ext.get("DOI"),
    }
    if "references" in d:
        refs = {}
        for r in d.get("references") or []:
            if isinstance(r, dict) and r.get("paperId"):
                refs[r["paperId"]] = _brief(r)
        rec["references"] = refs
    return rec


class S2Source(Source):
    """Batch lookups by id (500 per call), title search, and citations of a paper."""

    service = SERVICE

    def __init__(self, settings: Settings, cache: Cache, stats: Stats,
                 sleep: Callable[[float], None] = time.sleep, guard: Guard | None = None):
        super().__init__(settings, cache, stats, settings.s2_delay, sleep=sleep, guard=guard)
        self._client = None
        self.last_limit = settings.timeout  # the last request's whole-request deadline, seconds

    def pacing_jitter(self) -> float:
        """Keyless requests share one pool with everybody: do not arrive in lockstep."""
        return 0.0 if self.settings.s2_api_key else S2_KEYLESS_JITTER

    @property
    def client(self):
        if self._client is None:
            self._client = _new_client(self.settings)
        return self._client

    # -- by id -----------------------------------------------------------------------------------
    def fetch_batch(self, ids: Iterable[str], on_chunk: Callable[[dict], None] | None = None) -> dict[str, dict | None]:
        """``{id: record or None}`` for ids such as ``ARXIV:1707.08567``, ``DOI:10...``, a paperId,
        with the papers each one cites (``references``).

        Cached ids cost nothing; the rest go out in batches of :data:`REFERENCES_CHUNK`. A batch
        answered 500/502/504 (or too large) is split in halves, down to single ids; ids that
        fail alone are left out and listed in :attr:`failed_alone`. Offline, uncached ids are
        left out. Any other failure raises :class:`SourceError` (earlier batches stay answered).
        """
        wanted = list(dict.fromkeys(i.strip() for i in ids if i and i.strip()))

        def by_paper_id(got: dict) -> dict:  # also under its paperId, the key later runs use
            return {f"s2:paper:{rec['paperId'].lower()}": rec for rec in got.values() if rec and rec.get("paperId")}

        return self.cached_chunks(wanted, lambda i: f"s2:paper:{i.lower()}", REFERENCES_CHUNK, "batch lookup",
                                  self._batch, on_chunk, more_keys=by_paper_id, splittable=batch_splittable)

    def _batch(self, chunk: list[str]) -> dict[str, dict | None]:
        if len(chunk) > CHUNK:
            raise SourceError(f"at most {CHUNK} ids per batch request, not {len(chunk)}")
        papers, ex = self._call(lambda: self.client.get_papers(chunk, fields=BATCH_FIELDS))
        body = self._json(ex)
        if not isinstance(body, list) or len(body) != len(chunk):
            raise Retryable(f"batch answer is not a list of {len(chunk)} items")
        papers = list(papers)
        out: dict[str, dict | None] = {}
        for i, slot in zip(chunk, body):
            if slot is None:
                out[i] = None
                continue
            if not isinstance(slot, dict):
                raise Retryable("batch answer holds something that is not a paper")
            paper = papers.pop(0) if papers else None
            raw = paper.raw_data if paper is not None else slot
            out[i] = record_from_raw(raw)
        return out

    # -- by title --------------------------------------------------------------------------------
    def search_title(self, title: str, limit: int = 10) -> list[dict]:
        """Relevance-search candidates for a title (one request)."""
        query = clean_query(title)
        if not query:
            return []
        def once() -> list[dict]:
            results, ex = self._call(lambda: self.client.search_paper(query, fields=SEARCH_FIELDS, limit=limit))
            body = self._json(ex)
            if not isinstance(body, dict) or ("data" not in body and "total" not in body):
                raise Retryable("search answer is not a result page")
            return [record_from_raw(p.raw_data) for p in list(results.items)[:limit]]

        return self.cached(f"s2:search:{limit}:{query.lower()}", "title search", once)

    # -- citations ---------------------------------------------------------------------------------
    def citations(self, paper_id: str, limit: int = 100) -> list[dict]:
        """Papers citing ``paper_id``, at most ``limit`` (<= :data:`CITATIONS_CAP`, where the
        endpoint stops): pages of up to :data:`CITATIONS_PAGE`. ``[{paperId, ...brief}]``."""
        if not 1 <= limit <= CITATIONS_CAP:
            raise SourceError(f"citations: limit must be 1..{CITATIONS_CAP}, not {limit}")
        pid = path_id(paper_id)
        page = min(limit, CITATIONS_PAGE)

        async def collect():
            results = await self.client.get_paper_citations(pid, fields=CITATION_FIELDS, limit=page)
            items = []
            async for item in results:
                items.append(item)
                if len(items) >= limit:
                    break
            return items

        def once() -> list[dict]:
            items, ex = self._call(collect)
            body = self._json(ex)
            if not isinstance(body, dict) or "data" not in body:
                raise Retryable("citations answer is not a result page")
            out = []
            for item in items[:limit]:
                citing = (item.raw_data or {}).get("citingPaper") or {}
                if citing.get("paperId"):
                    out.append(dict(_brief(citing), paperId=citing["paperId"]))
            return out

        return self.cached(f"s2:citations:{limit}:{paper_id.lower()}", f"citations of {paper_id}", once)

    # -- the closest title ------------------------------------------------------------------------
    def match_title(self, title: str) -> list[dict]:
        """``/paper/search/match``: ``[record]`` of the one closest title, or ``[]`` on its 404
        "Title match not found". ``matchScore`` is dropped: it is not bounded by 100 and says
        nothing about year or venue, so the caller confirms with its own check
        (:func:`wsskg.enrich.matching.choose`)."""
        query = clean_query(title)
        if not query:
            return []

        def once() -> list[dict]:
            try:
                _, ex = self._call(lambda: self.client.search_paper(query, fields=SEARCH_FIELDS, match_title=True))
            except SourceError as e:
                if getattr(e, "status", None) == 404:
                    return []
                raise
            body = self._json(ex)
            data = body.get("data") if isinstance(body, dict) else None
            if not isinstance(data, list):
                raise Retryable("match answer has no data list")
            return [record_from_raw({k: v for k, v in d.items() if k != "matchScore"})
                    for d in data[:1] if isinstance(d, dict)]

        return self.cached(f"s2:match:{query.lower()}", "title match", once)

    # -- one client call, its failures made ours ----------------------------------------------------
    def _call(self, make_coro: Callable[[], Any]) -> tuple[Any, _Exchange]:
        ex = _Exchange(self)
        token = _CURRENT.set(ex)
        try:
            try:
                result = _run(make_coro())
            except Exception as e:  # the client's own exceptions say less than the exchange does
                raise self._failure(ex, e) from None
        finally:
            _CURRENT.reset(token)
        if ex.status is None:
            raise SourceError("the client returned without making a request")
        if ex.status != 200:
            raise self._failure(ex, None)
        return result, ex

    def _json(self, ex: _Exchange) -> Any:
        try:
            body = ex.json()
        except ValueError:
            raise Retryable("the response body was cut short or is not JSON") from None
        if isinstance(body, dict) and set(body) == {"error"}:
            raise SourceError(f"error: {str(body['error'])[:200]}")
        return body

    def _failure(self, ex: _Exchange, e: Exception | None) -> SourceError:
        if ex.error is not None:
            if isinstance(ex.error, ResponseTooLarge):
                return ex.error
            if isinstance(ex.error, httpx.TimeoutException):
                return Retryable(f"no complete answer within {self.last_limit:g} s")
            if isinstance(ex.error, (httpx.TransportError, OSError)):
                return Retryable(f"{type(ex.error).__name__}: {str(ex.error)[:200]}")
            return SourceError(f"{type(ex.error).__name__}: {str(ex.error)[:200]}")
        status = ex.status
        if status is None:
            if isinstance(e, ValueError):  # the client's own argument checks
                return SourceError(str(e))
            return SourceError(f"{type(e).__name__}: {str(e)[:200]}")
        detail = _message(ex.body)
        if status == 429:
            after = parse_retry_after(ex.headers.get("Retry-After") if ex.headers is not None else None)
            return Retryable("HTTP 429 Too Many Requests", retry_after=after, status=429)
        if status >= 500:
            return Retryable(f"HTTP {status}" + (f": {detail}" if detail else ""), status=status)
        if status == 200:  # the client choked on a 200 body
            return Retryable("the response body was cut short or is not the expected JSON")
        if status in (401, 403):
            return AuthFailed(f"HTTP {status}" + (f": {detail}" if detail else "") + " (check S2_API_KEY)")
        err = SourceError(f"HTTP {status}" + (f": {detail}" if detail else ""))
        err.status = status  # type: ignore[attr-defined]
        return err


def batch_splittable(err: Exception) -> bool:
    """A batch failing so is worth splitting: the server timed out or the answer was too big."""
    return isinstance(err, ResponseTooLarge) or getattr(err, "status", None) in SPLIT_STATUSES


def _message(body: bytes) -> str | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if isinstance(data, dict):
        msg = data.get("error") or data.get("message")
        if msg:
            return str(msg)[:200]
    return None
