"""One poller per store: an advisory lock on ``<db>.poll.lock`` (fcntl.flock).

The lock dies with the process that holds it (even on SIGKILL), so a crashed poller
never blocks the next one. An flock belongs to the open file description, and a forked
child shares its parent's descriptions: a parse worker that outlived a killed poller
would hold the lock for ever. So no child ever keeps it: the descriptor is opened
close-on-exec (children that exec, such as the forkserver and notifier programs, never
see it) and closed in every forked child right after the fork (``os.register_at_fork``).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from chipwatch.errors import WorkFailed

_HELD: set[int] = set()  # descriptors of the locks this process holds


def _close_held_in_child() -> None:
    """After a fork, in the child: drop our copies of the lock descriptors, so only the
    poller itself holds the lock (the parent's lock is untouched by the child's close)."""
    for fd in _HELD:
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD.clear()


os.register_at_fork(after_in_child=_close_held_in_child)


class PollerBusy(WorkFailed):
    """Another poller holds this store's lock."""


def lock_path(db_path: Path | str) -> Path:
    """Where the poll lock of the store at ``db_path`` lives."""
    return Path(f"{db_path}.poll.lock")


@contextlib.contextmanager
def poll_lock(db_path: Path | str) -> Iterator[None]:
    """Hold the store's poll lock, or raise :class:`PollerBusy` naming the holder."""
    fd = _open_lock(Path(db_path))
    path = lock_path(db_path)
    _HELD.add(fd)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            holder = _holder(path)
            raise PollerBusy(
                f"another chipwatch poll{holder} is already polling {db_path}; "
                "stop it first (the monitor starts one of its own)"
            ) from exc
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
        yield
    finally:
        if fd in _HELD:  # not in a forked child that unwinds: its copy is already closed
            _HELD.discard(fd)
            os.close(fd)


def _open_lock(db_path: Path) -> int:
    """The lock file's descriptor (close-on-exec), opened beside the store; a folder where
    it cannot be made (read-only, not a folder) is the store's own one-line error, exit 1."""
    from chipwatch.store.db import folder_error

    path = lock_path(db_path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
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
