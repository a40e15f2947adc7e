"""Impossible dates (issue 15, item 3): clamped once at parse time, written with four-digit
years, and tolerated by every reader when an older store already holds a bad one.

Before: ``Mon, 01 Jan 0001`` failed its whole feed ("year 0 is out of range") or was
stored as ``1-01-01T00:00:00Z``, after which digest, search, ``watch test`` and the
monitor's "all" window crashed; an Atom ``10000-01-01`` was stored as 2010-12-01.
"""

from __future__ import annotations

import json
import re
import sqlite3
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pytest

from chipwatch.cli import main
from chipwatch.config import load_config
from chipwatch.ingest.parse.feed import parse_feed
from chipwatch.timeutil import EPOCH, from_iso, iso, stored_iso
from chipwatch.tui.app import make_app
from tests.test_tui import SIZE, settle, titles
from tests.tui_seed import SEED_NOW, build_seed_store, seed_config

FETCHED = datetime(2025, 7, 16, 12, 0, tzinfo=UTC)
NOW = "2025-07-16T12:00:00Z"
GOOD = datetime(2025, 7, 15, 8, 0, tzinfo=UTC)
FOUR_DIGIT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
BAD_STAMP = "1-01-01T00:00:00Z"  # what chipwatch wrote for year 1 before the fix


def rss(bad_date: str, *, n: int = 0) -> bytes:
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Dates</title>'
        "<link>https://dates.example/</link>"
        f"<item><title>Ancient Nvidia bulletin {n}</title><link>https://dates.example/old{n}</link>"
        f"<pubDate>{bad_date}</pubDate></item>"
        f"<item><title>Fresh Intel bulletin {n}</title><link>https://dates.example/new{n}</link>"
        "<pubDate>Tue, 15 Jul 2025 08:00:00 GMT</pubDate></item>"
        "</channel></rss>"
    ).encode()


def atom(bad_date: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>Dates</title><id>urn:dates</id><updated>2025-07-15T08:00:00Z</updated>"
        "<entry><title>Ancient Nvidia bulletin</title><id>urn:old</id>"
        f'<link href="https://dates.example/old"/><published>{bad_date}</published>'
        f"<updated>{bad_date}</updated></entry>"
        "<entry><title>Fresh Intel bulletin</title><id>urn:new</id>"
        '<link href="https://dates.example/new"/><published>2025-07-15T08:00:00Z</published>'
        "<updated>2025-07-15T08:00:00Z</updated></entry></feed>"
    ).encode()


IMPOSSIBLE = [
    ("rss year 1", rss("Mon, 01 Jan 0001 00:00:00 GMT")),
    ("rss year 0 after its zone", rss("Mon, 01 Jan 0001 00:00:00 +0100")),
    ("rss before 1970", rss("Wed, 31 Dec 1969 12:00:00 GMT")),
    ("atom year 1", atom("0001-01-01T00:00:00Z")),
    ("atom year 10000", atom("10000-01-01T00:00:00Z")),
    ("atom year 99999", atom("99999-01-01T00:00:00Z")),
]


@pytest.mark.parametrize("fast", [True, False], ids=["lxml", "feedparser"])
@pytest.mark.parametrize("body", [b for _, b in IMPOSSIBLE], ids=[n for n, _ in IMPOSSIBLE])
def test_impossible_date_costs_only_its_date_on_both_parse_paths(body: bytes, fast: bool) -> None:
    parsed = parse_feed(
        body, {"content-type": "application/xml"}, "https://dates.example/feed", FETCHED, fast=fast
    )
    assert parsed.ok, parsed.error
    old, new = sorted(parsed.articles, key=lambda a: a.title)
    assert old.title.startswith("Ancient") and old.published == FETCHED
    assert old.published_estimated
    assert new.published == GOOD and not new.published_estimated
    assert "impossible date" in (parsed.warning or "")


