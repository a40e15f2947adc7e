"""Parse workers that end with the poller that started them.

A worker is forked from the poller (start method "fork") or from the fork server the
poller started ("forkserver"). Nothing else stops it when the poller is killed alone
(``kill -9``, the OOM killer, a closed terminal): it would wait for work for ever and
keep the monitor's stdout pipe open. A forked worker also inherits the poller's asyncio
signal handlers, which make SIGTERM a no-op and would write the signal into the
poller's own event loop. :func:`worker_init` runs first in every worker and fixes both:

- signals: SIGTERM and SIGHUP end the worker again (default action); SIGINT and SIGUSR1
  are ignored, because their meaning belongs to the poller (a Ctrl-C reaches the whole
  process group; the poller stops between transactions and then shuts its workers
  down); the inherited wakeup descriptor (the poller's event loop) is dropped;
- Linux: ``prctl(PR_SET_PDEATHSIG, SIGKILL)``: the kernel kills the worker as soon as
  its parent ends. The signal follows the parent *thread* that forked; ours is always
  a main thread (the poller forks only while single-threaded, see
  ``workers.ParserPool.start``; the fork server forks from its main thread);
- everywhere: a daemon thread ends the worker once it was re-parented (its parent
  died) or the poller is gone, checked every ``CHECK_EVERY`` seconds.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time

CHECK_EVERY = 0.2  # seconds between the fallback's looks at the parent and the poller
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def worker_init(owner: int) -> None:
    """The pool's initializer. ``owner``: the pid of the poller that made the pool."""
    _default_signals()
    parent = os.getppid()
    set_parent_death_signal()
    # The owner may have died before the line above: then nobody would signal us.
    if (parent != owner and not alive(owner)) or os.getppid() != parent:
        os._exit(1)
    watch_parent(parent, owner)


def _default_signals() -> None:
    with contextlib.suppress(ValueError):  # only possible on the main thread
        signal.set_wakeup_fd(-1)
    for number in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, signal.SIG_DFL)
    for number in (signal.SIGINT, signal.SIGUSR1):
        signal.signal(number, signal.SIG_IGN)


def set_parent_death_signal() -> bool:
    """Ask Linux to SIGKILL this process when its parent ends; False elsewhere."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def watch_parent(parent: int, owner: int, *, every: float = CHECK_EVERY) -> threading.Thread:
    """Start the portable fallback: exit at once when ``parent`` or ``owner`` is gone."""

    def watch() -> None:
        while os.getppid() == parent and alive(owner):
            time.sleep(every)
        os._exit(1)  # nothing of ours to clean up: the poller's store is not ours

    thread = threading.Thread(target=watch, name="chipwatch-lifeline", daemon=True)
    thread.start()
    return thread


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead but not yet reaped, counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[-1].split()
    except OSError:
        return True  # no /proc: trust kill(0)
    return not fields or fields[0] not in (b"Z", b"X")
