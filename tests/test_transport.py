"""chipwatch's own HTTP/1.1 transport (ingest.transport) against real servers on 127.0.0.1.

The fetcher's outcomes through it must be what they were through httpx's own transport
(httpcore and anyio): every scenario below is fetched both ways and the results compared
field by field, reasons and their technical detail included.
"""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
import socket
import ssl
import subprocess
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from chipwatch.config import PollConfig
from chipwatch.ingest import transport as transport_mod
from chipwatch.ingest.http import Fetcher
from chipwatch.ingest.transport import H11Transport
from chipwatch.ingest.types import FetchKind, FetchRequest, FetchResult
from tests.faultserver import MB, FaultServer, head, refused_url, rss
from tests.feedserver import FeedServer, gzip_bomb

NOW = datetime(2025, 7, 16, 12, 0, tzinfo=UTC)
CONFIG = PollConfig(timeout=1.5, connect_timeout=1.0, max_bytes=MB)
FEED = rss("Feed", [(f"g{n}", f"Title {n}", "Summary. " * 40) for n in range(20)])
LAST_MODIFIED = "Tue, 15 Jul 2025 07:00:00 GMT"

Servers = tuple[FeedServer, FaultServer]
Scenario = Callable[[FeedServer, FaultServer], tuple[str, dict[str, Any]]]


@pytest.fixture
def servers() -> Iterator[Servers]:
    with FeedServer() as feeds, FaultServer(NOW) as faults:
        yield feeds, faults


async def fetch(
    url: str, transport: httpx.AsyncBaseTransport | None, **request: Any
) -> FetchResult:
    async with Fetcher(CONFIG, transport=transport) as fetcher:
        return await fetcher.fetch(FetchRequest(url, **request), now=NOW)


def _raw(faults: FaultServer, path: str, answer: bytes) -> str:
    """A route that writes ``answer`` as it is, then closes."""

    async def handler(writer: asyncio.StreamWriter) -> None:
        writer.write(answer)

    faults.routes[path] = handler
    return faults.url(path)


def _chunked(payload: bytes) -> bytes:
    pieces = [payload[i : i + 1000] for i in range(0, len(payload), 1000)]
    body = b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces)
    return head("200 OK", {"transfer-encoding": "chunked"}) + body + b"0\r\n\r\n"


