"""A poller killed alone (``kill -9`` of its pid, not its process group) leaves nothing.

What the OOM killer or a closed terminal does: only the poller's pid gets SIGKILL. Its
parse workers must die with it (``chipwatch.pipeline.lifeline``) and never hold the poll
lock (``chipwatch.pipeline.lock``), so the next poll runs. Every round adds new feeds
on a loopback server, starts a real poll, kills the poller pid alone at a seeded
random moment (during start-up, right after its workers were forked, or after a
random number of committed articles), then checks: within a generous deadline no
process of the tree remains (found through /proc by a tag in their environment, so
re-parented orphans count too), the lock is free, and after the last round a poll left
alone exits 0 and the store holds each served article exactly once.

Rounds: ``CHIPWATCH_KILL_ROUNDS`` (default 5 in the suite; the issue's 20 with
``CHIPWATCH_KILL_ROUNDS=20 python -m pytest tests/test_reliability_orphans.py``).
The same runs for the demo's poller child (its workers come from a fork server,
because it has a thread of its own), and for the monitor's child poller.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.synth import feed_document, generate_articles
from chipwatch.pipeline.lock import poller_running
from chipwatch.store.db import open_db
from tests import proctree
from tests.clirun import cli_argv
from tests.feedserver import FeedServer

pytestmark = pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc")

ROUNDS = int(os.environ.get("CHIPWATCH_KILL_ROUNDS", "5"))
FEEDS_PER_ROUND = 3
ARTICLES_PER_FEED = 120
GONE_WITHIN = 20.0  # seconds: a hang guard; the tree is gone in well under 2 s when idle
NOW = "2025-03-01T00:00:00Z"
SEED = 20251206


class FeedSet:
    """Loopback feeds that grow by FEEDS_PER_ROUND feeds each round; the config lists all."""

    def __init__(self, server: FeedServer, folder: Path, rounds: int = ROUNDS) -> None:
        self.server = server
        self.config = folder / "config.toml"
        self.urls: list[str] = []
        self.guids: set[str] = set()
        total = rounds * FEEDS_PER_ROUND * ARTICLES_PER_FEED
        self._articles = list(generate_articles(total, seed=SEED))

    def add_round(self) -> int:
        """Serve the next feeds; returns how many articles are new."""
        for _ in range(FEEDS_PER_ROUND):
            index = len(self.urls)
            batch = self._articles[index * ARTICLES_PER_FEED : (index + 1) * ARTICLES_PER_FEED]
            self.urls.append(self.server.add(f"/feed{index}.xml", feed_document(batch, index)))
            self.guids |= {article.guid for article in batch}
        feeds = "".join(f'[[feeds]]\nurl = "{url}"\n\n' for url in self.urls)
        # workers = 2: a process pool even on a one-core machine
        self.config.write_text(
            f'[poll]\ninterval = "15m"\nworkers = 2\n\n{feeds}', encoding="utf-8"
        )
        return FEEDS_PER_ROUND * ARTICLES_PER_FEED


def committed(log: Path) -> int:
    """Articles the poll printed (after their transaction committed)."""
    count = 0
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            count += json.loads(line).get("type") == "article"
        except (json.JSONDecodeError, AttributeError):
            continue  # the line being written when the process died
    return count


def wait_for_moment(
    process: subprocess.Popen[bytes], log: Path, rng: random.Random, round_number: int
) -> None:
    """A seeded random moment of three kinds, in turn: start-up; just after the parse
    workers were forked; after a random number of committed articles."""
    kind = round_number % 3
    if kind == 0:
        time.sleep(rng.uniform(0.05, 0.6))
        return
    if kind == 1:
        proctree.wait_until(lambda: bool(proctree.descendants(process.pid)), 60)
        time.sleep(rng.uniform(0.0, 0.2))
        return
    wanted = rng.randrange(1, FEEDS_PER_ROUND * ARTICLES_PER_FEED - 20)
    proctree.wait_until(lambda: process.poll() is not None or committed(log) >= wanted, 60)
    time.sleep(rng.uniform(0.0, 0.05))


def kill_poller_alone(pid: int, tag: str) -> list[int]:
    """SIGKILL ``pid`` only; returns the tree it had, after checking all of it is gone."""
    tree = proctree.descendants(pid)
    os.kill(pid, signal.SIGKILL)
    gone = proctree.wait_until(lambda: not proctree.survivors(tag, tree), GONE_WITHIN)
    assert gone, "left behind:\n" + proctree.describe(proctree.survivors(tag, tree))
    return tree


def check_store(db_path: Path, served: set[str]) -> None:
    """Nothing lost, nothing doubled: one row per served article, no other."""
    db = open_db(db_path)
    try:
        guids = [row[0] for row in db.execute("SELECT guid FROM articles").fetchall()]
        urls = db.execute("SELECT count(*), count(DISTINCT url) FROM articles").fetchone()
    finally:
        db.close()
    assert len(guids) == len(set(guids)), "an article is stored twice"
    assert urls[0] == urls[1]
    assert {guid.removeprefix("urn:") for guid in guids} == served  # Atom ids are URNs


def poll_argv(kind: str, tmp_path: Path, config: Path, db_path: Path, *args: str) -> list[str]:
    argv = cli_argv(config, db_path, *args)
    if kind == "demo-child":  # python -m chipwatch.demo.child DIR <chipwatch args>
        return [sys.executable, "-m", "chipwatch.demo.child", str(tmp_path), *argv[3:]]
    return argv


@pytest.fixture
def tree() -> Iterator[tuple[str, dict[str, str]]]:
    """A tag for the test's process tree and an environment carrying it; whatever
    still carries it at the end is killed (a failed test must not leave orphans)."""
    tag, env = proctree.tagged_env()
    yield tag, env
    proctree.kill_all(proctree.live_tagged(tag))


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["poll", "demo-child"])
def test_kill9_of_poller_leaves_no_orphan_holding_the_lock(
    tmp_path: Path, kind: str, tree: tuple[str, dict[str, str]]
) -> None:
    rng = random.Random(f"{SEED}-{kind}")
    db_path = tmp_path / "store.db"
    tag, env = tree
    with FeedServer() as server:
        feeds = FeedSet(server, tmp_path)
        killed_with_workers = 0
        for round_number in range(ROUNDS):
            feeds.add_round()
            log = tmp_path / f"poll-{round_number}.jsonl"
            argv = poll_argv(kind, tmp_path, feeds.config, db_path, "poll", "--once", "--json")
            with log.open("wb") as out:
                process = subprocess.Popen(
                    [*argv, "--now", NOW], stdout=out, stderr=subprocess.DEVNULL, env=env
                )
            wait_for_moment(process, log, rng, round_number)
            killed_with_workers += bool(kill_poller_alone(process.pid, tag))
            process.wait(timeout=30)
            assert not poller_running(db_path), f"round {round_number}: the lock is held"
        # the kills really hit pollers with workers (not only finished polls)
        assert killed_with_workers >= ROUNDS // 2
        final = subprocess.run(
            [*poll_argv(kind, tmp_path, feeds.config, db_path, "poll", "--once"), "--now", NOW],
            capture_output=True,
            text=True,
            timeout=300,
            env=env,
        )
        assert final.returncode == 0, final.stdout + final.stderr
        assert "already polling" not in final.stderr
        check_store(db_path, feeds.guids)
    assert proctree.wait_until(lambda: not proctree.live_tagged(tag), GONE_WITHIN)


# ---------------------------------------------------------------- the mechanisms, alone

POOL_SCRIPT = """
import asyncio, sys, time
from datetime import UTC, datetime
sys.path.insert(0, {root!r})
from chipwatch.pipeline import lifeline
if "--no-pdeathsig" in sys.argv:  # leave only the portable fallback
    lifeline.set_parent_death_signal = lambda: False
