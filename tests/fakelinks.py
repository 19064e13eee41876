"""A web server on 127.0.0.1 answering with every behaviour a link checker meets, for
``tests/test_links.py``.

Paths: ``/ok``; ``/nohead`` (HEAD 405, GET 200); ``/headless`` (HEAD 501); ``/chain/N`` (N
permanent redirects, then ``/ok``); ``/temp`` (302 to ``/ok``); ``/loop/a`` <-> ``/loop/b``
(301); ``/gone/404``, ``/gone/410``; ``/wall/403``; ``/busy`` (429 with ``Retry-After: 1``
once, then 200); ``/shaky`` (500 once, then 200); ``/down`` (503 always); ``/maintenance`` (503 with
``Retry-After: 1`` to the first HEAD and GET, then 200); ``/blackhole``
(never answers); ``/trickle`` (a header byte every 0.2 s, forever); ``/huge`` (an endless
body); ``/moved/OLD`` (301 to ``/moved/new-OLD``, like a renamed GitHub repository);
every path under ``/moved/new-``: 200; ``/dead/...``: 404; the paths of :attr:`moved` (301 to
their new path) and :attr:`dead` (404); anything else 200.

Every request is logged (method, path, Host header); :attr:`peak` is the most connections
open at once; ``latency`` delays every answer; ``bytes_sent`` counts the body bytes written.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Handler(BaseHTTPRequestHandler):
    server: "LinkServer"

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_HEAD(self) -> None:
        self._serve("HEAD")

    def do_GET(self) -> None:
        self._serve("GET")

    def _answer(self, code: int, headers: dict | None = None) -> None:
        self.send_response(code)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _serve(self, method: str) -> None:
        srv = self.server
        with srv.lock:
            srv.log.append((method, self.path, self.headers.get("Host")))
            srv.active += 1
            srv.peak = max(srv.peak, srv.active)
            n = srv.seen.get(self.path, 0)
            srv.seen[self.path] = n + 1
        try:
            if srv.latency:
                time.sleep(srv.latency)
        finally:
            # counted until the answer starts: once the client has it, it may close and open the
            # next connection before this thread would get to a later decrement (a false 3rd)
            with srv.lock:
                srv.active -= 1
        try:
            self._route(method, self.path, n)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _route(self, method: str, path: str, n: int) -> None:
        srv = self.server
        if path in srv.moved:
            return self._answer(301, {"Location": srv.moved[path]})
        if path in srv.dead:
            return self._answer(404)
        if path == "/nohead" and method == "HEAD":
            return self._answer(405)
        if path == "/headless" and method == "HEAD":
            return self._answer(501)
        if path.startswith("/chain/"):
            k = int(path.rsplit("/", 1)[1])
            return self._answer(301, {"Location": "/ok" if k <= 1 else f"/chain/{k - 1}"})
        if path == "/temp":
            return self._answer(302, {"Location": "/ok"})
        if path == "/loop/a":
            return self._answer(301, {"Location": "/loop/b"})
        if path == "/loop/b":
            return self._answer(301, {"Location": "/loop/a"})
        if path in ("/gone/404", "/gone/410", "/wall/403"):
            return self._answer(int(path[-3:]))
        if path.startswith("/dead/"):
            return self._answer(404)
        if path == "/busy":
            return self._answer(429, {"Retry-After": "1"}) if n == 0 else self._answer(200)
        if path == "/shaky":
            return self._answer(500) if n == 0 else self._answer(200)
        if path == "/down":
            return self._answer(503)
        if path == "/maintenance":
            return self._answer(503, {"Retry-After": "1"}) if n < 2 else self._answer(200)
        if path == "/blackhole":
            srv.stopping.wait(60)
            return None
        if path == "/trickle":
            self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
            while not srv.stopping.wait(0.2):
                self.wfile.write(b"a")
                self.wfile.flush()
            return None
        if path == "/huge":
            self.send_response(200)
            self.send_header("Content-Length", str(1 << 40))
            self.end_headers()
            chunk = b"x" * 65536
            while not srv.stopping.is_set():
                self.wfile.write(chunk)
                with srv.lock:
                    srv.bytes_sent += len(chunk)
            return None
        if path.startswith("/moved/") and not path.startswith("/moved/new-"):
            return self._answer(301, {"Location": "/moved/new-" + path[len("/moved/"):]})
        return self._answer(200)


class LinkServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, latency: float = 0.0):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.latency = latency
        self.lock = threading.Lock()
        self.log: list[tuple[str, str, str]] = []
        self.seen: dict[str, int] = {}
        self.active = 0
        self.peak = 0
        self.bytes_sent = 0
        self.moved: dict[str, str] = {}  # path -> path it moved to (301)
        self.dead: set[str] = set()  # paths answering 404
        self.stopping = threading.Event()
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> "LinkServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()
