"""The checkpointer: commits reach the database file without the writer checkpointing."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from chipwatch.store.checkpoint import BACKSTOP_PAGES, Checkpointer, defer_checkpoints
from chipwatch.store.db import open_db, write_transaction


def _fill(db, rows: int, start: int = 0) -> None:
    with write_transaction(db):
        db.conn.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?)",
            [(f"k{i}", "x" * 500) for i in range(start, start + rows)],
        )


def _rows_in_main_file(db_path: Path, tmp_path: Path) -> int:
    """Rows readable from the database file alone, as if the WAL were lost."""
    copy = tmp_path / "copy.db"
    shutil.copyfile(db_path, copy)
    conn = sqlite3.connect(copy)
    try:
        return int(conn.execute("SELECT count(*) FROM meta").fetchone()[0])
    finally:
        conn.close()


def test_commits_reach_the_database_file_off_the_writer(db_path: Path, tmp_path: Path) -> None:
    db = open_db(db_path)
    defer_checkpoints(db)
    assert db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == BACKSTOP_PAGES
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    checkpointer = Checkpointer(db_path, every=2)
    checkpointer.start()
    for batch in range(6):
        _fill(db, 200, start=batch * 200)
        checkpointer.committed()
    checkpointer.close()
    assert checkpointer.checkpoints >= 1
    assert _rows_in_main_file(db_path, tmp_path) == 1200
    db.close()


def test_without_it_the_writer_leaves_commits_in_the_wal(db_path: Path, tmp_path: Path) -> None:
    """The control: deferred checkpoints and no checkpointer keep the file behind."""
    db = open_db(db_path)
    defer_checkpoints(db)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for batch in range(6):
        _fill(db, 200, start=batch * 200)
    assert _rows_in_main_file(db_path, tmp_path) == 0
    db.close()


def test_an_unusable_store_stops_the_thread_quietly(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the store's folder should be")
    checkpointer = Checkpointer(blocker / "store.db")
    checkpointer.start()
    checkpointer.committed()
    checkpointer.close()
    assert checkpointer.checkpoints == 0
