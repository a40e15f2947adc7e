"""Store and path faults through the real ``chipwatch`` command line: a read-only
folder, XDG folders that are files, a store deleted or replaced under a running poller
(and the monitor's poller), and read-only commands on a store that does not exist.
Each is one line and an exit status, never a traceback, and nothing is created that
the user did not ask for.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from test_storage_faults import needs_namespace, seed_store

from chipwatch.tui.messages import PollBatch, PollerState
from chipwatch.tui.poller import PollerChild, poll_command
from tests.clirun import cli_argv

ROOT = Path(__file__).resolve().parent.parent
FEED = Path(__file__).parent / "data" / "feeds" / "rss_basic.xml"
NO_STORE = "no store at {db}: run `chipwatch poll` first, or check --db"


def busy_feed(path: Path) -> Path:
    """A local feed without a <ttl>: polled every second (``interval = "1s"``), so the
    poller writes to its store every round."""
    path.write_bytes(FEED.read_bytes().replace(b"<ttl>30</ttl>", b""))
    return path


def write_config(path: Path, feed: Path, extra: str = "") -> Path:
    path.write_text(
        f'[poll]\nworkers = 1\ninterval = "1s"\n\n[[feeds]]\nurl = "{feed}"\n{extra}',
        encoding="utf-8",
    )
    return path


def env_without(*names: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in names}
    return {**env, "PYTHONPATH": str(ROOT), **extra}


def one_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


def integrity_and_keys(path: Path) -> tuple[str, list[str]]:
    conn = sqlite3.connect(path)
    try:
        check = conn.execute("PRAGMA integrity_check").fetchone()[0]
        keys = [row[0] for row in conn.execute("SELECT key FROM articles ORDER BY key")]
        return check, keys
    finally:
        conn.close()


# --------------------------------------------------------------------------- missing store

READERS = [
    ["search", "licence"],
    ["digest", "--since", "all"],
    ["entities", "list"],
    ["watch", "test", "licence"],
    ["watch", "list"],
    ["feeds", "list"],
    ["feeds", "list", "--json"],
]


@pytest.mark.parametrize("argv", READERS, ids=[" ".join(a) for a in READERS])
def test_a_read_only_command_on_a_missing_store_says_so_and_creates_nothing(
    tmp_path: Path, argv: list[str]
) -> None:
    config = write_config(tmp_path / "config.toml", FEED, '\n[[watch]]\nquery = "licence"\n')
    db = tmp_path / "typo" / "deeper" / "chipwatch.db"
    result = subprocess.run(
        cli_argv(config, db, *argv), capture_output=True, text=True, env=env_without(), timeout=60
    )
    assert result.returncode == 1, result.stderr
    assert one_line(result.stderr) == "chipwatch: " + NO_STORE.format(db=db)
    assert result.stdout == ""
    assert not (tmp_path / "typo").exists()  # no folder, no empty store


# --------------------------------------------------------------------------- paths


def test_xdg_config_home_pointing_at_a_file_is_one_line_exit_2(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n", encoding="utf-8")
    env = env_without("CHIPWATCH_CONFIG", XDG_CONFIG_HOME=str(blocker), HOME=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-m", "chipwatch", "--db", str(tmp_path / "s.db"), "feeds", "list"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert str(blocker) in line and "$XDG_CONFIG_HOME" in line and "--config" in line


@pytest.mark.parametrize("argv", [["poll", "--once"], ["search", "x"], ["digest"]])
def test_xdg_data_home_pointing_at_a_file_is_one_line_exit_2(
    tmp_path: Path, argv: list[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n", encoding="utf-8")
    config = write_config(tmp_path / "config.toml", FEED)
    env = env_without("CHIPWATCH_DB", XDG_DATA_HOME=str(blocker), HOME=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-m", "chipwatch", "--config", str(config), *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert f"{blocker} is a file, not a folder" in line and "$XDG_DATA_HOME" in line
    assert blocker.read_text(encoding="utf-8") == "not a folder\n"


@needs_namespace
@pytest.mark.parametrize("existing", [False, True], ids=["no-store-yet", "existing-store"])
def test_poll_in_a_read_only_folder_is_one_line_exit_1_not_a_lock_traceback(
    tmp_path: Path, existing: bool
) -> None:
    folder = tmp_path / "store"
    folder.mkdir()
    db = folder / "chipwatch.db"
    if existing:
        seed_store(db, 5)
        Path(f"{db}.poll.lock").write_text("", encoding="utf-8")
    config = write_config(tmp_path / "config.toml", FEED)
    poll = " ".join(cli_argv(config, db, "poll", "--once"))
    digest = " ".join(cli_argv(config, db, "digest", "--since", "all"))
    script = (
        f"mount --bind {folder} {folder} && mount -o remount,ro,bind {folder} {folder} && "
        f"{{ {poll} > {tmp_path}/out 2> {tmp_path}/err; echo $? > {tmp_path}/rc; "
        f"{digest} > /dev/null 2> {tmp_path}/digest-err; true; }}"
    )
    subprocess.run(["unshare", "--mount", "sh", "-c", script], check=True, timeout=120)
    assert (tmp_path / "rc").read_text().strip() == "1"
    line = one_line((tmp_path / "err").read_text())
    assert str(db) in line and "the store's folder is read-only" in line
    if existing:  # the same words digest and search use for that folder
        digest_line = one_line((tmp_path / "digest-err").read_text())
        assert "the store's folder is read-only" in digest_line
        assert integrity_and_keys(db)[1] == [f"guid-{i}" for i in range(5)]
    else:
        assert sorted(p.name for p in folder.iterdir()) == []


# --------------------------------------------------------------------------- moved store


class Poller:
    """``chipwatch poll --json`` forever, read line by line."""

    def __init__(self, config: Path, db: Path) -> None:
        self.proc = subprocess.Popen(
            cli_argv(config, db, "poll", "--json"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env_without(),
        )

    def until(self, kind: str) -> dict:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            event = json.loads(line)
            if event["type"] == kind:
                return event
        raise AssertionError(f"the poller ended first: {self.finish()[1]}")

    def finish(self) -> tuple[list[dict], str]:
        """Wait for the exit (a generous deadline); the remaining lines and stderr."""
        out, err = self.proc.communicate(timeout=120)
        return [json.loads(line) for line in out.splitlines()], err

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


def test_a_store_deleted_under_a_running_poller_stops_it_with_one_line(tmp_path: Path) -> None:
    feed = busy_feed(tmp_path / "feed.xml")
    db = tmp_path / "chipwatch.db"
    poller = Poller(write_config(tmp_path / "config.toml", feed), db)
    try:
        assert poller.until("feed")["new"] == 3
        db.unlink()
        events, err = poller.finish()
    finally:
        poller.kill()
    assert poller.proc.returncode == 1
    line = one_line(err)
    assert str(db) in line and "deleted or moved away" in line
    assert events[-1]["type"] == "error" and events[-1]["message"] in line
    assert not db.exists()  # it did not make a new, empty store there either


def test_a_store_replaced_under_a_running_poller_stops_it_and_both_stay_whole(
    tmp_path: Path,
) -> None:
    feed = busy_feed(tmp_path / "feed.xml")
    db = tmp_path / "chipwatch.db"
    replacement = tmp_path / "backup.db"
    seed_store(replacement, 20)
    poller = Poller(write_config(tmp_path / "config.toml", feed), db)
    try:
        assert poller.until("feed")["new"] == 3
        os.link(db, tmp_path / "moved.db")  # the poller's file stays reachable
        os.replace(replacement, db)  # atomic: the path never goes missing
        events, err = poller.finish()
    finally:
        poller.kill()
    assert poller.proc.returncode == 1
    assert "was replaced" in one_line(err) and events[-1]["type"] == "error"
    # The poller's log was handed back to its own (moved) file, not replayed into the
    # replacement: each file holds exactly its own articles.
    moved_check, moved_keys = integrity_and_keys(tmp_path / "moved.db")
    assert moved_check == "ok" and len(moved_keys) == 3  # the feed's three articles
    assert integrity_and_keys(db) == ("ok", sorted(f"guid-{i}" for i in range(20)))


async def test_a_store_deleted_under_the_monitor_ends_its_poller_with_the_reason(
    tmp_path: Path,
) -> None:
    feed = busy_feed(tmp_path / "feed.xml")
    db = tmp_path / "chipwatch.db"
    posted: list[object] = []
    child = PollerChild(
        poll_command(write_config(tmp_path / "config.toml", feed), db), posted.append
    )
    task = asyncio.create_task(child.run())
    try:
        for _ in range(1200):  # the first batch of the first poll, however loaded the machine
            if any(isinstance(m, PollBatch) and m.feeds for m in posted):
                break
            await asyncio.sleep(0.05)
        db.unlink()
        await asyncio.wait_for(task, 120)
    finally:
        await child.stop()
    (ended,) = [m for m in posted if isinstance(m, PollerState) and m.state == "ended"]
    assert "deleted or moved away" in ended.detail and str(db) in ended.detail
