"""A big feed body waits in a temporary file, not in the poller, while it is parsed and
its feed written (issue 20).

A 44 MB body (one 100,000-item feed) was held by the poller through its parse and,
for a long feed (:mod:`.longfeed`), until the feed was written; and handing it to a
parse worker pickled it, briefly twice its size again. Past :data:`SPILL_BYTES` the
poller writes it to a temporary file and drops it; the worker reads the file, and so
does a second parse of a long feed. The poller removes the file once the feed is
written (or failed). A poller killed meanwhile leaves the file in the system's
temporary folder, named ``chipwatch-feed-*.body``; nothing reads it again.
"""

from __future__ import annotations

import contextlib
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
    try:
        handle, path = tempfile.mkstemp(prefix="chipwatch-feed-", suffix=".body")
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
