"""`chipwatch poll` through the real command line: reports, JSON lines, conditional
GETs at scale, the poll lock and the forever loop's signals."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest

from chipwatch.cli import main
from chipwatch.pipeline.lock import poll_lock, poller_pid, poller_running
from tests.clirun import cli_argv
from tests.feedserver import FeedServer

DATA = Path(__file__).parent / "data" / "feeds"
ROOT = Path(__file__).resolve().parent.parent


def small_feed(n: int) -> bytes:
    items = "".join(
        f"<item><title>Fab {n} bulletin {k}: wafer starts up {n + k} percent</title>"
        f"<link>https://fab{n}.example/b/{k}</link><guid>fab{n}-{k}</guid>"
        f"<pubDate>Tue, 15 Jul 2025 0{k}:00:00 GMT</pubDate></item>"
        for k in range(2)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Fab {n} news</title>'
        f"<link>https://fab{n}.example/</link>{items}</channel></rss>"
    ).encode()


def write_config(path: Path, urls: list[str], extra: str = "") -> Path:
    lines = ["[poll]", "workers = 1", 'timeout = "10s"', "concurrency = 32", "per_host = 32", ""]
    for url in urls:
        lines += ["[[feeds]]", f'url = "{url}"', ""]
    path.write_text("\n".join(lines) + extra, encoding="utf-8")
    return path


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_200_feeds_then_200_conditional_304s(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with FeedServer() as server:
        urls = [server.add(f"/f{n}.xml", small_feed(n), etag=f'"e{n}"') for n in range(200)]
        config = write_config(tmp_path / "config.toml", urls)
        base = ["--config", str(config), "--db", str(tmp_path / "s.db"), "poll", "--once"]
        code, out, _ = cli(capsys, *base, "--json", "--now", "2025-07-16T12:00:00Z")
        assert code == 0
        lines = [json.loads(line) for line in out.splitlines()]
        feeds = [e for e in lines if e["type"] == "feed"]
        assert len(feeds) == 200 and {e["status"] for e in feeds} == {"ok"}
        assert sum(e["new"] for e in feeds) == 400
        assert sum(1 for e in lines if e["type"] == "article") == 400
        server.clear_hits()
        code, out, _ = cli(capsys, *base, "--now", "2025-07-16T12:30:00Z")
        assert code == 0
        assert out.startswith("polled 200 feeds: 0 ok, 200 not modified, 0 failed, 0 skipped")
        assert "new: 0 articles" in out
        hits = server.hits
        assert len(hits) == 200
        assert all(hit.headers.get("if-none-match") == f'"e{hit.path[2:-4]}"' for hit in hits)


def test_human_report_names_failures_and_skips(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with FeedServer() as server:
        ok = server.add("/ok.xml", (DATA / "rss_basic.xml").read_bytes())
        busy = server.add("/busy.xml", status=503, retry_after="7200")
        config = write_config(tmp_path / "config.toml", [ok, busy])
        base = ["--config", str(config), "--db", str(tmp_path / "s.db"), "poll", "--once"]
        code, out, _ = cli(capsys, *base, "--now", "2025-07-16T12:00:00Z")
        assert code == 0
        assert "polled 2 feeds: 1 ok, 0 not modified, 1 failed, 0 skipped" in out
        assert "HTTP 503" in out and "(retry 2025-07-16 14:00 UTC, in 2h)" in out
        assert "new: 3 articles, 3 stories" in out
        code, out, _ = cli(capsys, *base, "--now", "2025-07-16T12:30:00Z")
        assert "1 skipped" in out and "asked us to wait until 2025-07-16 14:00 UTC, in 1h" in out


def test_all_feeds_failing_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path / "config.toml", [str(tmp_path / "missing.xml")])
    code, out, _ = cli(
        capsys, "--config", str(config), "--db", str(tmp_path / "s.db"), "poll", "--once"
    )
    assert code == 1 and "no such file" in out


def test_poll_lock_refuses_a_second_poller(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path / "config.toml", [str(DATA / "rss_basic.xml")])
    db = tmp_path / "s.db"
    assert not poller_running(db)
    with poll_lock(db):
        assert poller_running(db)
        code, _, err = cli(capsys, "--config", str(config), "--db", str(db), "poll", "--once")
        assert code == 1 and "already polling" in err and "Traceback" not in err
    assert not poller_running(db)


def test_forever_loop_polls_on_sigusr1_and_stops_on_sigterm(tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_bytes((DATA / "rss_basic.xml").read_bytes())
    config = write_config(tmp_path / "config.toml", [str(feed)])
    db = tmp_path / "s.db"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        cli_argv(config, db, "poll", "--json"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        first = read_until(proc, lambda e: e["type"] == "feed")
        assert first["status"] == "ok" and first["new"] == 3
        assert poller_running(db) and poller_pid(db) == proc.pid
        proc.send_signal(signal.SIGUSR1)  # the monitor's "refresh now"
        second = read_until(proc, lambda e: e["type"] == "feed")
        assert second["status"] == "not_modified"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert not poller_running(db)


def read_until(proc: subprocess.Popen[str], wanted) -> dict:
    assert proc.stdout is not None
    for line in proc.stdout:
        event = json.loads(line)
        if wanted(event):
            return event
    raise AssertionError(f"poll ended early: {proc.stderr.read() if proc.stderr else ''}")


def test_ctrl_c_during_poll_once_keeps_what_was_committed(tmp_path: Path) -> None:
    with FeedServer() as server:
        fast = server.add("/fast.xml", (DATA / "rss_basic.xml").read_bytes())
        slow = server.add("/slow.xml", (DATA / "rss_basic.xml").read_bytes(), drip=0.5)
        config = write_config(tmp_path / "config.toml", [fast, slow])
        db = tmp_path / "s.db"
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        proc = subprocess.Popen(
            cli_argv(config, db, "poll", "--once", "--json"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        try:
            first = read_until(proc, lambda e: e["type"] == "feed")
            assert first["url"] == fast and first["new"] == 3
            proc.send_signal(signal.SIGINT)
            assert proc.wait(timeout=20) == 130  # long before the drip would end
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    from chipwatch.store.db import open_db

    store = open_db(db)
    assert store.execute("SELECT count(*) FROM articles").fetchone()[0] == 3
    assert store.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_unusable_store_is_one_line_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path / "config.toml", [str(DATA / "rss_basic.xml")])
    corrupt = tmp_path / "s.db"
    corrupt.write_bytes(b"this is not a database" * 100)
    code, _, err = cli(capsys, "--config", str(config), "--db", str(corrupt), "poll", "--once")
    assert code == 1 and "corrupt" in err and "Traceback" not in err
    assert corrupt.read_bytes().startswith(b"this is not a database")


def test_store_failure_mid_poll_is_one_line_exit_1(
    tmp_path: Path, monkeypatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sqlite3

    from chipwatch.store import queries

    def full(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(queries, "update_feed_state", full)
    config = write_config(tmp_path / "config.toml", [str(DATA / "rss_basic.xml")])
    code, _, err = cli(
        capsys, "--config", str(config), "--db", str(tmp_path / "s.db"), "poll", "--once"
    )
    assert code == 1 and "disk is full" in err and "Traceback" not in err
    from chipwatch.store.db import open_db

    assert open_db(tmp_path / "s.db").execute("SELECT count(*) FROM articles").fetchone()[0] == 0


def test_forever_poller_stops_when_its_reader_goes_away(tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_bytes((DATA / "rss_basic.xml").read_bytes())
    config = write_config(tmp_path / "config.toml", [str(feed)])
    db = tmp_path / "s.db"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        cli_argv(config, db, "poll", "--json"),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        read_until(proc, lambda e: e["type"] == "feed")
        assert proc.stdout is not None
        proc.stdout.close()  # the monitor quit without a word
        proc.send_signal(signal.SIGUSR1)  # the next lines hit a closed pipe
        assert proc.wait(timeout=30) in (0, 1)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert not poller_running(db)


def test_second_ctrl_c_stops_at_once_without_a_traceback(tmp_path: Path) -> None:
    with FeedServer() as server:
        fast = server.add("/fast.xml", (DATA / "rss_basic.xml").read_bytes())
        slow = server.add("/slow.xml", (DATA / "rss_basic.xml").read_bytes(), drip=0.5)
        config = write_config(tmp_path / "config.toml", [fast, slow])
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        proc = subprocess.Popen(
            cli_argv(config, tmp_path / "s.db", "poll", "--json"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        try:
            read_until(proc, lambda e: e["type"] == "feed")
            proc.send_signal(signal.SIGINT)
            proc.send_signal(signal.SIGINT)
            assert proc.wait(timeout=20) in (0, 130)
            assert proc.stderr is not None and "Traceback" not in proc.stderr.read()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def test_second_sigint_cancels_the_main_task() -> None:
    import asyncio

    from chipwatch.pipeline.loop import Signals, install_signal_handlers

    signals = Signals()

    async def scenario() -> None:
        undo = install_signal_handlers(signals)
        try:
            os.kill(os.getpid(), signal.SIGINT)
            await asyncio.sleep(0.05)
            assert signals.stop.is_set()
            os.kill(os.getpid(), signal.SIGINT)
            await asyncio.sleep(5)
        finally:
            undo()

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(scenario())


def test_cancelled_poll_becomes_keyboard_interrupt(
    tmp_path: Path, monkeypatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    from chipwatch.commands import poll

    def cancelled(*args: object) -> int:
        raise asyncio.CancelledError

    monkeypatch.setattr(poll, "_run", cancelled)
    config = write_config(tmp_path / "config.toml", [str(DATA / "rss_basic.xml")])
    code, _, err = cli(
        capsys, "--config", str(config), "--db", str(tmp_path / "s.db"), "poll", "--once"
    )
    assert code == 130 and "interrupted" in err
