"""A hostile or slow webhook costs only its own delivery, never the poller.

A real ``chipwatch poll --once`` raises one alert (the H20 fixture feeds) whose webhook
is served by ``tests/faultserver.py`` on 127.0.0.1: a server answering one byte at a
time for ever used to hold the poll for ever (``webhook_timeout`` was per read), and
SIGTERM did not stop it; a redirect loop made 63 requests for one alert; a redirect to
``file://`` was retried three times. Every wait below is a hang guard, not a speed
assertion: the old code never ends within it at all.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlite_utils import Database
from test_notify import notifier, raise_alert

from chipwatch.alerts.channels import NOT_SENT
from chipwatch.store.alerts import list_deliveries
from chipwatch.store.db import open_db
from tests import proctree
from tests.clirun import cli_argv
from tests.faultserver import FaultServer

DATA = Path(__file__).parent / "data" / "alerts"
NOW = "2025-07-15T12:00:00Z"
HANG_GUARD = 120.0  # seconds


@pytest.fixture
def server(now: datetime) -> Iterator[FaultServer]:
    with FaultServer(now) as running:
        yield running


def write_config(folder: Path, hook_url: str, alerts: str) -> Path:
    """The five H20 fixture feeds (one alert) and a watch posting to ``hook_url``."""
    lines = ["[poll]", "workers = 1", "", "[alerts]", alerts, ""]
    for name in ("wire.xml", "register.xml", "lemonde.xml", "echos.xml", "caixin.xml"):
        shutil.copy(DATA / name, folder / name)
        lines += ["[[feeds]]", f'url = "{folder / name}"', ""]
    lines += ["[[watch]]", 'name = "H20"', "query = '@H20 OR H20'", 'notify = ["webhook"]']
    lines.append(f'webhook = "{hook_url}"')
    path = folder / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def deliveries(db_path: Path) -> list[dict]:
    db = open_db(db_path)
    try:
        return list_deliveries(db)
    finally:
        db.close()


def test_slow_drip_webhook_cannot_hold_poll_once(tmp_path: Path, server: FaultServer) -> None:
    server.drip_head("/hook", every=0.3)  # a byte every 0.3 s: no single read times out
    config = write_config(
        tmp_path,
        server.url("/hook"),
        "webhook_timeout = 1\nwebhook_retries = 1\nwebhook_backoff = 0.1",
    )
    db_path = tmp_path / "store.db"
    done = subprocess.run(
        cli_argv(config, db_path, "poll", "--once", "--now", NOW),
        capture_output=True,
        text=True,
        timeout=HANG_GUARD,
    )
    assert done.returncode == 0, done.stderr
    (row,) = deliveries(db_path)
    assert (row["status"], row["attempts"]) == ("failed", 2)
    assert row["last_error"] == "timed out: no complete answer within 1s"
    assert server.hits["/hook"] == 2


def test_sigterm_during_poll_once_leaves_the_undelivered_webhook_pending(
    tmp_path: Path, server: FaultServer
) -> None:
    server.drip_head("/hook", every=0.3)
    config = write_config(
        tmp_path, server.url("/hook"), 'webhook_timeout = "10m"\nwebhook_retries = 3'
    )
    db_path = tmp_path / "store.db"
    tag, env = proctree.tagged_env()
    process = subprocess.Popen(
        cli_argv(config, db_path, "poll", "--once", "--now", NOW),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proctree.wait_until(lambda: server.hits.get("/hook", 0) >= 1, HANG_GUARD)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=HANG_GUARD)
    finally:
        proctree.kill_all([process.pid, *proctree.live_tagged(tag)])
    assert process.returncode == 0, err
    assert "Traceback" not in err
    assert "new: 6 articles" in out and "1 alert\n" in out  # the poll itself completed
    (row,) = deliveries(db_path)
    assert (row["status"], row["attempts"]) == ("pending", 1)
    assert row["last_error"] == NOT_SENT
    assert server.hits["/hook"] == 1


async def test_a_webhook_redirect_loop_makes_one_request(
    db: Database, now: datetime, server: FaultServer
) -> None:
    server.redirect("/hook", server.url("/hook"))
    event = raise_alert(db, now, notify=("webhook",), webhook=server.url("/hook"))
    (delivery,) = await notifier(db, now, webhook_retries=3).deliver([event])
    assert not delivery.ok and delivery.attempts == 1
    assert delivery.error == (
        f"HTTP 302 redirect to {server.url('/hook')}: webhooks are not redirected; "
        "configure the final URL"
    )
    assert server.hits["/hook"] == 1
    assert list_deliveries(db, event.alert_id)[0]["status"] == "failed"


async def test_a_webhook_redirect_to_file_url_is_not_retried(
    db: Database, now: datetime, server: FaultServer
) -> None:
    server.redirect("/hook", "file:///etc/passwd")
    event = raise_alert(db, now, notify=("webhook",), webhook=server.url("/hook"))
    sender = notifier(db, now, webhook_retries=3)
    (delivery,) = await sender.deliver([event])
    assert not delivery.ok and delivery.attempts == 1
    assert "redirect to file:///etc/passwd" in (delivery.error or "")
    assert server.hits["/hook"] == 1 and sender.slept == []  # type: ignore[attr-defined]
    (row,) = list_deliveries(db, event.alert_id)
    assert (row["status"], row["attempts"]) == ("failed", 1)
