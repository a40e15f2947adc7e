"""Processes a test started, found again through /proc (Linux).

A test gives its children a tag in their environment (:func:`tagged_env`); every
process they fork or start inherits it, and ``/proc/PID/environ`` keeps it even after
a process was re-parented, so :func:`live_tagged` finds a whole process tree, orphans
included, without knowing how it was started. Zombies (dead, not yet reaped: PID 1 in
a container may never reap them) count as gone.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
import uuid
from collections.abc import Callable
from pathlib import Path

PROC = Path("/proc")
TAG_NAME = "CHIPWATCH_TEST_TREE"


def tagged_env(tag: str | None = None) -> tuple[str, dict[str, str]]:
    """A fresh tag and a copy of this process's environment carrying it."""
    tag = tag or uuid.uuid4().hex
    return tag, {**os.environ, TAG_NAME: tag}


def state(pid: int) -> str | None:
    """The process state letter (R, S, D, Z, …), or None when there is no such process."""
    try:
        raw = (PROC / str(pid) / "stat").read_bytes()
    except OSError:
        return None
    fields = raw.rsplit(b")", 1)[-1].split()
    return fields[0].decode() if fields else None


def running(pid: int) -> bool:
    """A process that exists and is not a zombie."""
    return state(pid) not in (None, "Z", "X")


def children(pid: int) -> list[int]:
    """The live direct children of ``pid``."""
    found = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_bytes()
        except OSError:
            continue
        fields = raw.rsplit(b")", 1)[-1].split()
        if len(fields) > 1 and int(fields[1]) == pid and fields[0] not in (b"Z", b"X"):
            found.append(int(entry.name))
    return found


def descendants(pid: int) -> list[int]:
    """Every live process below ``pid`` (children, their children, …)."""
    found, todo = [], [pid]
    while todo:
        for child in children(todo.pop()):
            found.append(child)
            todo.append(child)
    return found


def live_tagged(tag: str) -> list[int]:
    """Live processes whose environment carries ``tag`` (this process excluded)."""
    wanted = f"{TAG_NAME}={tag}".encode()
    found = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if wanted in environ.split(b"\0") and running(int(entry.name)):
            found.append(int(entry.name))
    return found


def survivors(tag: str, recorded: list[int]) -> list[int]:
    """What still runs of a tree: tagged processes, and recorded pids (a process that is
    exiting has no environment left to read, but may still hold its descriptors)."""
    return sorted({*live_tagged(tag), *(pid for pid in recorded if running(pid))})


def wait_until(condition: Callable[[], bool], seconds: float) -> bool:
    """Poll ``condition`` until it holds or ``seconds`` pass (a hang guard, not a speed
    assertion); whether it held."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def describe(pids: list[int]) -> str:
    """``pid state cmdline`` lines, for an assertion message."""
    lines = []
    for pid in pids:
        try:
            command = (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            command = b"?"
        lines.append(f"{pid} {state(pid)} {command.decode(errors='replace')[:200]}")
    return "\n".join(lines)


def kill_all(pids: list[int]) -> None:
    """SIGKILL what is left of a test's processes (a failed test must not leave them)."""
    for pid in pids:
        if running(pid):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
