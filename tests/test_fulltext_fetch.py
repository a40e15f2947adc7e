"""Fetching an article's page (ingest/pages.load_page) with the feed fetcher: a real
server on 127.0.0.1 for the politeness, limits and conditional GET; httpx.MockTransport
playing the public internet for what a public feed's pages may not reach."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from chipwatch.config import PollConfig
from chipwatch.ingest.pages import extractor_name, load_page
from chipwatch.model import ArticleText, TextStatus
from tests.feedserver import FeedServer
from tests.test_hostile_redirects import Web

NOW = datetime(2025, 7, 16, 12, 0, tzinfo=UTC)
CONFIG = PollConfig(timeout=10.0, connect_timeout=5.0, user_agent="chipwatch-test/1 (+reader)")
PAGE = (Path(__file__).resolve().parent / "data" / "pages" / "en-wire.html").read_bytes()
HTML = "text/html; charset=utf-8"
LEAD = "Nvidia said on Tuesday it had been assured by the U.S. government"


@pytest.fixture
def server():
    with FeedServer() as running:
        yield running


def load(url: str, feed_url: str, cached: ArticleText | None = None, **kwargs) -> ArticleText:
    return load_page(CONFIG, url, feed_url=feed_url, cached=cached, now=NOW, **kwargs)


def test_a_page_is_fetched_as_html_with_our_user_agent_and_read(server) -> None:
    url = server.add("/tech/h20", PAGE, content_type=HTML, etag='"p1"')
    text = load(url, server.url("/feed.xml"))
    assert text.status == TextStatus.OK and LEAD in text.text
    assert "214 partners use cookies" not in text.text
    assert (text.etag, text.http_status, text.extractor) == ('"p1"', 200, extractor_name())
    (hit,) = server.hits_for("/tech/h20")
    assert hit.headers["user-agent"] == CONFIG.user_agent
    assert hit.headers["accept"].startswith("text/html")


def test_a_cached_page_is_asked_for_conditionally_and_a_304_keeps_its_text(server) -> None:
    url = server.add("/tech/h20", PAGE, content_type=HTML, etag='"p1"')
    first = load(url, server.url("/feed.xml"))
    again = load(url, server.url("/feed.xml"), cached=first)
    hits = server.hits_for("/tech/h20")
    assert "if-none-match" not in hits[0].headers
    assert hits[1].headers["if-none-match"] == '"p1"'
    assert again.http_status == 304 and again.text == first.text and again.ok


def test_text_from_another_extractor_is_fetched_whole_again(server) -> None:
    url = server.add("/tech/h20", PAGE, content_type=HTML, etag='"p1"')
    old = dataclasses.replace(load(url, server.url("/feed.xml")), extractor="trafilatura 1.0")
    again = load(url, server.url("/feed.xml"), cached=old)
    assert "if-none-match" not in server.hits_for("/tech/h20")[1].headers
    assert again.http_status == 200 and again.extractor == extractor_name()


def test_a_huge_page_is_refused_at_the_page_cap_not_the_feed_cap(server) -> None:
    url = server.add("/huge", size=8 * 1024 * 1024, content_type=HTML)
    text = load(url, server.url("/feed.xml"))
    assert text.status == TextStatus.ERROR
    assert text.error == "page too large: over 5 MiB"


def test_a_missing_page_says_page_not_feed(server) -> None:
    text = load(server.url("/nowhere"), server.url("/feed.xml"))
    assert text.status == TextStatus.ERROR and "no page at this address" in (text.error or "")


def test_a_page_link_that_is_no_web_address_is_never_fetched() -> None:
    text = load("file:///etc/passwd", "https://news.example/feed.xml")
    assert text.status == TextStatus.ERROR and text.error == "not a web address: file:///etc/passwd"


PUBLIC_FEED = "https://news.example/feed.xml"
PUBLIC_PAGE = "https://news.example/2025/h20"


@pytest.mark.parametrize(
    "target", ["http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:8080/admin"]
)
def test_a_public_feeds_page_link_into_a_private_network_is_refused_unasked(target: str) -> None:
    web = Web({})
    text = load(target, PUBLIC_FEED, transport=httpx.MockTransport(web))
    assert text.error == f"refused a page on a private network address: {target}"
    assert web.requested == []


def test_a_public_page_redirecting_into_a_private_network_is_refused() -> None:
    target = "http://10.0.0.7/internal"
    web = Web(
        {
            PUBLIC_PAGE: (302, {"location": target}, b"", "93.184.216.34"),
            target: (200, {"content-type": HTML}, PAGE, "10.0.0.7"),
        }
    )
    text = load(PUBLIC_PAGE, PUBLIC_FEED, transport=httpx.MockTransport(web))
    assert text.status == TextStatus.ERROR
    assert "refused a redirect from a public address into a private network" in (text.error or "")
    assert web.requested == [PUBLIC_PAGE]


def test_a_public_name_that_resolves_to_a_private_address_is_refused() -> None:
    web = Web({PUBLIC_PAGE: (200, {"content-type": HTML}, PAGE, "192.168.1.20")})
    text = load(PUBLIC_PAGE, PUBLIC_FEED, transport=httpx.MockTransport(web))
    assert (
        text.error == f"refused a page on a private network address: {PUBLIC_PAGE} (192.168.1.20)"
    )


def test_a_feed_on_an_intranet_name_reads_its_intranet_pages() -> None:
    page = "http://wiki/news/1"
    web = Web({page: (200, {"content-type": HTML}, PAGE, "10.1.2.3")})
    text = load(page, "http://wiki/feed.xml", transport=httpx.MockTransport(web))
    assert text.ok and LEAD in text.text
