"""Backpressure from the single store writer to fetching and parsing.

The writer (tagging is done by the workers, but clustering and SQL are not) is the
slowest stage of a first import. Without a bound, every feed's task fetches and parses
as fast as the network and the workers allow and the parsed feeds queue for the
writer: memory grows with the size of the import (27 KB an article was measured).

The backlog admits a feed's task before it fetches and lets it go once the feed is
written, or at once when the fetch brought nothing to parse (304, an unchanged body,
an error). A task waits for admission while ``limit`` feeds are admitted. So at most
``limit`` bodies and parsed feeds exist at once, whatever the number of feeds; the
limit is above ``[poll] concurrency``, so fetching is never slowed by it while the
writer keeps up (an idle poll of 304s never waits).
"""

from __future__ import annotations

import asyncio


class Backlog:
    """Feeds admitted to fetch, parse and write; see the module doc."""

    @staticmethod
    def limit_for(concurrency: int, workers: int) -> int:
        """Twice the fetch concurrency (tasks admitted may wait on a per-host limit),
        plus two parsed feeds per worker and one for the writer."""
        return 2 * max(1, concurrency) + 2 * max(1, workers) + 1

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self.count = 0
        self.peak = 0  # the most admitted at once (tests and benchmarks read it)
        self._free: asyncio.Semaphore | None = None

    def _semaphore(self) -> asyncio.Semaphore:
        if self._free is None:  # made on the running loop, on first use
            self._free = asyncio.Semaphore(self.limit)
        return self._free

    async def admit(self) -> None:
        """Wait for room, then hold one place until :meth:`release`."""
        await self._semaphore().acquire()
        self.count += 1
        self.peak = max(self.peak, self.count)

    def release(self) -> None:
        self.count -= 1
        self._semaphore().release()
