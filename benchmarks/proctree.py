"""Run a command and measure it as a whole: wall time, CPU and peak memory of its tree.

``measure(argv)`` samples, every ``interval`` seconds, the memory of the process and
of every descendant it started (parse workers, a fork server): the *tree* figure is
the largest sum of proportional set sizes (PSS: a page shared by a forked worker and
its parent counts half in each, so the sum is what the tree really holds), the *main*
figure the process's own high-water mark (``VmHWM``). CPU is user + system time of
the process and every child it waited for (``wait4``). Linux only (``/proc``).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Measured:
    wall: float  # seconds
    cpu: float  # seconds, the process and its waited-for children
    tree_mb: float  # peak of the tree's summed PSS
    main_mb: float  # the process's own peak RSS
    returncode: int
    stderr: str


def _children(pid: int) -> list[int]:
    found = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return []
    for task in tasks:
        try:
            text = Path(f"/proc/{pid}/task/{task}/children").read_text()
        except OSError:
            continue
        found += [int(p) for p in text.split()]
    return found


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        todo += _children(current)
    return pids


def _kb(path: str, key: str) -> int:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


class _Sampler(threading.Thread):
    def __init__(self, pid: int, interval: float) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.tree_kb = self.main_kb = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.sample()
            self.done.wait(self.interval)

    def sample(self) -> None:
        total = sum(_kb(f"/proc/{p}/smaps_rollup", "Pss:") for p in _tree(self.pid))
        self.tree_kb = max(self.tree_kb, total)
        self.main_kb = max(self.main_kb, _kb(f"/proc/{self.pid}/status", "VmHWM:"))


def measure(
    argv: Sequence[str],
    *,
    cwd: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    interval: float = 0.02,
) -> Measured:
    """Run ``argv`` to its end and measure it (stdout is discarded)."""
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=dict(env) if env else None,
            stdout=subprocess.DEVNULL,
            stderr=err,
            stdin=subprocess.DEVNULL,
        )
        sampler = _Sampler(process.pid, interval)
        sampler.start()
        # Wait without reaping, so the last sample still sees the process.
        os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)
        sampler.done.set()
        sampler.join()
        sampler.sample()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")[-2000:]
    return Measured(
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        tree_mb=sampler.tree_kb / 1024,
        main_mb=(sampler.main_kb or usage.ru_maxrss) / 1024,
        returncode=process.returncode,
        stderr=stderr,
    )
