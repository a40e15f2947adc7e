"""A feed longer than [poll] max_new_per_feed crosses to the writer in a bounded slice
(issue 20: a single 100,000-item feed held every parsed article in the poller), and is
still written in one transaction: what it writes equals writing every article."""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from chipwatch.cli import main
from chipwatch.pipeline import spill as spill_mod
from chipwatch.pipeline import write as write_mod
from chipwatch.pipeline.workers import ParserPool
from tests.test_hostile_feeds import flood, poll_json

NOW = datetime(2025, 7, 16, 12, 0, tzinfo=UTC)


def _setup(tmp_path: Path, workers: int) -> tuple[Path, Path, Path]:
    feed, db, config = tmp_path / "flood.xml", tmp_path / "s.db", tmp_path / "config.toml"
    config.write_text(
        f'[poll]\nworkers = {workers}\nmax_new_per_feed = 100\n\n[[feeds]]\nurl = "{feed}"\n',
        encoding="utf-8",
    )
    return feed, db, config


def _crossing(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, bool]]:
    """Records, for each feed the writer gets, how many whole articles crossed."""
    seen: list[tuple[int, bool]] = []
    original = write_mod.store_articles

    def spy(services: Any, poll: Any, parsed: Any, outcome: Any, *, now: datetime) -> None:
        seen.append((len(parsed.articles), parsed.long is not None))
        original(services, poll, parsed, outcome, now=now)

    monkeypatch.setattr(write_mod, "store_articles", spy)
    return seen


def _stored(db: Path) -> dict[int, str]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT url, title FROM articles").fetchall()
    return {int(url.rsplit("/", 1)[1]): title for url, title in rows}


def test_a_long_feed_crosses_to_the_writer_as_max_new_per_feed_articles_not_all(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    feed, db, config = _setup(tmp_path, workers=2)  # a real worker process
    feed.write_bytes(flood(1500))
    seen = _crossing(monkeypatch)
    events = poll_json(config, db, NOW, capsys)
    (line,) = [e for e in events if e["type"] == "feed"]
    assert line["new"] == 100 and line["capped"] == 1400, line
    assert seen == [(100, True)]  # 100 whole articles crossed, not 1,500
    assert sorted(_stored(db)) == list(range(1400, 1500))


def test_a_long_feed_needing_older_articles_parses_them_again_in_its_transaction(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    feed, db, config = _setup(tmp_path, workers=2)
    feed.write_bytes(flood(1500))
    poll_json(config, db, NOW, capsys)
    # One item more, and item 1400 (stored; not among the newest 100 now) edited: the
    # writer needs it and the 99 new ones older than what it stored, none handed on.
    feed.write_bytes(flood(1501).replace(b"bulletin 1400 on", b"bulletin 1400 revised on"))
    picked: list[tuple[int, ...]] = []
    original = ParserPool.pick

    def spy(self: ParserPool, *args: Any) -> Any:
        picked.append(args[-1])
        return original(self, *args)

    monkeypatch.setattr(ParserPool, "pick", spy)
    seen = _crossing(monkeypatch)
    events = poll_json(config, db, NOW + timedelta(hours=1), capsys)
    (line,) = [e for e in events if e["type"] == "feed"]
    assert line["new"] == 100 and line["updated"] == 1 and line["capped"] == 1301, line
    assert seen == [(100, True)]
    assert picked == [tuple(range(1301, 1401))]  # positions = item numbers here
    stored = _stored(db)
    assert sorted(stored) == list(range(1301, 1501))
    assert stored[1400] == "Flood bulletin 1400 revised on wafer lot 9800"


def test_a_long_feed_whose_second_parse_fails_is_rolled_back_whole_and_read_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    feed, db, config = _setup(tmp_path, workers=1)
    feed.write_bytes(flood(1500))
    poll_json(config, db, NOW, capsys)
    feed.write_bytes(flood(1501))

    def broken(self: ParserPool, *args: Any) -> Any:
        raise RuntimeError("worker died")

    with monkeypatch.context() as patch:
        patch.setattr(ParserPool, "pick", broken)
        argv = ["--config", str(config), "--db", str(db), "poll", "--once", "--json"]
        assert main([*argv, "--now", (NOW + timedelta(hours=1)).isoformat()]) == 1
    events = [json.loads(text) for text in capsys.readouterr().out.splitlines()]
    (line,) = [e for e in events if e["type"] == "feed"]
    assert line["status"] == "failed" and "worker died" in line["error_detail"], line
    assert sorted(_stored(db)) == list(range(1400, 1500))  # nothing of this poll
    # The same body again: its hash was not recorded, so it is parsed and written.
    events = poll_json(config, db, NOW + timedelta(hours=2), capsys)
    (line,) = [e for e in events if e["type"] == "feed"]
    assert line["status"] == "ok" and line["new"] == 100, line
    assert sorted(_stored(db)) == list(range(1301, 1501))


def test_a_big_body_waits_in_a_temporary_file_not_in_the_poller_and_is_removed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 20: a 44 MB body was held by the poller through its parse and write, and
    # pickled to the worker. Past SPILL_BYTES it waits in a file the worker reads.
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    monkeypatch.setattr(spill_mod, "SPILL_BYTES", 10_000)
    feed, db, config = _setup(tmp_path, workers=2)
    feed.write_bytes(flood(1500))
    poll_json(config, db, NOW, capsys)
    feed.write_bytes(flood(1501).replace(b"bulletin 1400 on", b"bulletin 1400 revised on"))
    bodies: list[Any] = []
    files: list[list[str]] = []
    original_parse, original_store = ParserPool.parse, write_mod.store_articles

    async def parse(self: ParserPool, body: Any, *args: Any, **kwargs: Any) -> Any:
        bodies.append(body)
        return await original_parse(self, body, *args, **kwargs)

    def store(services: Any, poll: Any, parsed: Any, outcome: Any, *, now: datetime) -> None:
        files.append(sorted(p.name for p in temporary.iterdir()))
        original_store(services, poll, parsed, outcome, now=now)

    monkeypatch.setattr(ParserPool, "parse", parse)
    monkeypatch.setattr(write_mod, "store_articles", store)
    events = poll_json(config, db, NOW + timedelta(hours=1), capsys)
    (line,) = [e for e in events if e["type"] == "feed"]
    assert line["new"] == 100 and line["updated"] == 1, line  # older ones parsed again
    (body,) = bodies
    assert isinstance(body, spill_mod.Spilled)  # not the bytes
    assert [len(names) for names in files] == [1] and files[0][0].startswith("chipwatch-feed-")
    assert list(temporary.iterdir()) == []  # removed once the feed was written
    assert sorted(_stored(db)) == list(range(1301, 1501))


def test_a_body_left_by_a_killed_poller_is_removed_by_the_next_that_spills(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A poller killed while its body waited in a temporary file left the file there
    # for good (tens of MB each). Its name holds its process id: the next poller that
    # spills removes the files of processes that no longer run, and no other.
    import subprocess
    import sys

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(spill_mod, "SPILL_BYTES", 10)
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead = tmp_path / f"chipwatch-feed-{int(ended.stdout)}-abc.body"
    dead.write_bytes(b"x" * 100)
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        alive = tmp_path / f"chipwatch-feed-{running.pid}-def.body"
        alive.write_bytes(b"y" * 100)
        body = spill_mod.spill(b"z" * 100)
        assert isinstance(body, spill_mod.Spilled)
        assert not dead.exists() and alive.exists()
        assert os.path.basename(body.path).startswith(f"chipwatch-feed-{os.getpid()}-")
        body.remove()
    finally:
        running.kill()
        running.wait()
