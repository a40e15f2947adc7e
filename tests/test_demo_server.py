"""The demo feed server over real HTTP on 127.0.0.1, driven by an injected replay clock:
releases, ETag/Last-Modified with real 304s, the failing feed, article pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime

import feedparser
import httpx
import pytest

from chipwatch.config import PollConfig
from chipwatch.demo import render
from chipwatch.demo.content import ANCHOR, load_outlets
from chipwatch.demo.server import DemoServer, ReplayClock
from chipwatch.ingest.http import Fetcher
from chipwatch.ingest.types import FetchKind, FetchRequest

START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


class FakeClock:
    """A replay clock the test moves by hand."""

    def __init__(self, elapsed: float = 0.0, speed: float = 1.0) -> None:
        self.start_wall = START
        self.now = elapsed
        self.speed = speed

    def elapsed(self) -> float:
        return self.now

    def wall_at(self, replay_seconds: float) -> datetime:
        return self.start_wall + timedelta(seconds=replay_seconds / self.speed)


def _outlet(outlet_id: str):
    return next(o for o in load_outlets() if o.id == outlet_id)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def server(clock: FakeClock):
    with DemoServer(clock) as running:
        yield running


def _get(url: str, **headers: str) -> httpx.Response:
    return httpx.get(url, headers=headers, timeout=5)


def test_a_feed_lists_only_what_is_released(server: DemoServer, clock: FakeClock) -> None:
    wire = _outlet("wire-en")
    first = feedparser.parse(_get(server.feed_url(wire)).content)
    at_start = {a.title for a in wire.articles if a.release == 0}
    assert {e.title for e in first.entries} == at_start
    assert any("resume H20" in title for title in at_start)  # the story the demo opens on
    clock.now = 4.5
    later = feedparser.parse(_get(server.feed_url(wire)).content)
    assert len(later.entries) == len(at_start) + 1
    assert any("Malaysia" in e.title for e in later.entries)


def test_unchanged_feed_answers_304_to_its_etag(server: DemoServer, clock: FakeClock) -> None:
    url = server.feed_url(_outlet("xinpian-zh"))
    first = _get(url)
    assert first.status_code == 200
    assert first.headers["content-type"].startswith("application/rss+xml")
    etag = first.headers["etag"]
    again = _get(url, **{"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    clock.now = 6  # the Chinese H20 report is released
    changed = _get(url, **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert "H20" in changed.text


def test_last_modified_moves_with_releases(server: DemoServer, clock: FakeClock) -> None:
    url = server.feed_url(_outlet("handotai-ja"))
    first = _get(url)
    modified = first.headers["last-modified"]
    assert parsedate_to_datetime(modified) == START
    assert _get(url, **{"If-Modified-Since": modified}).status_code == 304
    clock.now = 16  # one article was released at 15
    newer = _get(url, **{"If-Modified-Since": modified})
    assert newer.status_code == 200
    assert parsedate_to_datetime(newer.headers["last-modified"]) == START + timedelta(seconds=15)


def test_if_none_match_wins_over_if_modified_since(server: DemoServer) -> None:
    url = server.feed_url(_outlet("noticias-es"))
    later = format_datetime(START + timedelta(days=1), usegmt=True)
    answer = _get(url, **{"If-None-Match": '"stale"', "If-Modified-Since": later})
    assert answer.status_code == 200


def test_the_failing_feed_answers_500_after_its_time(server: DemoServer, clock: FakeClock) -> None:
    policy = _outlet("policy-en")
    assert _get(server.feed_url(policy)).status_code == 200
    clock.now = policy.fails_after
    broken = _get(server.feed_url(policy))
    assert broken.status_code == 500
    assert server.site.requests[(render.feed_path(policy), 500)] == 1
    # the other feeds keep working
    assert _get(server.feed_url(_outlet("wire-en"))).status_code == 200


def test_published_dates_are_shifted_so_the_anchor_is_the_start(server: DemoServer) -> None:
    depeche = _outlet("depeche-fr")
    parsed = feedparser.parse(_get(server.feed_url(depeche)).content)
    article = next(a for a in depeche.articles if a.release == 0)
    entry = next(e for e in parsed.entries if e.id == article.guid)
    shown = datetime(*entry.published_parsed[:6], tzinfo=UTC)
    assert shown == article.published + (START - ANCHOR)
    assert all(datetime(*e.published_parsed[:6], tzinfo=UTC) <= START for e in parsed.entries)


def test_atom_feeds_carry_their_language(server: DemoServer) -> None:
    response = _get(server.feed_url(_outlet("techhebdo-fr")))
    assert response.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(response.content)
    assert parsed.version == "atom10"
    assert parsed.feed.language == "fr"


def test_wire_links_carry_tracking_parameters_and_pages_open(
    server: DemoServer, clock: FakeClock
) -> None:
    wire = _outlet("wire-en")
    entry = feedparser.parse(_get(server.feed_url(wire)).content).entries[0]
    assert "utm_source=rss" in entry.link
    page = _get(entry.link)
    assert page.status_code == 200 and entry.title.replace("'", "&#x27;") in page.text
    unreleased = next(a for a in wire.articles if a.release > 0)
    assert _get(server.base_url + render.article_path(unreleased)).status_code == 404
    clock.now = unreleased.release
    assert _get(server.base_url + render.article_path(unreleased)).status_code == 200


def test_index_and_opml_list_every_feed(server: DemoServer) -> None:
    index = _get(server.base_url + "/")
    opml = _get(server.base_url + "/feeds.opml")
    for outlet in load_outlets():
        assert server.feed_url(outlet) in index.text
        assert server.feed_url(outlet) in opml.text
    assert _get(server.base_url + "/nothing-here").status_code == 404


async def test_chipwatch_fetcher_gets_not_modified_on_second_poll(server: DemoServer) -> None:
    url = server.feed_url(_outlet("halbleiter-de"))
    async with Fetcher(PollConfig()) as fetcher:
        first = await fetcher.fetch(FetchRequest(url), now=START)
        assert first.kind == FetchKind.OK and first.etag
        second = await fetcher.fetch(
            FetchRequest(url, etag=first.etag, last_modified=first.last_modified), now=START
        )
    assert second.kind == FetchKind.NOT_MODIFIED


def test_stop_closes_the_port(clock: FakeClock) -> None:
    server = DemoServer(clock).start()
    url = server.feed_url(_outlet("wire-en"))
    assert _get(url).status_code == 200
    server.stop()
    server.stop()  # idempotent
    with pytest.raises(httpx.ConnectError):
        _get(url)


def test_replay_clock_scales_elapsed_time_by_speed() -> None:
    ticks = iter([100.0, 103.0])
    clock = ReplayClock(speed=4, start_wall=START, monotonic=lambda: next(ticks))
    assert clock.elapsed() == 12.0
    assert clock.wall_at(12.0) == START + timedelta(seconds=3)
    with pytest.raises(ValueError):
        ReplayClock(speed=0)
