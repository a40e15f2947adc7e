"""``chipwatch poll`` forever: each feed on its own schedule.

A feed's next poll is scheduled only when its previous one ended (it is never polled
twice at once). SIGINT/SIGTERM stop between transactions; SIGUSR1 polls every feed
now (the monitor's ``r`` key). A change to the config file is picked up on the next
tick; an invalid edit is reported and the last good config kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from chipwatch.config import Config, ConfigError, load_config
from chipwatch.errors import WorkFailed
from chipwatch.pipeline.feed_tasks import waiting
from chipwatch.pipeline.poller import EventSink, Poller
from chipwatch.store import queries

MAX_SLEEP = 60.0  # seconds: the loop looks at the schedule and the config at least this often
HEALTH_EVERY = timedelta(minutes=5)

Clock = Callable[[], datetime]


@dataclass
class Signals:
    """What the outside world asked for: stop, or poll everything now."""

    stop: asyncio.Event = field(default_factory=asyncio.Event)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    tick: asyncio.Event = field(default_factory=asyncio.Event)
    fatal: BaseException | None = None  # a store failure that ends the loop

    def request_stop(self) -> None:
        self.stop.set()
        self.tick.set()

    def request_poll_all(self) -> None:
        self.wake.set()
        self.tick.set()


def install_signal_handlers(signals: Signals) -> Callable[[], None]:
    """SIGINT/SIGTERM → stop (twice: cancel at once); SIGUSR1 → poll all. Returns an undo."""
    loop = asyncio.get_running_loop()
    main = asyncio.current_task()

    def on_stop() -> None:
        if signals.stop.is_set() and main is not None:
            main.cancel()
        signals.request_stop()

    installed = []
    for number, handler in (
        (signal.SIGINT, on_stop),
        (signal.SIGTERM, on_stop),
        (signal.SIGUSR1, signals.request_poll_all),
    ):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(number, handler)
            installed.append(number)

    def undo() -> None:
        for number in installed:
            loop.remove_signal_handler(number)

    return undo


async def run_forever(
    db_path: Path | str,
    config: Config,
    *,
    signals: Signals,
    clock: Clock,
    on_event: EventSink | None = None,
    config_path: Path | None = None,
    rng: random.Random | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    max_sleep: float = MAX_SLEEP,
) -> None:
    """Poll until ``signals.stop``; restarts its poller when the config file changes."""
    sink = on_event or (lambda event: None)
    watcher = _ConfigWatcher(config_path, config, sink)
    while not signals.stop.is_set():
        async with Poller(
            db_path, watcher.config, on_event=sink, rng=rng, transport=transport, stop=signals.stop
        ) as poller:
            await _schedule(poller, signals, clock, watcher, max_sleep)
    if signals.fatal is not None:
        raise signals.fatal


async def _schedule(
    poller: Poller, signals: Signals, clock: Clock, watcher: _ConfigWatcher, max_sleep: float
) -> None:
    in_flight: dict[int, asyncio.Task[Any]] = {}
    await poller.sync(clock())
    last_health: datetime | None = None
    finished = False
    try:
        while not signals.stop.is_set():
            if watcher.changed():
                return
            now = clock()
            everything = signals.wake.is_set()
            signals.wake.clear()
            for feed, identity in await poller.feeds(due_at=None if everything else now):
                if feed.id in in_flight or waiting(feed, now):
                    continue
                task = asyncio.create_task(
                    poller.poll_feed(feed, identity, now=now, stop=signals.stop)
                )
                in_flight[feed.id] = task
                task.add_done_callback(_finisher(in_flight, feed.id, signals, poller.on_event))
            finished = finished or bool(in_flight)
            if not in_flight and (
                finished or last_health is None or now - last_health >= HEALTH_EVERY
            ):
                await poller.settle(now)  # the round's stories, then its alerts
                await poller.check_health(now)
                last_health, finished = now, False
            await _sleep(signals, await _until_next(poller, clock, max_sleep))
    finally:
        for task in in_flight.values():
            task.cancel()
        await asyncio.gather(*in_flight.values(), return_exceptions=True)


def _finisher(
    in_flight: dict[int, asyncio.Task[Any]], feed_id: int, signals: Signals, sink: EventSink
) -> Callable[[asyncio.Task[Any]], None]:
    def done(task: asyncio.Task[Any]) -> None:
        in_flight.pop(feed_id, None)
        signals.tick.set()
        error = None if task.cancelled() else task.exception()
        if isinstance(error, WorkFailed):  # the store is unusable: stop, report, exit 1
            signals.fatal = error
            signals.request_stop()
        elif error is not None:
            sink({"type": "warning", "message": f"feed {feed_id}: {type(error).__name__}: {error}"})

    return done


async def _until_next(poller: Poller, clock: Clock, max_sleep: float) -> float:
    due = await poller.write(lambda: queries.next_due_at(poller.services.conn))
    if due is None:
        return max_sleep
    return min(max((due - clock()).total_seconds(), 0.05), max_sleep)


async def _sleep(signals: Signals, seconds: float) -> None:
    signals.tick.clear()
    if signals.stop.is_set() or signals.wake.is_set():  # arrived while we were busy
        return
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await signals.tick.wait()


class _ConfigWatcher:
    """Notices edits of the config file (by `feeds add`, the monitor or the user)."""

    def __init__(self, path: Path | None, config: Config, sink: EventSink) -> None:
        self.path = path
        self.config = config
        self.sink = sink
        self.stamp = self._stamp()

    def _stamp(self) -> tuple[int, int] | None:
        try:
            stat = self.path.stat() if self.path else None
        except OSError:
            return None
        return (stat.st_mtime_ns, stat.st_size) if stat else None

    def changed(self) -> bool:
        stamp = self._stamp()
        if stamp == self.stamp or self.path is None:
            return False
        self.stamp = stamp
        try:
            self.config = load_config(self.path)
        except ConfigError as exc:
            self.sink({"type": "warning", "message": f"config not reloaded: {exc}"})
            return False
        self.sink(
            {"type": "config", "message": f"reloaded {self.path}", "feeds": len(self.config.feeds)}
        )
        return True