from chipwatch.pipeline.lock import poll_lock
from chipwatch.pipeline.workers import ParserPool

with poll_lock(sys.argv[1]), ParserPool(2) as pool:
    pool.start()
    parsed = asyncio.run(pool.parse(b"<rss/>", {{}}, "http://x/", datetime.now(UTC)))
    print("ready", flush=True)
    time.sleep(600)
"""


def start_pool_script(tmp_path: Path, *flags: str) -> tuple[subprocess.Popen[str], list[int]]:
    """A process that holds the poll lock and a pool of two forked parse workers."""
    script = tmp_path / "pool.py"
    script.write_text(POOL_SCRIPT.format(root=str(Path(__file__).parent.parent)), "utf-8")
    process = subprocess.Popen(
        [sys.executable, str(script), str(tmp_path / "store.db"), *flags],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    workers = proctree.descendants(process.pid)
    assert len(workers) == 2, proctree.describe(workers)
    return process, workers


def holds(pid: int, path: Path) -> bool:
    """Whether process ``pid`` has a descriptor open on ``path``."""
    folder = Path(f"/proc/{pid}/fd")
    for fd in folder.iterdir():
        try:
            if os.readlink(fd) == str(path):
                return True
        except OSError:
            continue
    return False


def test_parse_workers_hold_no_lock_and_sigterm_ends_them(tmp_path: Path) -> None:
    """Forked workers used to share the poll lock's file description and the poller's
    asyncio signal handlers (SIGTERM did nothing)."""
    process, workers = start_pool_script(tmp_path)
    try:
        lock = tmp_path / "store.db.poll.lock"
        assert holds(process.pid, lock)
        assert not any(holds(worker, lock) for worker in workers)
        for worker in workers:
            # the pool may already have ended the second when the first died (a broken
            # pool terminates its workers): gone is what this test waits for
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker, signal.SIGTERM)
        assert proctree.wait_until(lambda: not any(map(proctree.running, workers)), 30)
    finally:
        process.kill()
        process.wait()
        proctree.kill_all(workers)


def test_workers_die_with_a_killed_poller_without_pdeathsig(tmp_path: Path) -> None:
    """The portable fallback alone (no prctl): the workers notice they were orphaned."""
    process, workers = start_pool_script(tmp_path, "--no-pdeathsig")
    process.kill()
    process.wait()
    try:
        gone = proctree.wait_until(lambda: not any(map(proctree.running, workers)), GONE_WITHIN)
        assert gone, proctree.describe(workers)
    finally:
        proctree.kill_all(workers)
    assert not poller_running(tmp_path / "store.db")