SCENARIOS: dict[str, Scenario] = {
    "ok with validators": lambda f, _: (
        f.add(
            "/ok",
            FEED,
            etag='"v1"',
            last_modified=LAST_MODIFIED,
            headers={"Cache-Control": "max-age=60"},
        ),
        {},
    ),
    "not modified": lambda f, _: (f.add("/nm", FEED, etag='"v1"'), {"etag": '"v1"'}),
    "gzip": lambda f, _: (f.add("/gz", FEED, gzip=True), {}),
    "gzip bomb": lambda f, _: (f.add("/bomb", encoded=gzip_bomb(64 * MB)), {}),
    "too large, no length": lambda f, _: (f.add("/big", size=3 * MB), {}),
    "429 retry-after": lambda f, _: (f.add("/429", status=429, retry_after="120"), {}),
    "500": lambda f, _: (f.add("/500", status=500), {}),
    "404": lambda f, _: (f.url("/missing"), {}),
    "410": lambda f, _: (f.add("/410", status=410), {}),
    "moved": lambda f, _: (
        f.add("/old", status=301, location=f.add("/new", FEED, etag='"n"')),
        {},
    ),
    "redirect loop": lambda f, _: (
        f.add("/a", status=302, location=f.add("/b", status=302, location="/a")),
        {},
    ),
    "redirect without location": lambda f, _: (f.add("/noloc", FEED, status=302), {}),
    "reset mid body": lambda f, _: (f.add("/reset", FEED, reset_after=100), {}),
    "reset mid body, raw": lambda _, x: (x.reset_mid_body("/r", FEED) or x.url("/r"), {}),
    "drip": lambda f, _: (f.add("/drip", FEED, drip=0.3), {}),
    "drip head": lambda _, x: (x.drip_head("/dh", every=0.3) or x.url("/dh"), {}),
    "refused": lambda _, __: (refused_url(), {}),
    "chunked": lambda _, x: (_raw(x, "/chunked", _chunked(FEED)), {}),
    "close-delimited": lambda _, x: (
        _raw(x, "/eof", head("200 OK", {"content-type": "application/rss+xml"}) + FEED),
        {},
    ),
    "closed without an answer": lambda _, x: (_raw(x, "/silent", b""), {}),
    "not http": lambda _, x: (_raw(x, "/garbage", b"SSH-2.0-OpenSSH_9.6\r\n\r\n"), {}),
    "body shorter than its length": lambda _, x: (
        _raw(x, "/short", head("200 OK", {"content-length": "5000"}) + FEED[:100]),
        {},
    ),
    "page": lambda f, _: (
        f.add("/page.html", b"<html><p>text</p></html>", content_type="text/html"),
        {"page_of": "http://127.0.0.1/feed.xml"},
    ),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
async def test_own_transport_gives_what_httpx_transport_gave(servers: Servers, name: str) -> None:
    url, request = SCENARIOS[name](*servers)
    theirs = await fetch(url, httpx.AsyncHTTPTransport(), **request)
    ours = await fetch(url, H11Transport(), **request)
    assert dataclasses.asdict(ours) == dataclasses.asdict(theirs)


async def test_an_unknown_host_name_is_worded_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    """No resolver is asked: the name lookup both transports make fails as a missing
    name does."""
    real = socket.getaddrinfo

    def lookup(host: Any, *args: Any, **kwargs: Any) -> Any:
        if str(host).endswith("example.invalid"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", lookup)
    url = "http://feeds.example.invalid/feed.xml"
    theirs = await fetch(url, httpx.AsyncHTTPTransport())
    ours = await fetch(url, H11Transport())
    assert dataclasses.asdict(ours) == dataclasses.asdict(theirs)
    assert (ours.error, ours.failure) == (
        "could not resolve the host name feeds.example.invalid",
        "dns",
    )


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _ipv6_loopback(), reason="no IPv6 loopback")
async def test_a_name_whose_every_address_refuses_is_worded_as_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Both addresses of a name are tried; the reason and its code are httpx's (the
    detail lists both refusals instead of anyio's "2 sub-exceptions")."""
    with socket.socket(socket.AF_INET6) as probe:
        probe.bind(("::1", 0))
        port = probe.getsockname()[1]
    real = socket.getaddrinfo

    def lookup(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host in ("both.example.test", b"both.example.test"):
            return [
                (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("::1", port, 0, 0)),
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port)),
            ]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", lookup)
    url = f"http://both.example.test:{port}/feed.xml"
    theirs = await fetch(url, httpx.AsyncHTTPTransport())
    ours = await fetch(url, H11Transport())
    assert (ours.error, ours.failure) == (theirs.error, theirs.failure)
    assert ours.error == "could not connect to both.example.test"
    assert "'::1'" in (ours.detail or "") and "'127.0.0.1'" in (ours.detail or "")


async def test_the_fetcher_uses_its_own_transport(servers: Servers) -> None:
    feeds, _ = servers
    async with Fetcher(CONFIG) as fetcher:
        client = fetcher._http(feeds.base)
        assert isinstance(client._transport, H11Transport)


def test_a_proxy_in_the_environment_keeps_httpx_transport(monkeypatch: pytest.MonkeyPatch) -> None:
    """The regression it prevents: httpx honours HTTPS_PROXY only with its own transport
    (a custom one turns the environment's proxies off), so a user behind a proxy would
    have lost every feed. ``NO_PROXY=*`` turns them off for httpx too."""
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    client = Fetcher(CONFIG)._http("https://example.com/feed.xml")
    assert not isinstance(client._transport, H11Transport)
    assert any(mount is not None for mount in client._mounts.values())
    monkeypatch.setenv("NO_PROXY", "*")
    client = Fetcher(CONFIG)._http("https://example.com/feed.xml")
    assert isinstance(client._transport, H11Transport)


