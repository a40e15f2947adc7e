"""The demo feed server: bundled outlets served over real HTTP on 127.0.0.1.

Articles appear in their feed once the replay clock passes their ``release``; feeds
carry ETag and Last-Modified and answer conditional requests with real 304s; an outlet
with ``fails_after`` starts answering 500 (so the feed-health alert shows). The logic is
in :class:`DemoSite` (pure: a request in, a :class:`Response` out); :class:`DemoServer`
runs it in a thread.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Protocol

from chipwatch.demo import render
from chipwatch.demo.content import ANCHOR, DemoArticle, Outlet, load_outlets
from chipwatch.timeutil import utcnow

HOST = "127.0.0.1"
FEED_TYPES = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
}


class Clock(Protocol):
    """Where the replay is: seconds into it (at speed 1) and the wall time of a moment."""

    start_wall: datetime

    def elapsed(self) -> float: ...

    def wall_at(self, replay_seconds: float) -> datetime: ...


class ReplayClock:
    """The real clock, scaled by ``speed``: at speed 4, 10 s of wall time replay 40 s."""

    def __init__(
        self,
        *,
        speed: float = 1.0,
        start_wall: datetime | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if speed <= 0:
            raise ValueError("speed must be greater than 0")
        self.speed = speed
        self.start_wall = (start_wall or utcnow()).replace(microsecond=0)
        self._monotonic = monotonic
        self._t0 = monotonic()

    def elapsed(self) -> float:
        """Replay seconds since the start."""
        return (self._monotonic() - self._t0) * self.speed

    def wall_at(self, replay_seconds: float) -> datetime:
        """The wall-clock time at which the replay reaches ``replay_seconds``."""
        return self.start_wall + timedelta(seconds=replay_seconds / self.speed)


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""


class DemoSite:
    """Answers GET requests for the demo's feeds, article pages, index and OPML."""

    def __init__(
        self, clock: Clock, *, outlets: tuple[Outlet, ...] | None = None, base_url: str = ""
    ) -> None:
        self.clock = clock
        self.outlets = outlets if outlets is not None else load_outlets()
        self.base_url = base_url
        # Shift real dates so ANCHOR lands on the demo's start: the stream looks live.
        self.shift = clock.start_wall - ANCHOR
        self.requests: Counter[tuple[str, int]] = Counter()
        self._lock = threading.Lock()
        self._feeds = {render.feed_path(o): o for o in self.outlets}
        self._pages = {render.article_path(a): (o, a) for o in self.outlets for a in o.articles}

    def shown_published(self, article: DemoArticle, now: datetime) -> datetime:
        """The published time a feed shows: shifted to the demo's start, never future."""
        return min(article.published + self.shift, now)

    def handle(self, path: str, headers: Mapping[str, str]) -> Response:
        """The response to ``GET path`` with request ``headers``."""
        path = path.split("?", 1)[0]
        elapsed = self.clock.elapsed()
        if path in self._feeds:
            response = self._feed(self._feeds[path], elapsed, headers)
        elif path in self._pages:
            response = self._page(*self._pages[path], elapsed)
        elif path in ("/", "/index.html"):
            response = _ok(render.render_index(self.outlets, self.base_url), "text/html")
        elif path == "/feeds.opml":
            response = _ok(render.render_opml(self.outlets, self.base_url), "text/x-opml")
        else:
            response = _text(404, "not found")
        with self._lock:
            self.requests[(path, response.status)] += 1
        return response

    def _feed(self, outlet: Outlet, elapsed: float, headers: Mapping[str, str]) -> Response:
        if outlet.failing(elapsed):
            return _text(500, "simulated outage: the chipwatch demo breaks this feed on purpose")
        released = outlet.released(elapsed)
        now = self.clock.wall_at(elapsed)
        newest = max((a.release for a in released), default=0.0)
        modified = self.clock.wall_at(newest).replace(microsecond=0)
        items = [(a, self.shown_published(a, now)) for a in released]
        body = render.render_feed(outlet, items, base_url=self.base_url, updated=modified)
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        validators = {
            "ETag": etag,
            "Last-Modified": format_datetime(modified, usegmt=True),
            "Cache-Control": "no-cache",
        }
        if _not_modified(headers, etag, modified):
            return Response(304, validators)
        return Response(200, {**validators, "Content-Type": FEED_TYPES[outlet.format]}, body)

    def _page(self, outlet: Outlet, article: DemoArticle, elapsed: float) -> Response:
        if article.release > elapsed:
            return _text(404, "not published yet")
        now = self.clock.wall_at(elapsed)
        page = render.render_article_page(outlet, article, self.shown_published(article, now))
        return _ok(page, "text/html")


def _not_modified(headers: Mapping[str, str], etag: str, modified: datetime) -> bool:
    """RFC 9110: If-None-Match wins; If-Modified-Since counts only without it."""
    lowered = {k.lower(): v for k, v in headers.items()}
    if "if-none-match" in lowered:
        tags = [t.strip().removeprefix("W/") for t in lowered["if-none-match"].split(",")]
        return etag in tags or "*" in tags
    since = lowered.get("if-modified-since")
    if not since:
        return False
    try:
        return modified <= parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False


def _ok(body: bytes, content_type: str) -> Response:
    return Response(200, {"Content-Type": f"{content_type}; charset=utf-8"}, body)


def _text(status: int, message: str) -> Response:
    return Response(status, {"Content-Type": "text/plain; charset=utf-8"}, message.encode())


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._answer(with_body=True)

    def do_HEAD(self) -> None:
        self._answer(with_body=False)

    def _answer(self, *, with_body: bool) -> None:
        response = self.server.site.handle(self.path, dict(self.headers.items()))
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if with_body and response.body:
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the demo's terminal belongs to the monitor."""


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    site: DemoSite


class DemoServer:
    """The demo site on 127.0.0.1 at a free port, served from a background thread."""

    def __init__(self, clock: Clock, *, outlets: tuple[Outlet, ...] | None = None) -> None:
        self._httpd = _HTTPServer((HOST, 0), _Handler)
        port = self._httpd.server_address[1]
        self.base_url = f"http://{HOST}:{port}"
        self.site = DemoSite(clock, outlets=outlets, base_url=self.base_url)
        self._httpd.site = self.site
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.2},
            name="chipwatch-demo-server",
            daemon=True,
        )
        self._stopped = False

    def start(self) -> DemoServer:
        """Start serving; returns self."""
        self._thread.start()
        return self

    def feed_url(self, outlet: Outlet) -> str:
        """The full URL of an outlet's feed."""
        return self.base_url + render.feed_path(outlet)

    def stop(self) -> None:
        """Stop serving and close the socket (idempotent)."""
        if self._stopped:
            return
        self._stopped = True
        if self._thread.is_alive():
            self._httpd.shutdown()
            self._thread.join(timeout=5)
        self._httpd.server_close()

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
