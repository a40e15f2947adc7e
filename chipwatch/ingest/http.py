"""Polite HTTP (and file) fetching: one long-lived httpx.AsyncClient → FetchResult values.

Every outcome is a value, never an exception: ok with bytes, not modified, gone, or an
error with a reason a person can read. Limits: concurrency overall and per host,
connect/read timeouts plus a total timeout (a dripping server is cut), a redirect
limit, and a body cap counted *after* decompression, inflating at most the cap plus one
chunk (a gzip bomb never expands in memory).
"""

from __future__ import annotations

import asyncio
import ssl
import zlib
from datetime import datetime
from types import TracebackType
from typing import Any, Self
from urllib.parse import urljoin, urlsplit

import httpx

from chipwatch.config import PollConfig
from chipwatch.config.paths import is_local
from chipwatch.ingest import reasons
from chipwatch.ingest.guard import (
    RedirectGuard,
    origin_public,
    parse_max_age,
    parse_retry_after,
    sendable,
    short_url,
)
from chipwatch.ingest.localfile import fetch_file, unchanged_file
from chipwatch.ingest.reasons import Reason
from chipwatch.ingest.schedule import bounded_int
from chipwatch.ingest.transport import H11Transport, proxied_by_environment
from chipwatch.ingest.types import FetchKind, FetchRequest, FetchResult, body_limit, too_large

REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
PERMANENT_REDIRECTS = frozenset({301, 308})
RETRY_AFTER_CODES = frozenset({429, 503})
KEPT_HEADERS = (
    "content-type",
    "content-language",
    "content-location",
    "last-modified",
    "etag",
    "cache-control",
)
CHUNK = 64 * 1024
# An article page (FetchRequest.page_of) is asked for as a web page.
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, text/plain;q=0.5, */*;q=0.1"


class BodyTooLarge(Exception):
    """The (decompressed) body passed the configured limit."""


class _Inflater:
    """Streaming Content-Encoding decoder that never inflates past ``limit`` + 1 bytes."""

    def __init__(self, encoding: str, limit: int) -> None:
        self.limit = limit
        self.size = 0
        encoding = encoding.strip().lower()
        if encoding in ("", "identity"):
            self.decoder = None
        elif encoding in ("gzip", "x-gzip"):
            self.decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self.decoder = zlib.decompressobj()
            self.raw_deflate = True
        else:
            raise ValueError(f"unsupported Content-Encoding {encoding!r}")

    def feed(self, data: bytes) -> bytes:
        if self.decoder is None:
            return self._count(data)
        room = self.limit - self.size + 1
        try:
            out = self.decoder.decompress(data, room)
        except zlib.error:
            if getattr(self, "raw_deflate", False) and self.size == 0:
                self.decoder = zlib.decompressobj(-zlib.MAX_WBITS)
                self.raw_deflate = False
                return self.feed(data)
            raise
        # Output is capped at limit + 1 bytes, so counting it detects a bomb early.
        return self._count(out)

    def _count(self, data: bytes) -> bytes:
        self.size += len(data)
        if self.size > self.limit:
            raise BodyTooLarge
        return data


class Fetcher:
    """Fetches feeds politely through one shared client. Use as an async context manager."""

    def __init__(
        self,
        config: PollConfig,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.config = config
        self._transport = transport
        self._clients: dict[bool, httpx.AsyncClient] = {}  # by "is https"
        self._overall: asyncio.Semaphore | None = None
        self._hosts: dict[str, asyncio.Semaphore] = {}

    async def __aenter__(self) -> Self:
        self._overall = asyncio.Semaphore(self.config.concurrency)
        return self

    def _http(self, url: str) -> httpx.AsyncClient:
        """The shared client for ``url``'s scheme, made on its first fetch. Through
        chipwatch's transport a TLS context is made on the first https connection
        (``transport.tls_context``); through httpx's (a proxy in the environment) the
        https client loads the certificates when made (20 ms idle, 0.5 s measured on a
        busy machine), and the http client gets an empty context: it never makes TLS
        connections, and if it did they would fail verification, never skip it."""
        secure = url[:7].lower() != "http://"
        client = self._clients.get(secure)
        if client is None:
            client = self._clients[secure] = self._make_client(secure)
        return client

    def _make_client(self, secure: bool) -> httpx.AsyncClient:
        config = self.config
        timeout = httpx.Timeout(config.timeout, connect=config.connect_timeout)
        limits = httpx.Limits(
            max_connections=config.concurrency, max_keepalive_connections=config.concurrency
        )
        transport = self._transport
        if transport is None and not proxied_by_environment():
            # httpx's own transport (httpcore, anyio) only where a proxy must be spoken
            transport = H11Transport(max_idle=config.concurrency)
        return httpx.AsyncClient(
            timeout=timeout,
            limits=limits,
            follow_redirects=False,
            transport=transport,
            verify=True
            if secure or transport is not None
            else ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT),
            headers={
                "User-Agent": config.user_agent,
                "Accept-Encoding": "gzip, deflate",
                "Accept": "application/rss+xml, application/atom+xml, application/feed+json,"
                " application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5",
            },
        )

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()

    async def fetch(self, request: FetchRequest, *, now: datetime) -> FetchResult:
        """Fetch one feed. Never raises except for cancellation."""
        if request.page_of is not None and not request.url.lower().startswith(
            ("http://", "https://")
        ):  # a page link in a feed never names a file on this machine
            return _error(request, f"not a web address: {short_url(request.url)}")
        if is_local(request.url):
            unchanged = unchanged_file(request)  # one stat, no thread hop
            if unchanged is not None:
                return unchanged
            return await asyncio.to_thread(fetch_file, request, self.config.max_bytes)
        assert self._overall is not None, "use Fetcher as an async context manager"
        host = (urlsplit(request.url).hostname or "").lower()
        per_host = self._hosts.setdefault(host, asyncio.Semaphore(self.config.per_host))
        # Host first: a task waiting for a busy host must not hold one of the overall slots.
        hops = [request.url]  # every URL requested, so an error can say where it was
        async with per_host, self._overall:
            try:
                async with asyncio.timeout(self.config.timeout):
                    return await self._follow(request, hops, now=now)
            except TimeoutError:
                reason = Reason(
                    f"timed out: no complete answer within {self.config.timeout:g}s",
                    f"no complete answer within [poll] timeout = {self.config.timeout:g}s",
                    reasons.TIMEOUT,
                )
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                reason = reasons.http_failure(
                    exc,
                    _host(hops[-1]),
                    connect_timeout=self.config.connect_timeout,
                    timeout=self.config.timeout,
                )
            except OSError as exc:
                reason = reasons.os_failure(exc, _host(hops[-1]))
            except (ValueError, UnicodeError) as exc:
                reason = Reason("not a usable feed URL", reasons.technical(exc), reasons.BAD_URL)
            return FetchResult(
                url=request.url,
                kind=FetchKind.ERROR,
                error=_redirected(reason.text, hops),
                detail=reason.detail,
                # after a redirect a server was reached: this is no sign of the network
                failure=reason.code if len(hops) == 1 else reasons.OTHER,
            )

    async def _follow(
        self, request: FetchRequest, hops: list[str], *, now: datetime
    ) -> FetchResult:
        guard = RedirectGuard(origin_public(request.page_of) if request.page_of else None)
        url, permanent = request.url, True
        refused = guard.may_request(url)
        if refused is not None:
            return _error(request, refused)
        headers = _conditional(request)
        if request.page_of is not None:
            headers["Accept"] = PAGE_ACCEPT
        for _ in range(self.config.max_redirects + 1):
            async with self._http(url).stream("GET", url, headers=headers) as response:
                status = response.status_code
                refused = guard.answered(url, response)
                if refused is None and status in REDIRECT_CODES and "location" in response.headers:
                    target = urljoin(url, response.headers["location"])
                    refused = guard.may_follow(target)
                    if refused is None and target in hops:
                        refused = f"redirect loop: {short_url(target)} was visited before"
                    if refused is None:
                        permanent = permanent and status in PERMANENT_REDIRECTS
                        url = target
                        hops.append(url)
                        continue
                if refused is not None:  # it names the URL it refused
                    return _error(request, refused, status=status)
                moved = url if permanent and url != request.url else None
                return await self._answer(request, response, hops, moved, now=now)
        return _error(
            request,
            _redirected(f"too many redirects (more than {self.config.max_redirects})", hops),
        )

    async def _answer(
        self,
        request: FetchRequest,
        response: httpx.Response,
        hops: list[str],
        moved: str | None,
        *,
        now: datetime,
    ) -> FetchResult:
        status, url = response.status_code, hops[-1]
        headers = {k: response.headers[k] for k in KEPT_HEADERS if k in response.headers}
        for name in ("etag", "last-modified"):  # never keep one we could not send back
            if name in headers and sendable(headers[name]) is None:
                del headers[name]
        common: dict[str, Any] = {
            "url": request.url,
            "status": status,
            "final_url": url,
            "moved_to": moved,
            "max_age_s": parse_max_age(headers.get("cache-control")),
        }
        if status == 304:
            return FetchResult(
                kind=FetchKind.NOT_MODIFIED,
                etag=headers.get("etag") or sendable(request.etag),
                last_modified=headers.get("last-modified") or sendable(request.last_modified),
                **common,
            )
        if status == 410:
            return FetchResult(
                kind=FetchKind.GONE,
                error=_redirected(
                    f"HTTP 410 Gone: the server says this {request.what} was removed for good",
                    hops,
                ),
                **common,
            )
        if 300 <= status < 400:
            return FetchResult(
                kind=FetchKind.ERROR,
                error=_redirected(f"HTTP {status}: a redirect without a Location", hops),
                **common,
            )
        if status >= 400 or status < 200:
            retry = (
                parse_retry_after(response.headers.get("retry-after"), now=now)
                if status in RETRY_AFTER_CODES
                else None
            )
            return FetchResult(
                kind=FetchKind.ERROR,
                error=_redirected(_status_reason(response, request.what), hops),
                retry_after_s=retry,
                **common,
            )
        try:
            body = await self._read(response, body_limit(self.config.max_bytes, request.what))
        except BodyTooLarge:
            reason = too_large(self.config.max_bytes, request.what)
            return _error(request, _redirected(reason, hops), status=status)
        except (ValueError, zlib.error) as exc:
            reason = f"corrupt compressed body: {exc}"
            return _error(request, _redirected(reason, hops), status=status)
        headers.setdefault("content-location", url)
        return FetchResult(
            kind=FetchKind.OK,
            body=body,
            headers=headers,
            etag=headers.get("etag"),
            last_modified=headers.get("last-modified"),
            **common,
        )

    async def _read(self, response: httpx.Response, limit: int) -> bytes:
        if response.is_stream_consumed:  # pre-read (httpx.MockTransport): already decoded
            if len(response.content) > limit:
                raise BodyTooLarge
            return response.content
        encoding = response.headers.get("content-encoding", "")
        inflater = _Inflater(encoding.split(",")[-1] if encoding else "", limit)
        declared = bounded_int(response.headers.get("content-length"), limit + 1)
        if not encoding and declared is not None and declared > limit:
            raise BodyTooLarge
        parts: list[bytes] = []
        async for chunk in response.aiter_raw(CHUNK):
            parts.append(inflater.feed(chunk))
        return b"".join(parts)


def _conditional(request: FetchRequest) -> dict[str, str]:
    """The validators to send: a stored one that cannot be sent (an older chipwatch kept
    non-ASCII ones) is left out, never an error."""
    headers = {}
    etag, last_modified = sendable(request.etag), sendable(request.last_modified)
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def _redirected(reason: str, hops: list[str]) -> str:
    """``reason``, naming where the redirects led when there were any."""
    if len(hops) < 2:
        return reason
    return f"{reason} (redirected to {short_url(hops[-1])})"


def _error(request: FetchRequest, reason: str, *, status: int | None = None) -> FetchResult:
    return FetchResult(url=request.url, kind=FetchKind.ERROR, status=status, error=reason)


def _status_reason(response: httpx.Response, what: str = "feed") -> str:
    phrase = response.reason_phrase or ""
    status = response.status_code
    text = f"HTTP {status} {phrase}".strip()
    if status == 429:
        return f"{text}: the server asks us to slow down"
    if status >= 500:
        return f"{text}: the server failed"
    if status in (401, 403):
        return f"{text}: access refused"
    if status == 404:
        return f"{text}: no {what} at this address"
    return text


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
