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
from tests.waiting import PATIENCE, eventually

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


async def wait_for(pilot, condition, what: str = "the condition") -> None:
    await eventually(condition, what, pause=pilot.pause)


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
        # "polled": the child's first line, printed once its SIGUSR1 handler is in place
        # ("polling in the background" is shown from its start, while it still imports)
        await wait_for(pilot, lambda: "polled" in app.main_screen.status.poller, "first batch")
        await pilot.press("r")  # SIGUSR1 → the child "polls"
        await wait_for(pilot, marker.exists, "the fake poll")
        await wait_for(pilot, lambda: len(app.main_screen.timeline.rows) == 9, "the new row")
        await settle(app, pilot)
        assert app.main_screen.timeline.rows[0].title == "Fresh report from the fake poller"
        assert app.main_screen.timeline.selected.id == selected
        assert app.main_screen.timeline.new_count == 1
        process = app.poller.process
        await pilot.press("q")
        await asyncio.wait_for(process.wait(), PATIENCE)
    assert process.returncode is not None


async def test_monitor_only_reads_when_another_poller_holds_the_store(seeded) -> None:
    from chipwatch.pipeline.lock import poll_lock

    with poll_lock(seeded[1]):
        app = build(seeded, start_poller=True, poller_command=["false"])
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            assert app.poller is None
            assert "another chipwatch" in app.main_screen.status.poller
            assert len(app.main_screen.timeline.rows) == 8


def test_header_line_is_reserved() -> None:
    assert HEADER_LINES == 1


def visible_titles(app: ChipwatchApp) -> list[str]:
    """Titles of the rows drawn in the timeline's viewport, top to bottom."""
    timeline = app.main_screen.timeline
    height = timeline.scrollable_content_region.height - HEADER_LINES
    top = round(timeline.scroll_offset.y)
    return [row.title for row in timeline.rows[top : top + height]]


async def test_live_stories_appear_in_view_when_following_the_top(tmp_path) -> None:
    """Regression: at the top (cursor on row 0, scrolled to 0) new stories used to stack
    above the viewport, so a reader watching the top saw nothing arrive."""
    db_path = build_large_store(tmp_path / "big.db", stories=300)
    app = build((seed_config(tmp_path / "c.toml"), db_path))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        timeline = app.main_screen.timeline
        reading = timeline.selected.id
        assert timeline.cursor == 0 and timeline.scroll_offset.y == 0
        for minutes in (1, 2):
            add_story(db_path, f"Live {minutes}", SEED_NOW + timedelta(minutes=minutes))
        app.main_screen.sync()
        await settle(app, pilot)
        # the new stories are drawn at the top; the cursor (and the detail pane) stay
        # on the story the reader had selected, now two lines lower
        assert visible_titles(app)[:3] == ["Live 2", "Live 1", "Bulk story number 0"]
        assert timeline.scroll_offset.y == 0
        assert timeline.selected.id == reading and timeline.cursor == 2
        assert app.main_screen.detail.story.id == reading
        assert timeline.new_count == 2
        # still following: a second batch also lands in view
        add_story(db_path, "Live 3", SEED_NOW + timedelta(minutes=3))
        app.main_screen.sync()
        await settle(app, pilot)
        assert visible_titles(app)[0] == "Live 3"
        assert timeline.selected.id == reading and timeline.cursor == 3
        # once the reader moves down, arrivals no longer move what they read
        await pilot.press("down")
        await settle(app, pilot)
        before = cursor_state(app)
        add_story(db_path, "Live 4", SEED_NOW + timedelta(minutes=4))
        app.main_screen.sync()
        await settle(app, pilot)
        assert cursor_state(app) == before
        assert timeline.scroll_offset.y == 1 and "Live 4" not in visible_titles(app)
        # n jumps to the newest and follows the top again
        await pilot.press("n")
        await settle(app, pilot)
        assert timeline.cursor == 0 and timeline.new_count == 0
        add_story(db_path, "Live 5", SEED_NOW + timedelta(minutes=5))
        app.main_screen.sync()
        await settle(app, pilot)
        assert visible_titles(app)[0] == "Live 5" and timeline.cursor == 1


async def test_live_stories_respect_the_active_query(seeded) -> None:
    """Regression: a `/` filter's story ids were fixed when it was applied, so stories
    a poll brought later never showed, even when they matched."""
    app = build(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("slash", *"shipments", "enter")
        await settle(app, pilot)
        timeline = app.main_screen.timeline
        assert [r.title for r in timeline.rows] == ["US lets NVIDIA restart H20 shipments to China"]
        add_story(seeded[1], "Wafer shipments resume", SEED_NOW - timedelta(minutes=3))
        add_story(seeded[1], "A fab opens in Ohio", SEED_NOW - timedelta(minutes=2))
        app.main_screen.sync()  # the periodic check: stories newer than the top row
        await settle(app, pilot)
        assert [r.title for r in timeline.rows][:2] == [
            "Wafer shipments resume",
            "US lets NVIDIA restart H20 shipments to China",
        ]
        older = add_story(seeded[1], "Shipments of HBM slow", SEED_NOW - timedelta(hours=30))
        unrelated = add_story(seeded[1], "Lithography tools", SEED_NOW - timedelta(hours=31))
        app.main_screen.sync({older, unrelated})  # a poll batch names changed stories
        await settle(app, pilot)
        shown = [r.title for r in timeline.rows]
        assert "Shipments of HBM slow" in shown
        assert "Lithography tools" not in shown and "A fab opens in Ohio" not in shown
        assert app.main_screen.status.stories == 3
        # the filter now holds them, so later pages and updates keep them
        assert older in app.main_screen.store_filter.story_ids
        assert unrelated not in app.main_screen.store_filter.story_ids
