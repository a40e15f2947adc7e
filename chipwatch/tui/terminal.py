"""The monitor's terminal going away, and SIGTERM: the app exits, with its poller.

When a terminal is closed (its window, a tmux pane or the tmux server killed), the
kernel hangs it up: SIGHUP to the session, and its reads and writes fail from then on.
Two things kept a monitor running without a terminal:

- SIGHUP's default action ends the process only when SIGHUP is not ignored, and an
  ignored disposition is inherited across exec: a monitor started by a program that
  ignores SIGHUP (``nohup``, some supervisors and agents) never saw it;
- Textual's input thread then reads end-of-file from the terminal, and goes on
  waiting for input that cannot come (the app never learns its terminal is gone).

So, while the app runs, SIGTERM and SIGHUP ask it to exit (it restores the terminal
and stops its poller child on the way out, as when ``q`` is pressed), and the app
checks its terminal every :data:`HANGUP_CHECK_SECONDS` (:func:`terminal_gone`), which
covers a hangup whose signal never reached it.
"""

from __future__ import annotations

import asyncio
import contextlib
import select
import signal
import sys
import threading
from collections.abc import Callable, Iterator

HANGUP_CHECK_SECONDS = 1.0
_GONE = select.POLLHUP | select.POLLERR | select.POLLNVAL


def terminal_gone(fd: int) -> bool:
    """Whether the terminal on ``fd`` was hung up or its other side closed: ``poll``
    then reports POLLHUP (or the descriptor is no longer usable)."""
    watcher = select.poll()
    try:
        watcher.register(fd, 0)  # POLLHUP, POLLERR and POLLNVAL are always reported
        return any(mask & _GONE for _, mask in watcher.poll(0))
    except (OSError, ValueError):  # closed or not a descriptor
        return True


def input_fd() -> int | None:
    """The descriptor of the terminal the monitor reads keys from, or None when its
    input is not a terminal (a test's headless app, a pipe)."""
    stream = sys.__stdin__
    try:
        if stream is not None and stream.isatty():
            return stream.fileno()
    except (OSError, ValueError):
        return None
    return None


@contextlib.contextmanager
def exit_on_terminate(exit_app: Callable[[], None]) -> Iterator[None]:
    """While the app runs, SIGTERM and SIGHUP ask it to exit (even when SIGHUP was
    inherited ignored: a monitor without its terminal has nothing left to do)."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return

    def quit_app(signum: int, frame: object) -> None:
        try:
            asyncio.get_running_loop().call_soon_threadsafe(exit_app)
        except RuntimeError:  # before or after the app's loop: unwind like Ctrl-C
            raise KeyboardInterrupt from None

    previous = {sig: signal.signal(sig, quit_app) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
