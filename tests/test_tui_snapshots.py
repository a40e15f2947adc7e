"""SVG snapshots of the monitor at fixed sizes (fixed clock, fixed data, no poller).

Update after a deliberate visual change with ``pytest tests/test_tui_snapshots.py
--snapshot-update`` and look at the SVGs in tests/__snapshots__/ before committing."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from tests.test_tui import build, settle, wait_until
from tests.tui_seed import build_seed_store, seed_config


@pytest.fixture
def app(tmp_path: Path):
    seeded = (seed_config(tmp_path / "config.toml"), build_seed_store(tmp_path / "seed.db"))
    return build(seeded)


def steady_cursors(app) -> None:
    """Stop every text cursor on the screen blinking (it then shows steadily): a shot
    must not depend on when, within a blink, it was taken."""
    for field in app.screen.query(Input):
        field.cursor_blink = False


def keys(*pressed: str, then=None):
    """A run_before that waits for the store reads, presses keys, waits again, and stops
    the cursors blinking."""

    async def run_before(pilot) -> None:
        await settle(pilot.app, pilot)
        for key in pressed:
            await pilot.press(key)
            await settle(pilot.app, pilot)
        if then is not None:
            await then(pilot)
            await settle(pilot.app, pilot)
        steady_cursors(pilot.app)

    return run_before


def test_main_screen(app, snap_compare) -> None:
    assert snap_compare(app, terminal_size=(120, 36), run_before=keys())


def test_main_screen_large(app, snap_compare) -> None:
    assert snap_compare(app, terminal_size=(200, 60), run_before=keys())


def test_detail_of_a_merged_story(app, snap_compare) -> None:
    assert snap_compare(
        app, terminal_size=(120, 36), run_before=keys("enter", "right_square_bracket")
    )


def test_hostile_title_is_literal(app, snap_compare) -> None:
    assert snap_compare(app, terminal_size=(120, 36), run_before=keys("down", "down", "down"))


def test_filtered_by_query(app, snap_compare) -> None:
    assert snap_compare(
        app, terminal_size=(120, 36), run_before=keys("slash", "@", "H", "2", "0", "enter")
    )


def test_feeds_screen(app, snap_compare) -> None:
    assert snap_compare(app, terminal_size=(120, 36), run_before=keys("f"))


def preview_shown(screen) -> bool:
    """The preview of the whole query is in: its count and its rows (an older preview's
    result is dropped, and a new one starts only once the typing pauses)."""
    status = str(screen.query_one("#preview-status").render())
    rows = screen.query_one("#watch-preview").option_count
    return "would have matched 4 stories" in status and rows == 4


async def type_query(pilot) -> None:
    await pilot.press("a", *"China", "tab", *"@China")
    await wait_until(pilot.app, pilot, lambda: preview_shown(pilot.app.screen))


def test_watches_screen_with_preview(app, snap_compare) -> None:
    assert snap_compare(app, terminal_size=(120, 36), run_before=keys("W", then=type_query))


async def test_a_shot_does_not_depend_on_the_cursor_blink_phase(app) -> None:
    """Regression: test_watches_screen_with_preview failed on a loaded machine. Its shot
    came a fixed 0.5 s after the preview, and the query field's cursor blinks every
    0.5 s: on a slow run the shot fell in the other phase."""
    async with app.run_test(size=(120, 36)) as pilot:
        await keys("W", then=type_query)(pilot)
        first = app.export_screenshot()
        # the subject here is time: over four blinks (0.5 s each, looked at every 0.1 s)
        # a blinking cursor would show in one shot and not in another
        for _ in range(20):
            await pilot.pause(0.1)
            assert app.export_screenshot() == first


def test_export_dialog(app, snap_compare) -> None:
    async def fixed_path(pilot) -> None:
        pilot.app.screen.query_one("#export-path").value = "~/digests/chipwatch.md"

    assert snap_compare(app, terminal_size=(120, 36), run_before=keys("e", then=fixed_path))


def test_help_screen(app, snap_compare) -> None:
    assert snap_compare(app, terminal_size=(120, 36), run_before=keys("question_mark"))
