"""A big feed body waits in a temporary file, not in the poller, while it is parsed and
its feed written (issue 20).

A 44 MB body (one 100,000-item feed) was held by the poller through its parse and,
for a long feed (:mod:`.longfeed`), until the feed was written; and handing it to a
parse worker pickled it, briefly twice its size again. Past :data:`SPILL_BYTES` the
poller writes it to a temporary file and drops it; the worker reads the file, and so
does a second parse of a long feed. The poller removes the file once the feed is
written (or failed). A poller killed meanwhile leaves the file in the system's
temporary folder, named ``chipwatch-feed-<pid>-*.body``: the next poller that spills a
body removes the files of processes that no longer run.
"""

from __future__ import annotations

import contextlib
import glob
import os
import tempfile
from dataclasses import dataclass

SPILL_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Spilled:
    """A feed body in a temporary file (picklable: its path)."""

    path: str

    def read(self) -> bytes:
        with open(self.path, "rb") as handle:
            return handle.read()

    def remove(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)


Body = bytes | Spilled


def spill(body: bytes) -> Body:
    """``body`` itself when small, else the file it was written to (itself again when
    it cannot be written: a full or read-only temporary folder costs only memory)."""
    if len(body) <= SPILL_BYTES:
        return body
    remove_stale()
    try:
        handle, path = tempfile.mkstemp(prefix=f"chipwatch-feed-{os.getpid()}-", suffix=".body")
    except OSError:
        return body
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(body)
    except OSError:
        Spilled(path).remove()
        return body
    return Spilled(path)


def unspill(body: Body) -> bytes:
    return body.read() if isinstance(body, Spilled) else body


def discard(body: Body | None) -> None:
    if isinstance(body, Spilled):
        body.remove()


def remove_stale(folder: str | None = None) -> list[str]:
    """Remove the bodies that pollers killed while they spilled left behind (their
    process no longer runs); returns their paths. A file whose process runs, or whose
    owner cannot be told, stays."""
    removed: list[str] = []
    pattern = os.path.join(folder or tempfile.gettempdir(), "chipwatch-feed-*-*.body")
    for path in glob.glob(pattern):
        pid = os.path.basename(path).split("-")[2]
        if not pid.isdigit() or int(pid) == os.getpid() or _running(int(pid)):
            continue
        Spilled(path).remove()
        removed.append(path)
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process, or the pid cannot be asked about
        return True
    return True
