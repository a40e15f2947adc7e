"""Notification channels: ONE registry.

A watch's ``notify = [...]`` (and ``[alerts] feed_notify``) names channels from
:data:`NAMES`; the config's checks read them from here. Each name is a module of this
package with ``async def deliver(notifier, events) -> list[Delivery]``, imported only
when a poll has something to send on it (the webhook's brings httpx). The monitor's
alerts pane needs no channel: it shows every alert.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chipwatch.alerts.engine import AlertEvent
    from chipwatch.alerts.notify import Delivery, Notifier

NAMES = ("bell", "desktop", "webhook")

Deliver = Callable[["Notifier", Sequence["AlertEvent"]], Awaitable[list["Delivery"]]]


def channel(name: str) -> Deliver:
    """The ``deliver`` function of the channel called ``name`` (one of :data:`NAMES`)."""
    if name not in NAMES:
        raise ValueError(f"unknown notification channel {name!r}")
    module: Any = importlib.import_module(f"{__name__}.{name}")
    deliver: Deliver = module.deliver
    return deliver
