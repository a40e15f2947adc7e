"""Live updates: new stories arrive without moving the cursor; the poller child; paging."""

from __future__ import annotations

import asyncio
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest

from chipwatch.tui.app import ChipwatchApp
from chipwatch.tui.widgets.timeline import HEADER_LINES
from tests.test_tui import SIZE, build, settle
from tests.tui_seed import (
    ROOT_HINT,
    SEED_NOW,
    add_story,
    build_large_store,
    build_seed_store,
    seed_config,
)

FAKE_POLLER = textwrap.dedent(
    """
    import json, signal, sys, time
    from datetime import timedelta
    from pathlib import Path
    sys.path.insert(0, {root!r})
    from tests.tui_seed import SEED_NOW, add_story

    db_path, marker = Path(sys.argv[1]), Path(sys.argv[2])
    wanted = []
    signal.signal(signal.SIGUSR1, lambda *_: wanted.append(1))
    print(json.dumps({{"type": "feed", "id": 1, "status": "ok"}}), flush=True)
    while True:
        if wanted:
            wanted.clear()
            marker.write_text("polled")
            sid = add_story(db_path, "Fresh report from the fake poller",
                            SEED_NOW - timedelta(minutes=5))
            print("not json at all", flush=True)
            print(json.dumps({{"type": "article", "id": 999, "story": sid}}), flush=True)
            print(json.dumps({{"type": "story", "id": sid, "new": True}}), flush=True)
        time.sleep(0.05)
    """
)


@pytest.fixture
def seeded(tmp_path: Path) -> tuple[Path, Path]:
    return seed_config(tmp_path / "config.toml"), build_seed_store(tmp_path / "seed.db")


def cursor_state(app: ChipwatchApp) -> tuple[int, int]:
    """(selected story id, the screen line it is drawn on)."""
    timeline = app.main_screen.timeline
    return timeline.selected.id, timeline.cursor - round(timeline.scroll_offset.y)


async def wait_for(pilot, condition, seconds: float = 15.0) -> None:
    for _ in range(int(seconds / 0.1)):
        if condition():
            return
        await pilot.pause(0.1)
    raise AssertionError("condition not met in time")


async def test_new_story_keeps_cursor_and_counts(seeded) -> None:
    app = build(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("down", "down")
        await settle(app, pilot)
        selected = app.main_screen.timeline.selected.id
        add_story(seeded[1], "A newer story arrives", SEED_NOW - timedelta(minutes=1))
        app.main_screen.sync()
        await settle(app, pilot)
        timeline = app.main_screen.timeline
        assert timeline.rows[0].title == "A newer story arrives"
        # everything fits on screen, so nothing scrolls: the cursor stays on its story
        assert timeline.selected.id == selected and timeline.scroll_offset.y == 0
        assert timeline.new_count == 1 and app.main_screen.status.new_count == 1
        assert timeline.rows[0].id in timeline.fresh
        await pilot.press("n")
        await settle(app, pilot)
        assert timeline.cursor == 0 and timeline.new_count == 0


async def test_scrolled_timeline_keeps_its_place(tmp_path) -> None:
    db_path = build_large_store(tmp_path / "big.db", stories=300)
    app = build((seed_config(tmp_path / "c.toml"), db_path))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("pagedown", "pagedown", "down")
        await settle(app, pilot)
        before = cursor_state(app)
        top_before = app.main_screen.timeline.scroll_offset.y
        for minutes in (1, 2, 3):
            add_story(db_path, f"Live {minutes}", SEED_NOW + timedelta(minutes=minutes))
        app.main_screen.sync()
        await settle(app, pilot)
        assert cursor_state(app) == before
        assert app.main_screen.timeline.scroll_offset.y == top_before + 3
        assert app.main_screen.timeline.new_count == 3


async def test_timeline_loads_pages_not_everything(tmp_path) -> None:
    db_path = build_large_store(tmp_path / "big.db", stories=650)
    app = build((seed_config(tmp_path / "c.toml", extra=""), db_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("w", "w")  # 7d → 30d → all
        await settle(app, pilot)
        timeline = app.main_screen.timeline
        assert app.main_screen.status.stories == 650
        assert len(timeline.rows) == 200
        for expected in (400, 600, 650):
            await pilot.press("end")
            await settle(app, pilot)
            assert len(timeline.rows) == expected
        ids = [row.id for row in timeline.rows]
        assert len(set(ids)) == 650
        stamps = [row.sort_key for row in timeline.rows]
        assert stamps == sorted(stamps, reverse=True)
        assert not timeline.has_more


async def test_fake_poller_updates_live_and_stops_on_quit(seeded, tmp_path) -> None:
    script = tmp_path / "fake_poller.py"
    script.write_text(FAKE_POLLER.format(root=ROOT_HINT), encoding="utf-8")
    marker = tmp_path / "polled"
    command = [sys.executable, str(script), str(seeded[1]), str(marker)]
    app = build(seeded, start_poller=True, poller_command=command)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await wait_for(pilot, lambda: app.poller is not None and app.poller.process is not None)
        await pilot.press("down", "down", "down")
        await settle(app, pilot)
        selected = app.main_screen.timeline.selected.id
        await wait_for(
            pilot,
            lambda: (
                "polled" in app.main_screen.status.poller
                or "polling" in app.main_screen.status.poller
            ),
        )
        await pilot.press("r")  # SIGUSR1 → the child "polls"
        await wait_for(pilot, marker.exists)
        await wait_for(pilot, lambda: len(app.main_screen.timeline.rows) == 9)
        await settle(app, pilot)
        assert app.main_screen.timeline.rows[0].title == "Fresh report from the fake poller"
        assert app.main_screen.timeline.selected.id == selected
        assert app.main_screen.timeline.new_count == 1
        process = app.poller.process
        await pilot.press("q")
        await asyncio.wait_for(process.wait(), 10)
    assert process.returncode is not None


async def test_monitor_only_reads_when_another_poller_holds_the_store(seeded) -> None:
    from chipwatch.feeds.polllock import poll_lock

    with poll_lock(seeded[1]):
        app = build(seeded, start_poller=True, poller_command=["false"])
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            assert app.poller is None
            assert "another chipwatch" in app.main_screen.status.poller
            assert len(app.main_screen.timeline.rows) == 8


def test_header_line_is_reserved() -> None:
    assert HEADER_LINES == 1
