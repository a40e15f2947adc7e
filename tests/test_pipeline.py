"""The ingest pipeline end to end against a loopback server and a real store."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from chipwatch.config import Config, FeedConfig, PollConfig, WatchConfig
from chipwatch.pipeline.poller import poll_once
from chipwatch.store.db import open_db
from chipwatch.store.queries import list_feeds
from tests.feedserver import FeedServer

DATA = Path(__file__).parent / "data" / "feeds"
NOW = datetime(2025, 7, 16, 12, 0, tzinfo=UTC)
POLL = PollConfig(timeout=5.0, connect_timeout=2.0, workers=1, max_bytes=1024 * 1024)


def config_for(*urls: str, **extra: Any) -> Config:
    feeds = tuple(FeedConfig(url=u, name=f"feed {n}") for n, u in enumerate(urls))
    return Config(poll=POLL, feeds=feeds, **extra)


def run(db_path: Path, config: Config, now: datetime = NOW) -> tuple[Any, list[dict]]:
    events: list[dict] = []
    report = poll_once(
        db_path, config, now=now, on_event=events.append, rng=random.Random(7), notify=False
    )
    return report, events


@pytest.fixture
def server():
    with FeedServer() as feed_server:
        yield feed_server


def test_first_poll_stores_articles_and_second_is_conditional(
    server: FeedServer, db_path: Path
) -> None:
    url = server.add("/a.xml", (DATA / "rss_basic.xml").read_bytes(), etag='"a1"')
    report, events = run(db_path, config_for(url))
    assert report.count("ok") == 1 and report.new_articles == 3
    kinds = [e["type"] for e in events]
    # A first import is grouped once, at the round's end: its article lines name no
    # story, and the story lines follow the feed's line.
    assert kinds[:4] == ["article", "article", "article", "feed"]
    assert all(e["story"] is None for e in events if e["type"] == "article")
    stories = [e for e in events if e["type"] == "story"]
    assert kinds[4:] == ["story"] * len(stories) and stories
    story = stories[0]
    assert story["new"] and story["languages"] == ["en"] and story["articles"] == 1
    report2, _ = run(db_path, config_for(url), NOW + timedelta(minutes=20))
    assert report2.count("not_modified") == 1 and report2.new_articles == 0
    assert server.hits_for("/a.xml")[-1].headers.get("if-none-match") == '"a1"'
    db = open_db(db_path)
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 3
    feed = list_feeds(db)[0]
    assert feed.last_status == "not_modified" and feed.etag == '"a1"'


def test_unchanged_body_is_not_parsed_again(server: FeedServer, db_path: Path) -> None:
    url = server.add("/a.xml", (DATA / "rss_basic.xml").read_bytes())  # no validators
    run(db_path, config_for(url))
    report, events = run(db_path, config_for(url), NOW + timedelta(hours=1))
    assert report.count("unchanged") == 1
    assert not [e for e in events if e["type"] == "article"]


def test_edited_headline_updates_not_duplicates(server: FeedServer, db_path: Path) -> None:
    body = (DATA / "rss_basic.xml").read_bytes()
    url = server.add("/a.xml", body)
    run(db_path, config_for(url))
    edited = body.replace(b"adds a second 3 nm line", b"confirms a second 3 nm line")
    server.add("/a.xml", edited)
    report, _ = run(db_path, config_for(url), NOW + timedelta(hours=1))
    assert report.new_articles == 0 and report.outcomes[0].updated_articles == 1
    db = open_db(db_path)
    titles = [r[0] for r in db.execute("SELECT title FROM articles ORDER BY id")]
    assert len(titles) == 3 and titles[0] == "Foundry confirms a second 3 nm line in Arizona"


def test_failures_are_isolated_and_recorded(server: FeedServer, db_path: Path) -> None:
    good = server.add("/good.xml", (DATA / "rss_basic.xml").read_bytes())
    bad = server.add("/bad.xml", status=500)
    html = server.add(
        "/page.html", b"<!doctype html><html><body>hello</body></html>", content_type="text/html"
    )
    report, events = run(db_path, config_for(good, bad, html))
    assert report.count("ok") == 1 and report.count("failed") == 2
    errors = {e["url"]: e["error"] for e in events if e["type"] == "feed_error"}
    assert "HTTP 500" in errors[bad] and "HTML page" in errors[html]
    db = open_db(db_path)
    states = {f.url: f for f in list_feeds(db)}
    assert states[bad].error_count == 1 and states[bad].last_status == "error"
    assert states[good].error_count == 0
    # backoff: the failing feed is not due again at the normal interval's start
    assert states[bad].next_poll_at and states[bad].next_poll_at > "2025-07-16T12:14:00Z"


def test_retry_after_skips_the_feed_next_time(server: FeedServer, db_path: Path) -> None:
    url = server.add("/busy.xml", status=429, retry_after="3600")
    report, _ = run(db_path, config_for(url))
    assert report.outcomes[0].retry_at == "2025-07-16T13:00:00Z"
    report2, _ = run(db_path, config_for(url), NOW + timedelta(minutes=5))
    assert report2.count("skipped") == 1
    assert len(server.hits_for("/busy.xml")) == 1


def test_gone_disables_the_feed(server: FeedServer, db_path: Path) -> None:
    url = server.add("/old.xml", status=410)
    run(db_path, config_for(url))
    report, _ = run(db_path, config_for(url), NOW + timedelta(days=1))
    assert report.outcomes == []
    feed = list_feeds(open_db(db_path))[0]
    assert feed.last_status == "disabled" and "410" in (feed.disabled_reason or "")


def test_permanent_redirect_moves_the_stored_url(server: FeedServer, db_path: Path) -> None:
    new = server.add("/new.xml", (DATA / "rss_basic.xml").read_bytes(), etag='"n"')
    old = server.add("/old.xml", status=301, location="/new.xml")
    report, _ = run(db_path, config_for(old))
    assert report.outcomes[0].moved_to == new
    report2, _ = run(db_path, config_for(old), NOW + timedelta(hours=1))
    assert report2.count("not_modified") == 1
    assert server.hits_for("/old.xml").__len__() == 1  # the second poll went to the new URL
    feeds = list_feeds(open_db(db_path))
    assert [f.url for f in feeds] == [new]


def test_feed_hint_lengthens_interval(server: FeedServer, db_path: Path) -> None:
    url = server.add(
        "/a.xml", (DATA / "rss_basic.xml").read_bytes(), headers={"Cache-Control": "max-age=7200"}
    )
    run(db_path, config_for(url))
    feed = list_feeds(open_db(db_path))[0]
    assert feed.next_poll_at == "2025-07-16T14:00:00Z"  # max-age beats 15m and ttl 30m


def test_watch_alert_end_to_end(tmp_path: Path, db_path: Path) -> None:
    body = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
    <item><title>NVIDIA may resume H20 shipments under a new export licence</title>
    <link>https://news.example/h20</link><guid>n-1</guid>
    <pubDate>Tue, 15 Jul 2025 08:00:00 GMT</pubDate>
    <description>The US government signalled it will grant licences.</description></item>
    </channel></rss>"""
    path = tmp_path / "h20.xml"
    path.write_bytes(body)
    watch = WatchConfig(name="H20 watch", query="@H20")
    config = dataclasses.replace(config_for(str(path)), watches=(watch,))
    report, events = run(db_path, config)
    alerts = [e for e in events if e["type"] == "alert"]
    assert report.new_articles == 1 and report.new_stories == 1
    assert alerts and alerts[0]["watch"] == "H20 watch" and alerts[0]["url"]
    assert alerts[0]["story"] and "H20" in alerts[0]["title"]
    article = next(e for e in events if e["type"] == "article")
    assert "H20" in article["entities"] and article["story"] is None  # a first import
    placed = open_db(db_path).execute("SELECT story_id FROM articles WHERE id = ?", [article["id"]])
    assert placed.fetchone()[0] == alerts[0]["story"]
