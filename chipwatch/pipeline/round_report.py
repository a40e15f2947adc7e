"""What one polling round reports (:class:`PollReport`), and running a poll's
coroutine (:func:`run_main`); both re-exported by :mod:`.poller`."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

from chipwatch.pipeline.network import UNKNOWN, Verdict
from chipwatch.pipeline.outcome import FeedOutcome
from chipwatch.pipeline.settle_round import Settled

T = TypeVar("T")


@dataclass
class PollReport:
    """The outcomes of one round of polling, for the human report."""

    outcomes: list[FeedOutcome] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    interrupted: bool = False
    network: Verdict = field(default_factory=lambda: Verdict(UNKNOWN))
    settled: Settled = field(default_factory=Settled)

    def count(self, *statuses: str) -> int:
        return sum(1 for o in self.outcomes if o.status in statuses)

    @property
    def new_articles(self) -> int:
        return sum(o.new_articles for o in self.outcomes)

    @property
    def new_stories(self) -> int:
        """Stories the round made, after its settle pass merged some away."""
        made = sum(o.new_stories for o in self.outcomes)
        return made + self.settled.created - self.settled.emptied


def run_main(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(coroutine)``, with the result handed out through a list, not as the
    main task's result: when asyncio.run restores the SIGINT handler it formats the old
    handler, which holds the main task, whose repr holds its result: for a poll report,
    every event of the poll (~25 µs an article, on the main thread, after the work)."""
    results: list[T] = []

    async def main() -> None:
        results.append(await coroutine)

    asyncio.run(main())
    return results[0]
