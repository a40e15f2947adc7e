"""``webhook``: a JSON POST of the alert with its story, articles and links, for each
new alert. Bounded attempts, retries with backoff, no redirects.

``[alerts] webhook_timeout`` bounds each attempt as a whole: connecting, sending the
body and receiving the answer's head. httpx's own timeout applies to each read, so a
server answering one byte every few seconds never trips it; without the total bound it
held the delivery, and the ``poll --once`` that waits for its deliveries, for ever.
The answer's body is never read: its status (and Retry-After, Location) is all we use.

Redirects are not followed: the alert (story, articles, links) goes to the configured
address only. A 3xx is a permanent failure that names where it pointed; a redirect
loop costs one request and a ``file://`` target is never tried, let alone retried.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx

from chipwatch.alerts.channels import NOT_SENT, Delivery, Notifying
from chipwatch.config import DEFAULT_USER_AGENT, Config
from chipwatch.textsafe import clean_text

if TYPE_CHECKING:
    from chipwatch.alerts.events import AlertEvent

RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 60.0  # seconds: a longer Retry-After is capped, never obeyed blindly

Sleep = Callable[[float], Awaitable[None]]


async def deliver(notifier: Notifying, events: Sequence[AlertEvent]) -> list[Delivery]:
    """Post each alert to its watch's webhook, concurrently, through one client."""
    async with client(notifier.config, notifier.transport) as http:
        return list(await asyncio.gather(*(_deliver_one(notifier, http, e) for e in events)))


async def _deliver_one(notifier: Notifying, http: httpx.AsyncClient, event: AlertEvent) -> Delivery:
    if not event.webhook:
        missing = "no webhook URL configured for this watch"
        await notifier.record(event.alert_id, "webhook", False, 0, missing)
        return Delivery(event.alert_id, "webhook", False, 0, missing)
    progress = Progress()
    delivery_id: int | None = None
    try:
        payload = await notifier.story_payload(event)
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        delivery_id = await notifier.record(event.alert_id, "webhook", None, 0, None)
        attempts, error = await post(
            http, event.webhook, body, notifier.config, sleep=notifier.sleep, progress=progress
        )
    except asyncio.CancelledError:  # shutdown cut it short: leave it pending, say why
        why = NOT_SENT + (f"; last attempt: {progress.error}" if progress.error else "")
        await notifier.record(event.alert_id, "webhook", None, progress.attempts, why, delivery_id)
        raise
    await notifier.record(event.alert_id, "webhook", error is None, attempts, error, delivery_id)
    return Delivery(event.alert_id, "webhook", error is None, attempts, error)


@dataclass
class Progress:
    """How far one delivery got (read when it is cut short at shutdown)."""

    attempts: int = 0
    error: str | None = None


@dataclass(frozen=True, slots=True)
class _Answer:
    error: str | None  # None: delivered
    retry: bool = False
    wait: float = 0.0  # a Retry-After, capped


def client(config: Config, transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
    """The HTTP client for webhook POSTs (redirects are answers, not followed)."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(config.alerts.webhook_timeout),
        transport=transport,
        headers={"User-Agent": config.poll.user_agent or DEFAULT_USER_AGENT},
        follow_redirects=False,
    )


async def post(
    http: httpx.AsyncClient,
    url: str,
    body: bytes,
    config: Config,
    *,
    sleep: Sleep = asyncio.sleep,
    progress: Progress | None = None,
) -> tuple[int, str | None]:
    """POST ``body`` until delivered, a permanent failure or the retries run out.

    Returns ``(attempts, error)``; ``progress`` follows along (for a cut-short delivery)."""
    alerts = config.alerts
    progress = progress or Progress()
    for attempt in range(1, alerts.webhook_retries + 2):
        progress.attempts = attempt  # counted when sent: a cut attempt still counts
        answer = await _attempt(http, url, body, alerts.webhook_timeout)
        progress.error = answer.error
        if answer.error is None or not answer.retry:
            break
        if attempt <= alerts.webhook_retries:
            await sleep(max(alerts.webhook_backoff * 2 ** (attempt - 1), answer.wait))
    return progress.attempts, progress.error


async def _attempt(http: httpx.AsyncClient, url: str, body: bytes, limit: float) -> _Answer:
    try:
        async with asyncio.timeout(limit):
            async with http.stream(
                "POST", url, content=body, headers={"Content-Type": "application/json"}
            ) as response:
                return _judge(response)
    except TimeoutError:
        return _Answer(f"timed out: no complete answer within {limit:g}s", retry=True)
    except httpx.HTTPError as exc:
        return _Answer(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__, True)


def _judge(response: httpx.Response) -> _Answer:
    status = response.status_code
    if response.is_success:
        return _Answer(None)
    if 300 <= status < 400:
        where = clean_text(response.headers.get("Location", ""), single_line=True, limit=200)
        return _Answer(
            f"HTTP {status} redirect to {where or '(no Location)'}: webhooks are not "
            "redirected; configure the final URL"
        )
    if status in RETRY_STATUSES:
        return _Answer(f"HTTP {status}", retry=True, wait=_retry_after(response))
    return _Answer(f"HTTP {status}")


def _retry_after(response: httpx.Response) -> float:
    """Retry-After in seconds, capped; anything else (a date, garbage, NaN) is 0."""
    value = response.headers.get("Retry-After", "").strip()
    if not value.isascii() or len(value) > 20:
        return 0.0
    try:
        seconds = float(value)
    except ValueError:
        return 0.0
    return 0.0 if math.isnan(seconds) or seconds <= 0 else min(seconds, MAX_RETRY_AFTER)
