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
from tests.waiting import PATIENCE, wait_for

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


def pane_info(session: str, what: str) -> str:
    return tmux("display", "-p", "-t", session, what).stdout.strip()


def wait_for_text(session: str, *texts: str, seconds: float = PATIENCE) -> str:
    """The screen, once every one of ``texts`` is on it."""
    deadline = time.monotonic() + seconds
    shown = ""
    while time.monotonic() < deadline:
        shown = screen(session)
        if all(text in shown for text in texts):
            return shown
        time.sleep(0.3)
    size = pane_info(session, "#{window_width}x#{window_height}")
    raise AssertionError(f"{texts!r} never all appeared; the {size} screen was:\n{shown}")


@pytest.fixture(params=[(120, 36), (80, 24)], ids=["120x36", "80x24"])
def session(tmp_path: Path, monitor_colors: str, request: pytest.FixtureRequest):
    """The monitor in a tmux pane of each size, with NO_COLOR=1 in the no-color run:
    (session name, the file its exit status is written to). The pane stays when the
    monitor ends, so a traceback can be read back."""
    width, height = request.param
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
    status = tmp_path / "exit-status"
    monitor = f"{sys.executable} -m chipwatch --config {config} --db {db_path}"
    command = f"env -u COLUMNS -u LINES {monitor}; echo $? > {status}"
    env_path = str(Path(__file__).resolve().parent.parent)
    no_color = ["-e", "NO_COLOR=1"] if monitor_colors == "no_color" else []
    tmux(
        "new-session",
        "-d",
        "-s",
        name,
        "-x",
        str(width),
        "-y",
        str(height),
        "-e",
        f"PYTHONPATH={env_path}",
        *no_color,
        command,
        ";",
        "set-option",
        "-t",
        name,
        "remain-on-exit",
        "on",
    )
    yield name, status
    tmux("kill-server")


@pytest.mark.monitor
def test_real_monitor_in_tmux(session: tuple[str, Path]) -> None:
    name, status = session
    # the first paint is written in pieces: wait for all of it, not for its first line
    wait_for_text(name, "US lets NVIDIA restart H20 shipments to China", "[bold red]boom[/]")
    wide = pane_info(name, "#{window_width}") == "120"
    panes = ("Entities", "Alerts") if wide else ()  # folded below 120 columns
    shown = wait_for_text(name, "Timeline", "Story", *panes)
    assert "[bold red]boom[/]" in shown  # hostile markup shows literally
    if not wide:
        lines = shown.splitlines()
        assert len(lines) <= 24 and all(len(line) <= 80 for line in lines)
        assert "b Panes" in shown  # the key that brings the folded panes back
        tmux("send-keys", "-t", name, "b")
        wait_for_text(name, "Entities", "Alerts")
        tmux("send-keys", "-t", name, "e")  # the export dialog fits, buttons and all
        wait_for_text(name, "Export a digest", "Cancel", "Export")
        tmux("send-keys", "-t", name, "Escape")
        # closed before the next key: an Escape the app has not read yet and the key
        # right after it reach it as one Alt+key (the "q" below would not quit)
        wait_for(lambda: "Export a digest" not in screen(name), "the export dialog to close")
    # the poller child ingests the local feed: a story appears without any key press
    wait_for_text(name, "Local wire reports wafer output climbing")
    tmux("send-keys", "-t", name, "q")
    try:
        wait_for(lambda: status.read_text() if status.exists() else "", "the monitor's end")
    except AssertionError:
        raise AssertionError(f"{leftovers(status.parent)}\n{screen(name)}") from None
    assert status.read_text().strip() == "0", screen(name)  # 1 when the monitor crashed


def leftovers(folder: Path) -> str:
    """The processes still running on the test's files (to tell a hang from a crash)."""
    ps = subprocess.run(["ps", "-eo", "pid,ppid,stat,etime,args"], capture_output=True, text=True)
    return "\n".join(line for line in ps.stdout.splitlines() if str(folder) in line)
