"""Notifications: webhook delivery to real HTTP servers on 127.0.0.1 (one that
succeeds, ones that fail), retries with backoff, deliveries recorded; bell and desktop."""

from __future__ import annotations

import io
import json
import socket
import threading
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlite_utils import Database
from test_query_match import small_tagger
from test_query_search import Archive

from chipwatch.alerts.channels.desktop import osc_notification
from chipwatch.alerts.engine import AlertEngine
from chipwatch.alerts.events import AlertEvent
from chipwatch.alerts.notify import Notifier
from chipwatch.config import AlertsConfig, Config, WatchConfig
from chipwatch.entities.tagger import Tagger
from chipwatch.model import Assignment
from chipwatch.store.alerts import list_deliveries
from chipwatch.store.db import write_transaction


class Hook:
    """A webhook receiver on 127.0.0.1 answering with ``statuses`` in turn (last repeats)."""

    def __init__(self, *statuses: int) -> None:
        self.statuses = list(statuses) or [200]
        self.bodies: list[dict] = []
        self.headers: list[dict[str, str]] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                hook.bodies.append(json.loads(self.rfile.read(length)))
                hook.headers.append(dict(self.headers))
                status = hook.statuses[min(len(hook.bodies), len(hook.statuses)) - 1]
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hooks() -> Iterator[list[Hook]]:
    made: list[Hook] = []
    yield made
    for hook in made:
        hook.close()


def serve(hooks: list[Hook], *statuses: int) -> Hook:
    hook = Hook(*statuses)
    hooks.append(hook)
    return hook


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


class Terminal(io.StringIO):
    def __init__(self, tty: bool = True) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def raise_alert(
    db: Database, now: datetime, *, notify: tuple[str, ...], webhook: str | None = None
) -> AlertEvent:
    """Ingest one H20 article from two outlets through the engine; return the new alert."""
    tagger: Tagger = small_tagger()
    watch = WatchConfig(name="H20 exports", query="@H20", notify=notify, webhook=webhook)
    engine = AlertEngine(db, Config(watches=(watch,)), tagger)
    archive = Archive(db, tagger, now)
    story = archive.story(now)
    events = []
    for feed, title in (("Wire", "H20 licences granted"), ("Le Monde", "Licences H20 accordées")):
        article_id, article = archive.article(story, title, feed=feed, published=now)
        with write_transaction(db):
            events += engine.on_article(
                article_id, article, tagger.tag(title), Assignment(story, False), now=now
            )
    assert [e.created for e in events] == [True, False]
    return events[0]


def notifier(
    db: Database,
    now: datetime,
    terminal: io.StringIO | None = None,
    which=lambda name: None,
    **alerts: object,
) -> Notifier:
    defaults = {"webhook_timeout": 5.0, "webhook_retries": 2, "webhook_backoff": 0.0}
    config = Config(alerts=AlertsConfig(**{**defaults, **alerts}))
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    result = Notifier(
        config, db=db, terminal=terminal or Terminal(), sleep=sleep, which=which, clock=lambda: now
    )
    result.slept = slept  # type: ignore[attr-defined]
    return result


async def test_webhook_receives_the_alert_json_with_story_articles_and_links(
    db: Database, now: datetime, hooks: list[Hook]
) -> None:
    hook = serve(hooks, 200)
    event = raise_alert(db, now, notify=("webhook",), webhook=hook.url)
    (delivery,) = await notifier(db, now).deliver([event])
    assert delivery.ok and delivery.attempts == 1
    (body,) = hook.bodies
    assert body["type"] == "alert" and body["watch"] == "H20 exports"
    assert body["story"] == event.story_id and body["title"] == "H20 licences granted"
    assert body["url"] == event.url
    assert [a["feed"] for a in body["articles"]] == ["Wire", "Le Monde"]
    assert body["links"] == [a["url"] for a in body["articles"]]
    assert hook.headers[0]["Content-Type"] == "application/json"
    assert hook.headers[0]["User-Agent"].startswith("chipwatch/")
    (row,) = list_deliveries(db, event.alert_id)
    assert (row["channel"], row["status"], row["attempts"]) == ("webhook", "sent", 1)


async def test_a_failing_webhook_is_retried_with_backoff_then_recorded(
    db: Database, now: datetime, hooks: list[Hook]
) -> None:
    hook = serve(hooks, 503)
    event = raise_alert(db, now, notify=("webhook",), webhook=hook.url)
    sender = notifier(db, now, webhook_retries=2, webhook_backoff=0.5)
    (delivery,) = await sender.deliver([event])
    assert not delivery.ok and delivery.attempts == 3 and delivery.error == "HTTP 503"
    assert len(hook.bodies) == 3
    assert sender.slept == [0.5, 1.0]
    (row,) = list_deliveries(db, event.alert_id)
    assert (row["status"], row["attempts"], row["last_error"]) == ("failed", 3, "HTTP 503")


async def test_a_webhook_that_recovers_counts_as_sent(
    db: Database, now: datetime, hooks: list[Hook]
) -> None:
    hook = serve(hooks, 500, 200)
    event = raise_alert(db, now, notify=("webhook",), webhook=hook.url)
    (delivery,) = await notifier(db, now).deliver([event])
    assert delivery.ok and delivery.attempts == 2 and len(hook.bodies) == 2


