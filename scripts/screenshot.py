"""Render the README's screenshot: the monitor over the demo stream, H20 story open.

    .venv/bin/python scripts/screenshot.py docs/demo.svg

It replays the whole demo headless at high speed, then opens the monitor on the
resulting store in Textual's test harness and saves an SVG. A developer's tool, kept
outside the package: it drives the whole program (the demo command, then the monitor).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import sys
from pathlib import Path

from chipwatch.commands.demo import run_headless
from chipwatch.config import load_config
from chipwatch.context import Context
from chipwatch.demo.session import DemoSession

SIZE = (160, 48)
SPEED = 30.0


async def _settle(app, pilot, *, rounds: int = 300) -> None:
    """Let the store workers finish and their messages land (not the poller reader)."""
    from textual.worker import WorkerState

    quiet = 0
    for _ in range(rounds):
        await pilot.pause(0.02)
        busy = [
            w
            for w in app.workers
            if w.group != "poller" and w.state in (WorkerState.PENDING, WorkerState.RUNNING)
        ]
        quiet = 0 if busy else quiet + 1
        if quiet >= 5:
            return


async def _capture(session: DemoSession, target: Path) -> Path:
    from chipwatch.tui.app import make_app

    config = load_config(session.config_path)
    app = make_app(config, session.config_path, session.db_path, start_poller=False)
    app.sub_title = "demo"
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        timeline = app.main_screen.timeline
        # the story told in the most languages: the H20 resumption
        best = max(range(len(timeline.rows)), key=lambda i: len(timeline.rows[i].languages))
        timeline.cursor = best
        await _settle(app, pilot)
        saved = app.save_screenshot(filename=target.name, path=str(target.parent))
    return Path(saved)


def main(argv: list[str] | None = None) -> int:
    """Replay the demo, open the monitor on it and save an SVG screenshot."""
    parser = argparse.ArgumentParser(prog="scripts/screenshot.py")
    parser.add_argument("output", type=Path, help="the SVG file to write")
    args = parser.parse_args(argv)
    target = args.output.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    quiet = Context(args=argparse.Namespace(), stdout=io.StringIO(), stderr=io.StringIO())
    with DemoSession(speed=SPEED) as session:
        run_headless(quiet, session)
        saved = asyncio.run(_capture(session, target))
    print(saved)
    return 0


if __name__ == "__main__":
    sys.exit(main())
