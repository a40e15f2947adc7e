"""The demo's monitor, driven by Textual's Pilot: its own poller child fills the panes
from the demo server, the H20 story gathers several languages and the watch alerts."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import pytest

from chipwatch.commands.demo import build_monitor
from chipwatch.context import Context
from chipwatch.demo.session import DemoSession
from tests.demo_clock import RoundClock
from tests.waiting import eventually, wait_for

SPEED = 20.0
SIZE = (160, 48)


async def _wait_for(pilot, condition, what: str) -> None:
    await eventually(condition, what, pause=pilot.pause)


@pytest.mark.slow
async def test_demo_monitor_fills_panes_and_alerts_on_h20(tmp_path: Path) -> None:
    ctx = Context(args=argparse.Namespace(), stdout=io.StringIO(), stderr=io.StringIO())
    clock = RoundClock()  # each poll round finds what it would on an idle machine
    with DemoSession(speed=SPEED, parent=tmp_path, clock=clock) as session:
        clock.watch(session.server.site)
        app = build_monitor(ctx, session)
        assert "chipwatch.demo.child" in app.poller_command
        async with app.run_test(size=SIZE) as pilot:
            screen = app.main_screen

            def h20_story_in_many_languages() -> bool:
                return any(
                    "H20" in row.entities and len(row.languages) >= 4
                    for row in screen.timeline.rows
                )

            await _wait_for(pilot, lambda: len(screen.timeline.rows) >= 20, "the timeline")
            await _wait_for(pilot, h20_story_in_many_languages, "the H20 story")
            await _wait_for(
                pilot,
                lambda: any(a.watch == "H20 exports" for a in screen.alerts.alerts),
                "the H20 exports alert",
            )
            assert screen.entities.entities, "the entities pane stayed empty"
            await pilot.press("q")
    assert list(tmp_path.iterdir()) == []
    # quitting stopped the poller child: no process still works in the demo's folder
    wait_for(
        lambda: not [p for p in Path("/proc").glob("[0-9]*") if _runs_in(p, tmp_path)],
        "the poller child's end after the monitor's",
    )


def _runs_in(proc: Path, folder: Path) -> bool:
    try:
        return str(folder) in (proc / "cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False
