"""The monitor with nothing to show yet: the story pane says what to do (where the
config is, how to add a feed, what `r` does), never "Select a story." with no story;
offline, it says the network is unreachable, and `r` polls at once without pushing the
next poll further away."""

from __future__ import annotations

import socket
import sqlite3
from datetime import timedelta
from pathlib import Path

from chipwatch.config import load_config
from chipwatch.store.db import open_db, write_transaction
from chipwatch.store.network import mark_network_down
from chipwatch.timeutil import from_iso, iso, utcnow
from chipwatch.tui.app import make_app
from tests.test_tui import SIZE, build, settle
from tests.waiting import eventually

CONFIG = '[poll]\nworkers = 1\n\n[[feeds]]\nurl = "{a}"\n\n[[feeds]]\nurl = "{b}"\n'


def two_feeds(path: Path, a: str = "https://a.example/rss", b: str = "https://b.example/rss"):
    path.write_text(CONFIG.format(a=a, b=b), encoding="utf-8")
    return path


async def test_an_empty_timeline_says_what_to_do(tmp_path: Path) -> None:
    config = two_feeds(tmp_path / "config.toml")
    app = build((config, tmp_path / "empty.db"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        text = app.main_screen.detail.plain
        assert "Select a story." not in text
        assert "No stories in the window (7d) yet." in text
        assert str(config) in text and "2 feeds configured" in text
        assert "chipwatch feeds add URL" in text
        assert "r re-reads the store" in text  # this monitor runs no poller


async def test_a_filter_that_matches_nothing_says_how_to_clear_it(tmp_path: Path) -> None:
    config = two_feeds(tmp_path / "config.toml")
    app = build((config, tmp_path / "empty.db"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("slash", *"lithography", "enter")
        await eventually(
            lambda: "No story matches lithography" in app.main_screen.detail.plain,
            "the filter's empty state",
            pause=pilot.pause,
        )
        assert "escape clears the filter" in app.main_screen.detail.plain


async def test_offline_the_empty_state_and_status_bar_say_network_unreachable(
    tmp_path: Path,
) -> None:
    config, db_path = two_feeds(tmp_path / "config.toml"), tmp_path / "s.db"
    db = open_db(db_path)
    with write_transaction(db):
        mark_network_down(db, since="2025-07-16T11:58:00Z", reason="no host name could be resolved")
    db.close()
    app = build((config, db_path))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        text = app.main_screen.detail.plain
        assert "Network unreachable since 11:58 UTC: no host name could be resolved." in text
        bar = app.main_screen.status.render().plain
        assert "network unreachable" in bar and "Errno" not in bar


def _closed_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _next_polls(db_path: Path) -> list[str]:
    with sqlite3.connect(db_path) as conn:
        return [r[0] for r in conn.execute("SELECT next_poll_at FROM feeds ORDER BY id")]


def _fetches(db_path: Path) -> list[str]:
    with sqlite3.connect(db_path) as conn:
        return [r[0] or "" for r in conn.execute("SELECT last_fetch_at FROM feeds ORDER BY id")]


async def test_r_polls_now_and_offline_keeps_the_next_poll_close(tmp_path: Path) -> None:
    a = f"http://127.0.0.2:{_closed_port('127.0.0.2')}/feed"
    b = f"http://127.0.0.3:{_closed_port('127.0.0.3')}/feed"
    config, db_path = two_feeds(tmp_path / "config.toml", a, b), tmp_path / "s.db"
    app = make_app(load_config(config), config, db_path, clock=utcnow, start_poller=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen

        def offline_shown() -> bool:
            screen.sync(None)  # what the periodic check does every few seconds
            return "Network unreachable" in screen.detail.plain

        await eventually(offline_shown, "the offline empty state", pause=pilot.pause)
        assert "r polls every feed now" in screen.detail.plain
        first = _fetches(db_path)
        await eventually(lambda: "polled" in screen.status.poller, "a batch", pause=pilot.pause)
        # times are stored to the second: let the clock pass the first poll's second
        await eventually(lambda: iso(utcnow()) > max(first), "the next second", pause=pilot.pause)
        await pilot.press("r")
        await eventually(
            lambda: all(
                after > before for after, before in zip(_fetches(db_path), first, strict=True)
            ),
            "a second poll of every feed",
            pause=pilot.pause,
        )

        # offline, no backoff: once the round has judged the network (its last write,
        # after each feed's own failure was written with the usual backoff), every next
        # poll is within the network retry (5 minutes). Waited for, not read at once:
        # on a busy machine the read can fall between a feed's write and the round's.
        def retried_soon() -> bool:
            latest = max(from_iso(f) for f in _fetches(db_path))
            dues = _next_polls(db_path)
            return all(d is not None and from_iso(d) <= latest + timedelta(minutes=5) for d in dues)

        await eventually(retried_soon, "every next poll within 5 minutes", pause=pilot.pause)
        await pilot.press("q")


async def test_offline_at_80x24_network_unreachable_is_on_screen_not_cut_away(
    tmp_path: Path,
) -> None:
    """At 80x24 the status bar kept "2 failing" and "2 feed errors" and left out
    "network unreachable" (the least important field), and the story pane's guide put it
    below its eighth line, out of sight: offline, a first run never said why."""
    from chipwatch.tui.messages import PollBatch
    from tests.test_tui import screen_lines

    config, db_path = two_feeds(tmp_path / "config.toml"), tmp_path / "s.db"
    db = open_db(db_path)
    with write_transaction(db):
        mark_network_down(db, since="2025-07-16T11:58:00Z", reason="no host name could be resolved")
    db.close()
    app = build((config, db_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.post_message(PollBatch(set(), alerts=0, feeds=2, errors=["a: dns", "b: dns"]))
        await settle(app, pilot)
        bar = screen_lines(app.main_screen.status)[0]
        assert "network unreachable" in bar
        shown = "\n".join(screen_lines(app.main_screen.detail))
        assert "Network unreachable since 11:58 UTC" in shown
