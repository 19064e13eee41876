"""A fake arXiv + Semantic Scholar server on 127.0.0.1 answering in the real formats.

It serves a small corpus of :class:`Paper` objects: arXiv Atom feeds for ``/api/query``
(``id_list`` lookups and ``ti:"..."`` queries) and Graph API JSON for ``/graph/v1/paper/batch``,
``/paper/search``, ``/paper/search/match``, ``/paper/{id}`` and ``/paper/{id}/citations``.
The Atom and JSON layouts follow the genuine responses recorded in ``../shared/api-samples``
(namespaces, ``<id>`` with a version, ``opensearch:`` header, ``null`` slots in a batch,
``offset``/``next`` paging); tests that have ``../shared`` also serve those files verbatim
with :meth:`FakeAPI.script`.

Faults for the next request(s) to a service: :meth:`FakeAPI.fault` (``status``, ``headers``,
``body``, ``delay`` before answering, ``truncate`` = ``"cut"`` (a cut body with a matching
Content-Length) or ``"short"`` (Content-Length larger than the body sent)).
Every request is logged in :attr:`FakeAPI.log` (service, method, path, query, headers, body).
``latency`` adds a fixed delay to every answer (for the benchmark).

The services' published limits are enforced as the real ones do (see docs/enrichment.md):

* batch: 1..500 ids (else 400); a batch asking for ``references`` with more than
  ``ref_batch_limit`` ids times out with 504 (s2-folks#58), as does any batch holding one of
  the ``poison`` ids, and a random ``flaky_504`` share of reference batches; ``citations`` in a
  batch stop after 9,999 in total, the later papers' lists empty (s2-folks#199); unknown ids
  are ``null``.
* ``/paper/{id}/citations``: ``limit`` <= 1000 and nothing past offset 10,000 (else 400).
* keyless pool: every ``keyless_429_every``-th request without ``x-api-key`` gets the real 429
  body, without ``Retry-After``.
* ``/paper/search/match``: the one closest title with an unbounded ``matchScore``, or 404
  "Title match not found".
* arXiv (with ``arxiv_min_gap`` set): a second request while one is open, or sooner than
  ``arxiv_min_gap`` s after the last one, gets 503; ``id_list`` answers at most
  ``max_results`` entries.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

_WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> list[str]:
    return _WORD.findall((text or "").lower())


@dataclass
class Paper:
    paper_id: str  # 40 hex chars, like S2
    title: str
    year: int | None = None
    venue: str = ""
    authors: list[str] = field(default_factory=lambda: ["A. Author", "B. Author"])
    abstract: str | None = "An abstract."
    tldr: str | None = None  # S2's one-sentence summary
    arxiv_id: str | None = None
    doi: str | None = None
    citation_count: int = 0
    references: list[str] = field(default_factory=list)  # paper ids
    journal_ref: str | None = None
    on_arxiv: bool = True  # False: only S2 knows it (a journal version)
    on_s2: bool = True
    published: str | None = None  # arXiv date, default from year
    category: str = "cs.CV"  # arXiv primary category


def pid(n: int | str) -> str:
    """A stable 40-hex S2-like paperId."""
    import hashlib

    return hashlib.sha1(str(n).encode()).hexdigest()


ATOM_HEAD = """<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">
  <id>https://arxiv.org/api/fakefeedid</id>
  <title>arXiv Query: {query}</title>
  <updated>2026-04-12T22:09:25Z</updated>
  <link href="https://arxiv.org/api/query?{query}" type="application/atom+xml"/>
  <opensearch:itemsPerPage>{per_page}</opensearch:itemsPerPage>
  <opensearch:totalResults>{total}</opensearch:totalResults>
  <opensearch:startIndex>{start}</opensearch:startIndex>
"""

ATOM_ENTRY = """  <entry>
    <id>http://arxiv.org/abs/{aid}v1</id>
    <title>{title}</title>
    <updated>{date}T16:07:14Z</updated>
    <link href="https://arxiv.org/abs/{aid}v1" rel="alternate" type="text/html"/>
    <link href="https://arxiv.org/pdf/{aid}v1" rel="related" type="application/pdf" title="pdf"/>{doi_link}
    <summary>{abstract}</summary>
    <category term="{category}" scheme="http://arxiv.org/schemas/atom"/>
    <published>{date}T16:07:14Z</published>{extra}
    <arxiv:primary_category term="{category}"/>
{authors}  </entry>
"""

ERROR_FEED = """<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">
  <id>https://arxiv.org/</id>
  <title>arXiv Search Results</title>
  <updated>2026-04-12T22:59:06Z</updated>
  <opensearch:itemsPerPage>1</opensearch:itemsPerPage>
  <opensearch:totalResults>1</opensearch:totalResults>
  <opensearch:startIndex>0</opensearch:startIndex>
  <entry>
    <id>https://arxiv.org/api/errors#incorrect_id_format_for_{bad}</id>
    <title>Error</title>
    <updated>2026-04-12T22:59:06Z</updated>
    <link href="https://arxiv.org/api/errors#incorrect_id_format_for_{bad}" rel="alternate" type="text/html"/>
    <summary>incorrect id format for {bad}</summary>
    <author>
      <name>arXiv api core</name>
    </author>
  </entry>
