"""Copying the write-ahead log back into the database file, off the writer's thread.

SQLite runs a checkpoint (copy the WAL into the database file, with an fsync of each)
in the connection whose commit takes the WAL past ``wal_autocheckpoint`` pages (1,000
by default). During a big first ingest that connection is the poller's only store
writer, which then waits for the disk: ~20 µs per article of its ~100 µs of store work
(measured on 10,000 articles). :class:`Checkpointer` runs those checkpoints on its own
thread and connection, woken after each commit; the writer's automatic checkpoint
stays, at :data:`BACKSTOP_PAGES`, for when this thread falls behind. A ``PASSIVE``
checkpoint never blocks the writer or readers; what it cannot copy yet (a reader still
needs it) waits for the next one. Stored data is the same either way.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from chipwatch.store.db import StoreError, open_reader, plain

if TYPE_CHECKING:  # annotations only: an unchanged poll never imports sqlite_utils
    from chipwatch.store.db import AnyConnection

BACKSTOP_PAGES = 10_000  # ~40 MB of WAL before the writer checkpoints for itself
EVERY = 4  # commits per checkpoint: pages written by several commits are copied once


def defer_checkpoints(db: AnyConnection) -> None:
    """Let ``db`` (the writer's connection) leave checkpoints to a :class:`Checkpointer`."""
    plain(db).execute(f"PRAGMA wal_autocheckpoint = {BACKSTOP_PAGES}")


class Checkpointer:
    """A thread that checkpoints the store at ``db_path`` after the commits it is told of.

    ``committed()`` is cheap and never blocks; commits made while a checkpoint runs
    are covered by one more. ``close()`` runs a last checkpoint for the commits told of,
    then stops the thread. Errors (a full disk, a read-only store) are left to the
    writer, which meets and reports them itself.
    """

    def __init__(self, db_path: Path | str, *, every: int = EVERY) -> None:
        self.db_path = Path(db_path)
        self.every = every
        self.checkpoints = 0  # completed, for tests and benchmarks
        self._commits = 0
        self._wake = threading.Event()
        self._stop = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread (after any worker processes were forked)."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name="chipwatch-checkpoint", daemon=True
            )
            self._thread.start()

    def committed(self) -> None:
        """A write transaction committed: checkpoint soon (after every ``every``-th)."""
        self._commits += 1
        if self._commits >= self.every:
            self._commits = 0
            self._wake.set()

    def close(self) -> None:
        """Checkpoint what was committed, then stop the thread."""
        if self._thread is not None:
            self._stop = True
            self._wake.set()
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        try:
            db = open_reader(self.db_path)  # a plain connection: no sqlite_utils to import
        except StoreError:
            return
        try:
            while True:
                self._wake.wait()
                self._wake.clear()
                stopping = self._stop  # read first: a commit told of meanwhile gets a turn
                self._checkpoint(db)
                if stopping:
                    return
        finally:
            db.close()

    def _checkpoint(self, db: sqlite3.Connection) -> None:
        try:
            db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error:
            return
        self.checkpoints += 1
