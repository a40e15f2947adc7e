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
    """A run_before that waits for the store reads, presses keys, waits again, stops
    the cursors blinking and clears the notifications."""

    async def run_before(pilot) -> None:
        await settle(pilot.app, pilot)
        for key in pressed:
            await pilot.press(key)
            await settle(pilot.app, pilot)
        if then is not None:
            await then(pilot)
            await settle(pilot.app, pilot)
        steady_cursors(pilot.app)
        # a toast lasts a few seconds: on a slow run it would be gone from the shot
        pilot.app.clear_notifications()
        await pilot.pause()

    return run_before


SIZES = pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])


@SIZES
def test_main_screen(app, snap_compare, size) -> None:
    assert snap_compare(app, terminal_size=size, run_before=keys())


def test_side_panes_brought_back_when_narrow(app, snap_compare) -> None:
    assert snap_compare(app, terminal_size=(80, 24), run_before=keys("b"))


def test_detail_of_a_merged_story(app, snap_compare) -> None:
    assert snap_compare(
        app, terminal_size=(160, 48), run_before=keys("enter", "right_square_bracket")
    )


def test_hostile_title_is_literal(app, snap_compare) -> None:
    assert snap_compare(app, terminal_size=(80, 24), run_before=keys("down", "down", "down"))


def test_filtered_by_query(app, snap_compare) -> None:
    assert snap_compare(
        app, terminal_size=(80, 24), run_before=keys("slash", "@", "H", "2", "0", "enter")
    )


async def type_broken_query(pilot) -> None:
    await pilot.press("slash", *'@H20 "open')
    await wait_until(
        pilot.app, pilot, lambda: pilot.app.main_screen.search_input.has_class("error")
    )


def test_invalid_query_shown_inline(app, snap_compare) -> None:
    assert snap_compare(app, terminal_size=(80, 24), run_before=keys(then=type_broken_query))


@SIZES
def test_feeds_screen(app, snap_compare, size) -> None:
    assert snap_compare(app, terminal_size=size, run_before=keys("f"))


def preview_shown(screen) -> bool:
    """The preview of the whole query is in: its count and its rows (an older preview's
    result is dropped, and a new one starts only once the typing pauses)."""
    status = str(screen.query_one("#preview-status").render())
    rows = screen.query_one("#watch-preview").option_count
    return "would have matched 4 stories" in status and rows == 4


async def type_query(pilot) -> None:
    await pilot.press("a", *"China", "tab", *"@China")
    await wait_until(pilot.app, pilot, lambda: preview_shown(pilot.app.screen))


@SIZES
def test_watches_screen_with_preview(app, snap_compare, size) -> None:
    assert snap_compare(app, terminal_size=size, run_before=keys("W", then=type_query))


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


@SIZES
def test_export_dialog(app, snap_compare, size) -> None:
    async def fixed_path(pilot) -> None:
        pilot.app.screen.query_one("#export-path").value = "~/digests/chipwatch.md"

    assert snap_compare(app, terminal_size=size, run_before=keys("e", then=fixed_path))


@SIZES
def test_help_screen(app, snap_compare, size) -> None:
    assert snap_compare(app, terminal_size=size, run_before=keys("question_mark"))


async def palette_searched(pilot) -> None:
    """The palette with a search typed: its hits come in a stable order."""
    await pilot.press(*"pin")
    await wait_until(pilot.app, pilot, lambda: "Pin" in _first_hit(pilot.app))


def _first_hit(app) -> str:
    from textual.command import CommandList

    found = app.screen.query(CommandList)
    if not found or not found.first().option_count:
        return ""
    return str(found.first().get_option_at_index(0).prompt)


@SIZES
def test_command_palette(app, snap_compare, size) -> None:
    assert snap_compare(app, terminal_size=size, run_before=keys("ctrl+p", then=palette_searched))
