"""Fetching against a real HTTP server on 127.0.0.1: every outcome is a value."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest

from chipwatch.config import PollConfig
from chipwatch.ingest.http import (
    Fetcher,
    FetchKind,
    FetchRequest,
    parse_max_age,
    parse_retry_after,
)
from tests.feedserver import FeedServer, gzip_bomb

DATA = Path(__file__).parent / "data" / "feeds"
NOW = datetime(2025, 7, 16, 12, 0, tzinfo=UTC)
RSS = (DATA / "rss_basic.xml").read_bytes()
CONFIG = PollConfig(timeout=5.0, connect_timeout=2.0, max_bytes=1024 * 1024)


@pytest.fixture
def server():
    with FeedServer() as feed_server:
        yield feed_server


async def fetch(url: str, config: PollConfig = CONFIG, **request: object):
    async with Fetcher(config) as fetcher:
        return await fetcher.fetch(FetchRequest(url, **request), now=NOW)  # type: ignore[arg-type]


async def test_ok_returns_body_and_validators(server: FeedServer) -> None:
    url = server.add(
        "/f.xml",
        RSS,
        etag='"v1"',
        last_modified="Tue, 15 Jul 2025 07:00:00 GMT",
        headers={"Cache-Control": "public, max-age=3600"},
    )
    result = await fetch(url)
    assert result.kind == FetchKind.OK
    assert result.body == RSS
    assert result.etag == '"v1"'
    assert result.last_modified == "Tue, 15 Jul 2025 07:00:00 GMT"
    assert result.max_age_s == 3600
    assert result.headers["content-type"].startswith("application/rss+xml")


async def test_user_agent_names_chipwatch_and_project(server: FeedServer) -> None:
    url = server.add("/f.xml", RSS)
    await fetch(url)
    agent = server.hits_for("/f.xml")[0].headers["user-agent"]
    assert agent.startswith("chipwatch/") and "https://" in agent


async def test_conditional_get_sends_validators_and_gets_304(server: FeedServer) -> None:
    url = server.add("/f.xml", RSS, etag='"v1"', last_modified="Tue, 15 Jul 2025 07:00:00 GMT")
    result = await fetch(url, etag='"v1"', last_modified="Tue, 15 Jul 2025 07:00:00 GMT")
    assert result.kind == FetchKind.NOT_MODIFIED
    assert result.body == b""
    hit = server.hits_for("/f.xml")[0]
    assert hit.headers["if-none-match"] == '"v1"'
    assert hit.headers["if-modified-since"] == "Tue, 15 Jul 2025 07:00:00 GMT"


async def test_last_modified_alone_gives_304(server: FeedServer) -> None:
    url = server.add("/f.xml", RSS, last_modified="Tue, 15 Jul 2025 07:00:00 GMT")
    result = await fetch(url, last_modified="Tue, 15 Jul 2025 07:00:00 GMT")
    assert result.kind == FetchKind.NOT_MODIFIED
    assert result.last_modified == "Tue, 15 Jul 2025 07:00:00 GMT"


async def test_gzip_body_is_decompressed(server: FeedServer) -> None:
    url = server.add("/f.xml", RSS, gzip=True)
    result = await fetch(url)
    assert result.ok and result.body == RSS


async def test_429_retry_after_seconds(server: FeedServer) -> None:
    url = server.add("/f.xml", status=429, retry_after="120")
    result = await fetch(url)
    assert result.kind == FetchKind.ERROR
    assert result.retry_after_s == 120
    assert "429" in (result.error or "")


async def test_503_retry_after_http_date(server: FeedServer) -> None:
    later = format_datetime(NOW + timedelta(hours=2), usegmt=True)
    url = server.add("/f.xml", status=503, retry_after=later)
    result = await fetch(url)
    assert result.retry_after_s == pytest.approx(7200)


async def test_500_is_an_error_with_reason(server: FeedServer) -> None:
    url = server.add("/f.xml", status=500)
    result = await fetch(url)
    assert result.kind == FetchKind.ERROR and result.status == 500
    assert "HTTP 500" in (result.error or "") and result.retry_after_s is None


async def test_410_is_gone(server: FeedServer) -> None:
    url = server.add("/f.xml", status=410)
    result = await fetch(url)
    assert result.kind == FetchKind.GONE and "410" in (result.error or "")


async def test_permanent_redirect_reports_new_url(server: FeedServer) -> None:
    new = server.add("/new.xml", RSS)
    old = server.add("/old.xml", status=301, location="/new.xml")
    result = await fetch(old)
    assert result.ok and result.body == RSS
    assert result.moved_to == new


async def test_temporary_redirect_does_not_move_the_feed(server: FeedServer) -> None:
    server.add("/new.xml", RSS)
    server.add("/hop.xml", status=308, location="/new.xml")
    old = server.add("/old.xml", status=302, location="/hop.xml")
    result = await fetch(old)
    assert result.ok and result.moved_to is None


async def test_redirect_loop_is_an_error(server: FeedServer) -> None:
    server.add("/a.xml", status=302, location="/b.xml")
    url = server.add("/b.xml", status=302, location="/a.xml")
    result = await fetch(url)
    assert result.kind == FetchKind.ERROR and "redirect loop" in (result.error or "")


async def test_redirect_limit(server: FeedServer) -> None:
    for n in range(4):
        server.add(f"/r{n}", status=302, location=f"/r{n + 1}")
    server.add("/r4", RSS)
    result = await fetch(server.url("/r0"), dataclasses.replace(CONFIG, max_redirects=2))
    assert result.kind == FetchKind.ERROR and "too many redirects" in (result.error or "")


async def test_drip_is_cut_by_total_timeout(server: FeedServer) -> None:
    url = server.add("/drip.xml", RSS, drip=0.2)
    result = await fetch(url, dataclasses.replace(CONFIG, timeout=1.0))
    assert result.kind == FetchKind.ERROR and "timed out" in (result.error or "")


async def test_oversized_body_is_cut(server: FeedServer) -> None:
    url = server.add("/big.xml", size=5 * 1024 * 1024)
    result = await fetch(url)
    assert result.kind == FetchKind.ERROR and "too large" in (result.error or "")
    assert result.body == b""


async def test_gzip_bomb_is_cut_after_decompression(server: FeedServer) -> None:
    bomb = gzip_bomb(200 * 1024 * 1024)
    assert len(bomb) < 1024 * 1024
    url = server.add("/bomb.xml", encoded=bomb)
    result = await fetch(url)
    assert result.kind == FetchKind.ERROR and "too large" in (result.error or "")


async def test_connection_refused_is_readable() -> None:
    with FeedServer() as gone:
        url = gone.url("/f.xml")
    result = await fetch(url)
    assert result.kind == FetchKind.ERROR and "could not connect" in (result.error or "")


async def test_reset_mid_body_is_readable(server: FeedServer) -> None:
    url = server.add("/f.xml", RSS, reset_after=100)
    result = await fetch(url)
    assert result.kind == FetchKind.ERROR
    assert "connection" in (result.error or "")


async def test_per_host_limit_is_respected(server: FeedServer) -> None:
    import asyncio

    urls = [server.add(f"/slow{n}.xml", RSS, delay=0.15) for n in range(6)]
    config = dataclasses.replace(CONFIG, concurrency=8, per_host=2)
    async with Fetcher(config) as fetcher:
        results = await asyncio.gather(*(fetcher.fetch(FetchRequest(u), now=NOW) for u in urls))
    assert all(r.ok for r in results)
    assert server.max_active <= 2


async def test_file_url_and_local_path(tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_bytes(RSS)
    by_url = await fetch(path.as_uri())
    by_path = await fetch(str(path))
    assert by_url.ok and by_url.body == RSS and by_path.body == RSS
    again = await fetch(path.as_uri(), last_modified=by_url.last_modified)
    assert again.kind == FetchKind.NOT_MODIFIED
    missing = await fetch(str(tmp_path / "nope.xml"))
    assert missing.kind == FetchKind.ERROR and "no such file" in (missing.error or "")


async def test_mock_transport_unit() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=RSS, headers={"ETag": '"m"'})

    async with Fetcher(CONFIG, transport=httpx.MockTransport(handler)) as fetcher:
        result = await fetcher.fetch(FetchRequest("http://feeds.test/x"), now=NOW)
    assert result.ok and result.etag == '"m"'


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("30", 30.0),
        (" 5 ", 5.0),
        ("Wed, 16 Jul 2025 12:10:00 GMT", 600.0),
        ("Wed, 16 Jul 2025 11:00:00 GMT", 0.0),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, now=NOW) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("max-age=600", 600),
        ("public, max-age=60, must-revalidate", 60),
        ("no-cache", None),
        (None, None),
        ("max-age=abc", None),
    ],
)
def test_parse_max_age(value: str | None, expected: int | None) -> None:
    assert parse_max_age(value) == expected


async def test_busy_host_does_not_starve_another(server: FeedServer) -> None:
    import asyncio

    slow = [server.add(f"/a{n}.xml", RSS, delay=0.2) for n in range(6)]
    other = server.add("/b.xml", RSS).replace("127.0.0.1", "localhost")
    config = dataclasses.replace(CONFIG, concurrency=2, per_host=1)
    async with Fetcher(config) as fetcher:
        results = await asyncio.gather(
            *(fetcher.fetch(FetchRequest(u), now=NOW) for u in [*slow, other])
        )
    assert all(r.ok for r in results)
    order = [hit.path for hit in server.hits]
    assert order.index("/b.xml") < 3  # served beside the first slow one, not after all six


async def test_redirect_without_location_is_an_error(server: FeedServer) -> None:
    url = server.add("/f.xml", RSS, status=302)
    result = await fetch(url)
    assert result.kind == FetchKind.ERROR and "without a Location" in (result.error or "")
