"""``bell``: one BEL to the terminal per batch of new alerts, however many it holds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chipwatch.alerts.engine import AlertEvent
    from chipwatch.alerts.notify import Delivery, Notifier


async def deliver(notifier: Notifier, events: Sequence[AlertEvent]) -> list[Delivery]:
    """Ring once; every alert of the batch records the outcome."""
    from chipwatch.alerts.notify import Delivery

    error = notifier.write_terminal("\a")
    for event in events:
        await notifier.record(event.alert_id, "bell", error is None, 1, error)
    return [Delivery(e.alert_id, "bell", error is None, 1, error) for e in events]
