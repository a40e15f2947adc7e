"""The issue's "done when", end to end: a store filled by the real pipeline from the
fixture feeds (tests/data/alerts), then the monitor over it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from chipwatch.config import load_config
from chipwatch.tui.app import make_app
from tests.clirun import cli_argv
from tests.test_tui import SIZE, settle
from tests.tui_seed import SEED_NOW

FEEDS = Path(__file__).resolve().parent / "data" / "alerts"


@pytest.fixture
def filled(tmp_path: Path) -> tuple[Path, Path]:
    feeds = sorted(FEEDS.glob("*.xml"))
    if not feeds:
        pytest.skip("fixture feeds are missing")
    config = tmp_path / "config.toml"
    config.write_text(
        "".join(f'[[feeds]]\nurl = "{feed}"\n\n' for feed in feeds)
        + '[[watch]]\nname = "H20 exports"\nquery = "@H20"\n\n[ui]\nwindow = "7d"\n',
        encoding="utf-8",
    )
    db_path = tmp_path / "store.db"
    done = subprocess.run(
        cli_argv(config, db_path, "poll", "--once", "--now", "2025-07-16T12:00:00Z"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return config, db_path


async def test_monitor_over_the_fixture_feeds(filled) -> None:
    config, db_path = filled
    app = make_app(load_config(config), config, db_path, clock=lambda: SEED_NOW, start_poller=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.main_screen
        biggest = max(screen.timeline.rows, key=lambda row: row.outlet_count)
        assert biggest.outlet_count >= 3 and len(biggest.languages) >= 2
        screen.timeline.cursor = screen.timeline.rows.index(biggest)
        await settle(app, pilot)
        story = screen.detail.story
        assert story is not None and story.id == biggest.id
        assert len({a.feed_name for a in story.articles}) == biggest.outlet_count
        assert "Joined " in screen.detail.plain and "(threshold " in screen.detail.plain
        assert any(
            a.watch == "H20 exports" and a.story_id == story.id for a in screen.alerts.alerts
        )
        await pilot.press("slash", *"@H20", "enter")
        await settle(app, pilot)
        assert biggest.id in [row.id for row in screen.timeline.rows]
        assert all("H20" in row.entities for row in screen.timeline.rows)
