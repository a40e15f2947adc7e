"""One poller per store: an advisory lock on ``<db>.poll.lock`` (fcntl.flock).

The lock dies with the process that holds it (even on SIGKILL), so a crashed poller
never blocks the next one.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from chipwatch.errors import WorkFailed


class PollerBusy(WorkFailed):
    """Another poller holds this store's lock."""


def lock_path(db_path: Path | str) -> Path:
    """Where the poll lock of the store at ``db_path`` lives."""
    return Path(f"{db_path}.poll.lock")


@contextlib.contextmanager
def poll_lock(db_path: Path | str) -> Iterator[None]:
    """Hold the store's poll lock, or raise :class:`PollerBusy` naming the holder."""
    handle = _open_lock(Path(db_path))
    path = lock_path(db_path)
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            holder = _holder(path)
            raise PollerBusy(
                f"another chipwatch poll{holder} is already polling {db_path}; "
                "stop it first (the monitor starts one of its own)"
            ) from exc
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()


def _open_lock(db_path: Path) -> IO[str]:
    """The lock file, opened for writing beside the store; a folder where it cannot be
    made (read-only, not a folder) is the store's own one-line error, exit 1."""
    from chipwatch.store.db import folder_error

    try:
        lock_path(db_path).parent.mkdir(parents=True, exist_ok=True)
        return lock_path(db_path).open("a+", encoding="utf-8")
    except OSError as exc:
        raise folder_error(db_path, exc) from exc


def poller_running(db_path: Path | str) -> bool:
    """True when some process is polling the store at ``db_path`` right now."""
    path = lock_path(db_path)
    if not path.exists():
        return False
    with path.open("r", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        return False


def poller_pid(db_path: Path | str) -> int | None:
    """The pid of the process polling the store (to send it SIGUSR1), or None."""
    if not poller_running(db_path):
        return None
    try:
        text = lock_path(db_path).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _holder(path: Path) -> str:
    try:
        pid = path.read_text(encoding="utf-8").strip()
    except OSError:
        return ""
    return f" (pid {pid})" if pid.isdigit() else ""
