"""A poll round's feed tasks: waiting for them all or for a stop, and coalescing the
feeds that bring no article (304s, failures) into one writer transaction."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from chipwatch.model import FeedState
from chipwatch.pipeline.outcome import FeedOutcome, FeedPoll
from chipwatch.timeutil import from_iso

WriteStates = Callable[[list[tuple[FeedPoll, datetime]]], Awaitable[list[FeedOutcome]]]


async def until_done_or_stopped(
    tasks: list[asyncio.Future[FeedOutcome | None]], stop: asyncio.Event | None
) -> list[Any]:
    """Results of ``tasks``; when ``stop`` is set first, fetches still running are cancelled
    (a transaction already handed to the writer still completes)."""
    if stop is not None and tasks:
        stopper = asyncio.ensure_future(stop.wait())
        pending: set[Any] = set(tasks)
        while pending and not stop.is_set():
            _, pending = await asyncio.wait(
                pending | {stopper}, return_when=asyncio.FIRST_COMPLETED
            )
            pending.discard(stopper)
        stopper.cancel()
        for task in pending:
            task.cancel()
    return list(await asyncio.gather(*tasks, return_exceptions=True))


class StateBatch:
    """Coalesces article-less feed updates into one transaction while the writer is busy."""

    MAX = 500

    def __init__(self, write: WriteStates) -> None:
        self.write = write  # the poller's: the batch's states in one writer transaction
        self.pending: list[tuple[FeedPoll, datetime, asyncio.Future[FeedOutcome]]] = []
        self.running = False

    def add(self, poll: FeedPoll, now: datetime) -> asyncio.Future[FeedOutcome]:
        future: asyncio.Future[FeedOutcome] = asyncio.get_running_loop().create_future()
        self.pending.append((poll, now, future))
        if not self.running:
            self.running = True
            asyncio.get_running_loop().call_soon(self._next)
        return future

    def _next(self) -> None:
        if not self.pending:
            self.running = False
            return
        batch, self.pending = self.pending[: self.MAX], self.pending[self.MAX :]
        task = asyncio.get_running_loop().create_task(self._write(batch))
        task.add_done_callback(lambda _: self._next())

    async def _write(
        self,
        batch: list[tuple[FeedPoll, datetime, asyncio.Future[FeedOutcome]]],
    ) -> None:
        try:
            outcomes = await self.write([(poll, now) for poll, now, _ in batch])
        except BaseException as exc:
            for _, _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for (_, _, future), outcome in zip(batch, outcomes, strict=True):
            if not future.done():
                future.set_result(outcome)


def waiting(feed: FeedState, now: datetime) -> bool:
    """The feed asked to be left alone until later (HTTP Retry-After) and it is not later yet."""
    return bool(feed.retry_after_until) and from_iso(feed.retry_after_until or "") > now
