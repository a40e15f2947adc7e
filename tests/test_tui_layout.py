"""The monitor at any terminal size (issue 19): side panes that fold, dialogs that fit,
a status bar and tables that give way by priority, sparklines that survive a resize."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.text import Text
from textual.widgets import Button

from tests.test_tui import build, screen_lines, settle
from tests.tui_seed import build_seed_store, seed_config

SMALL, LARGE, TINY = (80, 24), (160, 48), (60, 20)


@pytest.fixture
def seeded(tmp_path: Path) -> tuple[Path, Path]:
    return seed_config(tmp_path / "config.toml"), build_seed_store(tmp_path / "seed.db")


def on_screen(app, widget) -> bool:
    """Whether the widget is drawn whole inside the terminal."""
    region = widget.region
    return bool(region.area) and app.screen.region.contains_region(region)


async def test_a_timeline_headline_shows_40_characters_at_80x24(seeded) -> None:
    app = build(seeded)
    async with app.run_test(size=SMALL) as pilot:
        await settle(app, pilot)
        timeline = app.main_screen.timeline
        width = timeline.scrollable_content_region.width
        title_width, _ents = timeline._columns(width)
        assert title_width >= 40
        title = "US lets NVIDIA restart H20 shipments to China"  # 45 characters
        assert any(title in line for line in screen_lines(timeline))


async def test_side_panes_fold_below_120_columns_and_b_brings_them_back(seeded) -> None:
    app = build(seeded)
    async with app.run_test(size=SMALL) as pilot:
        await settle(app, pilot)
        screen = app.main_screen
        right = screen.query_one("#right")
        assert not right.display and screen.has_class("-narrow")
        footer_keys = [k.description for k in screen.query("FooterKey")]
        assert "Panes" in footer_keys  # the key is in the footer at 80 columns
        await pilot.press("b")
        await settle(app, pilot)
        assert right.display and on_screen(app, screen.entities) and on_screen(app, screen.alerts)
        assert screen.entities.has_focus and screen.entities.highlighted == 0
        await pilot.press("b")
        await settle(app, pilot)
        assert not right.display and screen.timeline.has_focus
    app = build(seeded)
    async with app.run_test(size=LARGE) as pilot:
        await settle(app, pilot)
        right = app.main_screen.query_one("#right")
        assert right.display  # wide: shown beside the timeline
        await pilot.press("b")
        await settle(app, pilot)
        assert not right.display


@pytest.mark.parametrize("size", [SMALL, TINY], ids=["80x24", "60x20"])
async def test_the_export_dialog_fits_with_its_buttons(seeded, size) -> None:
    app = build(seeded)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await pilot.press("e")
        await settle(app, pilot)
        for button in app.screen.query(Button):
            assert on_screen(app, button), button
        for field in ("#export-format", "#export-path"):
            assert app.screen.query_one(field).region.area


@pytest.mark.parametrize("size", [SMALL, TINY], ids=["80x24", "60x20"])
async def test_every_screen_is_usable_small(seeded, size) -> None:
    app = build(seeded)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        screen = app.main_screen
        for pane in (screen.timeline, screen.detail, screen.status):
            assert on_screen(app, pane)
        assert screen.detail.size.height >= 4
        await pilot.press("question_mark")
        await settle(app, pilot)
        body = app.screen.query_one("#help-body")
        assert on_screen(app, body) and body.max_scroll_y > 0  # the rest is a scroll away
        await pilot.press("escape", "f")
        await settle(app, pilot)
        assert on_screen(app, app.screen.query_one("#feeds-table"))
        await pilot.press("escape", "W")
        await settle(app, pilot)
        for part in ("#watches-table", "#watch-name", "#watch-query", "#watch-preview"):
            assert on_screen(app, app.screen.query_one(part)), part


async def test_feeds_screen_at_100_columns_shows_articles_and_last_error(seeded) -> None:
    app = build(seeded)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("f")
        await settle(app, pilot)
        screen = app.screen
        assert {"name", "status", "articles", "last error"} <= set(screen.widths)
        table = screen.query_one("#feeds-table")
        shown = "\n".join(screen_lines(table))
        assert "articles" in shown and "last error" in shown and "HTTP 503" in shown
        assert table.virtual_size.width <= table.scrollable_content_region.width  # no sideways


def test_feed_columns_give_way_by_priority() -> None:
    from chipwatch.tui.screens.feeds import COLUMNS, fit_columns

    order = [label for label, *_rest in sorted(COLUMNS, key=lambda c: c[3])]
    for width in range(20, 200):
        shown = list(fit_columns(width))
        assert shown == [c[0] for c in COLUMNS if c[0] in shown]  # display order kept
        assert set(shown) == set(order[: len(shown)])  # only the least important go
        assert sum(w + 2 for w in fit_columns(width).values()) <= max(width, 12)


def test_status_bar_never_ends_mid_word() -> None:
    from chipwatch.tui.widgets.status import fit_fields

    fields = [
        ("window", Text(" 7d ")),
        ("filter", Text('filter @"export controls"')),
        ("stories", Text("12 stories")),
        ("ok", Text("9 feeds ok")),
        ("failing", Text("1 failing")),
        ("next_poll", Text("next poll in 10m")),
        ("last_error", Text("last error: Chip Shimbun: HTTP 503 Service Unavailable")),
    ]
    full = " · ".join(text.plain for _name, text in fields)
    for width in range(4, len(full) + 2):
        line = fit_fields(fields, width).plain
        assert len(line) <= width
        if line.endswith("…"):
            kept = line[:-1]
            assert full.startswith(kept) and full[len(kept)] == " "  # cut at a word
        else:  # whole fields only
            assert all(part in [t.plain for _n, t in fields] for part in line.split(" · "))
    assert fit_fields(fields, 40).plain.startswith(" 7d  · filter")  # the filter stays


async def test_status_bar_fits_at_80_columns(seeded) -> None:
    app = build(seeded)
    async with app.run_test(size=SMALL) as pilot:
        await settle(app, pilot)
        line = screen_lines(app.main_screen.status)[0].rstrip()
        assert len(line) <= 80 and "1 failing" in line
        assert line.endswith(("off", "…", "10m", "ok"))


async def test_entity_sparklines_keep_their_newest_days_after_a_live_resize(seeded) -> None:
    from chipwatch.tui.widgets.entities import sparkline

    app = build(seeded)
    async with app.run_test(size=LARGE) as pilot:
        await settle(app, pilot)
        pane = app.main_screen.entities
        for size in ((120, 36), (90, 30), (60, 20)):
            await pilot.resize_terminal(*size)
            await settle(app, pilot)
            if not pane.display or not pane.region.area:
                await pilot.press("b")  # folded when narrow: bring it back
                await settle(app, pilot)
            width = pane.scrollable_content_region.width  # what the terminal shows of a line
            lines = [line[:width] for line in screen_lines(pane)]
            for entity, line in zip(pane.entities, lines, strict=False):
                newest = sparkline(entity.spark)[-1]
                assert line.rstrip().endswith(newest), (size, entity.name, line)


@pytest.mark.parametrize("size", [SMALL, TINY], ids=["80x24", "60x20"])
@pytest.mark.parametrize("keys", [[], ["f"], ["W"], ["v"]], ids=["main", "feeds", "watch", "read"])
async def test_footer_shows_no_key_cut_by_the_palette_key(seeded, size, keys) -> None:
    """At 80 columns the feeds screen's footer ended "f F▏^p Commands": a key half hidden
    under the command palette's key. Keys that do not fit are left out whole."""
    app = build(seeded)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        for key in keys:
            await pilot.press(key)
            await settle(app, pilot)
        await pilot.pause()
        footer_keys = list(app.screen.query("FooterKey"))
        palette = next(k for k in footer_keys if k.has_class("-command-palette"))
        shown = [k for k in footer_keys if k.display and k is not palette]
        assert shown, "the footer shows at least one key"
        for key in shown:
            label = key.render().plain
            blank = len(label) - len(label.rstrip())
            assert key.region.right - blank <= palette.region.x, key.description
        widths = sum(k.region.width for k in shown)
        assert widths == shown[-1].region.right  # nothing hidden between shown keys


async def test_status_bar_says_when_it_polled_not_a_bare_polled(seeded) -> None:
    """After a poll the status bar ended "· polled", which read like a cut word."""
    from chipwatch.tui.messages import PollBatch

    app = build(seeded)
    async with app.run_test(size=LARGE) as pilot:
        await settle(app, pilot)
        app.post_message(PollBatch(set(), alerts=0, feeds=5, errors=[]))
        await settle(app, pilot)
        assert app.main_screen.status.poller == "polled 12:00"  # the seed's clock
        app.post_message(PollBatch(set(), alerts=0, feeds=5, errors=["Chip Shimbun: HTTP 503"]))
        await settle(app, pilot)
        assert app.main_screen.status.poller == "polled 12:00 · 1 feed error"
