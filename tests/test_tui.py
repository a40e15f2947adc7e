"""Pilot tests of the monitor's main screen against the seeded store (fixed clock)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.worker import WorkerState

from chipwatch.config import load_config
from chipwatch.store.db import open_db
from chipwatch.tui.app import ChipwatchApp, make_app
from tests.tui_seed import HOSTILE_TITLE, SEED_NOW, build_seed_store, seed_config
from tests.waiting import PATIENCE

SIZE = (120, 36)


@pytest.fixture
def seeded(tmp_path: Path) -> tuple[Path, Path]:
    """(config path, store path) of the seeded fixture store."""
    db_path = build_seed_store(tmp_path / "seed.db")
    return seed_config(tmp_path / "config.toml"), db_path


def build(seeded: tuple[Path, Path], **kwargs) -> ChipwatchApp:
    config_path, db_path = seeded
    kwargs.setdefault("start_poller", False)
    return make_app(
        load_config(config_path), config_path, db_path, clock=lambda: SEED_NOW, **kwargs
    )


async def settle(app: ChipwatchApp, pilot, *, patience: float = PATIENCE) -> None:
    """Wait until the app is settled: no store worker pending or running and the screen's
    messages handled, three checks in a row (what a worker posts may start another).
    The poller child's reader runs for the app's lifetime: it is not waited for."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + patience
    quiet = 0
    while quiet < 3:
        await pilot.pause()
        busy = [
            w
            for w in app.workers
            if w.group != "poller" and w.state in (WorkerState.PENDING, WorkerState.RUNNING)
        ]
        if busy and loop.time() > deadline:
            raise AssertionError(f"workers still busy after {patience:g} s: {busy}")
        quiet = 0 if busy else quiet + 1
        await pilot.pause(0.01)


async def wait_until(app: ChipwatchApp, pilot, condition, *, patience: float = PATIENCE) -> None:
    """Settle until ``condition()`` holds: debounce timers and workers finish at their own
    pace on a loaded machine, so tests wait for the outcome, never a fixed time."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + patience
    while True:
        await settle(app, pilot)
        if condition():
            return
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {patience:g} s")
        await pilot.pause(0.05)


def screen_lines(widget) -> list[str]:
    """The widget's visible lines as plain text (what the terminal would show)."""
    return ["".join(seg.text for seg in widget.render_line(y)) for y in range(widget.size.height)]


def titles(app: ChipwatchApp) -> list[str]:
    return [row.title for row in app.main_screen.timeline.rows]


def query_store(db_path: Path, sql: str, params=()):
    db = open_db(db_path)
    try:
        return db.execute(sql, list(params)).fetchall()
    finally:
        db.close()


