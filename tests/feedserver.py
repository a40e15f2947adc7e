"""A loopback HTTP feed server for tests and benchmarks (127.0.0.1 only, no internet).

    with FeedServer() as server:
        server.add("/feed.xml", body, etag='"v1"', last_modified="...")
        url = server.url("/feed.xml")

Each path is a :class:`Route`: a body (bytes) or a generated size, a status, extra
headers, ETag/Last-Modified with real 304 answers, Retry-After, redirects, a drip
(bytes sent slowly), gzip (or a ready-made compressed body such as a bomb), a delay
before answering, and a connection reset mid-body. Every request is logged with its
headers so tests can check conditional GETs.
"""

from __future__ import annotations

import gzip
import socket
import threading
import time
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CHUNK = 64 * 1024


@dataclass
class Route:
    """How the server answers one path."""

    body: bytes = b""
    status: int = 200
    content_type: str = "application/rss+xml; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    location: str | None = None  # for 3xx
    retry_after: str | None = None
    gzip: bool = False  # compress ``body`` on the fly
    encoded: bytes | None = None  # send these bytes as-is with Content-Encoding: gzip
    size: int | None = None  # generate this many bytes of filler instead of ``body``
    drip: float | None = None  # seconds between single bytes
    delay: float = 0.0  # seconds before answering
    reset_after: int | None = None  # send this many body bytes, then reset the connection


@dataclass(frozen=True)
class Hit:
    """One request the server saw."""

    path: str
    headers: dict[str, str]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self.server.enter()
        try:
            self._get()
        finally:
            self.server.leave()

    def _get(self) -> None:
        path = self.path
        self.server.record(Hit(path, {k.lower(): v for k, v in self.headers.items()}))
        route = self.server.routes.get(path)
        if route is None:
            self._simple(404, b"not found")
            return
        if route.delay:
            time.sleep(route.delay)
        if route.status == 200 and self._not_modified(route):
            self.send_response(304)
            self._validators(route)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self._answer(route)

    def _not_modified(self, route: Route) -> bool:
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        if route.etag and inm:
            return inm == route.etag
        return bool(route.last_modified and ims and ims == route.last_modified)

    def _validators(self, route: Route) -> None:
        if route.etag:
            self.send_header("ETag", route.etag)
        if route.last_modified:
            self.send_header("Last-Modified", route.last_modified)

    def _answer(self, route: Route) -> None:
        body = route.body
        self.send_response(route.status)
        self.send_header("Content-Type", route.content_type)
        self._validators(route)
        for name, value in route.headers.items():
            self.send_header(name, value)
        if route.location:
            self.send_header("Location", route.location)
        if route.retry_after:
            self.send_header("Retry-After", route.retry_after)
        if route.encoded is not None or route.gzip:
            body = route.encoded if route.encoded is not None else gzip.compress(body)
            self.send_header("Content-Encoding", "gzip")
        if route.drip is not None or route.size is not None:
            self.send_header("Connection", "close")
            self.end_headers()
            self._stream(route, body)
            self.close_connection = True
            return
        if route.reset_after is not None:
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: route.reset_after])
            self.wfile.flush()
            self._reset()
            return
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _stream(self, route: Route, body: bytes) -> None:
        try:
            if route.drip is not None:
                for index in range(len(body)):
                    self.wfile.write(body[index : index + 1])
                    self.wfile.flush()
                    time.sleep(route.drip)
                return
            filler = b"<!-- " + b"x" * (CHUNK - 10) + b" -->\n"
            sent = 0
            while sent < (route.size or 0):
                self.wfile.write(filler)
                sent += len(filler)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _reset(self) -> None:
        try:
            self.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
            )
        finally:
            self.close_connection = True

    def _simple(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, address: tuple[str, int] = ("127.0.0.1", 0)) -> None:
        super().__init__(address, _Handler)
        self.routes: dict[str, Route] = {}
        self.hits: list[Hit] = []
        self.lock = threading.Lock()
        self.active = 0
        self.max_active = 0

    def enter(self) -> None:
        with self.lock:
            self.active += 1
            self.max_active = max(self.max_active, self.active)

    def leave(self) -> None:
        with self.lock:
            self.active -= 1

    def record(self, hit: Hit) -> None:
        with self.lock:
            self.hits.append(hit)

    def handle_error(self, request: Any, client_address: Any) -> None:  # quiet
        pass


class FeedServer:
    """Starts on a free port of 127.0.0.1 in a background thread; stop() or ``with``.
    ``host`` and ``port`` put it elsewhere on the loopback (another 127.x address, a
    port a test reserved)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = _Server((host, port))
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def add(self, path: str, body: bytes = b"", **options: Any) -> str:
        """Serve ``path`` as described by :class:`Route` options; returns its URL."""
        self._server.routes[path] = Route(body=body, **options)
        return self.url(path)

    def route(self, path: str) -> Route:
        return self._server.routes[path]

    @property
    def hits(self) -> list[Hit]:
        with self._server.lock:
            return list(self._server.hits)

    def hits_for(self, path: str) -> list[Hit]:
        return [hit for hit in self.hits if hit.path == path]

    @property
    def max_active(self) -> int:
        """The most requests the server was answering at once."""
        return self._server.max_active

    def clear_hits(self) -> None:
        with self._server.lock:
            self._server.hits.clear()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FeedServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def gzip_bomb(inflated_size: int) -> bytes:
    """A small gzip body that inflates to ``inflated_size`` zero bytes, built in chunks."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = b"\0" * (1024 * 1024)
    parts = []
    remaining = inflated_size
    while remaining > 0:
        step = min(remaining, len(zeros))
        parts.append(compressor.compress(zeros[:step]))
        remaining -= step
    parts.append(compressor.flush())
    return b"".join(parts)
