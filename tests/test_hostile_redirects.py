"""Redirects (issue 15, item 8): never from a public host into a private network or out
of the web, and every error after a redirect names where it went.

httpx.MockTransport plays the public internet (there is none here); the transport's
``network_stream`` extension, which the real transport sets, tells the address a name
resolved to. The real loopback server checks that a feed configured on loopback itself
(the tests, the demo) still follows its redirects.
"""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from chipwatch.config import PollConfig
from chipwatch.ingest.guard import host_is_private
from chipwatch.ingest.http import Fetcher
from chipwatch.ingest.types import FetchKind, FetchRequest
from tests.faultserver import FaultServer, rss

NOW = datetime(2025, 7, 16, 12, 0, tzinfo=UTC)
FEED = rss("Redirects", [("r1", "ASML ships a scanner", "One more.")])
ORIGIN = "https://news.example/feed.xml"
CONFIG = PollConfig(timeout=5.0, connect_timeout=2.0)


class Peer:
    """Stands in for httpcore's network stream: only the server's address."""

    def __init__(self, address: str) -> None:
        self.address = address

    def get_extra_info(self, name: str) -> object:
        return (self.address, 443) if name == "server_addr" else None


class Web:
    """A tiny public internet: URL → (status, headers, body, address it resolved to)."""

    def __init__(self, routes: dict[str, tuple[int, dict[str, str], bytes, str | None]]) -> None:
        self.routes = routes
        self.requested: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        self.requested.append(url)
        status, headers, body, address = self.routes.get(url, (404, {}, b"", None))
        extensions = {"network_stream": Peer(address)} if address else {}
        return httpx.Response(status, headers=headers, content=body, extensions=extensions)


async def fetch(web: Web, url: str = ORIGIN):
    async with Fetcher(CONFIG, transport=httpx.MockTransport(web)) as fetcher:
        return await fetcher.fetch(FetchRequest(url), now=NOW)


PRIVATE_TARGETS = [
    "http://127.0.0.1:8080/admin",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.7/internal.xml",
    "http://192.168.1.1/",
    "http://localhost/feed.xml",
    "http://intranet.localhost/feed.xml",
    "http://[::1]/feed.xml",
    "http://[::ffff:127.0.0.1]/feed.xml",
    "http://2130706433/feed.xml",  # 127.0.0.1 as one number: getaddrinfo takes it
    "http://127.1/feed.xml",
    "http://0x7f.1/feed.xml",
]


@pytest.mark.parametrize("target", PRIVATE_TARGETS)
async def test_redirect_from_public_host_into_private_network_is_refused(target: str) -> None:
    web = Web({ORIGIN: (302, {"location": target}, b"", "93.184.216.34")})
    result = await fetch(web)
    assert result.kind == FetchKind.ERROR
    assert "refused a redirect" in (result.error or "") and target in (result.error or "")
    assert web.requested == [ORIGIN]  # the private address was never asked


@pytest.mark.parametrize(
    "target", ["file:///etc/passwd", "ftp://files.example/feed.xml", "gopher://old.example/"]
)
async def test_redirect_to_a_non_web_address_is_refused(target: str) -> None:
    web = Web({ORIGIN: (301, {"location": target}, b"", "93.184.216.34")})
    result = await fetch(web)
    assert result.kind == FetchKind.ERROR
    assert result.error == f"refused a redirect to a non-web address: {target}"
    assert web.requested == [ORIGIN]


async def test_public_name_that_resolves_to_a_private_address_is_refused_by_its_connection() -> (
    None
):
    target = "https://cdn.news.example/feed.xml"
    web = Web(
        {
            ORIGIN: (302, {"location": target}, b"", "93.184.216.34"),
            target: (200, {"content-type": "application/rss+xml"}, FEED, "10.1.2.3"),
        }
    )
    result = await fetch(web)
    assert result.kind == FetchKind.ERROR and result.body == b""
    assert result.error == (
        f"refused a redirect from a public address into a private network: {target} (10.1.2.3)"
    )


async def test_public_to_public_redirect_is_followed() -> None:
    target = "https://mirror.example/feed.xml"
    web = Web(
        {
            ORIGIN: (301, {"location": target}, b"", "93.184.216.34"),
            target: (200, {"content-type": "application/rss+xml"}, FEED, "151.101.1.69"),
        }
    )
    result = await fetch(web)
    assert result.kind == FetchKind.OK and result.body == FEED
    assert result.moved_to == target


async def test_error_after_a_redirect_names_where_it_went() -> None:
    target = "https://mirror.example/gone.xml"
    web = Web({ORIGIN: (302, {"location": target}, b"", "93.184.216.34")})
    result = await fetch(web)
    assert result.error == f"HTTP 404 Not Found: no feed at this address (redirected to {target})"


async def test_too_many_redirects_names_the_last_one() -> None:
    hops = {
        f"https://news.example/{n}": (
            302,
            {"location": f"https://news.example/{n + 1}"},
            b"",
            "93.184.216.34",
        )
        for n in range(10)
    }
    result = await fetch(Web(hops), "https://news.example/0")
    assert result.error == (
        "too many redirects (more than 5) (redirected to https://news.example/6)"
    )


async def test_loopback_feed_still_follows_its_redirects_and_names_them() -> None:
    with FaultServer(NOW) as server:
        server.redirect("/old.xml", server.url("/feed.xml"))
        server.body("/feed.xml", FEED)
        server.redirect("/lost.xml", "/missing.xml")
        async with Fetcher(CONFIG) as fetcher:
            ok = await fetcher.fetch(FetchRequest(server.url("/old.xml")), now=NOW)
            lost = await fetcher.fetch(FetchRequest(server.url("/lost.xml")), now=NOW)
    assert ok.kind == FetchKind.OK and ok.body == FEED
    assert lost.error == (
        f"HTTP 404 Not Found: no feed at this address (redirected to {server.url('/missing.xml')})"
    )


@pytest.mark.parametrize(
    ("host", "private"),
    [
        ("news.example", None),
        ("93.184.216.34", False),
        ("2606:4700::1111", False),
        ("fe80::1", True),
        ("0.0.0.0", True),
        ("LOCALHOST.", True),
        ("1e100.net", None),
        ("123.abc", None),
    ],
)
def test_host_is_private_reads_literal_addresses_only(host: str, private: bool | None) -> None:
    assert host_is_private(host) is private
