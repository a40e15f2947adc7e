"""The real `chipwatch` command in a real terminal (tmux), read back with capture-pane.

It starts the monitor on the seeded store with one local feed file; the monitor's poller
child ingests that file, so a story appears live. Skipped when tmux is not installed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import pytest

from tests.tui_seed import build_seed_store

TMUX = shutil.which("tmux")
pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed")

LOCAL_FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Local Fab Wire</title><link>https://fab.example/</link>
<description>test feed</description>
<item><title>Local wire reports wafer output climbing at Kumamoto</title>
<link>https://fab.example/kumamoto</link><guid>fab-kumamoto-1</guid>
<pubDate>{published}</pubDate>
<description>A short note written for the tmux test.</description></item>
</channel></rss>
"""


SOCKET = f"chipwatch-test-{os.getpid()}"  # our own tmux server: its size is ours alone


def tmux(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TMUX or "tmux", "-L", SOCKET, "-f", "/dev/null", *args],
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )


def screen(session: str) -> str:
    return tmux("capture-pane", "-p", "-t", session).stdout


def wait_for_text(session: str, text: str, seconds: float = 40.0) -> str:
    deadline = time.monotonic() + seconds
    shown = ""
    while time.monotonic() < deadline:
        shown = screen(session)
        if text in shown:
            return shown
        time.sleep(0.3)
    size = tmux("display", "-p", "-t", session, "#{window_width}x#{window_height}").stdout
    raise AssertionError(f"{text!r} never appeared; the {size.strip()} screen was:\n{shown}")


@pytest.fixture
def session(tmp_path: Path):
    db_path = build_seed_store(tmp_path / "seed.db")
    feed = tmp_path / "local.xml"
    feed.write_text(
        LOCAL_FEED.format(published=format_datetime(datetime.now(UTC))), encoding="utf-8"
    )
    config = tmp_path / "config.toml"
    config.write_text(
        f'[[feeds]]\nurl = "{feed}"\nname = "Local Fab Wire"\n\n[ui]\nwindow = "all"\n',
        encoding="utf-8",
    )
    name = f"chipwatch-test-{os.getpid()}"
    # COLUMNS/LINES from the test runner would override the real terminal size
    command = (
        f"env -u COLUMNS -u LINES {sys.executable} -m chipwatch --config {config} --db {db_path}"
    )
    env_path = str(Path(__file__).resolve().parent.parent)
    tmux(
        "new-session",
        "-d",
        "-s",
        name,
        "-x",
        "120",
        "-y",
        "36",
        "-e",
        f"PYTHONPATH={env_path}",
        command,
    )
    yield name
    tmux("kill-server")


def test_real_monitor_in_tmux(session: str) -> None:
    shown = wait_for_text(session, "US lets NVIDIA restart H20 shipments to China")
    for pane in ("Timeline", "Entities", "Alerts", "Story"):
        assert pane in shown
    assert "[bold red]boom[/]" in shown  # hostile markup shows literally
    # the poller child ingests the local feed: a story appears without any key press
    wait_for_text(session, "Local wire reports wafer output climbing")
    tmux("send-keys", "-t", session, "q")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and tmux("has-session", "-t", session).returncode == 0:
        time.sleep(0.2)
    assert tmux("has-session", "-t", session).returncode != 0, screen(session)
