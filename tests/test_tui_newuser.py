"""What bit a new user in a morning with the monitor (session 26, branch newuser): a
dialog whose first key did nothing, an empty view that gave the first-run guide to a
user with thirty read stories, a feeds table whose cut names could not be told apart,
a watches screen that said "0 stories" after a watch was saved."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Label, Select, Static

from chipwatch.config import load_config
from tests.test_tui import build, query_store, settle, wait_until
from tests.tui_seed import build_seed_store, seed_config

SMALL = (80, 24)


@pytest.fixture
def seeded(tmp_path: Path) -> tuple[Path, Path]:
    return seed_config(tmp_path / "config.toml"), build_seed_store(tmp_path / "seed.db")


def static_text(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def test_export_dialog_enter_did_nothing_until_tab_was_pressed(seeded) -> None:
    app = build(seeded)
    async with app.run_test(size=SMALL) as pilot:
        await settle(app, pilot)
        await pilot.press("e")
        await settle(app, pilot)
        dialog = app.screen
        assert app.focused is dialog.query_one("#export-format", Select)
        await pilot.press("enter", "down", "down", "enter")  # open, json, choose
        await settle(app, pilot)
        assert dialog.query_one("#export-format", Select).value == "json"
        assert dialog.query_one("#export-path").value.endswith(".json")
        # tab walks the fields and buttons only, never the invisible scroll container
        seen = set()
        for _ in range(6):
            await pilot.press("tab")
            seen.add(app.focused.id if app.focused else None)
        assert "export-fields" not in seen
        assert {"export-window", "export-query", "export-path", "export-go"} <= seen


async def test_unread_only_view_with_every_story_read_gave_the_first_run_guide(
    seeded,
) -> None:
    _, db_path = seeded
    query_store(db_path, "UPDATE stories SET read = 1")
    app = build(seeded)
    async with app.run_test(size=SMALL) as pilot:
        await settle(app, pilot)
        await pilot.press("U")
        await wait_until(app, pilot, lambda: not app.main_screen.timeline.rows)
        text = app.main_screen.detail.plain
        assert "No unread stories in the window (7d)." in text
        assert "U shows every story" in text
        assert "yet" not in text and "Add a feed" not in text


async def test_pinned_view_with_nothing_pinned_gave_the_first_run_guide(seeded) -> None:
    app = build(seeded)
    async with app.run_test(size=SMALL) as pilot:
        await settle(app, pilot)
        await pilot.press("asterisk")
        await wait_until(app, pilot, lambda: not app.main_screen.timeline.rows)
        text = app.main_screen.detail.plain
        assert "No pinned stories." in text and "p pins" in text
        assert "window" not in text and "Add a feed" not in text


async def test_empty_filter_at_window_all_said_w_widens_the_window(seeded) -> None:
    config_path, _ = seeded
    config_path.write_text(config_path.read_text().replace('window = "7d"', 'window = "all"'))
    app = build(seeded)
    async with app.run_test(size=SMALL) as pilot:
        await settle(app, pilot)
        assert app.main_screen.filters.window == "all"
        await pilot.press("slash", *"lithography", "enter")
        await wait_until(app, pilot, lambda: "No story matches" in app.main_screen.detail.plain)
        text = app.main_screen.detail.plain
        assert "in the window (all)" in text and "escape clears the filter" in text
        assert "widens" not in text  # w would narrow "all" to 24h


async def test_watches_screen_said_0_stories_matched_after_a_watch_was_saved(seeded) -> None:
    config_path, _ = seeded
    app = build(seeded)
    async with app.run_test(size=SMALL) as pilot:
        await settle(app, pilot)
        await pilot.press("W")
        await settle(app, pilot)
        screen = app.screen
        await pilot.press("a", *"TSMC", "tab", *"@TSMC")
        await wait_until(
            app, pilot, lambda: "would have matched" in static_text(screen, "#preview-status")
        )
        assert "enter saves the watch" in static_text(screen, "#preview-status")
        await pilot.press("enter")
        await wait_until(app, pilot, lambda: len(load_config(config_path).watches) == 2)
        # the emptied query box's preview came back as "would have matched 0 stories"
        await wait_until(app, pilot, lambda: "2 watches" in static_text(screen, "#preview-status"))
        await wait_until(app, pilot, lambda: screen.previewed == "")  # the emptied box's turn
        assert "would have matched" not in static_text(screen, "#preview-status")
        assert "2 watches" in static_text(screen, "#preview-status")


async def test_feeds_cut_to_ten_cells_at_80_columns_could_not_be_told_apart(seeded) -> None:
    _, db_path = seeded
    long_error = "could not resolve the host name halbleiter.example (DNS lookup failed)"
    query_store(
        db_path,
        "UPDATE feeds SET name = ?, last_status = 'error', last_error = ? WHERE name = ?",
        ["Halbleiter Heute: Politik und Exportkontrollen", long_error, "Halbleiter Heute"],
    )
    app = build(seeded)
    async with app.run_test(size=SMALL) as pilot:
        await settle(app, pilot)
        await pilot.press("f")
        await settle(app, pilot)
        screen = app.screen
        table = screen.query_one("#feeds-table")
        row = [f.name for f in screen.feeds].index("Halbleiter Heute: Politik und Exportkontrollen")
        table.move_cursor(row=row)
        await settle(app, pilot)
        name_cell = str(table.get_row_at(row)[0])
        assert name_cell.endswith("…")  # the table still cuts it at 80 columns
        shown = static_text(screen, "#feed-selected")
        assert "Halbleiter Heute: Politik und Exportkontrollen" in shown
        assert "https://halbleiter.example/atom" in shown
        assert long_error in shown.replace("\n", "")


async def test_export_dialog_focus_was_invisible_without_colour(seeded) -> None:
    app = build(seeded)
    async with app.run_test(size=SMALL) as pilot:
        await settle(app, pilot)
        await pilot.press("e")
        await settle(app, pilot)
        labels = list(app.screen.query(".field-row Label").results(Label))

        def marked() -> list[str]:
            return [str(label.render()) for label in labels if label.rich_style.reverse]

        assert marked() == ["Format"]
        await pilot.press("tab")
        await wait_until(app, pilot, lambda: marked() == ["Window"])


def _notes(app) -> list[str]:
    return [n.message for n in app._notifications]


async def test_a_misspelt_keymap_id_was_ignored_without_a_word(seeded, tmp_path) -> None:
    extra = '\n[ui.keymap]\nrefesh = "ctrl+r"\npin = "P"\n"export.cancel" = "ctrl+g"\n'
    config_path = seed_config(tmp_path / "remap.toml", extra=extra)
    app = build((config_path, seeded[1]))
    async with app.run_test(size=SMALL) as pilot:
        await settle(app, pilot)
        warned = [n for n in _notes(app) if "[ui.keymap]" in n]
        assert warned == [
            "[ui.keymap]: no key has the id 'refesh' (did you mean 'refresh'?); ? lists every id"
        ]  # pin and the dialog's export.cancel are known ids


async def test_a_keymap_of_known_ids_says_nothing(seeded, tmp_path) -> None:
    config_path = seed_config(tmp_path / "remap.toml", extra='\n[ui.keymap]\nrefresh = "ctrl+r"\n')
    app = build((config_path, seeded[1]))
    async with app.run_test(size=SMALL) as pilot:
        await settle(app, pilot)
        assert not [n for n in _notes(app) if "keymap" in n]


async def test_export_error_spoke_of_an_o_option_the_dialog_user_never_typed(
    seeded, tmp_path
) -> None:
    app = build(seeded)
    async with app.run_test(size=SMALL) as pilot:
        await settle(app, pilot)
        await pilot.press("e")
        await settle(app, pilot)
        screen = app.screen
        screen.query_one("#export-path").value = str(tmp_path)  # a folder
        await pilot.click("#export-go")
        await wait_until(
            app, pilot, lambda: "cannot write there" in static_text(screen, "#export-status")
        )
        said = static_text(screen, "#export-status")
        assert said.startswith(f"{tmp_path}: cannot write there")
        assert "-o " not in said and "chipwatch:" not in said


async def test_a_long_watch_query_was_only_ever_shown_cut(seeded, tmp_path) -> None:
    long_query = (
        '@H20 AND (export~ OR licence~ OR @"export controls" OR @"export licence") '
        "AND NOT title:rumour"
    )
    extra = f"\n[[watch]]\nname = \"H20 licences, no rumours\"\nquery = '{long_query}'\n"
    config_path = seed_config(tmp_path / "long.toml", extra=extra)
    app = build((config_path, seeded[1]))
    async with app.run_test(size=SMALL) as pilot:
        await settle(app, pilot)
        await pilot.press("W")
        await settle(app, pilot)
        screen = app.screen
        table = screen.query_one("#watches-table")
        table.move_cursor(row=1)
        await settle(app, pilot)
        assert str(table.get_row_at(1)[1]).endswith("…")  # the table still cuts it
        shown = static_text(screen, "#watch-selected").replace("\n", " ")
        assert f"H20 licences, no rumours: {long_query}" in shown
