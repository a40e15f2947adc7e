"""The monitor notices its own poller child being killed alone, and ``r`` starts another.

Its orphaned parse workers used to keep the child's stdout pipe open, so the monitor
waited for an end of output that never came: the status bar kept saying "polled · ok"
and ``r`` did nothing. The monitor (driven by ``run_test``, its poller the real
``chipwatch poll --json`` on loopback feeds) now takes the child's exit from the
process itself. Each round kills the child's pid alone at a seeded random moment, waits
for "poller stopped" in the status bar and for the whole process tree to be gone (by
tag, through /proc), adds feeds and presses ``r``; the last poller, left alone, stores
every served article exactly once. Rounds: ``CHIPWATCH_KILL_ROUNDS`` (default 5).
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from chipwatch.config import load_config
from chipwatch.pipeline.lock import poller_running
from chipwatch.tui.app import ChipwatchApp, make_app
from tests import proctree
from tests.feedserver import FeedServer
from tests.test_reliability_orphans import GONE_WITHIN, ROUNDS, SEED, FeedSet, check_store

pytestmark = pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc")

SIZE = (120, 36)


async def wait_for(pilot, condition: Callable[[], bool], what: str, seconds: float = 60.0) -> None:
    """Let the app run until ``condition`` holds (a hang guard, not a speed assertion)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds:g}s: {what}")
        await pilot.pause(0.05)


def stored(db_path: Path) -> int:
    if not db_path.exists():
        return 0
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30) as db:
        try:
            return int(db.execute("SELECT count(*) FROM articles").fetchone()[0])
        except sqlite3.OperationalError:  # not migrated yet
            return 0


def child_running(app: ChipwatchApp) -> bool:
    poller = app.poller
    return (
        poller is not None
        and poller.process is not None
        and app.main_screen.status.poller == "polling in the background"
    )


def replaced(app: ChipwatchApp, old: int) -> bool:
    """A new child runs (not the killed one)."""
    return child_running(app) and app.poller.process.pid != old  # type: ignore[union-attr]


async def wait_for_moment(pilot, pid: int, db_path: Path, rng: random.Random, number: int) -> None:
    """Start-up, just after the workers were forked, or after some committed articles."""
    kind = number % 3
    if kind == 0:
        await pilot.pause(rng.uniform(0.05, 0.6))
    elif kind == 1:
        await wait_for(pilot, lambda: bool(proctree.descendants(pid)), "workers forked")
        await pilot.pause(rng.uniform(0.0, 0.2))
    else:
        wanted = stored(db_path) + rng.randrange(1, 200)
        await wait_for(
            pilot, lambda: stored(db_path) >= wanted or not proctree.running(pid), "articles"
        )


@pytest.mark.slow
async def test_monitor_notices_its_killed_poller_and_r_starts_another(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tag, _ = proctree.tagged_env()
    monkeypatch.setenv(proctree.TAG_NAME, tag)  # the monitor's children inherit it
    rng = random.Random(f"{SEED}-monitor")
    db_path = tmp_path / "store.db"
    try:
        with FeedServer() as server:
            feeds = FeedSet(server, tmp_path, rounds=ROUNDS + 1)
            feeds.add_round()
            app = make_app(load_config(feeds.config), feeds.config, db_path)
            async with app.run_test(size=SIZE) as pilot:
                for number in range(ROUNDS):
                    await wait_for(pilot, lambda: child_running(app), "a poller child runs")
                    assert app.poller is not None and app.poller.process is not None
                    pid = app.poller.process.pid
                    await wait_for_moment(pilot, pid, db_path, rng, number)
                    tree = proctree.descendants(pid)
                    # Under load a child started by r can find the killed one's workers
                    # still holding the poll lock and exit at once (the monitor reaps it):
                    # it is gone either way, and the monitor must say so.
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                    await wait_for(
                        pilot,
                        lambda: "poller stopped" in app.main_screen.status.poller,
                        "the status bar shows the poller stopped",
                    )
                    await wait_for(
                        pilot,
                        lambda t=tree: not proctree.survivors(tag, t),
                        "no orphan",
                        GONE_WITHIN,
                    )
                    assert not poller_running(db_path)
                    feeds.add_round()
                    await pilot.press("r")
                    await wait_for(pilot, lambda old=pid: replaced(app, old), "r started a new one")
                await wait_for(
                    pilot, lambda: stored(db_path) == len(feeds.guids), "every article", 240
                )
                await pilot.press("q")
            check_store(db_path, feeds.guids)
            assert proctree.wait_until(lambda: not proctree.live_tagged(tag), GONE_WITHIN)
    finally:
        proctree.kill_all(proctree.live_tagged(tag))