async def test_a_client_error_is_not_retried(
    db: Database, now: datetime, hooks: list[Hook]
) -> None:
    hook = serve(hooks, 404)
    event = raise_alert(db, now, notify=("webhook",), webhook=hook.url)
    (delivery,) = await notifier(db, now).deliver([event])
    assert not delivery.ok and delivery.attempts == 1 and len(hook.bodies) == 1


async def test_an_unreachable_webhook_fails_cleanly(db: Database, now: datetime) -> None:
    event = raise_alert(db, now, notify=("webhook",), webhook=closed_port_url())
    (delivery,) = await notifier(db, now, webhook_retries=1).deliver([event])
    assert not delivery.ok and delivery.attempts == 2 and "ConnectError" in delivery.error
    assert list_deliveries(db, event.alert_id)[0]["status"] == "failed"


async def test_deliver_soon_returns_at_once_and_drain_waits(
    db: Database, now: datetime, hooks: list[Hook]
) -> None:
    hook = serve(hooks, 200)
    event = raise_alert(db, now, notify=("webhook",), webhook=hook.url)
    sender = notifier(db, now)
    task = sender.deliver_soon([event])
    assert task is not None and not task.done()
    await sender.drain()
    assert len(hook.bodies) == 1
    assert sender.deliver_soon([]) is None


async def test_with_a_store_path_deliveries_are_recorded_off_the_event_loop(
    db: Database, db_path, now: datetime, hooks: list[Hook]
) -> None:
    hook = serve(hooks, 200)
    event = raise_alert(db, now, notify=("webhook",), webhook=hook.url)
    sender = Notifier(Config(), db_path=db_path, clock=lambda: now)
    assert sender.deliver_soon([event]) is not None
    await sender.drain()
    assert hook.bodies[0]["articles"][0]["title"] == "H20 licences granted"
    assert [r["status"] for r in list_deliveries(db, event.alert_id)] == ["sent"]
    assert sender._thread is None  # drained: its connection and thread are closed


async def test_updates_never_notify(db: Database, now: datetime, hooks: list[Hook]) -> None:
    from dataclasses import replace

    hook = serve(hooks, 200)
    event = raise_alert(db, now, notify=("webhook", "bell"), webhook=hook.url)
    terminal = Terminal()
    assert await notifier(db, now, terminal).deliver([replace(event, created=False)]) == []
    assert hook.bodies == [] and terminal.getvalue() == ""


async def test_bell_rings_once_per_batch(db: Database, now: datetime) -> None:
    from dataclasses import replace

    event = raise_alert(db, now, notify=("bell",))
    terminal = Terminal()
    results = await notifier(db, now, terminal).deliver(
        [event, replace(event, alert_id=event.alert_id)]
    )
    assert terminal.getvalue() == "\a"
    assert all(r.ok and r.channel == "bell" for r in results)


async def test_desktop_falls_back_to_osc_on_a_terminal(db: Database, now: datetime) -> None:
    event = raise_alert(db, now, notify=("desktop",))
    terminal = Terminal(tty=True)
    (delivery,) = await notifier(db, now, terminal).deliver([event])
    assert delivery.ok
    assert terminal.getvalue() == osc_notification(
        "chipwatch: H20 exports", "H20 licences granted (1 outlet)"
    )
    assert terminal.getvalue().startswith("\x1b]777;notify;chipwatch: H20 exports;")


async def test_desktop_without_notify_send_or_terminal_is_recorded_as_failed(
    db: Database, now: datetime
) -> None:
    event = raise_alert(db, now, notify=("desktop",))
    terminal = Terminal(tty=False)
    (delivery,) = await notifier(db, now, terminal).deliver([event])
    assert not delivery.ok and "notify-send" in delivery.error and terminal.getvalue() == ""


async def test_desktop_uses_notify_send_when_on_path(db: Database, now: datetime, tmp_path) -> None:
    log = tmp_path / "args.txt"
    program = tmp_path / "notify-send"
    program.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {log}\n')
    program.chmod(0o755)
    event = raise_alert(db, now, notify=("desktop",))
    sender = notifier(db, now, which=lambda name: str(program))
    (delivery,) = await sender.deliver([event])
    assert delivery.ok
    assert log.read_text().splitlines() == [
        "--app-name=chipwatch",
        "chipwatch: H20 exports",
        "H20 licences granted (1 outlet)",
    ]


async def test_a_burst_of_desktop_alerts_becomes_one_summary(db: Database, now: datetime) -> None:
    from dataclasses import replace

    event = raise_alert(db, now, notify=("desktop",))
    burst = [event] + [replace(event, watch=f"w{n}") for n in range(4)]
    terminal = Terminal(tty=True)
    results = await notifier(db, now, terminal).deliver(burst)
    assert len(results) == 5 and all(r.ok for r in results)
    assert terminal.getvalue() == osc_notification(
        "chipwatch", "5 new alerts: H20 exports, w0, w1, w2 +1"
    )


def test_osc_text_cannot_escape_the_sequence() -> None:
    text = osc_notification("a;b\x07c", "evil\x1b]0;title\x07 body\x1b\\")
    assert text.count("\x07") == 1 and text.endswith("\x07")
    assert text.count("\x1b") == 3  # OSC 777 start, its ST, OSC 9 start
    assert "a,bc" in text