@pytest.mark.parametrize("fast", [True, False], ids=["lxml", "feedparser"])
def test_atom_year_10000_is_not_stored_as_2010(fast: bool) -> None:
    parsed = parse_feed(
        atom("10000-01-01T00:00:00Z"), {}, "https://d.example/f", FETCHED, fast=fast
    )
    assert all(a.published.year == 2025 for a in parsed.articles)
    assert "'10000-01-01T00:00:00Z'" in (parsed.warning or "")


def test_json_feed_year_one_is_dated_by_the_fetch() -> None:
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "J",
        "items": [
            {
                "id": "1",
                "title": "Old",
                "url": "https://j.example/1",
                "date_published": "0001-01-01T00:00:00Z",
            },
            {
                "id": "2",
                "title": "New",
                "url": "https://j.example/2",
                "date_published": "2025-07-15T08:00:00Z",
            },
        ],
    }
    parsed = parse_feed(json.dumps(doc).encode(), {}, "https://j.example/feed.json", FETCHED)
    old, new = parsed.articles
    assert old.published == FETCHED and old.published_estimated
    assert new.published == GOOD
    assert "impossible date" in (parsed.warning or "")


def test_near_future_date_is_clamped_without_a_warning() -> None:
    parsed = parse_feed(
        rss("Thu, 17 Jul 2025 18:00:00 GMT"),
        {"content-type": "application/rss+xml"},
        "https://d.example/f",
        FETCHED,
    )
    assert parsed.articles[0].published == FETCHED and parsed.warning is None


def test_iso_writes_year_one_with_four_digits() -> None:
    assert iso(datetime(1, 1, 1, tzinfo=UTC)) == "0001-01-01T00:00:00Z"
    assert iso(datetime(2025, 7, 15, 8, 5, 9, tzinfo=UTC)) == "2025-07-15T08:05:09Z"


@pytest.mark.parametrize(
    "text",
    [BAD_STAMP, "0001-01-01T00:00:00+01:00", "1969-12-31T00:00:00Z", "garbage", "", None],
)
def test_from_iso_reads_a_malformed_stored_time_as_the_epoch(text: str | None) -> None:
    assert from_iso(text) == EPOCH
    assert stored_iso(text) == "1970-01-01T00:00:00Z"


def test_from_iso_keeps_a_good_time() -> None:
    assert from_iso("2025-07-15T08:00:00Z") == GOOD
    assert stored_iso("2025-07-15T08:00:00Z") == "2025-07-15T08:00:00Z"


# ---------------------------------------------------------------------- real commands


def cli(capsys: pytest.CaptureFixture[str], config: Path, db: Path, *args: str) -> tuple[int, str]:
    code = main(["--config", str(config), "--db", str(db), *args])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def write_feeds(tmp_path: Path, *bodies: bytes) -> tuple[list[Path], Path]:
    feeds, text = [], "[poll]\nworkers = 1\n\n"
    for n, body in enumerate(bodies):
        feed = tmp_path / f"dates{n}.xml"
        feed.write_bytes(body)
        feeds.append(feed)
        text += f'[[feeds]]\nurl = "{feed}"\nname = "Dates {n}"\n\n'
    config = tmp_path / "config.toml"
    text += '[[watch]]\nname = "chips"\nquery = "Nvidia OR Intel"\n'
    config.write_text(text, encoding="utf-8")
    return feeds, config


def stored_times(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT published FROM articles UNION ALL SELECT first_seen FROM stories "
            "UNION ALL SELECT last_updated FROM stories"
        ).fetchall()
    return [row[0] for row in rows]


