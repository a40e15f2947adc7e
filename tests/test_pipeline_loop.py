"""The forever loop in-process: schedules, config reload, stop."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from chipwatch.config import load_config
from chipwatch.config.editor import add_feeds
from chipwatch.pipeline.loop import Signals, run_forever

DATA = Path(__file__).parent / "data" / "feeds"


async def next_event(queue: asyncio.Queue[dict[str, Any]], wanted) -> dict[str, Any]:
    while True:
        event = await asyncio.wait_for(queue.get(), timeout=30)
        if wanted(event):
            return event


def start_loop(
    tmp_path: Path,
) -> tuple[Path, asyncio.Queue[dict[str, Any]], Signals, asyncio.Task[None]]:
    """A forever loop over a config of one local feed: (config path, events, signals, task)."""
    config_path = tmp_path / "config.toml"
    config_path.write_text(
        f'[poll]\nworkers = 1\n\n[[feeds]]\nurl = "{DATA / "rss_basic.xml"}"\n', encoding="utf-8"
    )
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    signals = Signals()
    task = asyncio.create_task(
        run_forever(
            tmp_path / "s.db",
            load_config(config_path),
            signals=signals,
            clock=lambda: datetime.now(UTC),
            on_event=queue.put_nowait,
            config_path=config_path,
            rng=random.Random(1),
            max_sleep=0.2,
        )
    )
    return config_path, queue, signals, task


async def test_loop_picks_up_a_feed_added_to_the_config(tmp_path: Path) -> None:
    config_path, queue, signals, task = start_loop(tmp_path)
    try:
        first = await next_event(queue, lambda e: e["type"] == "feed")
        assert first["new"] == 3
        add_feeds(config_path, [{"url": str(DATA / "atom_fr.xml")}])
        await next_event(queue, lambda e: e["type"] == "config")
        added = await next_event(
            queue, lambda e: e["type"] == "feed" and e["url"].endswith("atom_fr.xml")
        )
        assert added["status"] == "ok" and added["new"] == 2
        signals.request_stop()
        await asyncio.wait_for(task, timeout=30)
    finally:
        task.cancel()


async def test_invalid_config_edit_keeps_the_last_good_one(tmp_path: Path) -> None:
    config_path, queue, signals, task = start_loop(tmp_path)
    try:
        await next_event(queue, lambda e: e["type"] == "feed")
        config_path.write_text("[poll\nbroken", encoding="utf-8")
        warning = await next_event(queue, lambda e: e["type"] == "warning")
        assert "config not reloaded" in warning["message"] and "config.toml:1" in warning["message"]
        signals.request_stop()
        await asyncio.wait_for(task, timeout=30)
    finally:
        task.cancel()
