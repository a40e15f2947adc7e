"""`chipwatch demo`: the temporary session, bad usage, and the headless demo run for
real at high speed (server, `chipwatch poll` child, HTTP, parsing, tagging, clustering,
alerts), leaving nothing behind."""

from __future__ import annotations

import argparse
import io
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from chipwatch.cli import main
from chipwatch.commands.demo import run_headless
from chipwatch.config import load_config
from chipwatch.context import Context
from chipwatch.demo.content import load_outlets
from chipwatch.demo.session import MAX_SPEED, DemoSession, poll_interval, replay_seconds
from chipwatch.store import alerts as alert_store
from chipwatch.store.db import open_db
from chipwatch.store.queries import list_feeds
from chipwatch.store.stories import get_story
from tests.clirun import cli_argv
from tests.demo_clock import RoundClock
from tests.waiting import PATIENCE, wait_for

SPEED = 20.0
H20_GUID = "chipwatch-demo:wire-en:nvidia-resume-h20-sales-china-licences"


def test_speed_must_be_positive(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--speed", "0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--speed" in err[0]


def test_poll_interval_shrinks_with_speed_but_has_a_floor() -> None:
    assert poll_interval(1) == 4.0
    assert poll_interval(2) == 2.0
    assert poll_interval(100) == 1.0


def test_session_writes_a_valid_config_and_removes_everything(tmp_path: Path) -> None:
    session = DemoSession(speed=2, parent=tmp_path).start()
    directory = session.directory
    assert directory is not None and directory.parent == tmp_path
    config = load_config(session.config_path)
    assert not config.warnings
    assert len(config.feeds) == len(load_outlets())
    assert all(f.url.startswith(session.server.base_url) for f in config.feeds)
    assert [f.name for f in config.feeds if f.must_not_miss] == ["Trade Policy Monitor (EN)"]
    assert config.poll.interval.total_seconds() == 2.0
    assert config.alerts.feed_failures == 1
    watches = {w.name: w for w in config.watches}
    assert watches["NVIDIA spike"].kind == "spike"
    assert "@H20" in watches["H20 exports"].query
    url = session.server.feed_url(load_outlets()[0])
    assert httpx.get(url, timeout=5).status_code == 200
    session.close()
    session.close()  # idempotent
    assert not directory.exists()
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(httpx.ConnectError):
        httpx.get(url, timeout=5)


def h20_story_id(db) -> int | None:
    """The story of the wire's H20 article (None until that article is stored)."""
    row = db.execute(
        "SELECT story_id FROM articles WHERE key LIKE ? OR url LIKE ?",
        [f"%{H20_GUID}%", "%nvidia-resume-h20-sales-china-licences%"],
    ).fetchone()
    return row[0] if row else None


@pytest.mark.slow
def test_headless_demo_fills_the_store_with_the_h20_story_and_alerts(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    ctx = Context(args=argparse.Namespace(headless=True, speed=SPEED), stdout=out, stderr=err)
    clock = RoundClock()  # each poll round finds what it would on an idle machine
    with DemoSession(speed=SPEED, parent=tmp_path, clock=clock) as session:
        clock.watch(session.server.site)
        assert run_headless(ctx, session) == 0
        db = open_db(session.db_path)
        try:
            story = get_story(db, h20_story_id(db))
            alerts = alert_store.list_alerts(db)
            feeds = list_feeds(db)
        finally:
            db.close()
        requests = session.server.site.requests
    assert story is not None
    assert len(story.languages) >= 4 and story.outlet_count >= 5
    assert any(a.watch == "H20 exports" and a.story_id == story.id for a in alerts)
    assert any(a.kind == "feed" and "Trade Policy Monitor" in a.title for a in alerts)
    assert any(a.kind == "spike" and a.watch == "NVIDIA spike" for a in alerts)
    assert any(status == 304 for (_, status) in requests)  # conditional GET, end to end
    assert any(f.last_status == "error" and "500" in (f.last_error or "") for f in feeds)
    printed = out.getvalue()
    assert "demo finished:" in printed and "H20 exports" in printed
    assert "127.0.0.1" in err.getvalue()
    assert list(tmp_path.iterdir()) == []


# Sleeps, then becomes the given command: a poller that starts late, as on a busy machine.
LATE_START = (
    "import os, sys, time; time.sleep(float(sys.argv[1])); os.execv(sys.argv[2], sys.argv[2:])"
)


@pytest.mark.slow
def test_headless_demo_waits_for_the_polls_not_a_fixed_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: on a busy machine the headless demo stopped a fixed time after the
    last release (two poll intervals and 3 s), before its poller had fetched it all: the
    summary missed articles. Here the poller starts only after that fixed time."""
    speed = MAX_SPEED
    late = str(replay_seconds(speed) + 2 * poll_interval(speed) + 3.0 + 1.0)
    out, err = io.StringIO(), io.StringIO()
    ctx = Context(args=argparse.Namespace(headless=True, speed=speed), stdout=out, stderr=err)
    clock = RoundClock()
    with DemoSession(speed=speed, parent=tmp_path, clock=clock) as session:
        clock.watch(session.server.site)
        command = session.poll_command
        monkeypatch.setattr(
            session,
            "poll_command",
            lambda json_lines: [
                sys.executable,
                "-c",
                LATE_START,
                late,
                *command(json_lines=json_lines),
            ],
        )
        assert run_headless(ctx, session) == 0
        db = open_db(session.db_path)
        try:
            articles = db.execute("SELECT count(*) FROM articles").fetchone()[0]
            story = get_story(db, h20_story_id(db))
        finally:
            db.close()
    assert articles == sum(len(o.articles) for o in load_outlets())
    assert story is not None and len(story.languages) >= 4
    assert "stopped waiting" not in err.getvalue()


def _isolated_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHIPWATCH_")}
    for name in ("tmp", "home", "config", "data"):
        (tmp_path / name).mkdir()
    env.update(
        TMPDIR=str(tmp_path / "tmp"),
        HOME=str(tmp_path / "home"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
    )
    return env


@pytest.mark.slow
def test_cli_headless_demo_leaves_no_files_and_never_touches_user_config(tmp_path: Path) -> None:
    env = _isolated_env(tmp_path)
    mine = tmp_path / "mine.toml"
    mine.write_text("this is not [valid toml", encoding="utf-8")
    result = subprocess.run(
        cli_argv(mine, tmp_path / "x.db", "demo", "--headless", "--speed", "40"),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "ignoring --config/--db" in result.stderr
    assert "demo finished:" in result.stdout and "alert [watch] H20 exports" in result.stdout
    assert mine.read_text(encoding="utf-8") == "this is not [valid toml"
    assert not (tmp_path / "x.db").exists()
    for name in ("tmp", "home", "config", "data"):
        assert list((tmp_path / name).iterdir()) == [], name


@pytest.mark.slow
def test_sigterm_stops_the_demo_and_removes_its_files(tmp_path: Path) -> None:
    env = _isolated_env(tmp_path)
    child = subprocess.Popen(
        [sys.executable, "-m", "chipwatch", "demo", "--headless", "--speed", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(lambda: list((tmp_path / "tmp").glob("chipwatch-demo-*/chipwatch.db")), "store")
        child.send_signal(signal.SIGTERM)
        child.wait(timeout=PATIENCE)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert list((tmp_path / "tmp").iterdir()) == []
    assert "Traceback" not in child.stderr.read()


@pytest.mark.slow
def test_a_killed_demo_leaves_no_poller_and_no_files(tmp_path: Path) -> None:
    """Regression: SIGKILL of the demo left its `chipwatch poll` child running forever."""
    env = _isolated_env(tmp_path)
    demo = subprocess.Popen(
        [sys.executable, "-m", "chipwatch", "demo", "--headless", "--speed", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: list((tmp_path / "tmp").glob("chipwatch-demo-*/chipwatch.db")), "store")
        demo.kill()  # no cleanup code runs in the demo process
        demo.wait(timeout=PATIENCE)
        wait_for(lambda: not list((tmp_path / "tmp").iterdir()), "the orphaned poller's cleanup")
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
    wait_for(
        lambda: not [p for p in Path("/proc").glob("[0-9]*") if _runs_in(p, tmp_path)],
        "the end of every process of the killed demo",
    )


def _runs_in(proc: Path, folder: Path) -> bool:
    try:
        return str(folder) in (proc / "cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False


def test_the_headless_demo_waits_for_the_rounds_settle_pass_not_only_the_feed_stamps(
    tmp_path: Path,
) -> None:
    """Under load every feed's stamp passed the release long before the round's settle
    pass (which raises the watch alerts) committed; the demo stopped its poller there and
    summarized "0 alerts". Stamps alone are not the end of a round."""
    from types import SimpleNamespace

    from chipwatch.commands.demo import _all_polled_after
    from chipwatch.store.clustering import mark_unsettled
    from tests.tui_seed import build_seed_store

    store = build_seed_store(tmp_path / "seed.db")
    session = SimpleNamespace(db_path=store)
    before = "2000-01-01T00:00:00+00:00"
    assert _all_polled_after(session, before)  # type: ignore[arg-type]
    db = open_db(store)
    try:
        article = int(db.execute("SELECT min(id) FROM articles").fetchone()[0])
        with db.conn:
            mark_unsettled(db, article)
    finally:
        db.close()
    assert not _all_polled_after(session, before)  # type: ignore[arg-type]
