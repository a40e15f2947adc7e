"""Notifications for alerts, sent after the ingest transaction committed.

Channels (per watch, ``notify = [...]``; one registry, :mod:`chipwatch.alerts.channels`):
``bell`` (BEL to the terminal), ``desktop`` (``notify-send`` when on PATH, else the
terminal's OSC 777 and OSC 9 notifications) and ``webhook`` (an async JSON POST with
the story, its articles and links; a time limit per attempt, retries with exponential
backoff, no redirects). Every outcome is recorded in ``deliveries``. The monitor's
alerts pane needs no channel. Only newly raised alerts notify; a story growing updates
its alert silently. Nothing here blocks ingest: callers schedule :meth:`Notifier.deliver` as a task
(:meth:`Notifier.deliver_soon`). At shutdown :meth:`Notifier.drain` waits for them, but
only ``STOP_GRACE`` seconds once a stop was asked for (SIGTERM, Ctrl-C): what is unsent
then stays ``pending`` in ``deliveries``.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
from collections.abc import Awaitable, Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar

import httpx

from chipwatch.alerts import channels
from chipwatch.alerts.channels import Delivery
from chipwatch.alerts.events import AlertEvent
from chipwatch.config import Config
from chipwatch.store import alerts as store
from chipwatch.store.db import open_db, write_transaction
from chipwatch.timeutil import utcnow

if TYPE_CHECKING:  # annotations only: an unchanged poll never imports sqlite_utils
    from sqlite_utils import Database

STOP_GRACE = 2.0  # seconds deliveries still get after a stop request (the monitor waits 3)


T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], datetime]


class Notifier:
    """Delivers :class:`AlertEvent` values on their watches' channels.

    ``db`` (or ``db_path``, opened lazily on the delivering thread) records deliveries
    and supplies the story for webhook payloads. ``terminal`` receives BEL and OSC
    sequences (default: stderr). ``transport``, ``sleep``, ``which`` and ``clock`` are
    seams for tests.
    """

    def __init__(
        self,
        config: Config,
        *,
        db: Database | None = None,
        db_path: Path | str | None = None,
        terminal: IO[str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        which: Callable[[str], str | None] = shutil.which,
        clock: Clock = utcnow,
    ) -> None:
        self.config = config
        self._db = db
        self._db_path = db_path
        self.terminal = terminal if terminal is not None else sys.stderr
        self.transport = transport
        self.sleep = sleep
        self.which = which
        self.clock = clock
        self._tasks: set[asyncio.Task[list[Delivery]]] = set()
        # With only a path, the store is opened on a thread of our own: a sqlite3
        # connection belongs to one thread, and waiting for the write lock must never
        # stall the event loop that fetches feeds.
        self._thread: ThreadPoolExecutor | None = None

    # ---- entry points

    def deliver_soon(self, events: Iterable[AlertEvent]) -> asyncio.Task[list[Delivery]] | None:
        """Schedule delivery on the running event loop and return at once."""
        wanted = [e for e in events if e.created and e.notify]
        if not wanted:
            return None
        task = asyncio.get_running_loop().create_task(self.deliver(wanted))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def drain(self, stop: asyncio.Event | None = None) -> None:
        """Wait for scheduled deliveries (at shutdown, so none is lost), then close the
        store connection this notifier opened. Once ``stop`` is set they get only
        ``STOP_GRACE`` seconds more; then they are cancelled and recorded as pending."""
        tasks = list(self._tasks)
        try:
            await _settle(tasks, stop)
        finally:
            unfinished = [task for task in tasks if not task.done()]
            for task in unfinished:
                task.cancel()
            await asyncio.gather(*unfinished, return_exceptions=True)
        if self._thread is not None:
            await self._on_store(self._close_db)
            self._thread.shutdown(wait=True)
            self._thread = None

    async def deliver(self, events: Sequence[AlertEvent]) -> list[Delivery]:
        """Send every newly raised alert on its channels (in :data:`~.channels.NAMES`
        order); record and return the outcomes."""
        fresh = [e for e in events if e.created]
        results: list[Delivery] = []
        for name in channels.NAMES:
            chosen = [e for e in fresh if name in e.notify]
            if chosen:
                results.extend(await channels.channel(name)(self, chosen))
        return results

    # ---- for the channels

    def write_terminal(self, text: str) -> str | None:
        """Write ``text`` to the terminal; an error message, or None."""
        try:
            self.terminal.write(text)
            self.terminal.flush()
        except (OSError, ValueError) as exc:
            return f"cannot write to the terminal: {exc}"
        return None

    async def record(
        self,
        alert_id: int,
        channel: str,
        ok: bool | None,
        attempts: int,
        error: str | None,
        delivery_id: int | None = None,
    ) -> int | None:
        """Record one channel's outcome for one alert (``ok`` None: still pending); the
        ``deliveries`` row id."""
        return await self._on_store(
            self._record, alert_id, channel, ok, attempts, error, delivery_id
        )

    async def story_payload(self, event: AlertEvent) -> dict[str, Any]:
        """:meth:`payload`, read on the store's thread."""
        return await self._on_store(self.payload, event)

    def payload(self, event: AlertEvent) -> dict[str, Any]:
        """The webhook body: the alert line plus the story, its articles and links."""
        data = event.to_json()
        if event.story_id is not None and self.db is not None:
            data.update(store.story_payload(self.db, event.story_id))
        return data

    # ---- store

    async def _on_store(self, function: Callable[..., T], *args: Any) -> T:
        """Run store work inline (a ``db`` was given) or on the notifier's own thread."""
        if self._db_path is None:
            return function(*args)
        if self._thread is None:
            self._thread = ThreadPoolExecutor(1, thread_name_prefix="chipwatch-notify")
        return await asyncio.get_running_loop().run_in_executor(self._thread, function, *args)

    @property
    def db(self) -> Database | None:
        """The store (opened on first use, on the calling thread, when given a path)."""
        if self._db is None and self._db_path is not None:
            self._db = open_db(self._db_path)
        return self._db

    def _close_db(self) -> None:
        if self._db is not None and self._db_path is not None:
            self._db.close()
            self._db = None

    def _record(
        self,
        alert_id: int,
        channel: str,
        ok: bool | None,
        attempts: int,
        error: str | None,
        delivery_id: int | None = None,
    ) -> int | None:
        db = self.db
        if db is None:
            return None
        status = "pending" if ok is None else ("sent" if ok else "failed")
        with write_transaction(db):
            return store.record_delivery(
                db,
                alert_id,
                channel,
                status=status,
                attempts=attempts,
                now=self.clock(),
                error=error,
                delivery_id=delivery_id,
            )


# --------------------------------------------------------------------------- helpers


async def _settle(tasks: list[asyncio.Task[list[Delivery]]], stop: asyncio.Event | None) -> None:
    """Wait for ``tasks``; once ``stop`` is set, at most ``STOP_GRACE`` seconds more."""
    pending: set[asyncio.Future[Any]] = {task for task in tasks if not task.done()}
    if stop is not None and pending:
        stopped: asyncio.Future[Any] = asyncio.ensure_future(stop.wait())
        try:
            while pending and not stop.is_set():
                _, pending = await asyncio.wait(
                    pending | {stopped}, return_when=asyncio.FIRST_COMPLETED
                )
                pending.discard(stopped)
        finally:
            stopped.cancel()
        if pending:
            await asyncio.wait(pending, timeout=STOP_GRACE)
    elif pending:
        await asyncio.wait(pending)
