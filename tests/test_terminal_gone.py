"""A monitor whose terminal goes away exits, and leaves nothing behind.

A ``chipwatch demo --speed 8`` whose tmux pane (its pty) had gone once kept running for
1 h 41 min, and took 3 s to answer SIGTERM. Here the real command runs on a pty of its
own (a new session, the pty its controlling terminal, as in a terminal emulator or a
tmux pane), is left to draw its first screen and start its poller, and then the master
side is closed: the kernel hangs the terminal up (SIGHUP to the session, EIO on its
reads and writes). The whole process tree (the monitor, the demo's feed server
thread, the poller child and its parse workers) must be gone within a generous
deadline; SIGTERM must end it all too. Processes are found through /proc by a tag in
their environment (:mod:`tests.proctree`), orphans included.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import proctree
from tests.faultserver import rss
from tests.feedserver import FeedServer

pytestmark = [
    pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc"),
    pytest.mark.slow,
]

GONE_WITHIN = 60.0  # seconds: a hang guard, not a speed assertion
DRAWN_WITHIN = 120.0  # a first paint on a loaded machine
ROWS, COLUMNS = 30, 110


def _controlling_terminal(sighup_ignored: bool) -> None:
    """In the child before exec: the pty becomes the new session's controlling terminal
    (the hangup goes to this session); SIGHUP ignored, as under ``nohup`` (an ignored
    signal stays ignored across exec)."""
    if sighup_ignored:
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Terminal:
    """A pty whose slave side is the controlling terminal of a new session running
    ``argv``; its output is read (and kept) on a thread, as a terminal would."""

    def __init__(
        self, argv: list[str], env: dict[str, str], cwd: Path, *, sighup_ignored: bool = False
    ) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
        self.output = bytearray()
        self._stop = threading.Event()
        self.process = subprocess.Popen(
            argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env={**env, "TERM": "xterm-256color", "COLUMNS": "", "LINES": ""},
            cwd=cwd,
            start_new_session=True,
            preexec_fn=lambda: _controlling_terminal(sighup_ignored),
        )
        os.close(slave)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if not ready:
                continue
            try:
                data = os.read(self.master, 65536)
            except OSError:  # EIO: the slave side is closed (the app exited)
                return
            if not data:
                return
            self.output += data

    def shows(self, text: str) -> bool:
        return text.encode() in self.output

    def hang_up(self) -> None:
        """The terminal goes away: its master side is closed."""
        self._stop.set()
        self._reader.join(timeout=5)
        os.close(self.master)
        self.master = -1

    def close(self) -> None:
        if self.master >= 0:
            self.hang_up()


@contextlib.contextmanager
def monitor_on_a_pty(
    tmp_path: Path, *command: str, sighup_ignored: bool = False
) -> Iterator[tuple[Terminal, str]]:
    tag, env = proctree.tagged_env()
    env.pop("NO_COLOR", None)
    argv = [sys.executable, "-m", "chipwatch", *command]
    terminal = Terminal(argv, env, tmp_path, sighup_ignored=sighup_ignored)
    try:
        yield terminal, tag
    finally:
        terminal.close()
        left = proctree.live_tagged(tag)
        proctree.kill_all(left)
        with contextlib.suppress(subprocess.TimeoutExpired):
            terminal.process.wait(timeout=10)


def _polls(pid: int) -> bool:
    """Whether ``pid`` runs ``chipwatch … poll`` (the monitor's or the demo's poller)."""
    try:
        return "poll" in (proctree.PROC / str(pid) / "cmdline").read_bytes().decode().split("\0")
    except OSError:
        return False


def wait_until_drawn_and_polling(terminal: Terminal, tag: str, text: str) -> list[int]:
    """The monitor has drawn ``text`` and started its poller child; the tree's pids."""
    pid = terminal.process.pid

    def ready() -> bool:
        return terminal.shows(text) and any(_polls(p) for p in proctree.descendants(pid))

    drawn = proctree.wait_until(
        lambda: ready() or terminal.process.poll() is not None, DRAWN_WITHIN
    )
    output = terminal.output[-2000:].decode(errors="replace")
    below = proctree.describe(proctree.descendants(pid))
    assert drawn and terminal.process.poll() is None, f"not drawn and polling:\n{below}\n{output}"
    return [pid, *proctree.descendants(pid)]