async def test_main_screen_shows_four_panes_newest_first(seeded) -> None:
    app = build(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.main_screen
        for pane in (screen.timeline, screen.detail, screen.entities, screen.alerts):
            assert pane.display and pane.size.height > 3
        stamps = [row.last_updated for row in screen.timeline.rows]
        assert stamps == sorted(stamps, reverse=True)
        assert titles(app)[0] == "US lets NVIDIA restart H20 shipments to China"
        assert screen.status.stories == len(screen.timeline.rows) == 8  # the 7d window
        assert screen.entities.entities[0].name == "China"
        assert len(screen.entities.entities[0].spark) == 7
        assert [a.watch for a in screen.alerts.alerts] == ["H20 exports", "Entity List"]
        assert screen.status.health["failing"] == 1


async def test_hostile_title_shows_literally(seeded) -> None:
    app = build(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        lines = screen_lines(app.main_screen.timeline)
        hostile = [line for line in lines if "boom" in line]
        assert hostile and "[bold red]boom[/]" in hostile[0]
        assert "\x1b" not in "".join(lines)
        index = titles(app).index(HOSTILE_TITLE)
        app.main_screen.timeline.cursor = index
        await settle(app, pilot)
        body = app.main_screen.detail.plain
        assert body.startswith("[bold red]boom[/]")
        assert "[link=https://evil.example]markup[/link]" in body
        assert "\x1b" not in body and "\x07" not in body


async def test_detail_lists_every_outlet_with_merge_explanation(seeded) -> None:
    app = build(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        story = app.main_screen.detail.story
        assert story is not None
        assert {a.feed_name for a in story.articles} == {
            "Wire East",
            "Tech Hebdo",
            "Halbleiter Heute",
        }
        body = app.main_screen.detail.plain
        assert "Started a new story" in body
        # the later reports name the article they joined (the first one) and what they share
        assert 'Joined "Nvidia darf H20 wieder nach China liefern" (Halbleiter Heute' in body
        assert "share NVIDIA, H20" in body and "since moved" not in body
        assert body.count("https://news.example/") == 3


async def test_enter_opens_story_and_marks_it_read(seeded) -> None:
    app = build(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("down", "enter")
        await settle(app, pilot)
        chosen = app.main_screen.timeline.rows[1]
        assert app.main_screen.detail.story.id == chosen.id
        assert app.main_screen.detail.has_focus
        assert query_store(seeded[1], "SELECT read FROM stories WHERE id = ?", [chosen.id]) == [
            (1,)
        ]
        assert app.main_screen.timeline.rows[1].read


async def test_slash_filters_with_the_query_language(seeded) -> None:
    app = build(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("slash")
        await pilot.press(*"@H20")
        await pilot.press("enter")
        await settle(app, pilot)
        assert titles(app) == ["US lets NVIDIA restart H20 shipments to China"]
        assert app.main_screen.status.filter_text == "@H20"
        await pilot.press("escape")
        await settle(app, pilot)
        assert len(titles(app)) == 8


async def test_bad_query_is_shown_not_raised(seeded) -> None:
    app = build(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("slash", *"(export", "enter")
        await settle(app, pilot)
        assert app.main_screen.search_input.has_class("error")
        assert app.main_screen.search_input.has_focus
        assert len(titles(app)) == 8  # the timeline kept its rows
        assert app.is_running


async def test_open_and_copy_link(seeded) -> None:
    opened: list[str] = []
    app = build(seeded, opener=lambda url: opened.append(url) or True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("o")
        await settle(app, pilot)
        first = app.main_screen.detail.story.articles[0].url
        assert opened == [first]
        await pilot.press("right_square_bracket", "c")
        await settle(app, pilot)
        assert app.clipboard == app.main_screen.detail.story.articles[1].url != first


async def test_toggle_read_all_read_and_pin(seeded) -> None:
    app = build(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        top = app.main_screen.timeline.rows[0].id
        await pilot.press("u")
        await settle(app, pilot)
        assert app.main_screen.timeline.rows[0].read
        await pilot.press("u")
        await settle(app, pilot)
        assert not app.main_screen.timeline.rows[0].read
        await pilot.press("p")
        await settle(app, pilot)
        assert app.main_screen.timeline.rows[0].pinned
        assert query_store(seeded[1], "SELECT pinned FROM stories WHERE id = ?", [top]) == [(1,)]
        await pilot.press("A")
        await settle(app, pilot)
        assert all(row.read for row in app.main_screen.timeline.rows)
        unread = query_store(seeded[1], "SELECT count(*) FROM stories WHERE read = 0")[0][0]
        assert unread == 2  # the two stories older than the 7-day window


async def test_window_cycles(seeded) -> None:
    app = build(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        counts = []
        for _ in range(4):
            await pilot.press("w")
            await settle(app, pilot)
            counts.append((app.main_screen.status.window, len(titles(app))))
        assert counts == [("30d", 9), ("all", 10), ("24h", 5), ("7d", 8)]


async def test_entity_selection_filters_timeline(seeded) -> None:
    app = build(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        entities = app.main_screen.entities
        index = [e.name for e in entities.entities].index("TSMC")
        entities.focus()
        entities.highlighted = index
        await pilot.press("enter")
        await settle(app, pilot)
        assert sorted(titles(app)) == sorted(
            [HOSTILE_TITLE, "TSMC raises its Arizona investment plan"]
        )
        assert app.main_screen.status.filter_text == "@TSMC"
        await pilot.press("enter")  # selecting it again clears the filter
        await settle(app, pilot)
        assert len(titles(app)) == 8


async def test_alerts_open_story_seen_and_dismiss(seeded) -> None:
    app = build(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        alerts = app.main_screen.alerts
        alerts.focus()
        alerts.highlighted = 1
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.main_screen.detail.story.title == "Commerce adds eleven firms to the Entity List"
        assert [a.state for a in alerts.alerts] == ["new", "seen"]
        alerts.highlighted = 0
        await pilot.press("d")
        await settle(app, pilot)
        assert [a.watch for a in alerts.alerts] == ["Entity List"]
        states = query_store(seeded[1], "SELECT watch, state FROM alerts ORDER BY id")
        assert states == [("H20 exports", "dismissed"), ("Entity List", "seen")]


async def test_split_and_merge(seeded) -> None:
    app = build(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.main_screen.detail.story.outlet_count == 3
        await pilot.press("right_square_bracket", "S")
        await settle(app, pilot)
        assert len(titles(app)) == 9
        assert app.main_screen.timeline.rows[0].article_count == 2
        await pilot.press("M", "down", "M")
        await settle(app, pilot)
        assert len(titles(app)) == 8
        kinds = query_store(
            seeded[1],
            "SELECT kind, count(DISTINCT story_id || '>' || into_story_id), count(*) "
            "FROM corrections GROUP BY kind ORDER BY kind",
        )
        # one split; one merge, recorded for each of the two articles it moved
        assert kinds == [("merge", 1, 2), ("split", 1, 1)]


async def test_help_lists_binding_ids_and_keymap_remaps(seeded, tmp_path) -> None:
    config_path = seed_config(tmp_path / "remap.toml", extra='\n[ui.keymap]\npin = "P"\n')
    app = build((config_path, seeded[1]))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("P")
        await settle(app, pilot)
        assert app.main_screen.timeline.rows[0].pinned
        await pilot.press("question_mark")
        await settle(app, pilot)
        rows = app.screen.rows
        ids = {row[2] for row in rows}
        assert {
            "search",
            "open",
            "copy_link",
            "pin",
            "split",
            "merge",
            "refresh",
            "help",
            "window",
            "feeds",
            "watches",
            "export",
        } <= ids
        keys = {row[2]: row[1] for row in rows}
        assert keys["pin"] == "P"
        shown = "\n".join(screen_lines(app.screen.query_one("#help-text")))
        pin_line = next(line for line in shown.splitlines() if "Pin or unpin" in line)
        assert pin_line.split()[0] == "P" and pin_line.split()[-1] == "pin"
        await pilot.press("escape")
        assert app.screen is app.main_screen


def _first_command(app: ChipwatchApp) -> str:
    """The command palette's first offer, or '' while it is still searching."""
    from textual.command import CommandList

    found = app.screen.query(CommandList)
    if not found or not found.first().option_count:
        return ""
    return str(found.first().get_option_at_index(0).prompt)


async def test_command_palette_offers_actions(seeded) -> None:
    app = build(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Pin")
        await wait_until(app, pilot, lambda: "Pin" in _first_command(app))
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.main_screen.timeline.rows[0].pinned


async def test_theme_comes_from_config(seeded, tmp_path) -> None:
    config_path = tmp_path / "themed.toml"
    text = seed_config(tmp_path / "base.toml").read_text().replace("textual-dark", "nord")
    config_path.write_text(text)
    app = build((config_path, seeded[1]))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.theme == "nord"


async def test_next_article_scrolls_it_into_view(seeded) -> None:
    app = build(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        detail = app.main_screen.detail
        assert detail.scroll_offset.y == 0
        await pilot.press("right_square_bracket", "right_square_bracket")
        await settle(app, pilot)
        assert detail.article.feed_name == "Wire East"
        assert detail.scroll_offset.y > 5
        await pilot.press("right_square_bracket")  # wraps around to the first
        await settle(app, pilot)
        assert detail.article.feed_name == "Halbleiter Heute" and detail.scroll_offset.y == 0


async def test_notifications_show_markup_literally(seeded) -> None:
    app = build(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.main_screen.notify("feed [bold]x[/bold] failed")
        await pilot.pause()
        notes = list(app._notifications)
        assert notes[-1].message == "feed [bold]x[/bold] failed"
        assert notes[-1].markup is False


async def test_a_broken_store_is_reported_not_fatal(seeded) -> None:
    app = build(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        db_path = seeded[1]
        for suffix in ("-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        db_path.write_bytes(b"this is not a database " * 200)
        await pilot.press("w")
        await settle(app, pilot)
        errors = [n for n in app._notifications if n.severity == "error"]
        assert errors and "corrupt or not a chipwatch database" in errors[-1].message
        assert app.is_running


async def test_escape_returns_to_the_timeline(seeded) -> None:
    app = build(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.main_screen.detail.has_focus
        await pilot.press("escape")
        assert app.main_screen.timeline.has_focus


async def test_escape_in_entities_clears_the_entity_filter(seeded) -> None:
    app = build(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        entities = app.main_screen.entities
        entities.focus()
        entities.highlighted = 0
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.main_screen.filters.entity == entities.entities[0].name
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.main_screen.filters.entity is None and len(titles(app)) == 8
