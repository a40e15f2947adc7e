"""A misbehaving feed server on 127.0.0.1 for the reliability tests.

Raw asyncio streams in a background thread, so each fault is exactly what it says:
a reset in the middle of a body, one byte a second, a 300 MB body generated on the fly
(never held), a gzip bomb streamed from a compressor, a redirect loop, 429s with
``Retry-After`` in seconds and as an HTTP date, and bodies that are not feeds.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
import zlib
from collections.abc import Awaitable, Callable
from datetime import datetime
from email.utils import format_datetime

Handler = Callable[[asyncio.StreamWriter], Awaitable[None]]

MB = 1024 * 1024


def rss(title: str, items: list[tuple[str, str, str]]) -> bytes:
    """A small RSS 2.0 document: items are (guid, title, summary)."""
    body = "".join(
        f"<item><guid>{guid}</guid><title>{t}</title><link>https://news.example/{guid}</link>"
        f"<pubDate>Tue, 15 Jul 2025 08:00:00 +0000</pubDate><description>{s}</description></item>"
        for guid, t, s in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>https://news.example/</link><description>d</description>"
        f"{body}</channel></rss>"
    ).encode()


def head(status: str, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status}"] + [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class FaultServer:
    """``with FaultServer(now) as server: server.url("/drip")``."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.routes: dict[str, Handler] = {}
        self.hits: dict[str, int] = {}
        self.bytes_sent: dict[str, int] = {}
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.port = 0

    # ---- lifecycle
    def __enter__(self) -> FaultServer:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        self.port = future.result(timeout=10)
        return self

    def __exit__(self, *exc: object) -> None:
        async def stop() -> None:
            self._server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    async def _start(self) -> int:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self._server.sockets[0].getsockname()[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    # ---- serving
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await reader.readuntil(b"\r\n\r\n")
            path = request.split(b" ", 2)[1].decode("latin-1")
            await reader.readexactly(_content_length(request))  # a POST's body (webhooks)
            self.hits[path] = self.hits.get(path, 0) + 1
            handler = self.routes.get(path)
            if handler is None:
                writer.write(head("404 Not Found", {"content-length": "0"}))
            else:
                await handler(writer)
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            if not writer.is_closing():
                writer.close()

    # ---- route builders
    def body(
        self,
        path: str,
        payload: bytes,
        *,
        status: str = "200 OK",
        content_type: str = "application/rss+xml",
        extra: dict[str, str] | None = None,
    ) -> None:
        async def handler(writer: asyncio.StreamWriter) -> None:
            headers = {
                "content-type": content_type,
                "content-length": str(len(payload)),
                "connection": "close",
                **(extra or {}),
            }
            writer.write(head(status, headers) + payload)

        self.routes[path] = handler

    def redirect(self, path: str, target: str) -> None:
        self.body(path, b"", status="302 Found", extra={"location": target})

    def reset_mid_body(self, path: str, payload: bytes) -> None:
        async def handler(writer: asyncio.StreamWriter) -> None:
            writer.write(
                head(
                    "200 OK",
                    {
                        "content-type": "application/rss+xml",
                        "content-length": str(len(payload) * 4),
                    },
                )
            )
            writer.write(payload[: len(payload) // 2])
            await writer.drain()
            sock = writer.get_extra_info("socket")
            # SO_LINGER 0: close() sends a TCP reset instead of a clean FIN
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()

        self.routes[path] = handler

    def drip(self, path: str, payload: bytes, every: float = 1.0) -> None:
        async def handler(writer: asyncio.StreamWriter) -> None:
            writer.write(
                head(
                    "200 OK",
                    {"content-type": "application/rss+xml", "content-length": str(len(payload))},
                )
            )
            for byte in payload:
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(every)

        self.routes[path] = handler

    def drip_head(self, path: str, every: float = 1.0) -> None:
        """An answer that never completes: its status line, one byte every ``every``
        seconds, for ever (each read gets a byte, so only a total time limit ends it)."""

        async def handler(writer: asyncio.StreamWriter) -> None:
            while True:
                for byte in b"HTTP/1.1 200 OK\r\nX-Slow: ":
                    writer.write(bytes([byte]))
                    await writer.drain()
                    await asyncio.sleep(every)

        self.routes[path] = handler

    def huge(self, path: str, size: int) -> None:
        """``size`` bytes of one endless feed, generated chunk by chunk as it is read."""
        chunk = (
            b"<item><title>filler</title><description>" + b"x" * 65_000 + b"</description></item>"
        )

        async def handler(writer: asyncio.StreamWriter) -> None:
            writer.write(
                head("200 OK", {"content-type": "application/rss+xml", "content-length": str(size)})
            )
            writer.write(b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>')
            sent = 0
            while sent < size:
                writer.write(chunk)
                sent += len(chunk)
                self.bytes_sent[path] = sent
                await writer.drain()

        self.routes[path] = handler

    def gzip_bomb(self, path: str, inflated: int) -> None:
        """A gzip body of a few MB that inflates to ``inflated`` bytes of zeros."""
        zeros = bytes(MB)

        async def handler(writer: asyncio.StreamWriter) -> None:
            writer.write(
                head(
                    "200 OK",
                    {
                        "content-type": "application/rss+xml",
                        "content-encoding": "gzip",
                        "connection": "close",
                    },
                )
            )
            compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
            writer.write(compressor.compress(b'<?xml version="1.0"?><rss version="2.0">'))
            for _ in range(inflated // MB):
                data = compressor.compress(zeros)
                if data:
                    writer.write(data)
                    self.bytes_sent[path] = self.bytes_sent.get(path, 0) + len(data)
                    await writer.drain()
            writer.write(compressor.flush())

        self.routes[path] = handler

    def http_date(self, when: datetime) -> str:
        return format_datetime(when, usegmt=True)


def _content_length(request: bytes) -> int:
    for line in request.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and value.strip().isdigit():
            return int(value.strip())
    return 0


def refused_url() -> str:
    """A loopback URL where nothing listens: connecting is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/feed.xml"
