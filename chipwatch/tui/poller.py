"""The poller child: `chipwatch poll --json` in its own process, read as messages.

Ingest (HTTP, parsing, tagging, clustering, writes) never runs in the monitor's
process, so the UI's event loop never stalls behind it. The child's JSON lines are
coalesced into one :class:`PollBatch` per short interval, so a poll that brings 10,000
articles costs the UI a handful of refreshes, not 10,000.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from chipwatch.tui.messages import PollBatch, PollerState

COALESCE_SECONDS = 0.3
POLLER_NICENESS = 10  # ingest yields the CPU to the UI on a busy machine
STOP_GRACE_SECONDS = 3.0
DRAIN_SECONDS = 2.0  # after the child exited, its last output may still be in the pipe
STREAM_LIMIT = 2**16  # asyncio's default line limit


def poll_command(config_path: Path, db_path: Path) -> list[str]:
    """The child's command line: this interpreter, this config, this store."""
    return [
        sys.executable,
        "-m",
        "chipwatch",
        "--config",
        str(config_path),
        "--db",
        str(db_path),
        "poll",
        "--json",
    ]


def other_poller_running(db_path: Path) -> bool:
    """Whether another process already polls this store (then the monitor only reads)."""
    try:
        from chipwatch.pipeline.lock import poller_running
    except ImportError:
        return False
    try:
        return bool(poller_running(db_path))
    except Exception:  # a broken lock file must not stop the monitor
        return False


