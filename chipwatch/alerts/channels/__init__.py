"""Notification channels: ONE registry.

A watch's ``notify = [...]`` (and ``[alerts] feed_notify``) names channels from
:data:`NAMES`; the config's checks read them from here. Each name is a module of this
package with ``async def deliver(notifier, events) -> list[Delivery]``, imported only
when a poll has something to send on it (the webhook's brings httpx). A channel sees
the notifier only through :class:`Notifying`. The monitor's alerts pane needs no
channel: it shows every alert.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # annotations only: the config's checks import this module
    import httpx

    from chipwatch.alerts.events import AlertEvent
    from chipwatch.config import Config

NAMES = ("bell", "desktop", "webhook")
NOT_SENT = "not delivered: chipwatch stopped first (left pending)"


@dataclass(frozen=True, slots=True)
class Delivery:
    """The outcome of one channel for one alert."""

    alert_id: int
    channel: str
    ok: bool
    attempts: int = 1
    error: str | None = None


class Notifying(Protocol):
    """What a channel uses of the notifier (:class:`chipwatch.alerts.notify.Notifier`)."""

    config: Config
    terminal: IO[str]
    transport: httpx.AsyncBaseTransport | None
    sleep: Callable[[float], Awaitable[None]]
    which: Callable[[str], str | None]

    def write_terminal(self, text: str) -> str | None: ...

    async def record(
        self,
        alert_id: int,
        channel: str,
        ok: bool | None,
        attempts: int,
        error: str | None,
        delivery_id: int | None = None,
    ) -> int | None: ...

    async def story_payload(self, event: AlertEvent) -> dict[str, Any]: ...


Deliver = Callable[[Notifying, Sequence["AlertEvent"]], Awaitable[list[Delivery]]]


def channel(name: str) -> Deliver:
    """The ``deliver`` function of the channel called ``name`` (one of :data:`NAMES`)."""
    if name not in NAMES:
        raise ValueError(f"unknown notification channel {name!r}")
    module: Any = importlib.import_module(f"{__name__}.{name}")
    deliver: Deliver = module.deliver
    return deliver
