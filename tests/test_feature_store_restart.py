"""A first import killed before its settle pass leaves its articles waiting, each with
the features its parse worker computed (``unsettled.features``); the next ``poll
--once``, a new process with nothing in memory, settles them from those rows without
computing a single doc's features again, into the stories of an import never killed.
A real ``chipwatch poll`` child on a loopback feed server, SIGKILLed (session 28,
branch featstore)."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import chipwatch.clustering.documents as documents
from benchmarks.synth import feed_document, generate_articles
from chipwatch.cli import main
from tests.clirun import cli_argv
from tests.feedserver import FeedServer

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
STAMP = "2026-12-07T12:00:00Z"
FEEDS, PER_FEED = 6, 50
COUNT = FEEDS * PER_FEED


@pytest.fixture
def server() -> Iterator[FeedServer]:
    """The feeds, and one that answers only after a long while: a poll waits for it
    before its settle pass, with every other feed's articles stored."""
    articles = list(generate_articles(COUNT, start=NOW - timedelta(days=3), span=timedelta(days=2)))
    with FeedServer() as feeds:
        for i in range(FEEDS):
            feeds.add(f"/f{i}.xml", feed_document(articles[i * PER_FEED : (i + 1) * PER_FEED], i))
        feeds.add("/slow.xml", feed_document(articles[:1], FEEDS), delay=300.0)
        yield feeds


def _config(path: Path, server: FeedServer) -> Path:
    names = [f"/f{i}.xml" for i in range(FEEDS)] + ["/slow.xml"]
    feeds = "".join(f'[[feeds]]\nurl = "{server.url(name)}"\n\n' for name in names)
    path.write_text(f'[poll]\nworkers = 2\ntimeout = "600s"\n\n{feeds}', encoding="utf-8")
    return path


def _waiting(db_path: Path) -> tuple[int, int]:
    """(articles waiting for the settle pass, of which with features kept), read while
    the poller writes (the store is in WAL mode)."""
    if not db_path.exists():
        return 0, 0
    with contextlib.closing(sqlite3.connect(db_path, timeout=30)) as conn:
        try:
            row = conn.execute("SELECT count(*), count(features) FROM unsettled").fetchone()
        except sqlite3.OperationalError:  # not migrated yet
            return 0, 0
    return int(row[0]), int(row[1])


def _kill_before_the_settle(config: Path, db_path: Path) -> None:
    child = subprocess.Popen(
        cli_argv(config, db_path, "poll", "--once", "--now", STAMP),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120  # a hang guard, not a speed assertion
        while _waiting(db_path)[0] < COUNT and time.monotonic() < deadline:
            assert child.poll() is None, "the poll ended before it was killed"
            time.sleep(0.05)
        assert child.poll() is None, "the poll ended before it was killed"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)  # its parse workers


def _partition(db_path: Path) -> frozenset[frozenset[str]]:
    with contextlib.closing(sqlite3.connect(db_path)) as conn:
        rows = conn.execute("SELECT key, story_id FROM articles").fetchall()
    assert all(story is not None for _, story in rows), "an article was left without a story"
    groups: dict[int, set[str]] = {}
    for key, story in rows:
        groups.setdefault(story, set()).add(key)
    return frozenset(frozenset(g) for g in groups.values())


def test_a_settle_after_a_killed_first_import_reads_the_kept_features_and_computes_none(
    tmp_path: Path, server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _config(tmp_path / "config.toml", server)
    killed = tmp_path / "killed.db"
    _kill_before_the_settle(config, killed)
    assert _waiting(killed) == (COUNT, COUNT)
    with contextlib.closing(sqlite3.connect(killed)) as conn:
        placed = conn.execute("SELECT count(*) FROM articles WHERE story_id IS NOT NULL")
        assert placed.fetchone()[0] == 0, "the settle pass ran before the kill"

    server.route("/slow.xml").delay = 0.0
    computed: list[int] = []
    decoded: list[int] = []
    real_features, real_decode = documents.doc_features, documents.decode_fields

    def counted_features(*args: Any) -> Any:
        computed.append(1)
        return real_features(*args)

    def counted_decode(data: object) -> Any:
        found = real_decode(data)
        decoded.append(found is not None)
        return found

    monkeypatch.setattr(documents, "doc_features", counted_features)
    monkeypatch.setattr(documents, "decode_fields", counted_decode)
    argv = ["--config", str(config), "--db", str(killed), "poll", "--once", "--now", STAMP]
    assert main(argv) == 0
    assert computed == [], "the settle pass computed features the store kept"
    assert len(decoded) >= COUNT and all(decoded)
    assert _waiting(killed) == (0, 0), "kept features outlived the settle pass"
    monkeypatch.undo()

    clean = tmp_path / "clean.db"
    assert (
        main(["--config", str(config), "--db", str(clean), "poll", "--once", "--now", STAMP]) == 0
    )
    assert _partition(killed) == _partition(clean)
