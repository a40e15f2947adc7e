"""Crash safety: SIGKILL ``chipwatch poll`` at random moments, twenty times in a row.

Each round adds new feed files (so every poll has real work to be killed in), starts a
real ``chipwatch poll --once --json`` and kills it with SIGKILL after a seeded random
delay. ``poll --json`` prints an article only after its transaction committed, so every
article printed before the kill must be in the store afterwards. After every kill the
store passes ``PRAGMA integrity_check`` and holds no article twice; a last poll, left
alone, completes and stores everything.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest

from benchmarks.synth import SynthArticle, feed_document, generate_articles
from chipwatch.store.db import open_db
from tests.clirun import cli_argv

ROUNDS = 20
FEEDS_PER_ROUND = 3
ARTICLES_PER_FEED = 100
SEED = 20251125


def write_round_feeds(folder: Path, round_number: int, articles: list[SynthArticle]) -> list[Path]:
    paths = []
    for feed in range(FEEDS_PER_ROUND):
        start = (round_number * FEEDS_PER_ROUND + feed) * ARTICLES_PER_FEED
        batch = articles[start : start + ARTICLES_PER_FEED]
        path = folder / f"round{round_number:02d}-feed{feed}.xml"
        path.write_bytes(feed_document(batch, round_number * FEEDS_PER_ROUND + feed))
        paths.append(path)
    return paths


def write_config(config: Path, paths: list[Path]) -> None:
    feeds = "".join(f'[[feeds]]\nurl = "{p.as_uri()}"\n\n' for p in paths)
    config.write_text(f'[poll]\ninterval = "15m"\n\n{feeds}', encoding="utf-8")


def start_poll(config: Path, db_path: Path, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        cli_argv(config, db_path, "poll", "--once", "--json", "--now", "2025-03-01T00:00:00Z"),
        stdout=log.open("wb"),
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the poll itself, then any parse worker it left behind (same session)."""
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def wait_for_moment(
    process: subprocess.Popen[bytes], log: Path, rng: random.Random, round_number: int
) -> bool:
    """Wait for a seeded random moment; True if the poll was still running then.

    Most rounds wait until a random number of articles has been committed (so the kill
    lands inside ingest whatever the machine's speed), then a random few milliseconds
    more; every fifth round kills at a random time during start-up instead.
    """
    if round_number % 5 == 4:
        time.sleep(rng.uniform(0.0, 0.6))
        return process.poll() is None
    wanted = rng.randrange(1, FEEDS_PER_ROUND * ARTICLES_PER_FEED - 20)
    deadline = time.monotonic() + 60  # a hang guard, not a speed assertion
    while process.poll() is None and time.monotonic() < deadline:
        if len(committed_urls(log)) >= wanted:
            break
        time.sleep(0.01)
    time.sleep(rng.uniform(0.0, 0.05))
    return process.poll() is None


def committed_urls(log: Path) -> set[str]:
    urls = set()
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue  # the line being written when the process died
        if event.get("type") == "article":
            urls.add(event["url"])
    return urls


def check_store(db_path: Path) -> set[str]:
    db = open_db(db_path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = db.execute("SELECT url, count(*) FROM articles GROUP BY url").fetchall()
        assert all(count == 1 for _, count in rows), "an article is stored twice"
        orphans = db.execute(
            "SELECT count(*) FROM articles a LEFT JOIN stories s "
            "ON s.id = a.story_id WHERE a.story_id IS NOT NULL "
            "AND s.id IS NULL"
        ).fetchone()[0]
        assert orphans == 0
        return {url for url, _ in rows}
    finally:
        db.close()


@pytest.mark.slow
def test_twenty_kills_in_a_row_lose_nothing_and_duplicate_nothing(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    total = ROUNDS * FEEDS_PER_ROUND * ARTICLES_PER_FEED
    articles = list(generate_articles(total, seed=SEED))
    feeds_dir = tmp_path / "feeds"
    feeds_dir.mkdir()
    config, db_path = tmp_path / "config.toml", tmp_path / "store.db"
    paths: list[Path] = []
    ever_committed: set[str] = set()
    kills_during_work = 0
    interrupted_ingest = 0
    for round_number in range(ROUNDS):
        paths += write_round_feeds(feeds_dir, round_number, articles)
        write_config(config, paths)
        log = tmp_path / f"poll-{round_number:02d}.jsonl"
        process = start_poll(config, db_path, log)
        still_running = wait_for_moment(process, log, rng, round_number)
        kill_group(process)
        committed = committed_urls(log)
        kills_during_work += still_running
        ever_committed |= committed
        stored = check_store(db_path)
        assert ever_committed <= stored, f"round {round_number}: committed articles lost"
        written = (round_number + 1) * FEEDS_PER_ROUND * ARTICLES_PER_FEED
        interrupted_ingest += len(stored) < written
    assert kills_during_work >= ROUNDS * 3 // 4  # the kills really interrupted work
    assert interrupted_ingest >= ROUNDS // 2  # ... in the middle of ingesting
    final = subprocess.run(
        cli_argv(config, db_path, "poll", "--once", "--json", "--now", "2025-03-01T00:00:00Z"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert final.returncode == 0, final.stderr
    stored = check_store(db_path)
    assert stored == {a.url for a in articles}
