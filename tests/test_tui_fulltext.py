"""The reader view (v / Enter on the story pane): Pilot tests at 80x24 and 160x48 against
the seeded store, with the article pages served by a real server on 127.0.0.1 (each
test runs with and without NO_COLOR: tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from chipwatch.store.db import open_db, write_transaction
from chipwatch.tui.screens.reader import ReaderScreen
from tests.feedserver import FeedServer
from tests.test_tui import build, query_store, settle, wait_until
from tests.tui_seed import build_seed_store, seed_config

SMALL, LARGE = (80, 24), (160, 48)
HTML = "text/html; charset=utf-8"
H20_STORY = "US lets NVIDIA restart H20 shipments to China"


def page(*paragraphs: str, charset: str = "utf-8") -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<html><head><meta charset="{charset}"><title>t</title></head><body>'
        "<nav>Home | World | Technology | Markets</nav><div class=cookie>We use cookies. Accept all</div>"
        f"<article><h1>Report</h1>{body}</article><footer>(c) 2025 The Wire</footer></body></html>"
    ).encode(charset)


def lead(article_id: int) -> str:
    return f"Article {article_id} in full: the licences for the accelerator will be granted"


@pytest.fixture
def server():
    with FeedServer() as running:
        yield running


@pytest.fixture
def seeded(tmp_path: Path, server: FeedServer) -> tuple[Path, Path]:
    """The seeded store, every article's link and every feed on the local server (a
    feed on a private address may link to pages there), each article's page served."""
    db_path = build_seed_store(tmp_path / "seed.db")
    db = open_db(db_path)
    try:
        with write_transaction(db):
            for (article_id,) in db.execute("SELECT id FROM articles").fetchall():
                url = server.add(
                    f"/a/{article_id}",
                    page(
                        lead(article_id) + ", the company said on Tuesday.",
                        "Deliveries may take months because the line was stopped in April, "
                        "and critics in Congress want the decision reviewed.",
                    ),
                    content_type=HTML,
                    etag=f'"{article_id}"',
                )
                db.execute("UPDATE articles SET url = ? WHERE id = ?", [url, article_id])
            for (feed_id,) in db.execute("SELECT id FROM feeds").fetchall():
                db.execute(
                    "UPDATE feeds SET url = ? WHERE id = ?", [server.url(f"/f/{feed_id}"), feed_id]
                )
    finally:
        db.close()
    return seed_config(tmp_path / "config.toml"), db_path


def story_article_ids(db_path: Path, title: str) -> list[int]:
    rows = query_store(
        db_path,
        "SELECT a.id FROM articles a JOIN stories s ON s.id = a.story_id "
        "WHERE s.title = ? ORDER BY a.published, a.id",
        [title],
    )
    return [r[0] for r in rows]


def reader(app) -> ReaderScreen:
    screen = app.screen
    assert isinstance(screen, ReaderScreen)
    return screen


async def open_reader(app, pilot, key: str = "v") -> ReaderScreen:
    await settle(app, pilot)
    await pilot.press(key)
    await wait_until(app, pilot, lambda: isinstance(app.screen, ReaderScreen))
    shown = reader(app)
    await wait_until(app, pilot, lambda: shown.shown.text is not None or bool(shown.shown.note))
    return shown


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "160x48"])
async def test_reader_shows_the_page_text_and_a_second_open_does_not_fetch_again(
    seeded, server: FeedServer, size
) -> None:
    app = build(seeded)
    first = story_article_ids(seeded[1], H20_STORY)[0]
    async with app.run_test(size=size) as pilot:
        shown = await open_reader(app, pilot)
        assert lead(first) in shown.plain
        assert "We use cookies" not in shown.plain and "Home | World" not in shown.plain
        assert shown.shown.text is not None and shown.shown.text.ok
        assert len(server.hits_for(f"/a/{first}")) == 1
        stored = query_store(
            seeded[1], "SELECT status FROM article_texts WHERE url = ?", [server.url(f"/a/{first}")]
        )
        assert stored == [("ok",)]
        await pilot.press("escape")
        await wait_until(app, pilot, lambda: app.screen is app.main_screen)
        shown = await open_reader(app, pilot)
        assert lead(first) in shown.plain
        assert len(server.hits_for(f"/a/{first}")) == 1  # from the store


async def test_brackets_move_between_the_storys_articles_and_esc_keeps_the_last(
    seeded, server: FeedServer
) -> None:
    app = build(seeded)
    ids = story_article_ids(seeded[1], H20_STORY)
    async with app.run_test(size=LARGE) as pilot:
        shown = await open_reader(app, pilot)
        title = shown.query_one("#reader-title").render()
        assert f"article 1 of {len(ids)}" in str(title)
        await pilot.press("right_square_bracket")
        await wait_until(app, pilot, lambda: lead(ids[1]) in shown.plain)
        await pilot.press("left_square_bracket", "left_square_bracket")
        await wait_until(app, pilot, lambda: lead(ids[-1]) in shown.plain)
        await pilot.press("escape")
        await wait_until(app, pilot, lambda: app.screen is app.main_screen)
        assert app.main_screen.detail.article.id == ids[-1]


async def test_enter_on_the_story_pane_opens_the_reader_and_marks_the_story_read(seeded) -> None:
    app = build(seeded)
    async with app.run_test(size=SMALL) as pilot:
        await settle(app, pilot)
        app.main_screen.detail.focus()
        shown = await open_reader(app, pilot, "enter")
        assert shown.article.id == app.main_screen.detail.article.id
        story = app.main_screen.detail.story.id
        await wait_until(
            app,
            pilot,
            lambda: (
                query_store(seeded[1], "SELECT read FROM stories WHERE id = ?", [story]) == [(1,)]
            ),
        )


