"""Pilot tests of the feeds, watches and export screens."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from chipwatch.config import load_config
from chipwatch.store.db import open_db, write_transaction
from tests.feedserver import FeedServer
from tests.test_tui import SIZE, build, query_store, settle, wait_until
from tests.tui_seed import build_seed_store, seed_config
from tests.waiting import PATIENCE, eventually


@pytest.fixture
def seeded(tmp_path: Path) -> tuple[Path, Path]:
    return seed_config(tmp_path / "config.toml"), build_seed_store(tmp_path / "seed.db")


ATOM_FR = Path(__file__).parent / "data" / "feeds" / "atom_fr.xml"


@pytest.fixture
def feed_url():
    """A real feed on a server on 127.0.0.1 (the feeds screen fetches what it adds)."""
    with FeedServer() as server:
        yield server.add("/new.atom", ATOM_FR.read_bytes(), content_type="application/atom+xml")


async def test_feeds_screen_shows_health_adds_and_removes(seeded, feed_url) -> None:
    config_path, db_path = seeded
    new = feed_url
    app = build(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f")
        await settle(app, pilot)
        screen = app.screen
        table = screen.query_one("#feeds-table")
        assert table.row_count == 5
        failing = [f for f in screen.feeds if f.last_status == "error"]
        assert [f.name for f in failing] == ["Chip Shimbun"]
        status = list(screen.widths).index("status")
        assert str(table.get_row_at(0)[status]).startswith("error 503")  # failing feeds first
        await pilot.press("a")
        await pilot.press(*new)
        await pilot.press("enter")
        await wait_until(app, pilot, lambda: table.row_count == 6)
        assert new in [f.url for f in load_config(config_path).feeds]
        assert table.row_count == 6
        table.focus()
        table.move_cursor(row=[f.url for f in screen.feeds].index(new))
        await pilot.press("x")
        await settle(app, pilot)
        assert len(load_config(config_path).feeds) == 6  # the first press only arms
        await pilot.press("x")
        await settle(app, pilot)
        assert new not in [f.url for f in load_config(config_path).feeds]
        enabled = query_store(db_path, "SELECT enabled FROM feeds WHERE url = ?", [new])
        assert enabled == [(0,)]  # kept in the store (its articles stay), disabled
        # and no longer listed: the screen said "Feed removed" and still showed it
        await wait_until(app, pilot, lambda: table.row_count == 5)
        assert new not in [f.url for f in screen.feeds]
        await pilot.press("escape")
        assert app.screen is app.main_screen


async def test_feed_add_keeps_comments_and_rejects_duplicates(seeded) -> None:
    config_path, _ = seeded
    config_path.write_text("# my feeds, annotated\n" + config_path.read_text())
    app = build(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f", "a", *"https://wire-east.example/rss", "enter")
        await settle(app, pilot)
        assert len(load_config(config_path).feeds) == 5
        assert config_path.read_text().startswith("# my feeds, annotated\n")
        assert app.is_running


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("not a url", "not a url: not an http(s):// or file:// URL, and no such file"),
        ("missing.xml", "missing.xml: no such file"),
        ("notes.txt", "notes.txt: not a feed: plain text"),
    ],
)
async def test_feeds_screen_refuses_what_is_not_a_feed_instead_of_saying_added(
    seeded, monkeypatch, typed: str, said: str
) -> None:
    """The feeds screen added 'not a url' and said "Feed added: not a url"; it now checks
    the address as `chipwatch feeds add` does and says why it is not a feed."""
    config_path, _ = seeded
    (config_path.parent / "notes.txt").write_text("hello\n", encoding="utf-8")
    monkeypatch.chdir(config_path.parent)
    app = build(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f", "a", *typed, "enter")
        await wait_until(app, pilot, lambda: any(said in n.message for n in app._notifications))
        assert not any("added" in n.message for n in app._notifications)
        assert len(load_config(config_path).feeds) == 5
        assert app.screen.query_one("#feed-form").display  # kept open to correct it


async def test_feeds_screen_add_says_the_feeds_title_language_and_items(seeded, feed_url) -> None:
    app = build(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f", "a", *feed_url, "enter")
        added = 'Feed added: "Puces & Politique" · language fr · 2 items'
        await wait_until(app, pilot, lambda: any(n.message == added for n in app._notifications))


def _status(screen) -> str:
    return str(screen.query_one("#preview-status").render())


async def test_watches_screen_previews_adds_and_removes(seeded) -> None:
    config_path, _ = seeded
    app = build(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("W")
        await settle(app, pilot)
        screen = app.screen
        assert screen.query_one("#watches-table").row_count == 1
        await pilot.press("a", *"TSMC", "tab", *"@TSMC")
        await wait_until(app, pilot, lambda: "would have matched" in _status(screen))
        status = _status(screen)
        assert "would have matched 2 stories" in status
        assert screen.query_one("#watch-preview").option_count == 2
        await pilot.press("enter")
        await settle(app, pilot)
        watches = load_config(config_path).watches
        assert [(w.name, w.query) for w in watches][-1] == ("TSMC", "@TSMC")
        assert screen.query_one("#watches-table").row_count == 2
        table = screen.query_one("#watches-table")
        table.focus()
        table.move_cursor(row=1)
        await pilot.press("x", "x")
        await settle(app, pilot)
        assert [w.name for w in load_config(config_path).watches] == ["H20 exports"]


async def test_a_stale_watch_preview_never_replaces_the_newer_one(seeded, monkeypatch) -> None:
    """Regression: on a busy machine the preview of "@TSM" (typed on the way to "@TSMC")
    finished after the one of "@TSMC" and replaced it."""
    from chipwatch.tui.screens import watches

    release, started, shown = threading.Event(), [], []
    search, show = watches.search_story_ids, watches.WatchesScreen._show_preview

    def slow_search(db, text, config, *, since):
        started.append(text)
        if text == "@TSM":
            release.wait(PATIENCE)  # the older query finishes last
        return search(db, text, config, since=since)

    def recorded_show(screen, text, *args):
        shown.append(text)
        show(screen, text, *args)

    monkeypatch.setattr(watches, "search_story_ids", slow_search)
    monkeypatch.setattr(watches.WatchesScreen, "_show_preview", recorded_show)
    app = build(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("W", "a", *"TSMC", "tab", *"@TSM")
        await eventually(lambda: "@TSM" in started, "the first preview", pause=pilot.pause)
        await pilot.press("C")
        screen = app.screen
        await eventually(
            lambda: "would have matched 2 stories" in _status(screen),
            "the preview of @TSMC",
            pause=pilot.pause,
        )
        release.set()
        await eventually(lambda: "@TSM" in shown, "the stale preview", pause=pilot.pause)
        await settle(app, pilot)
        assert "would have matched 2 stories" in _status(screen)
        assert screen.query_one("#watch-preview").option_count == 2


async def test_watch_preview_shows_query_errors(seeded) -> None:
    app = build(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("W", "a", *"Broken", "tab", *"(export OR")
        await wait_until(app, pilot, lambda: "column" in _status(app.screen))
        status = _status(app.screen)
        assert "column" in status
        await pilot.press("enter")
        await settle(app, pilot)
        assert [w.name for w in load_config(seeded[0]).watches] == ["H20 exports"]


async def test_export_dialog_writes_a_digest(seeded, tmp_path) -> None:
    app = build(seeded)
    out = tmp_path / "digest.json"
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("e")
        await settle(app, pilot)
        screen = app.screen
        screen.query_one("#export-format").value = "json"
        screen.query_one("#export-path").value = str(out)
        await pilot.pause()
        await pilot.click("#export-go")
        # the digest is written by a `chipwatch digest` child process: wait for it
        await wait_until(app, pilot, lambda: app.screen is app.main_screen)
    digest = json.loads(out.read_text())
    titles = [story["title"] for story in digest["stories"]]
    assert "US lets NVIDIA restart H20 shipments to China" in titles
    assert digest["generated_at"] == "2025-07-16T12:00:00Z"


async def test_export_dialog_reports_failure(seeded, tmp_path) -> None:
    app = build(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("e")
        await settle(app, pilot)
        screen = app.screen
        screen.query_one("#export-query").value = "(broken"
        screen.query_one("#export-path").value = str(tmp_path / "x.md")
        await pilot.click("#export-go")
        status = screen.query_one("#export-status")
        await wait_until(app, pilot, lambda: "column" in str(status.render()))
        assert app.screen is screen
        assert not (tmp_path / "x.md").exists()
        await pilot.press("escape")
        assert app.screen is app.main_screen


async def test_a_304_reads_unchanged_not_a_cut_not_modif_at_80_columns(seeded) -> None:
    _, db_path = seeded
    db = open_db(db_path)
    with write_transaction(db):
        db.execute("UPDATE feeds SET last_status = 'not_modified' WHERE last_status = 'ok'")
    db.close()
    app = build(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("f")
        await settle(app, pilot)
        table = app.screen.query_one("#feeds-table")
        status = list(app.screen.widths).index("status")
        shown = [str(table.get_row_at(row)[status]) for row in range(table.row_count)]
        assert shown.count("unchanged") == 4 and not any("…" in cell for cell in shown)


async def test_watch_preview_cuts_a_long_headline_instead_of_wrapping_it(seeded) -> None:
    """At 80 columns a preview row wrapped its headline and its outlet count onto a
    second line; it is one line a story, like the timeline."""
    _, db_path = seeded
    long_title = "US lets NVIDIA restart H20 shipments to China " + "after a long review " * 5
    db = open_db(db_path)
    with write_transaction(db):
        db.execute("UPDATE stories SET title = ? WHERE title LIKE 'US lets%'", [long_title])
    db.close()
    app = build(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("W", "a", *"x", "tab", *"@China")
        preview = app.screen.query_one("#watch-preview")
        await wait_until(app, pilot, lambda: preview.option_count == 4)
        lines = ["".join(s.text for s in preview.render_line(y)) for y in range(4)]
        assert "3 outlets" in lines[0] and "US lets NVIDIA" in lines[0] and "…" in lines[0]
        assert "1 outlet" in lines[1]  # the next story, not the rest of the first


LONG_WATCH = (
    '\n[[watch]]\nname = "H20 licences"\nnotify = ["bell"]\n'
    'query = \'@H20 AND (export~ OR licence~ OR @"export controls" OR @"export licence")\'\n'
)


async def test_a_long_watch_query_is_cut_with_an_ellipsis_and_notify_stays_on_screen(
    tmp_path: Path,
) -> None:
    """At 80 columns a long query pushed the notify column off the screen and ended
    mid-word at the border ('@"expor')."""
    from tests.test_tui import screen_lines

    seeded = (
        seed_config(tmp_path / "config.toml", extra=LONG_WATCH),
        build_seed_store(tmp_path / "seed.db"),
    )
    app = build(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("W")
        await settle(app, pilot)
        lines = screen_lines(app.screen.query_one("#watches-table"))
        row = next(line for line in lines if "H20 licences" in line)
        assert "…" in row and row.rstrip().endswith("bell")
