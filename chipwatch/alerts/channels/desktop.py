"""``desktop``: ``notify-send`` when it is on PATH, else the terminal's own notification
(OSC 777, then OSC 9). More than :data:`BURST` new alerts at once become one summary."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING

from chipwatch.alerts.channels import Delivery, Notifying
from chipwatch.textsafe import clean_text

if TYPE_CHECKING:
    from chipwatch.alerts.events import AlertEvent

TIMEOUT = 5.0  # seconds notify-send may take
BURST = 3  # more new alerts than this at once: one summary notification


async def deliver(notifier: Notifying, events: Sequence[AlertEvent]) -> list[Delivery]:
    """One notification per alert; a burst beyond :data:`BURST` becomes one summary."""
    if len(events) > BURST:
        texts = [desktop_summary(events)]
        groups = [list(events)]
    else:
        texts = [desktop_text(e) for e in events]
        groups = [[e] for e in events]
    results: list[Delivery] = []
    for (title, body), group in zip(texts, groups, strict=True):
        error = await _show(notifier, title, body)
        for event in group:
            await notifier.record(event.alert_id, "desktop", error is None, 1, error)
            results.append(Delivery(event.alert_id, "desktop", error is None, 1, error))
    return results


async def _show(notifier: Notifying, title: str, body: str) -> str | None:
    program = notifier.which("notify-send")
    if program:
        return await _run([program, "--app-name=chipwatch", title, body])
    if _is_terminal(notifier.terminal):
        return notifier.write_terminal(osc_notification(title, body))
    return "no notify-send on PATH and no terminal for OSC 777/9"


def desktop_summary(events: Sequence[AlertEvent]) -> tuple[str, str]:
    """One notification for a burst of alerts: how many, and from which watches."""
    watches = list(dict.fromkeys(e.watch for e in events))
    shown = ", ".join(watches[:4]) + (f" +{len(watches) - 4}" if len(watches) > 4 else "")
    body = clean_text(f"{len(events)} new alerts: {shown}", single_line=True, limit=200)
    return "chipwatch", body


def desktop_text(event: AlertEvent) -> tuple[str, str]:
    """Title and body of a desktop notification (feed text cleaned, one line each)."""
    title = clean_text(f"chipwatch: {event.watch}", single_line=True, limit=80)
    body = clean_text(event.title, single_line=True, limit=200)
    if event.outlets:
        body += f" ({len(event.outlets)} outlet{'s' if len(event.outlets) != 1 else ''})"
    return title, body


def osc_notification(title: str, body: str) -> str:
    """OSC 777 (rxvt, foot, WezTerm, Ghostty) then OSC 9 (iTerm2, Windows Terminal, kitty).

    Separators and anything that could end the sequence early are removed from the text.
    """
    safe_title = _osc_safe(title).replace(";", ",")
    safe_body = _osc_safe(body)
    return f"\x1b]777;notify;{safe_title};{safe_body}\x1b\\\x1b]9;{safe_title}: {safe_body}\x07"


def _osc_safe(text: str) -> str:
    return clean_text(text, single_line=True, limit=200).replace("\x07", "")


def _is_terminal(stream: IO[str]) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


async def _run(command: list[str]) -> str | None:
    """Run a notifier program without blocking the loop; an error message or None."""
    try:
        process = await asyncio.create_subprocess_exec(
            *command, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
        )
    except OSError as exc:
        return f"{command[0]}: {exc}"
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), TIMEOUT)
    except TimeoutError:
        process.kill()
        await process.wait()
        return f"{Path(command[0]).name} took longer than {TIMEOUT:g}s"
    if process.returncode:
        reason = stderr.decode(errors="replace").strip()[:200]
        return f"{Path(command[0]).name} exited {process.returncode}: {reason}"
    return None
