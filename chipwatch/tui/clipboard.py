"""Copying text with the desktop's clipboard program, when there is one.

The terminal's own way (OSC 52, ``App.copy_to_clipboard``) gives no answer: many
terminals ignore it, so the monitor cannot say "copied" after it. A clipboard program
that exits 0 did copy. Called from a thread worker (it starts a process)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

COPY_TIMEOUT = 3.0  # seconds; a clipboard program that hangs must not hold the worker


def clipboard_programs() -> list[list[str]]:
    """The clipboard programs this session can use, best first: one for the display
    the monitor runs on (a program for another display would copy on the wrong one)."""
    found: list[list[str]] = []
    if sys.platform == "darwin":
        found.append(["pbcopy"])
    if os.environ.get("WAYLAND_DISPLAY"):
        found.append(["wl-copy"])
    if os.environ.get("DISPLAY"):
        found += [["xclip", "-selection", "clipboard"], ["xsel", "--clipboard", "--input"]]
    return [command for command in found if shutil.which(command[0])]


def copy_with_program(text: str) -> str:
    """Copy ``text`` with the first clipboard program that works; its name, or ""
    when none is there or none worked."""
    for command in clipboard_programs():
        try:
            # no pipes to read: xclip's child stays to serve the selection and would
            # hold them open (the call would then wait for it)
            done = subprocess.run(
                command,
                input=text.encode("utf-8"),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=COPY_TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if done.returncode == 0:
            return command[0]
    return ""