def assert_all_gone(terminal: Terminal, tag: str, tree: list[int], what: str) -> None:
    def gone() -> bool:
        return terminal.process.poll() is not None and not proctree.survivors(tag, tree)

    if not proctree.wait_until(gone, GONE_WITHIN):
        left = proctree.survivors(tag, tree)
        raise AssertionError(
            f"{what}: still running after {GONE_WITHIN:g}s:\n{proctree.describe(left)}"
        )


def test_demo_whose_terminal_is_closed_exits_with_its_whole_tree(tmp_path: Path) -> None:
    with monitor_on_a_pty(tmp_path, "demo", "--speed", "8") as (terminal, tag):
        tree = wait_until_drawn_and_polling(terminal, tag, "stories")
        terminal.hang_up()
        assert_all_gone(terminal, tag, tree, "demo after its terminal was closed")


def test_demo_whose_terminal_is_closed_exits_even_with_sighup_ignored(tmp_path: Path) -> None:
    with monitor_on_a_pty(tmp_path, "demo", "--speed", "8", sighup_ignored=True) as (
        terminal,
        tag,
    ):
        tree = wait_until_drawn_and_polling(terminal, tag, "stories")
        terminal.hang_up()
        assert_all_gone(terminal, tag, tree, "demo (SIGHUP ignored) after its terminal closed")


def test_demo_exits_with_its_whole_tree_on_sigterm(tmp_path: Path) -> None:
    with monitor_on_a_pty(tmp_path, "demo", "--speed", "8") as (terminal, tag):
        tree = wait_until_drawn_and_polling(terminal, tag, "stories")
        terminal.process.send_signal(signal.SIGTERM)
        assert_all_gone(terminal, tag, tree, "demo after SIGTERM")


def _monitor_config(tmp_path: Path, server: FeedServer) -> Path:
    items = [(f"g{n}", f"TSMC raises prices {n}", "Wafer prices rise.") for n in range(5)]
    url = server.add("/feed.xml", rss("Feed", items))
    config = tmp_path / "config.toml"
    config.write_text(f'[poll]\ninterval = "5m"\n[[feeds]]\nurl = "{url}"\n', encoding="utf-8")
    return config


@pytest.mark.parametrize("ending", ["hangup", "hangup, SIGHUP ignored", "sigterm"])
def test_monitor_whose_terminal_goes_away_exits_with_its_poller(
    tmp_path: Path, ending: str
) -> None:
    """The regression: started with SIGHUP ignored, the monitor and its poller kept
    running after the terminal was closed (Textual's input thread read end-of-file and
    waited on); it now exits on SIGHUP whatever it inherited, and on a hung-up terminal
    whether or not a signal came."""
    with FeedServer() as server:
        config = _monitor_config(tmp_path, server)
        command = ("--config", str(config), "--db", str(tmp_path / "store.db"))
        ignored = ending.endswith("ignored")
        with monitor_on_a_pty(tmp_path, *command, sighup_ignored=ignored) as (terminal, tag):
            tree = wait_until_drawn_and_polling(terminal, tag, "stories")
            if ending.startswith("hangup"):
                terminal.hang_up()
            else:
                terminal.process.send_signal(signal.SIGTERM)
            assert_all_gone(terminal, tag, tree, f"monitor after {ending}")


def test_a_closed_terminal_reads_as_gone_and_an_open_one_does_not() -> None:
    from chipwatch.tui.terminal import terminal_gone

    master, slave = os.openpty()
    try:
        assert not terminal_gone(slave)
        os.close(master)
        master = -1
        assert terminal_gone(slave)
    finally:
        os.close(slave)
        if master >= 0:
            os.close(master)
