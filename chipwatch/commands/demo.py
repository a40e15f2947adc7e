"""chipwatch demo [--speed N] [--headless]: the monitor over a bundled offline news stream.

A feed server on 127.0.0.1 releases the bundled articles over time; a temporary config
points at it and a temporary store receives them. The monitor (or, headless, ``chipwatch
poll``) then runs exactly as on real feeds: its poller is a ``chipwatch poll`` child
process doing real HTTP with conditional GET, parsing, tagging, clustering and alerts.
Quitting, Ctrl-C, SIGTERM or an error stop the server and remove the temporary files.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from typing import IO, TYPE_CHECKING

from chipwatch.context import Context
from chipwatch.demo.content import ANCHOR, load_outlets
from chipwatch.demo.session import MAX_SPEED, DemoSession, replay_seconds
from chipwatch.errors import UserError, WorkFailed
from chipwatch.timeutil import iso, utcnow
from chipwatch.words import plural

if TYPE_CHECKING:
    from chipwatch.tui.app import ChipwatchApp

STOP_GRACE = 10.0  # seconds the headless poller gets to finish its transaction on stop
# seconds after the last release before the headless demo stops waiting for the polls
# that fetch it: a hang guard (a loaded machine takes a few seconds), not a schedule
SETTLE_PATIENCE = 120.0
INTERRUPT_GRACE = 3.0  # after Ctrl-C, seconds before the poller gets a SIGINT of ours
H20_WATCH = "H20 exports"


def run(ctx: Context) -> int:
    """Run the demo; the user's config and store are neither read nor written."""
    speed = _speed(ctx)
    if getattr(ctx.args, "config", None) or getattr(ctx.args, "db", None):
        ctx.err(
            "chipwatch demo: ignoring --config/--db: the demo uses its own temporary "
            "config and store"
        )
    with DemoSession(speed=speed) as session, _terminate_as_interrupt():
        if getattr(ctx.args, "headless", False):
            return run_headless(ctx, session)
        return run_monitor(ctx, session)


def _speed(ctx: Context) -> float:
    speed = float(getattr(ctx.args, "speed", 1.0))
    if not 0 < speed <= MAX_SPEED:  # also refuses nan
        raise UserError(f"--speed: must be greater than 0 and at most {MAX_SPEED:g}, not {speed:g}")
    return speed


def intro(session: DemoSession) -> str:
    """One line saying what is being replayed, where and how fast."""
    assert session.server is not None
    return (
        f"chipwatch demo: {plural(len(load_outlets()), 'feed')} on {session.server.base_url}, "
        "replaying "
        f"news of 2023-2025 with dates moved so {ANCHOR:%d %b %Y %H:%M} UTC is now; "
        f"speed {session.speed:g}x, new articles for {replay_seconds(session.speed):.0f}s"
    )


# --------------------------------------------------------------------------- monitor


def run_monitor(ctx: Context, session: DemoSession) -> int:
    """Open the monitor on the demo's config and store; returns when the user quits."""
    from chipwatch.tui.app import run_app

    return run_app(build_monitor(ctx, session))  # SIGTERM, SIGHUP: the app exits


def build_monitor(ctx: Context, session: DemoSession) -> ChipwatchApp:
    """The monitor on the session's store, its poller an orphan-proof `chipwatch poll`."""
    from chipwatch.config import load_config
    from chipwatch.store.db import open_db, write_transaction
    from chipwatch.store.queries import sync_feeds

    config = load_config(session.config_path)
    db = open_db(session.db_path)
    try:
        with write_transaction(db):
            sync_feeds(db, config.feeds, now=ctx.now)
    finally:
        db.close()
    from chipwatch.tui.app import make_app

    app = make_app(
        config,
        session.config_path,
        session.db_path,
        poller_command=session.poll_command(json_lines=True),
    )
    app.sub_title = f"demo · offline replay · speed {session.speed:g}x"
    return app


# --------------------------------------------------------------------------- headless


def run_headless(ctx: Context, session: DemoSession) -> int:
    """Run ``chipwatch poll`` on the demo until the replay is over and every feed was
    polled after it (the store then holds all of it), then summarize."""
    ctx.err(intro(session))
    child = subprocess.Popen(
        session.poll_command(json_lines=False),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        text=True,
        encoding="utf-8",
    )
    pumps = [_pump(child.stdout, ctx.stdout), _pump(child.stderr, ctx.stderr)]
    interrupted = False
    try:
        if not _wait_until_settled(session, child):
            ctx.err(
                f"chipwatch demo: stopped waiting for the last polls after "
                f"{SETTLE_PATIENCE:g}s past the replay; the summary may miss some articles"
            )
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        _stop(child, interrupted=interrupted)
        for pump in pumps:
            pump.join(timeout=5)
    if child.returncode not in (0, -signal.SIGINT, 130):
        raise WorkFailed(f"demo: the poller stopped with status {child.returncode}")
    for line in summary_lines(session):
        ctx.out(line)
    return 0


