"""``bell``: one BEL to the terminal per batch of new alerts, however many it holds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from chipwatch.alerts.channels import Delivery, Notifying

if TYPE_CHECKING:
    from chipwatch.alerts.events import AlertEvent


async def deliver(notifier: Notifying, events: Sequence[AlertEvent]) -> list[Delivery]:
    """Ring once; every alert of the batch records the outcome."""
    error = notifier.write_terminal("\a")
    for event in events:
        await notifier.record(event.alert_id, "bell", error is None, 1, error)
    return [Delivery(e.alert_id, "bell", error is None, 1, error) for e in events]