async def test_sequential_fetches_of_one_host_share_a_connection(servers: Servers) -> None:
    feeds, _ = servers
    urls = [feeds.add(f"/f{n}", FEED, etag=f'"{n}"') for n in range(5)]
    opened: list[object] = []
    original = transport_mod._connect

    async def counting(*args: Any) -> Any:
        opened.append(args)
        return await original(*args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(transport_mod, "_connect", counting)
        async with Fetcher(CONFIG) as fetcher:
            for url in urls:  # an answer read to its end, then a 304 left unread
                assert (await fetcher.fetch(FetchRequest(url), now=NOW)).kind == FetchKind.OK
                again = await fetcher.fetch(FetchRequest(url, etag=url[-1:].join('""')), now=NOW)
                assert again.kind == FetchKind.NOT_MODIFIED
    assert len(opened) == 1
    assert len(feeds.hits) == 10


async def test_a_connection_the_server_closed_while_idle_is_not_a_failure(
    servers: Servers, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fault server closes every connection after one answer without saying
    ``Connection: close``. Taken as still open (as when its close arrives while the
    request is on its way), each dead connection must be replaced, not reported."""
    _, faults = servers
    monkeypatch.setattr(transport_mod.Connection, "usable", lambda self, now: True)
    opened: list[object] = []
    original = transport_mod._connect

    async def counting(*args: Any) -> Any:
        opened.append(args)
        return await original(*args)

    monkeypatch.setattr(transport_mod, "_connect", counting)
    async with Fetcher(CONFIG) as fetcher:
        results = [
            await fetcher.fetch(FetchRequest(faults.url("/none")), now=NOW) for _ in range(4)
        ]
    assert [r.error for r in results] == ["HTTP 404 Not Found: no feed at this address"] * 4
    assert len(opened) == 4
    assert faults.hits["/none"] == 4


async def test_the_answer_names_the_address_it_came_from(servers: Servers) -> None:
    feeds, _ = servers
    url = feeds.add("/f", FEED).replace("127.0.0.1", "localhost")
    client = httpx.AsyncClient(transport=H11Transport())
    async with client, client.stream("GET", url) as response:
        peer = response.extensions["network_stream"].get_extra_info("server_addr")
        assert peer[:2] == ("127.0.0.1", feeds._server.server_address[1])
        assert await response.aread() == FEED


# ---------------------------------------------------------------- TLS


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (openssl's command line)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def tls_server(certificate: tuple[Path, Path]) -> Iterator[FeedServer]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*map(str, certificate))
    with FeedServer() as server:
        raw = server._server
        raw.socket = context.wrap_socket(
            raw.socket, server_side=True, do_handshake_on_connect=False
        )
        yield server


def _https(server: FeedServer, path: str) -> str:
    return server.url(path).replace("http://", "https://")


async def test_an_untrusted_certificate_is_refused_in_the_same_words(
    tls_server: FeedServer,
) -> None:
    url = _https(tls_server, "/feed.xml")
    tls_server.add("/feed.xml", FEED)
    theirs = await fetch(url, httpx.AsyncHTTPTransport())
    ours = await fetch(url, None)
    assert ours.error == theirs.error
    assert ours.error == "the server's certificate is not trusted (a secure connection was refused)"
    assert (ours.failure, ours.kind) == (theirs.failure, theirs.kind) == ("tls", FetchKind.ERROR)
    assert tls_server.hits == []


async def test_https_with_a_trusted_certificate_reads_the_feed(
    tls_server: FeedServer, certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    trusting = ssl.create_default_context(cafile=str(certificate[0]))
    monkeypatch.setattr(transport_mod, "tls_context", lambda: trusting)
    url = tls_server.add("/feed.xml", FEED, etag='"t1"').replace("http://", "https://")
    async with Fetcher(CONFIG) as fetcher:
        first = await fetcher.fetch(FetchRequest(url), now=NOW)
        second = await fetcher.fetch(FetchRequest(url, etag='"t1"'), now=NOW)
    assert (first.kind, first.body, first.etag) == (FetchKind.OK, FEED, '"t1"')
    assert second.kind == FetchKind.NOT_MODIFIED


def test_the_tls_context_is_made_once_and_verifies() -> None:
    context = transport_mod.tls_context()
    assert transport_mod.tls_context() is context
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
