"""Waiting for a state, never for a length of time.

The suite shares two cores with other work: everything may run many times slower than
alone. A test waits for the state it needs, polling a condition; the deadline only
guards against a hang and is generous, never a claim about speed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

PATIENCE = 90.0  # seconds before a wait gives up: a hang guard, not a speed assertion


def wait_for(condition: Callable[[], object], what: str, *, patience: float = PATIENCE) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` after ``patience`` s."""
    deadline = time.monotonic() + patience
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not reached within {patience:g} s")
        time.sleep(0.05)


async def eventually(
    condition: Callable[[], object],
    what: str,
    *,
    patience: float = PATIENCE,
    pause: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> None:
    """:func:`wait_for` on an event loop; ``pause`` may be a Pilot's, which also lets
    the app process its messages between checks."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + patience
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"{what}: not reached within {patience:g} s")
        await pause(0.05)
