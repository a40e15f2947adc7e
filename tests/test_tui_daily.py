"""Daily use in the monitor (session 27, branch daily): a watch edited in place."""

from __future__ import annotations

from pathlib import Path

import pytest

from chipwatch.config import load_config
from tests.test_tui import SIZE, build, settle, wait_until
from tests.tui_seed import build_seed_store, seed_config


@pytest.fixture
def seeded(tmp_path: Path) -> tuple[Path, Path]:
    return seed_config(tmp_path / "config.toml"), build_seed_store(tmp_path / "seed.db")


def _status(screen) -> str:
    return str(screen.query_one("#preview-status").render())


async def test_a_watch_could_not_be_edited_in_the_monitor(seeded) -> None:
    config_path, _ = seeded
    before = load_config(config_path).watches[0]
    app = build(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("W")
        await settle(app, pilot)
        screen = app.screen
        await pilot.press("e")
        await settle(app, pilot)
        query = screen.query_one("#watch-query")
        assert screen.query_one("#watch-name").value == before.name
        assert query.value == before.query and screen.focused is query
        assert "Edit watch" in screen.query_one("#watch-name").border_title
        await pilot.press("space", *"OR", "space", *"@TSMC")
        await wait_until(app, pilot, lambda: "would have matched" in _status(screen))
        await pilot.press("enter")
        await wait_until(app, pilot, lambda: screen.editing is None)
        watches = load_config(config_path).watches
        assert [(w.name, w.query, w.notify) for w in watches] == [
            (before.name, f"{before.query} OR @TSMC", before.notify)
        ]
        assert screen.query_one("#watches-table").row_count == 1
        assert screen.query_one("#watch-name").border_title == "New watch: name"


async def test_an_edit_left_with_escape_saves_nothing_and_a_then_adds_anew(seeded) -> None:
    config_path, _ = seeded
    text = config_path.read_text()
    app = build(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("W")
        await settle(app, pilot)
        screen = app.screen
        await pilot.press("e", "space", *"AND", "escape")
        await settle(app, pilot)
        assert screen.editing is None and screen.query_one("#watch-query").value == ""
        await pilot.press("a")
        assert screen.query_one("#watch-name").value == ""
    assert config_path.read_text() == text


@pytest.mark.parametrize("size", [(100, 30), (160, 48), (200, 50)])
async def test_the_headline_was_cut_to_44_cells_at_100_columns_for_the_entity_column(
    seeded, size
) -> None:
    from chipwatch.tui.widgets.timeline_draw import ENTITY_WIDTH, HEADLINE_BESIDE_ENTITIES

    app = build(seeded)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        timeline = app.main_screen.timeline
        title_width, ents = timeline._columns(timeline.scrollable_content_region.width)
        assert title_width >= HEADLINE_BESIDE_ENTITIES
        # the entity column comes back where it leaves the headline its room
        assert ents == (ENTITY_WIDTH if size[0] >= 200 else 0)
        header = timeline.header_text(timeline.scrollable_content_region.width).plain
        assert ("entities" in header) == bool(ents)


LONG_QUERY = '@H20 AND (export~ OR licence~ OR @"export controls" OR @"export licence")'


async def test_a_query_longer_than_its_field_was_drawn_blank_at_80_columns(seeded) -> None:
    """The app's one-cell scrollbars (``*``) gave a text field a horizontal bar that took
    its one line: past the field's width, what was typed was not seen."""
    app = build(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("W")
        await settle(app, pilot)
        screen = app.screen
        query = screen.query_one("#watch-query")
        screen.action_edit()  # the seeded watch, loaded as `e` loads it
        query.value = LONG_QUERY
        await settle(app, pilot)
        assert query.virtual_size.width > query.content_region.width  # it overflows
        assert query.scrollbar_size_horizontal == 0
        assert query.content_region.height == 1
