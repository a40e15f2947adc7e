"""HTTP/1.1 for the fetcher: an httpx transport on asyncio streams and h11.

httpx's own transport goes through httpcore and anyio: about 2 ms of CPU a request
(its pool, anyio's streams, locks and cancel scopes) and ~0.08 s of imports, most of
what an unchanged poll of 100 feeds costs beyond reading its store. This one speaks
HTTP/1.1 (h11 parses, the same parser httpcore uses) straight on asyncio streams;
the client above it is still httpx's (headers, timeouts' configuration, the
exceptions). It gives what the fetcher reads from httpcore, the same way:

- the peer address for the redirect guard: ``response.extensions["network_stream"]
  .get_extra_info("server_addr")``;
- httpx's exception classes, with the same causes chained, so ``ingest.reasons``
  words a failure as before: ``ConnectError`` ("All connection attempts failed" from
  the socket's OSError; a DNS or TLS error as itself), ``ConnectTimeout``,
  ``ReadTimeout``, ``ReadError``, ``RemoteProtocolError`` (a body cut short, a server
  that closed without answering), ``LocalProtocolError`` (a header h11 refuses);
- the raw body, chunked, by Content-Length or until the server closes; decoding and
  the byte cap stay the fetcher's.

TLS: one context (httpx's ``create_ssl_context``: certifi's roots, or SSL_CERT_FILE /
SSL_CERT_DIR), made on the first https connection. Connections: several addresses of
a name are tried staggered by 0.25 s (happy eyeballs, as anyio does); an answer read to
its end on a connection the server keeps open goes back to a small idle pool per origin
for 5 s (httpx's keep-alive expiry); a request on a reused connection that fails before
its answer starts (the server closed it meanwhile) is sent once more on a new one.
Proxies are not spoken here: the fetcher keeps httpx's own transport when httpx
would use one (:func:`proxied_by_environment`).
"""

from __future__ import annotations

import asyncio
import functools
import socket
import ssl
import urllib.request  # imported by httpx already (its auth module)
from collections.abc import AsyncIterator
from typing import Any

import h11
import httpx

READ_SIZE = 64 * 1024
KEEPALIVE_S = 5.0  # httpx's default keep-alive expiry
HAPPY_EYEBALLS_S = 0.25  # anyio's delay before trying a name's next address
MAX_HEAD_BYTES = 100 * 1024  # httpcore's limit for an answer's head
DEFAULT_PORTS = {"http": 80, "https": 443}
RETRIABLE = frozenset({"GET", "HEAD"})

Origin = tuple[str, str, int]


def proxied_by_environment() -> bool:
    """Whether httpx's own transport would go through a proxy: one that
    ``urllib.request.getproxies`` finds (``HTTP(S)_PROXY``, ``ALL_PROXY``; on macOS and
    Windows also the system's settings), unless ``NO_PROXY`` is ``*``; as httpx reads it."""
    proxies = urllib.request.getproxies()
    if "*" in (host.strip() for host in proxies.get("no", "").split(",")):
        return False
    return any(proxies.get(scheme) for scheme in ("http", "https", "all"))


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The TLS context of every https connection, made once (loading the roots is
    20 ms idle, far more on a busy machine)."""
    context = httpx.create_ssl_context()
    context.set_alpn_protocols(["http/1.1"])
    return context


class _Stale(Exception):
    """A reused connection failed before its answer started: the server closed it."""


class Connection:
    """One HTTP/1.1 connection; also the response's ``network_stream``."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.h11 = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEAD_BYTES)
        self.idle_since = 0.0
        self.reused = False

    def get_extra_info(self, info: str) -> Any:
        names = {"server_addr": "peername", "client_addr": "sockname"}
        return self.writer.get_extra_info(names.get(info, info))

    def usable(self, now: float) -> bool:
        return (
            now - self.idle_since < KEEPALIVE_S
            and not self.writer.is_closing()
            and not self.reader.at_eof()
        )

    def close(self) -> None:
        self.writer.close()

    async def next_event(self, timeout: float | None) -> Any:
        """The next h11 event, reading as needed, each read within ``timeout``."""
        while True:
            try:
                event = self.h11.next_event()
            except h11.RemoteProtocolError as exc:
                raise httpx.RemoteProtocolError(str(exc)) from exc
            if event is not h11.NEED_DATA:
                return event
            try:
                async with asyncio.timeout(timeout):
                    data = await self.reader.read(READ_SIZE)
            except TimeoutError as exc:
                raise httpx.ReadTimeout(str(exc)) from exc
            except OSError as exc:  # no words of its own, the socket's error as the cause
                raise httpx.ReadError("") from exc
            if not data and self.h11.their_state is h11.SEND_RESPONSE:
                raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
            self.h11.receive_data(data)

    def finish_buffered(self) -> bool:
        """Read the rest of an answer that is already received (a 304's or a redirect's
        empty or short body) without waiting; whether the answer ended."""
        try:
            while True:
                event = self.h11.next_event()
                if isinstance(event, h11.EndOfMessage):
                    return True
                if not isinstance(event, h11.Data):
                    return False
        except h11.ProtocolError:
            return False


