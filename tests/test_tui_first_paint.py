"""The first-paint gate: start-up parts shown together in one batched update."""

from __future__ import annotations

from pathlib import Path

from textual.app import App

from chipwatch.tui.screens import first_paint
from chipwatch.tui.screens.first_paint import FirstPaint
from tests.test_tui import SIZE, build, settle
from tests.tui_seed import build_seed_store, seed_config
from tests.waiting import eventually


async def test_parts_are_held_until_all_are_in_then_painted_together() -> None:
    app = App()
    async with app.run_test() as pilot:
        gate = FirstPaint(app)
        shown: list[tuple[str, int]] = []
        gate.apply("dashboard", lambda: shown.append(("dashboard", app._batch_count)))
        assert shown == []  # before the first page: waits for it
        gate.apply("timeline", lambda: shown.append(("timeline", app._batch_count)))
        assert shown == [("dashboard", 1), ("timeline", 1)]
        assert app._batch_count == 1 and not gate.done  # the detail is still due
        gate.apply("detail", lambda: shown.append(("detail", app._batch_count)))
        assert gate.done and app._batch_count == 0
        assert shown[-1] == ("detail", 1)
        gate.apply("dashboard", lambda: shown.append(("later", app._batch_count)))
        assert shown[-1] == ("later", 0)  # after the first paint: at once
        await pilot.pause()


async def test_the_hold_ends_at_its_deadline(monkeypatch) -> None:
    monkeypatch.setattr(first_paint, "MAX_HOLD_SECONDS", 0.05)
    app = App()
    async with app.run_test() as pilot:
        gate = FirstPaint(app)
        gate.apply("timeline", lambda: None)
        assert app._batch_count == 1
        await eventually(lambda: gate.done, "the hold's end", pause=pilot.pause)
        assert app._batch_count == 0
        await pilot.pause()


async def test_an_empty_store_paints_without_waiting_for_a_detail(tmp_path: Path) -> None:
    config = seed_config(tmp_path / "config.toml")
    app = build((config, tmp_path / "empty.db"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.main_screen
        assert screen.first_paint is not None and screen.first_paint.done
        assert app._batch_count == 0
        assert screen.timeline.rows == [] and screen.detail.story is None


async def test_the_monitor_starts_with_every_pane_filled(tmp_path: Path) -> None:
    seeded = seed_config(tmp_path / "config.toml"), build_seed_store(tmp_path / "seed.db")
    app = build(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.main_screen
        assert screen.first_paint is not None and screen.first_paint.done
        assert screen.timeline.rows and screen.detail.story is not None
        assert screen.detail.story.id == screen.timeline.rows[0].id
        assert screen.entities.option_count and screen.alerts.option_count
        assert screen.timeline.has_focus and not screen.search_input.display
