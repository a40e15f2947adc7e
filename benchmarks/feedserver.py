"""A loopback feed server for benchmarks: every answer comes after a fixed delay.

``python -m benchmarks.feedserver DIR [--delay 0.05]`` serves the files of ``DIR`` at
``/<name>`` on 127.0.0.1 (an ephemeral port, printed as the first line of stdout), with
an ETag and a Last-Modified (the file's mtime) per file, and ``304 Not Modified`` the
way a real server answers a conditional request: for a matching ``If-None-Match``, or,
when the request has none, for an ``If-Modified-Since`` not older than the file (some
readers, newsboat among them, send only that). It runs in its own process so that
serving does not compete with the poller for the GIL.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import sys
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path


class FeedServer:
    """Serves ``directory`` over HTTP/1.1 with keep-alive, after ``delay`` seconds."""

    def __init__(self, directory: Path, delay: float) -> None:
        self.delay = delay
        self.files = {f"/{p.name}": p.read_bytes() for p in directory.iterdir() if p.is_file()}
        self.etags = {k: f'"{hashlib.sha1(v).hexdigest()[:16]}"' for k, v in self.files.items()}
        self.mtimes = {
            f"/{p.name}": int(p.stat().st_mtime) for p in directory.iterdir() if p.is_file()
        }
        self.requests = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Answer requests on one connection until the client closes it."""
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                await asyncio.sleep(self.delay)
                writer.write(self.respond(head))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    def respond(self, head: bytes) -> bytes:
        """The bytes of the response to one request head."""
        self.requests += 1
        lines = head.decode("latin-1").split("\r\n")
        path = lines[0].split(" ")[1] if len(lines[0].split(" ")) > 1 else "/"
        headers = {
            k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])
        }
        body = self.files.get(path)
        if body is None:
            return b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n"
        etag = self.etags[path]
        validators = f"etag: {etag}\r\nlast-modified: {formatdate(self.mtimes[path], usegmt=True)}"
        if self.not_modified(headers, etag, self.mtimes[path]):
            return (
                f"HTTP/1.1 304 Not Modified\r\n{validators}\r\ncontent-length: 0\r\n\r\n".encode()
            )
        return (
            f"HTTP/1.1 200 OK\r\ncontent-type: application/xml\r\n{validators}\r\n"
            f"content-length: {len(body)}\r\n\r\n"
        ).encode() + body

    @staticmethod
    def not_modified(headers: dict[str, str], etag: str, mtime: int) -> bool:
        """RFC 9110 section 13.2.2: If-None-Match decides when present, else If-Modified-Since."""
        if "if-none-match" in headers:
            tags = {tag.strip() for tag in headers["if-none-match"].split(",")}
            return etag in tags or "*" in tags
        since = headers.get("if-modified-since")
        if not since:
            return False
        try:
            return parsedate_to_datetime(since).timestamp() >= mtime
        except (TypeError, ValueError):
            return False


async def serve(directory: Path, delay: float) -> None:
    """Serve until killed; print the port first."""
    server = FeedServer(directory, delay)
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0, backlog=1024)
    print(listener.sockets[0].getsockname()[1], flush=True)
    async with listener:
        await listener.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("directory", type=Path)
    parser.add_argument("--delay", type=float, default=0.05, help="seconds before each answer")
    args = parser.parse_args()
    try:
        asyncio.run(serve(args.directory, args.delay))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