class H11Transport(httpx.AsyncBaseTransport):
    """HTTP/1.1 over asyncio streams, with a small keep-alive pool (see the module)."""

    def __init__(self, *, max_idle: int = 16) -> None:
        self.max_idle = max_idle
        self._idle: dict[Origin, list[Connection]] = {}
        self._idle_count = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme not in DEFAULT_PORTS:
            raise httpx.UnsupportedProtocol(
                f"Request URL has an unsupported protocol '{url.scheme}://'."
            )
        origin = (url.scheme, url.raw_host.decode("ascii"), url.port or DEFAULT_PORTS[url.scheme])
        timeouts = request.extensions.get("timeout", {})
        body = await request.aread()
        connection = self._take(origin) if request.method in RETRIABLE else None
        while True:
            if connection is None:
                connection = await _connect(origin, timeouts.get("connect"))
            try:
                head = await _exchange(connection, request, body, timeouts)
            except _Stale:
                connection.close()
                connection = None
                continue
            except BaseException:
                connection.close()
                raise
            break
        stream = _Body(self, origin, connection, timeouts.get("read"))
        return httpx.Response(
            status_code=head.status_code,
            headers=head.headers.raw_items(),
            stream=stream,
            extensions={
                "http_version": b"HTTP/" + head.http_version,
                "reason_phrase": head.reason,
                "network_stream": connection,
            },
        )

    def _take(self, origin: Origin) -> Connection | None:
        """An idle connection to ``origin`` still open, or None."""
        idle = self._idle.get(origin)
        now = asyncio.get_running_loop().time()
        while idle:
            connection = idle.pop()
            self._idle_count -= 1
            if connection.usable(now):
                connection.reused = True
                return connection
            connection.close()
        return None

    def release(self, origin: Origin, connection: Connection, *, ended: bool) -> None:
        """An answer's stream was closed: keep its connection if it may carry another."""
        keep = (
            (ended or connection.finish_buffered())
            and connection.h11.our_state is h11.DONE
            and connection.h11.their_state is h11.DONE
            and not connection.reader.at_eof()
            and self._idle_count < self.max_idle
        )
        if not keep:
            connection.close()
            return
        connection.h11.start_next_cycle()
        connection.idle_since = asyncio.get_running_loop().time()
        self._idle.setdefault(origin, []).append(connection)
        self._idle_count += 1

    async def aclose(self) -> None:
        idle, self._idle, self._idle_count = self._idle, {}, 0
        for connections in idle.values():
            for connection in connections:
                connection.close()
        await asyncio.sleep(0)  # let the transports finish closing


async def _connect(origin: Origin, timeout: float | None) -> Connection:
    scheme, host, port = origin
    tls = tls_context() if scheme == "https" else None
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(
                host,
                port,
                ssl=tls,
                server_hostname=host if tls is not None else None,
                happy_eyeballs_delay=HAPPY_EYEBALLS_S,
                limit=READ_SIZE,
            )
    except TimeoutError as exc:
        raise httpx.ConnectTimeout(str(exc)) from exc
    except (ssl.SSLError, socket.gaierror) as exc:
        raise httpx.ConnectError(str(exc)) from exc
    except OSError as exc:  # worded as anyio does, the socket's error as the cause
        raise httpx.ConnectError("All connection attempts failed") from exc
    return Connection(reader, writer)


async def _exchange(
    connection: Connection, request: httpx.Request, body: bytes, timeouts: dict[str, Any]
) -> Any:
    """Send ``request`` and read its answer's head (an h11 Response)."""
    try:
        await _send(connection, request, body, timeouts.get("write"))
        while True:
            event = await connection.next_event(timeouts.get("read"))
            if isinstance(event, h11.Response) or (
                isinstance(event, h11.InformationalResponse) and event.status_code == 101
            ):
                return event
    except (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError) as exc:
        if connection.reused and request.method in RETRIABLE:
            raise _Stale from exc
        raise


async def _send(
    connection: Connection, request: httpx.Request, body: bytes, timeout: float | None
) -> None:
    try:
        data = connection.h11.send(
            h11.Request(
                method=request.method, target=request.url.raw_path, headers=request.headers.raw
            )
        )
        if body:
            data += connection.h11.send(h11.Data(data=body))
        data += connection.h11.send(h11.EndOfMessage())
    except h11.LocalProtocolError as exc:
        raise httpx.LocalProtocolError(str(exc)) from exc
    try:
        connection.writer.write(data)
        async with asyncio.timeout(timeout):
            await connection.writer.drain()
    except TimeoutError as exc:
        raise httpx.WriteTimeout(str(exc)) from exc
    except OSError as exc:
        raise httpx.WriteError("") from exc


class _Body(httpx.AsyncByteStream):
    """An answer's body as it arrives; closing it gives the connection back."""

    def __init__(
        self, pool: H11Transport, origin: Origin, connection: Connection, timeout: float | None
    ) -> None:
        self._pool = pool
        self._origin = origin
        self._connection: Connection | None = connection
        self._timeout = timeout
        self._ended = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        connection = self._connection
        while connection is not None and not self._ended:
            event = await connection.next_event(self._timeout)
            if isinstance(event, h11.Data):
                yield bytes(event.data)
            elif isinstance(event, h11.EndOfMessage):
                self._ended = True
            else:  # h11 ends a body with EndOfMessage or an error, never anything else
                raise httpx.RemoteProtocolError(f"unexpected {type(event).__name__} in a body")

    async def aclose(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            self._pool.release(self._origin, connection, ended=self._ended)