</feed>
"""

_ARXIV_ID = re.compile(r"^(?:\d{4}\.\d{4,5}|[a-z][a-z.\-]+/\d{7})(?:v\d+)?$", re.I)


BATCH_MAX = 500
BATCH_CITATIONS_CAP = 9_999
CITATIONS_PAGE_MAX = 1_000
CITATIONS_OFFSET_CAP = 10_000


class FakeAPI:
    def __init__(self, papers: list[Paper] | None = None, latency: float = 0.0, ref_batch_limit: int | None = 200,
                 flaky_504: float = 0.0, seed: int = 0, poison: set[str] | None = None, keyless_429_every: int = 0,
                 arxiv_min_gap: float = 0.0):
        import random

        self.papers: list[Paper] = list(papers or [])
        self.latency = latency
        self.ref_batch_limit = ref_batch_limit
        self.flaky_504 = flaky_504
        self.rnd = random.Random(seed)
        self.poison = {p.lower() for p in (poison or set())}
        self.keyless_429_every = keyless_429_every
        self.arxiv_min_gap = arxiv_min_gap
        self._keyless = 0
        self._arxiv_open = 0
        self._arxiv_last: float | None = None
        self.log: list[dict] = []
        self._faults: dict[str, list[dict]] = {"arxiv": [], "s2": []}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> "FakeAPI":
        api = self

        class Handler(_Handler):
            fake = api

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "FakeAPI":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.server_address[1]

    @property
    def arxiv_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/query"

    @property
    def s2_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self, **extra: str) -> dict[str, str]:
        """Environment for a wsskg process talking to this server with no delays."""
        env = {
            "WSSKG_ARXIV_URL": self.arxiv_url, "WSSKG_S2_URL": self.s2_url,
            "WSSKG_ARXIV_DELAY": "0", "WSSKG_S2_DELAY": "0", "WSSKG_HTTP_BACKOFF": "0",
            "WSSKG_HTTP_TIMEOUT": "5", "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
        }
        env.update(extra)
        return env

    # -- test controls ---------------------------------------------------------------------------
    def fault(self, service: str, times: int = 1, **kw: Any) -> None:
        with self._lock:
            for _ in range(times):
                self._faults[service].append(dict(kw))

    def script(self, service: str, body: bytes, status: int = 200, content_type: str | None = None,
               headers: dict | None = None, times: int = 1) -> None:
        """Answer the next request(s) to ``service`` with exactly these bytes."""
        self.fault(service, times=times, status=status, body=body, content_type=content_type, headers=headers or {})

    def requests(self, service: str | None = None) -> list[dict]:
        with self._lock:
            return [r for r in self.log if service is None or r["service"] == service]

    def count(self, service: str | None = None, kind: str | None = None) -> int:
        return sum(1 for r in self.requests(service) if kind is None or r["kind"] == kind)

    def clear_faults(self) -> None:
        with self._lock:
            for q in self._faults.values():
                q.clear()

    def clear_log(self) -> None:
        with self._lock:
            self.log.clear()

    def _next_fault(self, service: str) -> dict | None:
        with self._lock:
            return self._faults[service].pop(0) if self._faults[service] else None

    # -- lookups ---------------------------------------------------------------------------------
    def by_arxiv(self, aid: str) -> Paper | None:
        aid = re.sub(r"v\d+$", "", aid)
        for p in self.papers:
            if p.arxiv_id and p.on_arxiv and p.arxiv_id.lower() == aid.lower():
                return p
        return None

    def by_s2_id(self, key: str) -> Paper | None:
        k = key.strip()
        low = k.lower()
        for p in self.papers:
            if not p.on_s2:
                continue
            if low == p.paper_id:
                return p
            if low.startswith("arxiv:") and p.arxiv_id and low[6:] == p.arxiv_id.lower():
                return p
            if low.startswith("doi:") and p.doi and low[4:] == p.doi.lower():
                return p
        return None

    def title_hits(self, query: str, pool: list[Paper], all_words: bool, abstracts: bool = False) -> list[Paper]:
        """Papers whose title (and, for S2's relevance search, abstract) holds the query's words."""
        from rapidfuzz import fuzz

        q = words(query)
        if not q:
            return []
        scored = []
        for p in pool:
            tw = set(words(p.title)) | (set(words(p.abstract or "")) if abstracts else set())
            overlap = sum(1 for w in q if w in tw) / len(q)
            if (all_words and overlap == 1.0) or (not all_words and overlap >= 0.5):
                scored.append((overlap, fuzz.ratio(" ".join(q), " ".join(words(p.title))), p))
        scored.sort(key=lambda t: (-t[0], -t[1]))
        return [p for _, _, p in scored]

    def arxiv_search(self, search_query: str, params: dict) -> list[Paper]:
        """Papers answering an arXiv ``search_query`` (a ``ti:"..."`` phrase: every word in the
        title). The hook for richer query languages (``tests/fakeapi_watch.py``)."""
        m = re.match(r'^ti:"(.*)"$', search_query)
        text = m.group(1) if m else search_query
        pool = [p for p in self.papers if p.on_arxiv and p.arxiv_id]
        return self.title_hits(text, pool, all_words=True)

    # -- renderers -------------------------------------------------------------------------------
    def atom(self, papers: list[Paper], query: str, total: int, start: int, per_page: int) -> bytes:
        out = [ATOM_HEAD.format(query=escape(query), per_page=per_page, total=total, start=start)]
        for p in papers:
            date = p.published or f"{p.year or 2020}-04-20"
            doi_link = (f'\n    <link href="https://doi.org/{escape(p.doi)}" rel="related" title="doi"/>' if p.doi else "")
            extra = ""
            if p.doi:
                extra += f"\n    <arxiv:doi>{escape(p.doi)}</arxiv:doi>"
            if p.journal_ref:
                extra += f"\n    <arxiv:journal_ref>{escape(p.journal_ref)}</arxiv:journal_ref>"
            authors = "".join(f"    <author>\n      <name>{escape(a)}</name>\n    </author>\n" for a in p.authors)
            out.append(ATOM_ENTRY.format(aid=p.arxiv_id, title=escape(p.title), date=date, doi_link=doi_link,
                                         abstract=escape(p.abstract or ""), extra=extra, authors=authors,
                                         category=escape(p.category)))
        out.append("</feed>\n")
        return "".join(out).encode("utf-8")

    def s2_json(self, p: Paper, fields: list[str], nested: bool = True) -> dict:
        ext: dict[str, Any] = {}
        if p.arxiv_id:
            ext["ArXiv"] = p.arxiv_id
        if p.doi:
            ext["DOI"] = p.doi
        ext["CorpusId"] = int(p.paper_id[:7], 16)
        full: dict[str, Any] = {
            "paperId": p.paper_id,
            "externalIds": ext,
            "corpusId": ext["CorpusId"],
            "publicationVenue": ({"id": pid("venue" + p.venue), "name": p.venue, "type": "conference",
                                  "alternate_names": [], "url": None} if p.venue else None),
            "url": f"https://www.semanticscholar.org/paper/{p.paper_id}",
            "title": p.title,
            "abstract": p.abstract,
            "tldr": {"model": "tldr@v2.0.0", "text": p.tldr} if p.tldr else None,
            "venue": p.venue,
            "year": p.year,
            "citationCount": p.citation_count,
            "journal": {"name": p.venue} if p.venue else None,
            "authors": [{"authorId": str(1000 + i), "name": a} for i, a in enumerate(p.authors)],
        }
        top = [f for f in fields if "." not in f]
        out: dict[str, Any] = {"paperId": p.paper_id}
        for f in top:
            if f in full:
                out[f] = full[f]
        csub = [f.split(".", 1)[1] for f in fields if f.startswith("citations.")]
        if nested and (csub or "citations" in fields):
            out["citations"] = [self.s2_json(x, csub or ["title"], nested=False) for x in self.papers
                                if p.paper_id in x.references and x.on_s2]
        sub = [f.split(".", 1)[1] for f in fields if f.startswith("references.")]
        if nested and (sub or "references" in fields):
            refs = []
            for rid in p.references:
                r = next((x for x in self.papers if x.paper_id == rid and x.on_s2), None)
                if r is None:
                    refs.append({"paperId": None, "title": "An unresolved reference"})
                else:
                    refs.append(self.s2_json(r, sub or ["title"], nested=False))
            out["references"] = refs
        return out


class _Handler(BaseHTTPRequestHandler):
    fake: FakeAPI
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
        fake = self.fake
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        service = "arxiv" if parts.path.startswith("/api/query") else "s2"
        kind = self._kind(service, parts.path, query)
        with fake._lock:
            fake.log.append({"service": service, "kind": kind, "method": method, "path": parts.path,
                             "query": query, "raw_query": parts.query, "headers": dict(self.headers.items()),
                             "body": body})
        if service == "arxiv":
            return self._arxiv_guarded(method, parts, query, kind)
        if fake.keyless_429_every and not self.headers.get("x-api-key"):
            with fake._lock:
                fake._keyless += 1
                burst = fake._keyless % fake.keyless_429_every == 0
            if burst:
                body = json.dumps({"message": "Too Many Requests. Please wait and try again or apply for a key for higher rate limits.", "code": "429"}).encode()
                return self._send(429, body, "application/json", {"x-amzn-ErrorType": "TooManyRequestsException"})
        self._answer(service, method, parts, query, body)

    def _arxiv_guarded(self, method, parts, query, kind) -> None:
        """arXiv allows one connection at a time and one request every few seconds."""
        fake = self.fake
        now = time.monotonic()
        with fake._lock:
            busy = bool(fake.arxiv_min_gap) and fake._arxiv_open > 0
            early = (fake.arxiv_min_gap and fake._arxiv_last is not None
                     and now - fake._arxiv_last < fake.arxiv_min_gap)
            fake._arxiv_open += 1
            fake._arxiv_last = now
        try:
            if busy or early:
                why = "a second connection" if busy else "too soon after the last request"
                return self._send(503, f"<html><body>503: {why}</body></html>".encode(), "text/html", {})
            self._answer("arxiv", method, parts, query, b"")
        finally:
            with fake._lock:
                fake._arxiv_open -= 1

    def _answer(self, service: str, method: str, parts, query: dict, body: bytes) -> None:
        fake = self.fake
        if fake.latency:
            time.sleep(fake.latency)
        fault = fake._next_fault(service)
        if fault and fault.get("delay"):
            time.sleep(fault["delay"])
        if fault and "body" in fault:
            ctype = fault.get("content_type") or ("application/atom+xml; charset=UTF-8" if service == "arxiv"
                                                  else "application/json")
            return self._send(fault.get("status", 200), fault["body"], ctype, fault.get("headers") or {},
                              fault.get("truncate"))
        if fault and fault.get("status"):
            status = fault["status"]
            if service == "s2":
                msg = {429: {"message": "Too Many Requests. Please wait and try again or apply for a key for higher rate limits.", "code": "429"}}.get(
                    status, {"message": f"Internal Server Error {status}"} if status >= 500 else {"error": f"status {status}"})
                payload = json.dumps(msg).encode()
                ctype = "application/json"
            else:
                payload = f"<html><body>HTTP {status}</body></html>".encode()
                ctype = "text/html"
            return self._send(status, payload, ctype, fault.get("headers") or {})
        try:
            status, payload, ctype = (self._arxiv(query) if service == "arxiv" else self._s2(method, parts.path, query, body))
        except Exception as e:  # a bug in the fake: make it loud
            status, payload, ctype = 599, f"fake server error: {e!r}".encode(), "text/plain"
        self._send(status, payload, ctype, (fault or {}).get("headers") or {}, (fault or {}).get("truncate"))

    @staticmethod
    def _kind(service: str, path: str, query: dict) -> str:
        if service == "arxiv":
            return "id_list" if query.get("id_list") else "query"
        if path.endswith("/paper/batch"):
            return "batch"
        if path.endswith("/search/match"):
            return "match"
        if path.endswith("/paper/search"):
            return "search"
        if path.endswith("/citations"):
            return "citations"
        if path.endswith("/references"):
            return "references"
        return "paper"

    def _send(self, status: int, payload: bytes, ctype: str, headers: dict, truncate: str | None = None) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            for k, v in headers.items():
                self.send_header(k, str(v))
            if truncate == "cut":
                payload = payload[: max(1, len(payload) // 2)]
                self.send_header("Content-Length", str(len(payload)))
            elif truncate == "short":
                self.send_header("Content-Length", str(len(payload)))
                payload = payload[: max(1, len(payload) // 2)]
                self.close_connection = True
            else:
                self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass

    # -- arXiv -------------------------------------------------------------------------------------
    def _arxiv(self, q: dict) -> tuple[int, bytes, str]:
        fake = self.fake
        ctype = "application/atom+xml; charset=UTF-8"
        start = int(q.get("start") or 0)
        per_page = int(q.get("max_results") or 100)
        raw = "&".join(f"{k}={v}" for k, v in q.items())
        if q.get("id_list"):
            ids = [i for i in q["id_list"].split(",") if i]
            for i in ids:
                if not _ARXIV_ID.match(i):
                    return 400, ERROR_FEED.format(bad=escape(i)).encode(), ctype
            found = [p for p in (fake.by_arxiv(i) for i in ids) if p is not None]
            page = found[start:start + per_page]
            return 200, fake.atom(page, raw, len(found), start, per_page), ctype
        hits = fake.arxiv_search(q.get("search_query") or "", q)
        page = hits[start:start + per_page]
        return 200, fake.atom(page, raw, len(hits), start, per_page), ctype

    # -- Semantic Scholar ----------------------------------------------------------------------------
    def _s2(self, method: str, path: str, q: dict, body: bytes) -> tuple[int, bytes, str]:
        fake = self.fake
        ctype = "application/json"
        fields = [f for f in (q.get("fields") or "title").split(",") if f]
        path = path.removeprefix("/graph/v1")
        if path == "/paper/batch" and method == "POST":
            ids = json.loads(body or b"{}").get("ids") or []
            if not ids or len(ids) > BATCH_MAX:
                return 400, json.dumps({"error": f"ids must be 1..{BATCH_MAX}"}).encode(), ctype
            refs = any(f == "references" or f.startswith("references.") for f in fields)
            timed_out = {"message": "Endpoint request timed out"}
            if refs and (
                (fake.ref_batch_limit is not None and len(ids) > fake.ref_batch_limit)
                or any(i.lower() in fake.poison for i in ids)
                or (fake.flaky_504 and fake.rnd.random() < fake.flaky_504)
            ):
                return 504, json.dumps(timed_out).encode(), ctype
            out, citations_left = [], BATCH_CITATIONS_CAP
            for i in ids:
                p = fake.by_s2_id(i)
                d = fake.s2_json(p, fields) if p else None
                if d is not None and "citations" in d:  # 9,999 in total per request, then empty lists
                    if len(d["citations"]) > citations_left:
                        d["citations"] = []
                    citations_left -= len(d["citations"])
                out.append(d)
            return 200, json.dumps(out).encode(), ctype
        if path in ("/paper/search", "/paper/search/match"):
            text = q.get("query") or ""
            offset = int(q.get("offset") or 0)
            limit = int(q.get("limit") or 100)
            hits = fake.title_hits(text, [p for p in fake.papers if p.on_s2], all_words=False,
                                   abstracts=not path.endswith("/match"))
            if path.endswith("/match"):
                if not hits:
                    return 404, json.dumps({"error": "Title match not found"}).encode(), ctype
                d = fake.s2_json(hits[0], fields, nested=False)
                d["matchScore"] = round(80.0 + 1.7 * len(words(hits[0].title)), 2)  # not bounded by 100
                return 200, json.dumps({"data": [d]}).encode(), ctype
            if not hits:
                return 200, json.dumps({"total": 0, "offset": offset}).encode(), ctype
            page = hits[offset:offset + limit]
            res: dict[str, Any] = {"total": len(hits), "offset": offset}
            if offset + limit < len(hits):
                res["next"] = offset + limit
            res["data"] = [fake.s2_json(p, fields, nested=False) for p in page]
            return 200, json.dumps(res).encode(), ctype
        m = re.match(r"^/paper/(.+)/citations$", path)
        if m:
            p = fake.by_s2_id(m.group(1))
            if p is None:
                return 404, json.dumps({"error": f"Paper with id {m.group(1)} not found"}).encode(), ctype
            offset = int(q.get("offset") or 0)
            limit = int(q.get("limit") or 100)
            if limit > CITATIONS_PAGE_MAX or offset + limit > CITATIONS_OFFSET_CAP:
                return 400, json.dumps({"error": f"limit must be <= {CITATIONS_PAGE_MAX} and offset + limit "
                                                 f"<= {CITATIONS_OFFSET_CAP}"}).encode(), ctype
            citing = [x for x in fake.papers if p.paper_id in x.references and x.on_s2][:CITATIONS_OFFSET_CAP]
            page = citing[offset:offset + limit]
            res = {"offset": offset}
            if offset + limit < len(citing):
                res["next"] = offset + limit
            res["data"] = [{"citingPaper": fake.s2_json(x, fields, nested=False)} for x in page]
            return 200, json.dumps(res).encode(), ctype
        m = re.match(r"^/paper/(.+)$", path)
        if m:
            p = fake.by_s2_id(m.group(1))
            if p is None:
                return 404, json.dumps({"error": f"Paper with id {m.group(1)} not found"}).encode(), ctype
            return 200, json.dumps(fake.s2_json(p, fields)).encode(), ctype
        return 404, json.dumps({"error": "Not found"}).encode(), ctype


# -- a corpus for tests and the benchmark ---------------------------------------------------------------

def demo_corpus() -> list[Paper]:
    """Papers for the tests: real-looking titles, near-miss distractors, a journal version."""
    P = Paper
    psa = P(pid(1), "Learning Pixel-level Semantic Affinity with Image-level Supervision for Weakly Supervised Semantic Segmentation",
            2018, "Computer Vision and Pattern Recognition", arxiv_id="1803.10464", citation_count=700)
    cian = P(pid(2), "CIAN: Cross-Image Affinity Net for Weakly Supervised Semantic Segmentation", 2019,
             "AAAI Conference on Artificial Intelligence", arxiv_id="1811.10842", citation_count=80, references=[pid(1)])
    gain = P(pid(3), "Tell Me Where to Look: Guided Attention Inference Network", 2018,
             "Computer Vision and Pattern Recognition", arxiv_id="1802.10171", doi="10.1109/CVPR.2018.00960",
             citation_count=600, references=[pid(1), pid(90)])
    webly = P(pid(4), "Webly Supervised Semantic Segmentation", 2017, "Computer Vision and Pattern Recognition",
              arxiv_id=None, doi="10.1109/CVPR.2017.177", on_arxiv=False, citation_count=90)
    weakly = P(pid(5), "Weakly Supervised Semantic Segmentation", 2016, "", arxiv_id="1609.00001",
               citation_count=3)  # distractor: one word differs
    stc_conf = P(pid(6), "STC: A Simple to Complex Framework for Weakly-supervised Semantic Segmentation", 2015,
                 "ArXiv", arxiv_id="1509.03150", citation_count=400)
    stc_jour = P(pid(7), "STC: A Simple to Complex Framework for Weakly-Supervised Semantic Segmentation", 2017,
                 "IEEE Transactions on Pattern Analysis and Machine Intelligence", doi="10.1109/TPAMI.2016.2636150",
                 on_arxiv=False, citation_count=500)  # later journal version, same title
    lovasz = P(pid(8), "The Lovasz-Softmax loss: A tractable surrogate for the optimization of the intersection-over-union measure in neural networks",
               2018, "Computer Vision and Pattern Recognition", arxiv_id="1705.08790", citation_count=900,
               references=[pid(3), pid(91)])
    nonlocal_ = P(pid(9), "Non-local Neural Networks", 2018, "Computer Vision and Pattern Recognition",
                  arxiv_id="1711.07971", citation_count=9000)
    crw = P(pid(10), "Convolutional Random Walk Networks for Semantic Image Segmentation", 2017,
            "Computer Vision and Pattern Recognition", arxiv_id="1605.07681", citation_count=150)
    ctx = P(pid(11), "Context Encoding for Semantic Segmentation", 2018, "Computer Vision and Pattern Recognition",
            arxiv_id="1803.08904", citation_count=1500, references=[pid(9)])
    ctx_d = P(pid(12), "Context Encoding for Semantic Segmentation of Remote Sensing Images", 2021, "Remote Sensing",
              on_arxiv=False, citation_count=5)  # distractor: the list's title plus more words
    onlyarxiv = P(pid(13), "Gated CRF Loss for Weakly Supervised Semantic Image Segmentation", 2019, "",
                  arxiv_id="1906.04651", on_s2=False)
    ext1 = P(pid(90), "Fully Convolutional Networks for Semantic Segmentation", 2015,
             "Computer Vision and Pattern Recognition", arxiv_id="1411.4038", citation_count=30000)
    ext2 = P(pid(91), "Rethinking Atrous Convolution for Semantic Image Segmentation", 2017, "ArXiv",
             arxiv_id="1706.05587", citation_count=7000, references=[pid(90)])
    citer = P(pid(92), "A Paper Citing Non-local Networks", 2020, "ECCV", arxiv_id="2001.00001",
              references=[pid(9), pid(11)])
    fickle = P(pid(14), "FickleNet: Weakly and Semi-supervised Semantic Image Segmentation using Stochastic Inference",
               2019, "Computer Vision and Pattern Recognition", arxiv_id="1902.10421", citation_count=300,
               references=[pid(1), pid(2)])  # the list links CIAN's id for it
    dsrg = P(pid(15), "Weakly-Supervised Semantic Segmentation Network with Deep Seeded Region Growing", 2018,
             "Computer Vision and Pattern Recognition", on_arxiv=False, citation_count=500, references=[pid(1)],
             abstract="We propose deep seeded region growing (DSRG) to train a segmentation network from seeds.")
    coseg = P(pid(16), "Weakly Supervised Semantic Segmentation Based on Web Image Co-segmentation", 2017,
              "British Machine Vision Conference", arxiv_id="1705.09052", citation_count=40)
    return [psa, cian, gain, webly, weakly, stc_conf, stc_jour, lovasz, nonlocal_, crw, ctx, ctx_d, onlyarxiv,
            ext1, ext2, citer, fickle, dsrg, coseg]


# The works behind the shipped list's short-named rows (real titles, venues and arXiv ids): the
# list names them "DSRG", "GuidedSeg"...; several also have a row of their own by full title.
SHORT_NAMED_WORKS = {
    "DSRG": ("Weakly-Supervised Semantic Segmentation Network with Deep Seeded Region Growing", 2018, "cvpr", None,
             "We propose deep seeded region growing (DSRG) to train a semantic segmentation network from seeds."),
    "MDC": ("Revisiting Dilated Convolution: A Simple Approach for Weakly- and Semi- Supervised Semantic Segmentation",
            2018, "cvpr", "1805.04574", "Multi-dilated convolutional (MDC) blocks spread the localization."),
    "MCOF": ("Weakly-Supervised Semantic Segmentation by Iteratively Mining Common Object Features", 2018, "cvpr",
             "1806.04659", "Mining common object features (MCOF) from initial localizations."),
    "GAIN": ("Tell Me Where to Look: Guided Attention Inference Network", 2018, "cvpr", "1802.10171", None),
    "DCSP": ("Discovering Class-Specific Pixels for Weakly-Supervised Semantic Segmentation", 2017, "bmvc",
             "1707.05821", None),
    "GuidedSeg": ("Exploiting Saliency for Object Segmentation from Image Level Labels", 2017, "cvpr", "1701.08261",
                  "Guided labelling: saliency guides the segmentation of objects from image level labels."),
    "BDSSW": ("Bootstrapping the Performance of Webly Supervised Semantic Segmentation", 2018, "cvpr", None, None),
    "WegSeg": ("WebSeg: Learning Semantic Segmentation from Web Searches", 2018, "arxiv", "1803.09859", None),
    "SeeNet": ("Self-Erasing Network for Integral Object Attention", 2018, "neurips", "1810.09821", None),
    "CIAN": ("CIAN: Cross-Image Affinity Net for Weakly Supervised Semantic Segmentation", 2019, "aaai", "1811.10842",
             None),
    "FickleNet": ("FickleNet: Weakly and Semi-supervised Semantic Image Segmentation using Stochastic Inference", 2019,
                  "cvpr", "1902.10421", None),
}
_VENUE_NAMES = {
    "cvpr": "Computer Vision and Pattern Recognition", "iccv": "IEEE International Conference on Computer Vision",
    "eccv": "European Conference on Computer Vision", "bmvc": "British Machine Vision Conference",
    "neurips": "Neural Information Processing Systems", "tpami": "IEEE Transactions on Pattern Analysis and Machine Intelligence",
    "ijcai": "International Joint Conference on Artificial Intelligence", "icml": "International Conference on Machine Learning",
    "iclr": "International Conference on Learning Representations", "aaai": "AAAI Conference on Artificial Intelligence",
    "wacv": "IEEE Workshop/Winter Conference on Applications of Computer Vision",
    "kdd": "Knowledge Discovery and Data Mining", "arxiv": "ArXiv",
}


def shipped_corpus(entries, seed: int = 5) -> tuple[list[Paper], dict[str, str]]:
    """The test server's world for a list: ``(papers, intended)`` where ``intended`` maps each
    paper entry the server can answer to its paper's id.

    Built from the entries' shapes: a full-title row becomes a paper with that title as the
    service spells it (emphasis and "!!" dropped, typos fixed, "Cosegmentation" written
    "Co-segmentation"), the list's year (a preprint two years earlier for a journal row: STC),
    the venue's long name and the row's arXiv id; a short-named row ("DSRG") becomes the work in
    :data:`SHORT_NAMED_WORKS`, shared with the row that gives its full title. The list's own
    wrong link (FickleNet -> CIAN's id) stays wrong: the server has FickleNet under 1902.10421.
    Papers cite earlier ones, a few classics outside the list, and 40 outside papers cite the
    list's papers (for ``discover --direction citing``). Rows that are no paper title ("Deeplab
    v1, v2, v3, v3+", a bare "Graph") are not in ``intended``.
    """
    import random

    from wsskg.catalog import normalize_title
    from wsskg.enrich.matching import entry_arxiv_id, short_name, venue_key

    rnd = random.Random(seed)
    papers: dict[str, Paper] = {}
    by_title: dict[str, str] = {}
    intended: dict[str, str] = {}

    def add(title, year, vkey, arxiv_id, abstract=None) -> str:
        key = normalize_title(title)
        if key in by_title:
            return by_title[key]
        p = Paper(pid(f"shipped:{key}"), title, year, _VENUE_NAMES.get(vkey or "", ""), arxiv_id=arxiv_id,
                  abstract=abstract or f"We study {title.lower()}.", citation_count=rnd.randrange(10, 3000),
                  on_arxiv=bool(arxiv_id))
        papers[p.paper_id] = p
        by_title[key] = p.paper_id
        return p.paper_id

    for name, (title, year, vkey, aid, abstract) in SHORT_NAMED_WORKS.items():
        add(title, year, vkey, aid, abstract)
    serial = 0
    for e in entries:
        if e.kind != "paper":
            continue
        name = short_name(e)
        name = name if name in SHORT_NAMED_WORKS else e.short_name
        if name in SHORT_NAMED_WORKS:
            intended[e.id] = by_title[normalize_title(SHORT_NAMED_WORKS[name][0])]
            continue
        title = " ".join(e.title.replace("**", "").replace("!!", "").split())
        if e.short_name and any(f"{e.short_name}:" in m.text for m in e.mentions):
            title = f"{e.short_name}: {title}"  # the paper's own title; the list's name went to short_name
        words = normalize_title(title).split()
        if len(words) < 3 or re.search(r"\bv\d", title):  # a concept or a family of papers
            continue
        title = title.replace("Segmetation", "Segmentation").replace("Cosegmentation", "Co-segmentation")
        vkey = venue_key(e.venue)
        year = e.year or 2016 + len(words) % 4
        if vkey == "tpami" and e.year:  # the journal version: the service knows the preprint
            year, vkey = e.year - 2, "arxiv"
        aid = entry_arxiv_id(e)
        if not aid and vkey != "arxiv" and len(words) % 3:
            serial += 1
            aid = f"{year % 100:02d}{(serial % 12) + 1:02d}.{serial + 90000:05d}"
        if aid and any(p.arxiv_id == aid for p in papers.values()):  # a wrong link of the list
            aid = None
        intended[e.id] = add(title, year, vkey, aid)
    classics = [add(t, y, v, a) for t, y, v, a in (
        ("Fully Convolutional Networks for Semantic Segmentation", 2015, "cvpr", "1411.4038"),
        ("DeepLab: Semantic Image Segmentation with Deep Convolutional Nets, Atrous Convolution, and Fully Connected CRFs",
         2016, "tpami", "1606.00915"),
        ("Deep Residual Learning for Image Recognition", 2016, "cvpr", "1512.03385"),
    )]
    listed = sorted(set(intended.values()), key=lambda i: (papers[i].year or 0, i))
    for i, paper_id in enumerate(listed):
        p = papers[paper_id]
        earlier = [q for q in listed[:i] if (papers[q].year or 0) < (p.year or 0)]
        p.references = rnd.sample(earlier, min(len(earlier), rnd.randrange(0, 5))) + rnd.sample(classics, 2)
    for k in range(40):
        cited = rnd.sample(listed, rnd.randrange(2, 6))
        q = Paper(pid(f"citer{k}"), f"A Later Study of Weak Supervision Number {k}", 2020 + k % 4,
                  _VENUE_NAMES["cvpr"], arxiv_id=f"2{k % 4}01.{k + 10000:05d}", references=cited,
                  citation_count=rnd.randrange(200))
        papers[q.paper_id] = q
    return list(papers.values()), intended


def synthetic_corpus(n: int, seed: int = 7) -> list[Paper]:
    """``n`` papers with unique made-up titles (for the benchmark and bulk tests)."""
    import random

    rnd = random.Random(seed)
    a = ["Deep", "Robust", "Efficient", "Scalable", "Weakly", "Semi", "Self", "Adaptive", "Sparse", "Dense",
         "Hierarchical", "Recurrent", "Graph", "Contrastive", "Generative", "Bayesian", "Neural", "Spectral"]
    b = ["Segmentation", "Detection", "Affinity", "Attention", "Propagation", "Embedding", "Regularization",
         "Localization", "Saliency", "Aggregation", "Calibration", "Distillation", "Matching", "Clustering"]
    c = ["Networks", "Fields", "Models", "Learning", "Inference", "Transformers", "Priors", "Losses"]
    d = ["Images", "Videos", "Point Clouds", "Medical Scans", "Web Data", "Street Scenes", "Satellite Images"]
    out, seen = [], set()
    i = 0
    while len(out) < n:
        i += 1
        t = f"{rnd.choice(a)} {rnd.choice(b)} {rnd.choice(c)} for {rnd.choice(d)} {rnd.choice(['I', 'II', 'III', 'IV', 'V', 'VI', 'VII', 'VIII', 'IX', 'X'])} {i}"
        if t in seen:
            continue
        seen.add(t)
        year = 2010 + rnd.randrange(14)
        refs = [pid(f"syn{rnd.randrange(1, n + 1)}") for _ in range(rnd.randrange(0, 8))]
        out.append(Paper(pid(f"syn{len(out) + 1}"), t, year, "Computer Vision and Pattern Recognition",
                         arxiv_id=f"{year % 100:02d}{rnd.randrange(1, 13):02d}.{len(out) + 10000:05d}",
                         citation_count=rnd.randrange(500), references=refs))
    return out


# -- pytest glue (import these names into a test module to use them) -----------------------------------

try:
    import pytest
except ImportError:  # the benchmark runs without pytest
    pytest = None

if pytest is not None:

    @pytest.fixture
    def fake(monkeypatch):
        """The fake server with :func:`demo_corpus`, and the environment pointing wsskg at it."""
        api = FakeAPI(demo_corpus()).start()
        for k, v in api.env().items():
            monkeypatch.setenv(k, v)
        monkeypatch.setenv("WSSKG_HTTP_RETRIES", "2")
        yield api
        api.stop()


class Sleeps(list):
    """A stand-in for ``time.sleep`` that records the delays instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(round(seconds, 3))


def make_catalog(path, entries, topics=("seg",)):
    """Write a catalog with these entries (``wsskg.catalog.Entry``) and topics to ``path``."""
    from wsskg.catalog import Catalog, Topic
    from wsskg.store import save_catalog

    cat = Catalog(title="Test list", topics=[Topic(path=t, name=t.rsplit("/", 1)[-1]) for t in topics])
    for e in entries:
        if not e.topics:
            e.topics = [topics[0]]
    cat.entries = list(entries)
    save_catalog(path, cat)
    return path


# -- servers that misbehave at the socket level (for the time and memory bounds) ----------------------

class Misbehaving:
    """A raw TCP server on 127.0.0.1 that answers every request in one bad way.

    ``trickle``    200 with a large Content-Length, then one byte every ``gap`` seconds
    ``blackhole``  accepts the connection, reads the request, never answers
    ``oversized``  200 with ``size`` bytes of a JSON list, streamed with no Content-Length
                   (``declared=True``: with a Content-Length that says so up front)
    ``echo403``    403 whose body echoes the request's ``x-api-key`` (as some gateways do)

    Serves both arXiv (``/api/query``) and S2 paths; :attr:`hits` counts requests seen.
    """

    def __init__(self, mode: str, gap: float = 0.3, size: int = 50 * 1024 * 1024, declared: bool = False):
        import socket

        self.mode, self.gap, self.size, self.declared = mode, gap, size, declared
        self.hits = 0
        self._stop = threading.Event()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self._sock.settimeout(0.1)
        self._conns: list = []
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def port(self) -> int:
        return self._sock.getsockname()[1]

    def env(self, **extra: str) -> dict[str, str]:
        return FakeAPI.env(self, **extra)  # same variables, this port

    arxiv_url = FakeAPI.arxiv_url
    s2_url = FakeAPI.s2_url

    def __enter__(self) -> "Misbehaving":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(2)
        for c in self._conns:
            try:
                c.close()
            except OSError:
                pass
        self._sock.close()

    def _serve(self) -> None:
        import socket

        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self._conns.append(conn)
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _read_request(self, conn) -> dict[str, str]:
        data = b""
        conn.settimeout(5)
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
        head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
        headers = {}
        for line in head[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                headers[k.strip().lower()] = v.strip()
        return headers

    def _handle(self, conn) -> None:
        try:
            headers = self._read_request(conn)
            self.hits += 1
            if self.mode == "blackhole":
                self._stop.wait(60)
            elif self.mode == "trickle":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
                while not self._stop.is_set():
                    conn.sendall(b" ")
                    self._stop.wait(self.gap)
            elif self.mode == "oversized":
                head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                head += f"Content-Length: {self.size}\r\n" if self.declared else "Connection: close\r\n"
                conn.sendall(head.encode() + b"\r\n[")
                block = b'{"paperId": null}, ' * 3000
                sent = 1
                while sent < self.size and not self._stop.is_set():
                    conn.sendall(block)
                    sent += len(block)
            elif self.mode == "echo403":
                key = headers.get("x-api-key", "")
                body = json.dumps({"message": f"Forbidden: bad key {key}", "request": {"x-api-key": key}}).encode()
                conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\n"
                             + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
        except OSError:
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass


def refused_port() -> int:
    """A port on 127.0.0.1 where nothing listens (connections are refused)."""
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