def test_year_one_item_no_longer_fails_its_feed_in_a_real_poll(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Before: the second feed failed whole ("year 0 is out of range" in the clusterer's
    # backfill) and the first stored "1-01-01T00:00:00Z".
    _, config = write_feeds(
        tmp_path, rss("Mon, 01 Jan 0001 00:00:00 GMT"), atom("0001-01-01T00:00:00Z")
    )
    db = tmp_path / "s.db"
    code, out = cli(capsys, config, db, "poll", "--once", "--now", NOW)
    assert code == 0, out
    assert "2 ok" in out and " 0 failed" in out and "new: 4 articles" in out, out
    assert out.count("impossible date") == 2
    times = stored_times(db)
    assert len(times) >= 4 + 2 * 2 and all(FOUR_DIGIT.fullmatch(t) for t in times), times


def bad_rows(db: Path) -> None:
    """What an older chipwatch left: a year-1 article and story, and one unreadable time."""
    with sqlite3.connect(db) as conn:
        old = conn.execute(
            "SELECT id, story_id FROM articles WHERE title LIKE 'Ancient%'"
        ).fetchone()
        conn.execute("UPDATE articles SET published = ? WHERE id = ?", (BAD_STAMP, old[0]))
        conn.execute(
            "UPDATE stories SET first_seen = ?, last_updated = ? WHERE id = ?",
            (BAD_STAMP, BAD_STAMP, old[1]),
        )
        conn.execute("UPDATE articles SET published = 'not a time' WHERE title LIKE 'Fresh%'")


def test_every_reader_survives_bad_time_rows_of_an_older_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (feed,), config = write_feeds(tmp_path, rss("Mon, 14 Jul 2025 08:00:00 GMT"))
    db = tmp_path / "s.db"
    assert cli(capsys, config, db, "poll", "--once", "--now", NOW)[0] == 0
    bad_rows(db)
    for fmt in ("md", "html", "atom", "json", "csv"):
        code, out = cli(
            capsys, config, db, "digest", "--since", "all", "--format", fmt, "--now", NOW
        )
        assert code == 0 and "Ancient Nvidia bulletin" in out, (fmt, out)
        assert BAD_STAMP not in out and "not a time" not in out, fmt
        if fmt == "atom":
            ET.fromstring(out)  # still a well-formed document
    for args in (
        ("search", "--since", "all", "--now", NOW, "Nvidia"),
        ("watch", "test", "--since", "all", "--now", NOW, "Nvidia"),
    ):
        code, out = cli(capsys, config, db, *args)
        assert code == 0 and "Ancient Nvidia bulletin" in out, (args, out)
    for args in (("feeds", "list"), ("entities", "list")):
        assert cli(capsys, config, db, *args)[0] == 0, args
    # The writer reads the bad rows too (the clusterer's index, the backfill buckets).
    feed.write_bytes(rss("Mon, 14 Jul 2025 09:00:00 GMT", n=1))
    code, out = cli(capsys, config, db, "poll", "--once", "--now", NOW)
    assert code == 0 and " 0 failed" in out and "new: 2 articles" in out, out


async def test_monitor_all_window_survives_a_bad_time_row(tmp_path: Path) -> None:
    db_path = build_seed_store(tmp_path / "seed.db")
    config_path = seed_config(tmp_path / "config.toml")
    with sqlite3.connect(db_path) as conn:
        story = conn.execute("SELECT id FROM stories ORDER BY last_updated LIMIT 1").fetchone()[0]
        conn.execute("UPDATE articles SET published = ? WHERE story_id = ?", (BAD_STAMP, story))
        conn.execute(
            "UPDATE stories SET first_seen = ?, last_updated = ? WHERE id = ?",
            (BAD_STAMP, BAD_STAMP, story),
        )
    app = make_app(
        load_config(config_path),
        config_path,
        db_path,
        clock=lambda: SEED_NOW,
        start_poller=False,
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        windows = []
        for _ in range(4):
            await pilot.press("w")
            await settle(app, pilot)
            windows.append((app.main_screen.status.window, len(titles(app))))
        assert ("all", 10) in windows, windows
        await pilot.press("enter")  # open the top story's detail pane
        await settle(app, pilot)
        assert app.is_running