async def test_reload_asks_conditionally_and_keeps_the_text(seeded, server: FeedServer) -> None:
    app = build(seeded)
    first = story_article_ids(seeded[1], H20_STORY)[0]
    async with app.run_test(size=SMALL) as pilot:
        shown = await open_reader(app, pilot)
        await pilot.press("r")
        await wait_until(app, pilot, lambda: len(server.hits_for(f"/a/{first}")) == 2)
        await wait_until(app, pilot, lambda: shown.shown.text is not None)
        assert server.hits_for(f"/a/{first}")[1].headers["if-none-match"] == f'"{first}"'
        assert shown.shown.text.http_status == 304 and lead(first) in shown.plain


async def test_a_failed_page_shows_a_plain_reason_the_summary_and_o_opens_it(
    seeded, server: FeedServer
) -> None:
    opened: list[str] = []
    app = build(seeded, opener=lambda url: opened.append(url) or True)
    first = story_article_ids(seeded[1], H20_STORY)[0]
    server.add(f"/a/{first}", b"", status=404)
    async with app.run_test(size=SMALL) as pilot:
        shown = await open_reader(app, pilot)
        assert "Could not load the full text: HTTP 404" in shown.plain
        assert "no page at this address" in shown.plain
        assert "o opens the article in the browser · r tries again" in shown.plain
        ((summary,),) = query_store(seeded[1], "SELECT summary FROM articles WHERE id = ?", [first])
        assert f"The feed's summary:\n{summary}" in shown.plain
        await pilot.press("o")
        await wait_until(app, pilot, lambda: opened == [server.url(f"/a/{first}")])


HOSTILE = {
    "binary": ((bytes(range(256)) * 64), "text/html", "not a web page (binary data)"),
    "script-only": (
        b"<html><head><script>"
        + b"var x = 1;" * 5000
        + b"</script></head><body><script>boot()</script></body></html>",
        HTML,
        "no article text found on the page",
    ),
    "pdf": (b"%PDF-1.7\n" + bytes(500), "application/pdf", "not a web page (application/pdf)"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
async def test_hostile_pages_give_a_plain_reason(seeded, server: FeedServer, case: str) -> None:
    body, content_type, reason = HOSTILE[case]
    app = build(seeded)
    first = story_article_ids(seeded[1], H20_STORY)[0]
    server.add(f"/a/{first}", body, content_type=content_type)
    async with app.run_test(size=SMALL) as pilot:
        shown = await open_reader(app, pilot)
        assert f"Could not load the full text: {reason}" in shown.plain


async def test_a_huge_page_is_refused_without_reading_it_all(seeded, server: FeedServer) -> None:
    app = build(seeded)
    first = story_article_ids(seeded[1], H20_STORY)[0]
    server.add(f"/a/{first}", size=64 * 1024 * 1024, content_type=HTML)
    async with app.run_test(size=SMALL) as pilot:
        shown = await open_reader(app, pilot)
        assert "Could not load the full text: page too large: over 5 MiB" in shown.plain


async def test_a_page_in_a_wrong_charset_is_still_read(seeded, server: FeedServer) -> None:
    app = build(seeded)
    first = story_article_ids(seeded[1], H20_STORY)[0]
    french = "Les licences seront accordées, a précisé le ministère de l'Économie à Bercy."
    server.add(f"/a/{first}", page(french, french.upper(), charset="cp1252"), content_type=HTML)
    async with app.run_test(size=SMALL) as pilot:
        shown = await open_reader(app, pilot)
        assert french in shown.plain


async def test_a_public_feeds_link_to_a_private_address_is_refused_unasked(
    seeded, server: FeedServer
) -> None:
    first = story_article_ids(seeded[1], H20_STORY)[0]
    db = open_db(seeded[1])
    try:
        with write_transaction(db):  # the article's feed back on its public name
            db.execute(
                "UPDATE feeds SET url = 'https://wire-east.example/rss' "
                "WHERE id = (SELECT feed_id FROM articles WHERE id = ?)",
                [first],
            )
    finally:
        db.close()
    app = build(seeded)
    async with app.run_test(size=SMALL) as pilot:
        shown = await open_reader(app, pilot)
        assert "refused a page on a private network address" in shown.plain
        assert server.hits_for(f"/a/{first}") == []


async def test_page_text_is_shown_as_text_never_markup(seeded, server: FeedServer) -> None:
    app = build(seeded)
    first = story_article_ids(seeded[1], H20_STORY)[0]
    hostile = "[bold red]boom[/] [link=https://evil.example]click[/link] \x1b[2J wiped"
    server.add(
        f"/a/{first}", page(hostile + " and more words to make a paragraph."), content_type=HTML
    )
    async with app.run_test(size=SMALL) as pilot:
        shown = await open_reader(app, pilot)
        assert "[bold red]boom[/] [link=https://evil.example]click[/link]" in shown.plain
        assert "\x1b" not in shown.plain


async def test_a_failed_reload_keeps_the_stored_text_and_says_why(
    seeded, server: FeedServer
) -> None:
    app = build(seeded)
    first = story_article_ids(seeded[1], H20_STORY)[0]
    async with app.run_test(size=SMALL) as pilot:
        shown = await open_reader(app, pilot)
        server.add(f"/a/{first}", b"down", status=500, content_type="text/plain")
        await pilot.press("r")
        await wait_until(app, pilot, lambda: bool(shown.shown.note))
        assert "Could not reload the page: HTTP 500" in shown.plain and lead(first) in shown.plain
    stored = query_store(seeded[1], "SELECT status FROM article_texts")
    assert stored == [("ok",)]
