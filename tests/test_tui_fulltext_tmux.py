"""The reader view in the real `chipwatch` monitor, in an 80x24 tmux pane (with NO_COLOR=1
in the no-colour run): v shows the article's page, served by a real server on
127.0.0.1, and Esc goes back. Skipped when tmux is not installed."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from chipwatch.store.db import open_db, write_transaction
from tests.feedserver import FeedServer
from tests.test_tui_tmux import TMUX, leftovers, screen, tmux, wait_for_text
from tests.tui_seed import build_seed_store
from tests.waiting import wait_for

pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed")

LEAD = "in full: Washington assured the company that its licences would be granted"


@pytest.fixture
def pages():
    with FeedServer() as server:
        yield server


@pytest.fixture
def monitor(tmp_path: Path, pages: FeedServer, monitor_colors: str):
    """The monitor on the seeded store, every article's page on the local server."""
    db_path = build_seed_store(tmp_path / "seed.db")
    db = open_db(db_path)
    try:
        with write_transaction(db):
            for (article_id,) in db.execute("SELECT id FROM articles").fetchall():
                body = (
                    "<html><body><nav>Home | World</nav><article>"
                    f"<p>Report {article_id} {LEAD}, it said on Tuesday.</p>"
                    "<p>Deliveries may take months, because the line was stopped.</p>"
                    "</article></body></html>"
                ).encode()
                url = pages.add(f"/a/{article_id}", body, content_type="text/html; charset=utf-8")
                db.execute("UPDATE articles SET url = ? WHERE id = ?", [url, article_id])
            db.execute("UPDATE feeds SET url = 'http://127.0.0.1:9/feed-' || id")
    finally:
        db.close()
    config = tmp_path / "config.toml"
    config.write_text('[ui]\nwindow = "all"\n', encoding="utf-8")
    name = f"chipwatch-reader-{os.getpid()}"
    status = tmp_path / "exit-status"
    monitor = f"{sys.executable} -m chipwatch --config {config} --db {db_path}"
    no_color = ["-e", "NO_COLOR=1"] if monitor_colors == "no_color" else []
    tmux(
        "new-session",
        "-d",
        "-s",
        name,
        "-x",
        "80",
        "-y",
        "24",
        "-e",
        f"PYTHONPATH={Path(__file__).resolve().parent.parent}",
        *no_color,
        f"env -u COLUMNS -u LINES {monitor}; echo $? > {status}",
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
def test_reader_in_the_real_monitor_at_80x24(monitor: tuple[str, Path], pages: FeedServer) -> None:
    name, status = monitor
    wait_for_text(name, "US lets NVIDIA")
    tmux("send-keys", "-t", name, "v")
    shown = wait_for_text(name, "Reader", "in full: Washington assured")
    assert "Home | World" not in shown
    assert len([hit for hit in pages.hits if hit.path.startswith("/a/")]) == 1
    tmux("send-keys", "-t", name, "Escape")
    wait_for_text(name, "Timeline")
    tmux("send-keys", "-t", name, "q")
    try:
        wait_for(lambda: status.read_text() if status.exists() else "", "the monitor's end")
    except AssertionError:
        raise AssertionError(f"{leftovers(status.parent)}\n{screen(name)}") from None
    assert status.read_text().strip() == "0", screen(name)