@contextlib.contextmanager
def _refresh_ignored_until_ready() -> Iterator[None]:
    """Start the child with SIGUSR1 ignored (an ignored signal stays ignored across exec)
    until its poll loop installs its own handler. Its default action is to terminate:
    `r` pressed while the child was still importing killed the poller. Now that press is
    dropped, and the child's first round, due at once, polls every feed anyway."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal dispositions can only be changed from the main thread
        return
    previous = signal.signal(signal.SIGUSR1, signal.SIG_IGN)
    try:
        yield
    finally:  # None: a handler set outside Python, which cannot be put back; the default
        signal.signal(signal.SIGUSR1, signal.SIG_DFL if previous is None else previous)


def _lower_priority(pid: int) -> None:
    """Make the child (and the parse workers it starts) nicer than the UI process."""
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(
            os.PRIO_PROCESS, pid, min(19, os.getpriority(os.PRIO_PROCESS, pid) + POLLER_NICENESS)
        )


class PollerChild:
    """Starts, reads, signals and stops the child process."""

    def __init__(self, command: Sequence[str], post: Callable[[Any], object]) -> None:
        self.command = list(command)
        self._post = post
        self.process: asyncio.subprocess.Process | None = None
        self.last_stderr = ""
        self._pending: set[int] = set()
        self._alerts = self._feeds = 0
        self._errors: list[str] = []
        self._flush_handle: asyncio.TimerHandle | None = None
        self._exited: asyncio.Future[None] | None = None

    async def run(self) -> None:
        """Start the child and read it until it ends (run this in an async worker).

        The end is the child's own exit, not the end of its output: a process it left
        behind could hold the pipes open for ever (and asyncio's ``Process.wait()``
        waits for the pipes too), so the exit is taken from the protocol, and the
        output gets only ``DRAIN_SECONDS`` more to arrive."""
        loop = asyncio.get_running_loop()
        try:
            with _refresh_ignored_until_ready():
                transport, protocol = await loop.subprocess_exec(
                    lambda: _ChildProtocol(loop),
                    *self.command,
                    stdin=asyncio.subprocess.DEVNULL,
                    stdout=asyncio.subprocess.PIPE,
                    stderr=asyncio.subprocess.PIPE,
                )
        except OSError as exc:
            self._post(PollerState("failed", f"cannot start the poller: {exc.strerror}"))
            return
        self._exited = protocol.exited
        self.process = asyncio.subprocess.Process(transport, protocol, loop)
        _lower_priority(self.process.pid)
        self._post(PollerState("running"))
        readers = {
            asyncio.create_task(self._read_stdout()),
            asyncio.create_task(self._read_stderr()),
        }
        try:
            await asyncio.shield(protocol.exited)
            await asyncio.wait(readers, timeout=DRAIN_SECONDS)
        finally:
            for reader in readers:
                reader.cancel()
            if protocol.exited.done():
                transport.close()
            else:  # cancelled (the monitor quits): the child stops itself on EOF
                _close_pipes(transport)
        self._flush()
        code = transport.get_returncode()
        self._post(PollerState("ended", _ending(code, self.last_stderr)))

    async def _read_stdout(self) -> None:
        assert self.process and self.process.stdout
        count = 0
        async for raw in self.process.stdout:
            self._take(raw)
            count += 1
            if count % 200 == 0:
                await asyncio.sleep(0)  # let the UI breathe during a flood of lines

    async def _read_stderr(self) -> None:
        assert self.process and self.process.stderr
        async for raw in self.process.stderr:
            line = raw.decode("utf-8", "replace").strip()
            if line:
                self.last_stderr = line[:300]

    def _take(self, raw: bytes) -> None:
        try:
            event = json.loads(raw)
        except ValueError:
            return
        if not isinstance(event, dict):
            return
        kind = event.get("type")
        story_id = event.get("id") if kind == "story" else event.get("story")
        if isinstance(story_id, int):
            self._pending.add(story_id)
        if kind == "alert":
            self._alerts += 1
        elif kind in ("feed", "feed_error"):
            self._feeds += 1
            if kind == "feed_error":
                self._errors.append(str(event.get("error") or event.get("reason") or ""))
        self._schedule()

    def _schedule(self) -> None:
        if self._flush_handle is None:
            loop = asyncio.get_running_loop()
            self._flush_handle = loop.call_later(COALESCE_SECONDS, self._flush)

    def _flush(self) -> None:
        self._flush_handle = None
        if not (self._pending or self._alerts or self._feeds):
            return
        batch = PollBatch(
            set(self._pending), alerts=self._alerts, feeds=self._feeds, errors=list(self._errors)
        )
        self._pending.clear()
        self._alerts = self._feeds = 0
        self._errors.clear()
        self._post(batch)

    def poll_now(self) -> bool:
        """Ask the child to poll every feed now (SIGUSR1); False if it is not running."""
        if self.process is None or self.process.returncode is not None:
            return False
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGUSR1)
            return True
        return False

    @property
    def ended(self) -> bool:
        """True once the child process has exited (however it ended)."""
        return self._exited is not None and self._exited.done()

    async def stop(self) -> None:
        """Terminate the child, killing it if it does not end in a few seconds."""
        process, exited = self.process, self._exited
        if process is None or exited is None or exited.done():
            return
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
        try:
            await asyncio.wait_for(asyncio.shield(exited), STOP_GRACE_SECONDS)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await asyncio.shield(exited)


class _ChildProtocol(asyncio.subprocess.SubprocessStreamProtocol):
    """The stream protocol plus a future that is done when the process itself exited."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(limit=STREAM_LIMIT, loop=loop)
        self.exited: asyncio.Future[None] = loop.create_future()

    def process_exited(self) -> None:
        super().process_exited()
        if not self.exited.done():
            self.exited.set_result(None)


def _close_pipes(transport: asyncio.SubprocessTransport) -> None:
    """Close our ends of the child's pipes without killing it (``close()`` would)."""
    for fd in (1, 2):
        pipe = transport.get_pipe_transport(fd)
        if pipe is not None:
            pipe.close()


def _ending(code: int | None, stderr: str) -> str:
    """The detail of an ended child: silent for a clean end, else why it ended."""
    if code in (0, -signal.SIGTERM):
        return ""
    if code is not None and code < 0:
        with contextlib.suppress(ValueError):
            return f"the poller was killed by {signal.Signals(-code).name}"
    return stderr or f"exit status {code}"
