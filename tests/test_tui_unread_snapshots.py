"""SVG snapshots of the unread flow's views at 80x24 and 160x48 (fixed clock and data):
the unread-only view, the pinned view, and a feed's stories after Enter on the feeds
screen. Update with ``--snapshot-update`` after looking at the SVGs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_tui import build, query_store, wait_until
from tests.test_tui_snapshots import SIZES, keys
from tests.tui_seed import build_seed_store, seed_config

READ = (
    "US lets NVIDIA restart H20 shipments to China",
    "ASML meldet starke Nachfrage nach EUV-Anlagen",
)
PINNED = ("TSMC raises its Arizona investment plan", "Samsung begins HBM4 sampling")


@pytest.fixture
def app(tmp_path: Path):
    db_path = build_seed_store(tmp_path / "seed.db")
    for title in READ:
        query_store(db_path, "UPDATE stories SET read = 1 WHERE title = ?", [title])
    for title in PINNED:
        query_store(db_path, "UPDATE stories SET pinned = 1 WHERE title = ?", [title])
    return build((seed_config(tmp_path / "config.toml"), db_path))


@SIZES
def test_unread_only_view(app, snap_compare, size) -> None:
    assert snap_compare(app, terminal_size=size, run_before=keys("U", "N"))


@SIZES
def test_pinned_view(app, snap_compare, size) -> None:
    assert snap_compare(app, terminal_size=size, run_before=keys("asterisk"))


async def tech_hebdo(pilot) -> None:
    from textual.widgets import DataTable

    screen = pilot.app.screen
    await wait_until(pilot.app, pilot, lambda: bool(getattr(screen, "feeds", None)))
    names = [f.name for f in screen.feeds]
    screen.query_one(DataTable).move_cursor(row=names.index("Tech Hebdo"))
    await pilot.press("enter")
    main = pilot.app.main_screen
    await wait_until(pilot.app, pilot, lambda: main.filters.query.startswith("feed:"))


@SIZES
def test_a_feeds_stories(app, snap_compare, size) -> None:
    assert snap_compare(app, terminal_size=size, run_before=keys("f", then=tech_hebdo))


@SIZES
def test_feeds_screen_with_unread_counts(app, snap_compare, size) -> None:
    assert snap_compare(app, terminal_size=size, run_before=keys("f"))
