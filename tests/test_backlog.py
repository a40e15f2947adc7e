"""Backpressure: a slow store writer stops fetching instead of queueing parsed feeds."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest

from chipwatch.config import Config, FeedConfig, PollConfig
from chipwatch.pipeline.backlog import Backlog
from chipwatch.pipeline.poller import Poller
from tests.faultserver import rss
from tests.feedserver import FeedServer
from tests.test_pipeline import NOW

FEEDS = 30
POLL = PollConfig(
    timeout=10.0, connect_timeout=5.0, workers=1, concurrency=2, per_host=2, max_bytes=1 << 20
)


async def _until(condition: Any, what: str) -> None:
    for _ in range(2000):  # a generous deadline: 20 s
        if condition():
            return
        await asyncio.sleep(0.01)
    pytest.fail(f"never reached: {what}")


async def test_slow_writer_holds_fetching_to_the_backlog_limit(tmp_path: Path) -> None:
    """The regression: every feed's task fetched and parsed at once while the single
    writer lagged, and parsed feeds queued for it without limit (1.4 GB at 50k)."""
    with FeedServer() as server:
        urls = []
        for n in range(FEEDS):
            item = (f"g{n}", f"Headline {n} about wafers", "A summary.")
            urls.append(server.add(f"/f{n}.xml", rss(f"Feed {n}", [item])))
        config = Config(poll=POLL, feeds=tuple(FeedConfig(url=u) for u in urls))
        gate = threading.Event()
        async with Poller(tmp_path / "store.db", config, notify=False) as poller:
            limit = poller._backlog.limit
            assert limit == Backlog.limit_for(2, 1) < FEEDS
            ingest = poller._ingest

            def slow_ingest(*args: Any) -> Any:
                gate.wait(60)  # the writer is stuck on its first feed
                return ingest(*args)

            poller._ingest = slow_ingest  # type: ignore[method-assign]
            await poller.sync(NOW)
            feeds = await poller.feeds()
            round_ = asyncio.ensure_future(poller.poll_round(feeds, now=NOW))
            semaphore = poller._backlog._semaphore()
            waiting = lambda: len(getattr(semaphore, "_waiters", None) or ())  # noqa: E731
            try:
                await _until(lambda: len(server.hits) >= limit, "the admitted feeds fetched")
                await _until(lambda: waiting() == FEEDS - limit, "the other feeds wait")
                assert len(server.hits) == limit  # nothing fetched past the backlog
            finally:
                gate.set()
            report = await round_
        assert report.count("ok") == FEEDS
        assert poller._backlog.peak == limit
        assert len(server.hits) == FEEDS
