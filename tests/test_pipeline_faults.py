"""Network and content faults in one poll: each costs only its own feed."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

from chipwatch.config import Config, FeedConfig, PollConfig
from chipwatch.pipeline.poller import poll_once
from chipwatch.store.db import open_db
from tests.feedserver import FeedServer, gzip_bomb

DATA = Path(__file__).parent / "data" / "feeds"
NOW = datetime(2025, 7, 16, 12, 0, tzinfo=UTC)


def test_every_fault_fails_only_its_own_feed(db_path: Path) -> None:
    good = (DATA / "rss_basic.xml").read_bytes()
    latin1 = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>L</title>'
        "<item><title>Régulateur café</title><link>https://l.example/1</link></item>"
        "</channel></rss>"
    ).encode("latin-1")
    with FeedServer() as server:
        expected = {
            server.add("/refused", status=200): None,  # replaced below by a closed port
            server.add("/reset", good, reset_after=50): "connection",
            server.add("/drip", good, drip=0.3): "timed out",
            server.add("/500", status=500): "HTTP 500",
            server.add("/502", status=502): "HTTP 502",
            server.add("/503", status=503, retry_after="60"): "HTTP 503",
            server.add("/429", status=429, retry_after="Wed, 16 Jul 2025 13:00:00 GMT"): "HTTP 429",
            server.add("/loop", status=302, location="/loop2"): "redirect loop",
            server.add("/big", size=3 * 1024 * 1024): "too large",
            server.add("/bomb", encoded=gzip_bomb(64 * 1024 * 1024)): "too large",
            server.add(
                "/html", b"<html><body>Not a feed</body></html>", content_type="text/html"
            ): "HTML page",
            server.add("/empty", b""): "empty",
        }
        server.add("/loop2", status=302, location="/loop")
        expected.pop(server.url("/refused"))
        with FeedServer() as closed:
            refused = closed.url("/feed")
        expected[refused] = "could not connect"
        fine = [server.add("/good", good), server.add("/latin1", latin1)]
        poll = PollConfig(
            timeout=1.5,
            connect_timeout=1.0,
            max_bytes=1024 * 1024,
            workers=1,
            per_host=16,
            concurrency=16,
        )
        config = Config(poll=poll, feeds=tuple(FeedConfig(url=u) for u in [*expected, *fine]))
        report = poll_once(db_path, config, now=NOW, rng=random.Random(5), notify=False)
    by_url = {o.url: o for o in report.outcomes}
    for url, reason in expected.items():
        assert by_url[url].status == "failed", (url, by_url[url])
        assert reason in (by_url[url].error or ""), (url, by_url[url].error)
    assert by_url[fine[0]].status == "ok" and by_url[fine[0]].new_articles == 3
    assert by_url[fine[1]].status == "ok" and by_url[fine[1]].new_articles == 1
    assert by_url[server.url("/503")].retry_at == "2025-07-16T12:01:00Z"
    assert by_url[server.url("/429")].retry_at == "2025-07-16T13:00:00Z"
    db = open_db(db_path)
    errors = db.execute("SELECT count(*) FROM feeds WHERE error_count = 1 AND last_error != ''")
    assert errors.fetchone()[0] == len(expected)
