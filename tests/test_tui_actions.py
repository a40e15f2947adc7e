"""Keeping my place and hearing back (issue 19): actions keep the selection on the story
they changed and say what they did; the filter applies as you type; links, the
clipboard and screenshots say only what they know."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest

from tests.test_tui import build, query_store, screen_lines, settle, titles, wait_until
from tests.tui_seed import build_seed_store, seed_config

SMALL = (80, 24)


@pytest.fixture
def seeded(tmp_path: Path) -> tuple[Path, Path]:
    return seed_config(tmp_path / "config.toml"), build_seed_store(tmp_path / "seed.db")


def notes(app) -> list[str]:
    return [n.message for n in app._notifications]


def on(app, title: str) -> bool:
    """The cursor and the story pane are both on the story titled ``title``."""
    screen = app.main_screen
    row, story = screen.timeline.selected, screen.detail.story
    return row is not None and story is not None and row.title == title == story.title


async def select(app, pilot, title: str) -> None:
    app.main_screen.timeline.cursor = titles(app).index(title)
    await wait_until(app, pilot, lambda: on(app, title))


TSMC = "TSMC raises its Arizona investment plan"
ASML = "ASML meldet starke Nachfrage nach EUV-Anlagen"


async def test_merge_keeps_the_cursor_on_the_merged_story(seeded) -> None:
    app = build(seeded)
    async with app.run_test(size=SMALL) as pilot:
        await settle(app, pilot)
        await select(app, pilot, ASML)
        await pilot.press("M")
        await select(app, pilot, TSMC)
        await pilot.press("M")
        await wait_until(app, pilot, lambda: ASML not in titles(app))
        await wait_until(app, pilot, lambda: on(app, TSMC))
        assert len(app.main_screen.detail.story.articles) == 3
        assert app.main_screen.status.stories == 7
        assert "Stories merged; the merged story is selected." in notes(app)


async def test_split_keeps_the_cursor_on_the_story_it_split(seeded) -> None:
    app = build(seeded)
    async with app.run_test(size=SMALL) as pilot:
        await settle(app, pilot)
        await select(app, pilot, TSMC)
        await pilot.press("right_square_bracket", "S")
        await wait_until(app, pilot, lambda: len(titles(app)) == 9)
        await wait_until(app, pilot, lambda: on(app, TSMC))
        assert len(app.main_screen.detail.story.articles) == 1
        assert app.main_screen.status.stories == 9
        assert app.main_screen.timeline.new_count == 0  # a split story did not "arrive"
        assert any(n.startswith("Article split") for n in notes(app))


async def test_a_split_off_article_that_matches_a_watch_gets_its_alert(seeded) -> None:
    """The new story matches "H20 exports" as the one it left does: it carries its own
    alert, and the note says so (it had none, though `watch test` listed it)."""
    app = build(seeded)
    h20 = "US lets NVIDIA restart H20 shipments to China"
    async with app.run_test(size=SMALL) as pilot:
        await settle(app, pilot)
        await select(app, pilot, h20)
        before = len(titles(app))
        await pilot.press("right_square_bracket", "S")
        await wait_until(app, pilot, lambda: len(titles(app)) == before + 1)
        await wait_until(app, pilot, lambda: any("Raised 1 alert" in n for n in notes(app)))
        assert any(n.endswith("Raised 1 alert: H20 exports.") for n in notes(app))
        rows = query_store(
            app.db_path, "SELECT count(DISTINCT story_id) FROM alerts WHERE watch = 'H20 exports'"
        )
        assert rows[0][0] == 2


async def test_all_read_read_and_pin_keep_the_cursor(seeded) -> None:
    app = build(seeded)
    async with app.run_test(size=SMALL) as pilot:
        await settle(app, pilot)
        await select(app, pilot, TSMC)
        await pilot.press("A")
        await wait_until(app, pilot, lambda: all(r.read for r in app.main_screen.timeline.rows))
        assert on(app, TSMC) and "Marked 8 stories read." in notes(app)
        await pilot.press("u")
        await wait_until(app, pilot, lambda: not app.main_screen.timeline.selected.read)
        assert on(app, TSMC) and "Marked unread." in notes(app)
        await pilot.press("p")
        await wait_until(app, pilot, lambda: app.main_screen.timeline.selected.pinned)
        await wait_until(app, pilot, lambda: app.main_screen.detail.story.pinned)
        assert on(app, TSMC) and "Pinned." in notes(app)


async def test_alerts_s_and_d_work_without_an_arrow_key_first(seeded) -> None:
    """Regression: s and d did nothing until an arrow key highlighted an alert."""
    app = build(seeded)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        app.main_screen.alerts.focus()
        await settle(app, pilot)
        await pilot.press("s")
        await settle(app, pilot)
        rows = query_store(seeded[1], "SELECT watch, state FROM alerts ORDER BY id")
        assert ("H20 exports", "seen") in rows and "Alert marked seen." in notes(app)
        await pilot.press("d")
        await wait_until(app, pilot, lambda: len(app.main_screen.alerts.alerts) == 1)
        assert "Alert dismissed." in notes(app)
        assert app.main_screen.alerts.highlighted == 0  # the next alert is selected


async def test_an_alert_shows_its_story_time_and_the_story_when_it_was_raised(seeded) -> None:
    app = build(seeded)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        first = screen_lines(app.main_screen.alerts)[0]
        assert "10:00" in first and "10:30" not in first  # the story's time (2 h ago)
        assert first.count("H20 exports") == 1
        app.main_screen.alerts.focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert "H20 exports · raised 2025-07-16 10:30 UTC" in app.main_screen.detail.plain


async def test_the_filter_applies_as_you_type_and_errors_show_inline(seeded) -> None:
    app = build(seeded)
    async with app.run_test(size=SMALL) as pilot:
        await settle(app, pilot)
        screen = app.main_screen
        await pilot.press("slash", *"@H20")  # no Enter
        await wait_until(app, pilot, lambda: len(titles(app)) == 1)
        assert screen.status.filter_text == "@H20" and screen.search_input.has_focus
        await pilot.press(*' "unclosed')
        await wait_until(app, pilot, lambda: screen.search_input.has_class("error"))
        error = str(screen.query_one("#search-error").render())
        assert "closing" in error and '"' in error
        assert screen.status.filter_text == "@H20"  # the invalid query is not shown active
        assert len(titles(app)) == 1  # and the last valid filter still applies
        await pilot.press("escape")
        assert screen.timeline.has_focus and not screen.search_input.has_class("error")
        await pilot.press("escape")
        await wait_until(app, pilot, lambda: len(titles(app)) == 8)
        assert screen.status.filter_text == ""


async def test_a_query_error_shows_the_query_literally_with_the_caret_under_its_column(
    seeded,
) -> None:
    """The error under the box was read as markup: '[b]' vanished from the query shown
    and the caret stood three columns right of the stray quote."""
    app = build(seeded)
    async with app.run_test(size=SMALL) as pilot:
        await settle(app, pilot)
        screen = app.main_screen
        await pilot.press("slash", *'@H20 [b]x "open')
        await wait_until(app, pilot, lambda: screen.search_input.has_class("error"))
        error = screen.query_one("#search-error")
        lines = ["".join(s.text for s in error.render_line(y)) for y in range(3)]
        assert lines[1].strip() == '@H20 [b]x "open'
        assert lines[2].index("^") == lines[1].index('"')


async def test_an_entity_filter_is_shown_as_a_valid_query(seeded) -> None:
    from chipwatch.query.grammar import parse_tree

    app = build(seeded)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        entities = app.main_screen.entities
        entities.focus()
        entities.highlighted = [e.name for e in entities.entities].index("export controls")
        await pilot.press("enter")
        await wait_until(app, pilot, lambda: app.main_screen.status.filter_text != "")
        shown = app.main_screen.status.filter_text
        assert shown == '@"export controls"'
        parse_tree(shown)  # raises on a query the language cannot read


async def test_o_shows_the_link_when_no_browser_starts(seeded) -> None:
    app = build(seeded, opener=lambda url: False)
    async with app.run_test(size=SMALL) as pilot:
        await settle(app, pilot)
        await pilot.press("o")
        await wait_until(app, pilot, lambda: any("No browser" in n for n in notes(app)))
        note = next(n for n in notes(app) if "No browser" in n)
        assert "https://news.example/" in note


async def test_c_says_copied_only_when_a_clipboard_program_copied(
    seeded, tmp_path, monkeypatch
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    cat = shutil.which("cat")
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)
    app = build(seeded)
    async with app.run_test(size=SMALL) as pilot:
        await settle(app, pilot)
        await pilot.press("c")
        await wait_until(app, pilot, lambda: any("clipboard" in n for n in notes(app)))
        note = next(n for n in notes(app) if "clipboard" in n)
        assert "Link copied" not in note and "OSC 52" in note and "https://" in note
        # a clipboard program that works: now it can say so
        copied = tmp_path / "copied.txt"
        xclip = bin_dir / "xclip"
        xclip.write_text(f"#!/bin/sh\n{cat} > {copied}\n")
        xclip.chmod(xclip.stat().st_mode | stat.S_IEXEC)
        monkeypatch.setenv("DISPLAY", ":0")
        await pilot.press("c")
        await wait_until(app, pilot, lambda: "Link copied (xclip)." in notes(app))
        assert copied.read_text().startswith("https://news.example/")


async def test_screenshot_says_why_it_failed_and_where_it_saved(seeded, tmp_path) -> None:
    """Regression: "Failed to save screenshot" gave no reason, and the success message
    showed raw markup ("[$text-success]") because notifications take none."""
    app = build(seeded)
    async with app.run_test(size=SMALL) as pilot:
        await settle(app, pilot)
        app.deliver_screenshot("shot.svg", str(tmp_path))
        await wait_until(app, pilot, lambda: any("Screenshot saved" in n for n in notes(app)))
        saved = next(n for n in notes(app) if "Screenshot saved" in n)
        assert saved == f"Screenshot saved to {tmp_path / 'shot.svg'}" and "[" not in saved
        assert (tmp_path / "shot.svg").read_text().startswith("<svg")
        missing = tmp_path / "no" / "such" / "folder"
        app.deliver_screenshot("shot.svg", str(missing))
        await wait_until(app, pilot, lambda: any("Could not save" in n for n in notes(app)))
        failed = next(n for n in notes(app) if "Could not save" in n)
        assert "No such file or directory" in failed and str(missing) in failed


def test_alerts_read_once() -> None:
    """Regression: a spike alert read "NVIDIA spike  spike"."""
    from chipwatch.store.views import AlertRow
    from chipwatch.tui.widgets.alerts import alert_prompt
    from tests.tui_seed import SEED_NOW

    spike = AlertRow(
        1, "spike", "NVIDIA spike", "NVIDIA: 9 stories", "new", "2025-07-16T11:00:00Z",
        "2025-07-16T11:00:00Z", 3, None, story_time="2025-07-16T08:00:00Z",
    )  # fmt: skip
    text = alert_prompt(spike, SEED_NOW, width=60).plain
    assert text.count("spike") == 1 and "08:00" in text and "11:00" not in text


def test_words_plurals_languages_and_headlines() -> None:
    from chipwatch.tui.words import headline, languages_label, plural

    assert plural(1, "outlet") == "1 outlet" and plural(2, "outlet") == "2 outlets"
    assert plural(1, "story", "stories") == "1 story" and plural(0, "feed") == "0 feeds"
    assert languages_label(["de", "fr", "en"]) == "de fr en"
    assert languages_label(["de", "fr", "en", "ja", "zh"]) == "de fr +3"
    assert languages_label(["und"]) == "" and languages_label(["en", "und"]) == "en"
    assert headline("", "Chips ship. More later.") == "Chips ship"
    assert headline("  ", "") == "(untitled)"


async def test_untitled_and_undetermined_stories_read_well(seeded) -> None:
    db = seeded[1]
    from chipwatch.store.db import open_db

    store = open_db(db)
    store.execute("UPDATE stories SET title = '', languages = '[\"und\"]' WHERE title = ?", [TSMC])
    store.execute("UPDATE articles SET lang = 'und' WHERE title = ?", [TSMC])
    store.conn.commit()
    store.close()
    app = build(seeded)
    async with app.run_test(size=SMALL) as pilot:
        await settle(app, pilot)
        lines = screen_lines(app.main_screen.timeline)
        untitled = next(line for line in lines if "(untitled)" in line)
        assert "und" not in untitled
        await select(app, pilot, "")
        assert " und " not in app.main_screen.detail.plain
        assert "The foundry will add a third plant in Arizona" in app.main_screen.detail.plain


def test_every_binding_has_an_id_and_a_tooltip() -> None:
    from chipwatch.tui.app import binding_groups
    from chipwatch.tui.screens.export import ExportScreen
    from chipwatch.tui.screens.help import HelpScreen

    groups = [b for _where, bindings in binding_groups() for b in bindings]
    groups += [*ExportScreen.BINDINGS, *HelpScreen.BINDINGS]
    for binding in groups:
        assert binding.id and binding.tooltip, binding


def test_the_readme_legend_matches_the_help_screens() -> None:
    from chipwatch.tui.words import LEGEND

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")
    for symbol, meaning in LEGEND:
        assert f"| `{symbol}` | {meaning} |" in readme, symbol


def test_one_meaning_per_symbol() -> None:
    """Regression: "●" meant a new story, an unseen alert and a person."""
    from chipwatch.tui.words import KIND_MARKS, LEGEND

    symbols = [symbol for symbol, _meaning in LEGEND]
    assert len(symbols) == len(set(symbols))
    assert "●" not in symbols and "●" not in KIND_MARKS.values()


async def test_the_palette_shows_each_key(seeded) -> None:
    """Regression: the palette read its help text as markup, so the key "[u]" turned
    the rest of the line into underlined text and never showed."""
    from tests.test_tui import _first_command

    app = build(seeded)
    async with app.run_test(size=SMALL) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+p", *"Read")
        await wait_until(app, pilot, lambda: "key u" in _first_command(app))
        assert "id toggle_read" in _first_command(app)
