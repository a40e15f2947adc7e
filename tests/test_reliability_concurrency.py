"""The monitor, a headless poll and a digest on one store at the same time.

A real ``chipwatch poll --once`` ingests new feeds while, beside it, ``chipwatch
digest`` runs again and again in subprocesses and two "monitor" threads (each with its
own connection, as the TUI's thread workers have) read the timeline, entities, feed
health and stories and write user actions (pin a story) through
``write_transaction``. Nobody may see "database is locked", and no write — the poll's
articles or the user's pins — may be lost.
"""

from __future__ import annotations

import random
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from benchmarks.synth import write_feeds
from chipwatch.store import views
from chipwatch.store.db import open_db, write_transaction

NOW = "2025-01-03T00:00:00Z"
SEED_ARTICLES = 300
NEW_ARTICLES = 1200


def cli(config: Path, db_path: Path, *argv: str) -> list[str]:
    return [sys.executable, "-m", "chipwatch", "--config", str(config), "--db", str(db_path), *argv]


def write_config(config: Path, paths: list[Path]) -> None:
    feeds = "".join(f'[[feeds]]\nurl = "{p.as_uri()}"\n\n' for p in paths)
    config.write_text(f'[poll]\ninterval = "15m"\n\n{feeds}', encoding="utf-8")


class Monitor(threading.Thread):
    """Reads like the TUI's workers and pins stories, until told to stop."""

    def __init__(self, db_path: Path, story_ids: list[int], seed: int) -> None:
        super().__init__(daemon=True)
        self.db_path = db_path
        self.story_ids = story_ids
        self.rng = random.Random(seed)
        self.stop = threading.Event()
        self.errors: list[BaseException] = []
        self.pinned: set[int] = set()
        self.reads = 0

    def run(self) -> None:
        db = open_db(self.db_path)
        now = datetime(2025, 1, 3, tzinfo=UTC)
        try:
            while not self.stop.is_set():
                views.timeline_page(db, views.TimelineFilter(since="2024-12-01T00:00:00Z"))
                views.entity_counts(db, since=None, now=now)
                views.feed_health(db)
                views.poll_summary(db)
                views.story_view(db, self.rng.choice(self.story_ids))
                story = self.rng.choice(self.story_ids)
                if story not in self.pinned:
                    with write_transaction(db):
                        views.toggle_pinned(db, story)
                    self.pinned.add(story)
                self.reads += 1
        except BaseException as exc:  # reported by the test
            self.errors.append(exc)
        finally:
            db.close()


@pytest.mark.slow
def test_monitor_poll_and_digest_share_a_store_without_locks_or_lost_writes(tmp_path: Path) -> None:
    feeds_dir = tmp_path / "feeds"
    seed_paths = write_feeds(
        feeds_dir / "seed", SEED_ARTICLES, seed=1, per_feed=100, span=timedelta(days=1)
    )
    config, db_path = tmp_path / "config.toml", tmp_path / "store.db"
    write_config(config, seed_paths)
    first = subprocess.run(
        cli(config, db_path, "poll", "--once", "--now", NOW),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert first.returncode == 0, first.stderr
    db = open_db(db_path)
    story_ids = [row[0] for row in db.execute("SELECT id FROM stories")]
    db.close()
    assert story_ids

    new_paths = write_feeds(
        feeds_dir / "new", NEW_ARTICLES, seed=2, per_feed=100, span=timedelta(days=1)
    )
    write_config(config, seed_paths + new_paths)
    # each monitor pins its own half: toggling is not idempotent across two users
    monitors = [Monitor(db_path, story_ids[half::2], seed) for half, seed in ((0, 1), (1, 2))]
    for monitor in monitors:
        monitor.start()
    poll = subprocess.Popen(
        cli(config, db_path, "poll", "--once", "--now", NOW),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    digests: list[subprocess.CompletedProcess[str]] = []
    while poll.poll() is None or len(digests) < 2:
        digests.append(
            subprocess.run(
                cli(config, db_path, "digest", "--since", "all", "--format", "json", "--now", NOW),
                capture_output=True,
                text=True,
                timeout=120,
            )
        )
    _, poll_err = poll.communicate(timeout=120)
    for monitor in monitors:
        monitor.stop.set()
        monitor.join(timeout=60)

    assert poll.returncode == 0, poll_err
    assert "locked" not in poll_err
    for digest in digests:
        assert digest.returncode == 0, digest.stderr
        assert "locked" not in digest.stderr
    for monitor in monitors:
        assert not monitor.errors, monitor.errors
        assert monitor.reads > 0

    db = open_db(db_path)
    try:
        assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == (
            SEED_ARTICLES + NEW_ARTICLES
        )
        pinned = {row[0] for row in db.execute("SELECT id FROM stories WHERE pinned = 1")}
        wanted = set().union(*(m.pinned for m in monitors))
        merged = {
            row[0] for row in db.execute("SELECT id FROM stories WHERE merged_into IS NOT NULL")
        }
        assert wanted - merged <= pinned, "a user's pin was lost"
    finally:
        db.close()