def _wait_until_settled(session: DemoSession, child: subprocess.Popen[str]) -> bool:
    """Wait until every article is released and every feed has been polled since, or
    the poller ended; False if that took ``SETTLE_PATIENCE`` s past the replay.

    A state, not a length of time: a fixed wait (two poll intervals after the last
    release) ended the replay before the last polls on a busy machine, and the summary
    then missed articles (the H20 story had 2 languages instead of 4 or more)."""
    guard = time.monotonic() + replay_seconds(session.speed) + SETTLE_PATIENCE
    released_at: str | None = None
    while child.poll() is None:
        if released_at is None and session.finished():
            released_at = iso(utcnow())
        if released_at is not None and _all_polled_after(session, released_at):
            return True
        if time.monotonic() > guard:
            return False
        time.sleep(0.2)
    return True


def _all_polled_after(session: DemoSession, stamp: str) -> bool:
    """Whether every enabled feed was fetched after ``stamp`` (a poll stamps a feed in
    the transaction that stores its articles) or is failing (it releases nothing), and
    the round that fetched them has settled: its watch alerts are raised by the settle
    pass at the round's end, and a busy machine reached the stamps well before it (the
    summary then said "0 alerts")."""
    from chipwatch.store.clustering import settle_pending
    from chipwatch.store.db import StoreError, open_reader
    from chipwatch.store.views_status import feed_health

    if not session.db_path.exists():
        return False
    try:
        conn = open_reader(session.db_path)
    except StoreError:
        return False  # the poller is still making the store
    try:
        feeds = [f for f in feed_health(conn) if f.enabled]
        if settle_pending(conn):
            return False
    except sqlite3.Error:
        return False
    finally:
        conn.close()
    return bool(feeds) and all(
        f.last_status == "error" or (f.last_fetch_at or "") > stamp for f in feeds
    )


def _pump(source: IO[str] | None, sink: IO[str]) -> threading.Thread:
    """Copy a child's output line by line as it comes (to the caller's streams)."""

    def copy() -> None:
        if source is None:
            return
        for line in source:
            sink.write(line)
            sink.flush()

    thread = threading.Thread(target=copy, name="chipwatch-demo-pump", daemon=True)
    thread.start()
    return thread


def _stop(child: subprocess.Popen[str], *, interrupted: bool = False) -> None:
    """SIGINT (the poller stops between transactions), then kill if it hangs.

    After a Ctrl-C the terminal has already sent the child its own SIGINT: give it a
    moment first, since a second SIGINT would cut its orderly shutdown short.
    """
    if interrupted and _exited(child, within=INTERRUPT_GRACE):
        return
    if child.poll() is None:
        child.send_signal(signal.SIGINT)
    if not _exited(child, within=STOP_GRACE):
        child.kill()
        child.wait()


def _exited(child: subprocess.Popen[str], *, within: float) -> bool:
    try:
        child.wait(timeout=within)
    except subprocess.TimeoutExpired:
        return False
    return True


def summary_lines(session: DemoSession) -> list[str]:
    """What the replay produced: counts, the H20 story's sources, the alerts."""
    from chipwatch.store import alerts as alert_store
    from chipwatch.store.db import open_db
    from chipwatch.store.queries import article_count
    from chipwatch.store.stories import get_story
    from chipwatch.store.views import TimelineFilter, timeline_count

    db = open_db(session.db_path)
    try:
        alerts = alert_store.list_alerts(db)
        stories = timeline_count(db, TimelineFilter())
        lines = [
            f"demo finished: {plural(article_count(db), 'article')} in "
            f"{plural(stories, 'story')}, {plural(len(alerts), 'alert')}"
        ]
        for alert in alerts:
            story = get_story(db, alert.story_id) if alert.story_id else None
            where = (
                f" ({plural(story.outlet_count, 'outlet')}; {', '.join(story.languages)})"
                if story and alert.kind == "watch"
                else ""
            )
            lines.append(f"  alert [{alert.kind}] {alert.watch}: {alert.title}{where}")
        return lines
    finally:
        db.close()


# --------------------------------------------------------------------------- signals


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM and SIGHUP (terminal closed) unwind like Ctrl-C: the files still go."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    with _signal_handler(signal.SIGTERM, interrupt), _signal_handler(signal.SIGHUP, interrupt):
        yield


@contextlib.contextmanager
def _signal_handler(signum: int, handler: Callable[[int, object], None]) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return
    previous = signal.signal(signum, handler)
    try:
        yield
    finally:
        signal.signal(signum, previous)
