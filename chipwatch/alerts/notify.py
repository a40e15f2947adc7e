"""Notifications for alerts, sent after the ingest transaction committed.

Channels (per watch, ``notify = [...]``): ``bell`` (BEL to the terminal), ``desktop``
(``notify-send`` when on PATH, else the terminal's OSC 777 and OSC 9 notifications) and
``webhook`` (an async JSON POST with the story, its articles and links; a time limit
per attempt, retries with exponential backoff, no redirects: :mod:`.webhook`; every
outcome recorded in ``deliveries``). The monitor's toast and alerts pane need no
channel. Only newly raised alerts notify; a story growing updates its alert silently.
Nothing here blocks ingest: callers schedule :meth:`Notifier.deliver` as a task
(:meth:`Notifier.deliver_soon`). At shutdown :meth:`Notifier.drain` waits for them, but
only ``STOP_GRACE`` seconds once a stop was asked for (SIGTERM, Ctrl-C): what is unsent
then stays ``pending`` in ``deliveries``.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
from collections.abc import Awaitable, Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any, TypeVar

import httpx
from sqlite_utils import Database

from chipwatch.alerts.channels import webhook
from chipwatch.alerts.engine import AlertEvent
from chipwatch.config import Config
from chipwatch.store import alerts as store
from chipwatch.store.db import open_db, write_transaction
from chipwatch.textsafe import clean_text
from chipwatch.timeutil import utcnow

STOP_GRACE = 2.0  # seconds deliveries still get after a stop request (the monitor waits 3)
NOT_SENT = "not delivered: chipwatch stopped first (left pending)"
DESKTOP_TIMEOUT = 5.0
DESKTOP_BURST = 3  # more new alerts than this at once: one summary notification


@dataclass(frozen=True, slots=True)
class Delivery:
    """The outcome of one channel for one alert."""

    alert_id: int
    channel: str
    ok: bool
    attempts: int = 1
    error: str | None = None


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
        """Send every newly raised alert on its channels; record and return the outcomes."""
        fresh = [e for e in events if e.created]
        results: list[Delivery] = []
        if any("bell" in e.notify for e in fresh):
            results.extend(await self._bell([e for e in fresh if "bell" in e.notify]))
        desktop = [e for e in fresh if "desktop" in e.notify]
        if desktop:
            results.extend(await self._desktop(desktop))
        hooks = [e for e in fresh if "webhook" in e.notify]
        if hooks:
            async with self._client() as client:
                results.extend(await asyncio.gather(*(self._webhook(client, e) for e in hooks)))
        return results

    # ---- bell and desktop

    async def _bell(self, events: list[AlertEvent]) -> list[Delivery]:
        error = self._write("\a")  # one bell per batch, however many alerts it holds
        for event in events:
            await self._on_store(self._record, event.alert_id, "bell", error is None, 1, error)
        return [Delivery(e.alert_id, "bell", error is None, 1, error) for e in events]

    async def _desktop(self, events: list[AlertEvent]) -> list[Delivery]:
        """One notification per alert; a burst beyond DESKTOP_BURST becomes one summary."""
        if len(events) > DESKTOP_BURST:
            texts = [desktop_summary(events)]
            groups = [events]
        else:
            texts = [desktop_text(e) for e in events]
            groups = [[e] for e in events]
        results: list[Delivery] = []
        for (title, body), group in zip(texts, groups, strict=True):
            error = await self._show(title, body)
            for event in group:
                await self._on_store(
                    self._record, event.alert_id, "desktop", error is None, 1, error
                )
                results.append(Delivery(event.alert_id, "desktop", error is None, 1, error))
        return results

    async def _show(self, title: str, body: str) -> str | None:
        program = self.which("notify-send")
        if program:
            return await _run([program, "--app-name=chipwatch", title, body])
        if _is_terminal(self.terminal):
            return self._write(osc_notification(title, body))
        return "no notify-send on PATH and no terminal for OSC 777/9"

    def _write(self, text: str) -> str | None:
        try:
            self.terminal.write(text)
            self.terminal.flush()
        except (OSError, ValueError) as exc:
            return f"cannot write to the terminal: {exc}"
        return None

    # ---- webhook

    def _client(self) -> httpx.AsyncClient:
        return webhook.client(self.config, self.transport)

    async def _webhook(self, client: httpx.AsyncClient, event: AlertEvent) -> Delivery:
        if not event.webhook:
            error = "no webhook URL configured for this watch"
            await self._on_store(self._record, event.alert_id, "webhook", False, 0, error)
            return Delivery(event.alert_id, "webhook", False, 0, error)
        progress = webhook.Progress()
        delivery_id: int | None = None
        try:
            payload = await self._on_store(self.payload, event)
            body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            delivery_id = await self._on_store(
                self._record, event.alert_id, "webhook", None, 0, None
            )
            attempts, error = await webhook.post(
                client, event.webhook, body, self.config, sleep=self.sleep, progress=progress
            )
        except asyncio.CancelledError:  # shutdown cut it short: leave it pending, say why
            why = NOT_SENT + (f"; last attempt: {progress.error}" if progress.error else "")
            await self._on_store(
                self._record, event.alert_id, "webhook", None, progress.attempts, why, delivery_id
            )
            raise
        await self._on_store(
            self._record, event.alert_id, "webhook", error is None, attempts, error, delivery_id
        )
        return Delivery(event.alert_id, "webhook", error is None, attempts, error)

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


def desktop_summary(events: Sequence[AlertEvent]) -> tuple[str, str]:
    """One notification for a burst of alerts: how many, and from which watches."""
    watches = list(dict.fromkeys(e.watch for e in events))
    shown = ", ".join(watches[:4]) + (f" +{len(watches) - 4}" if len(watches) > 4 else "")
    body = clean_text(f"{len(events)} new alerts: {shown}", single_line=True, limit=200)
    return "chipwatch", body


def desktop_text(event: AlertEvent) -> tuple[str, str]:
    """Title and body of a desktop notification (feed text cleaned, one line each)."""
    title = clean_text(f"chipwatch: {event.watch}", single_line=True, limit=80)
    body = clean_text(event.title, single_line=True, limit=200)
    if event.outlets:
        body += f" ({len(event.outlets)} outlet{'s' if len(event.outlets) != 1 else ''})"
    return title, body


def osc_notification(title: str, body: str) -> str:
    """OSC 777 (rxvt, foot, WezTerm, Ghostty) then OSC 9 (iTerm2, Windows Terminal, kitty).

    Separators and anything that could end the sequence early are removed from the text.
    """
    safe_title = _osc_safe(title).replace(";", ",")
    safe_body = _osc_safe(body)
    return f"\x1b]777;notify;{safe_title};{safe_body}\x1b\\\x1b]9;{safe_title}: {safe_body}\x07"


def _osc_safe(text: str) -> str:
    return clean_text(text, single_line=True, limit=200).replace("\x07", "")


def _is_terminal(stream: IO[str]) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


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


async def _run(command: list[str]) -> str | None:
    """Run a notifier program without blocking the loop; an error message or None."""
    try:
        process = await asyncio.create_subprocess_exec(
            *command, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
        )
    except OSError as exc:
        return f"{command[0]}: {exc}"
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), DESKTOP_TIMEOUT)
    except TimeoutError:
        process.kill()
        await process.wait()
        return f"{Path(command[0]).name} took longer than {DESKTOP_TIMEOUT:g}s"
    if process.returncode:
        reason = stderr.decode(errors="replace").strip()[:200]
        return f"{Path(command[0]).name} exited {process.returncode}: {reason}"
    return None
