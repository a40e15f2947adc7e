"""Hostile feeds and feed lists (issue 15, item 8).

Before: a JSON Feed item whose ``authors`` was an object or a number failed the whole
feed (``KeyError: 0``); ``<link uri="at://x/y">http://…</link>`` stored ``at://x/y`` as
the article's URL; a feed of 100,000 items made 99,940 stories and alerts in one poll;
OPML import took ``/etc/passwd`` and ``file:///etc/shadow`` as feeds.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from chipwatch.cli import main
from chipwatch.config import load_config
from chipwatch.ingest.parse.feed import parse_feed

NOW = datetime(2025, 7, 16, 12, 0, tzinfo=UTC)


def json_feed(*items: object) -> bytes:
    return json.dumps(
        {"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": list(items)}
    ).encode()


GOOD_ITEM = {
    "id": "good",
    "title": "Samsung starts 2 nm output",
    "url": "https://j.example/good",
    "authors": [{"name": "Kim"}],
    "date_published": "2025-07-15T08:00:00Z",
}


@pytest.mark.parametrize(
    "bad",
    [
        {"authors": {"name": "Object"}},
        {"authors": 7},
        {"authors": "Someone"},
        {"authors": [3, None, {"name": 5}]},
        {"author": ["x"]},
        {"title": ["not", "text"], "url": {"no": 1}, "summary": 9, "date_published": 5},
        {"id": {"nested": True}, "tags": "x", "content_html": 3},
    ],
    ids=[
        "authors-object",
        "authors-number",
        "authors-string",
        "authors-junk",
        "author-list",
        "fields",
        "id",
    ],
)
def test_json_feed_item_with_bad_authors_costs_only_itself(bad: dict) -> None:
    bad_item = {"id": "bad", "title": "Bad item", "url": "https://j.example/bad", **bad}
    parsed = parse_feed(
        json_feed(bad_item, GOOD_ITEM, "not an item", 42), {}, "https://j.example/f.json", NOW
    )
    assert parsed.ok, parsed.error
    good = [a for a in parsed.articles if a.url == "https://j.example/good"]
    assert len(good) == 1 and good[0].author == "Kim"
    assert good[0].published == datetime(2025, 7, 15, 8, tzinfo=UTC)
    assert all(a.author in ("", "Kim") for a in parsed.articles)


LINKS = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>L</title>'
    b"<link>https://l.example/</link>"
    b'<item><title>AT link</title><link uri="at://x/y">http://example.com/item</link>'
    b'<guid isPermaLink="false">at-1</guid></item>'
    b"<item><title>Script link</title><link>javascript:alert(1)</link></item>"
    b"<item><title>File link</title><link>file:///etc/passwd</link></item>"
    b'<item><title>AT link, web guid</title><link uri="at://x/z"/>'
    b"<guid>https://l.example/guid-page</guid></item>"
    b"<item><title>Relative link</title><link>/news/rel</link></item>"
    b"</channel></rss>"
)
ATOM_LINKS = (
    b'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
    b"<title>A</title><id>urn:a</id><updated>2025-07-15T08:00:00Z</updated>"
    b'<entry><title>AT first</title><id>urn:1</id><link href="at://x/y"/>'
    b'<link rel="alternate" type="text/html" href="https://a.example/one"/>'
    b"<updated>2025-07-15T08:00:00Z</updated></entry>"
    b'<entry><title>Only AT</title><id>urn:2</id><link rel="alternate" href="at://x/q"/>'
    b'<link rel="related" href="https://elsewhere.example/"/>'
    b"<updated>2025-07-15T08:00:00Z</updated></entry>"
    b"</feed>"
)


@pytest.mark.parametrize("fast", [True, False], ids=["lxml", "feedparser"])
def test_at_uri_link_attribute_never_becomes_the_article_url(fast: bool) -> None:
    parsed = parse_feed(
        LINKS, {"content-type": "application/rss+xml"}, "https://l.example/feed", NOW, fast=fast
    )
    urls = {a.title: a.url for a in parsed.articles}
    assert urls == {
        "AT link": "",
        "Script link": "",
        "File link": "",
        "AT link, web guid": "https://l.example/guid-page",
        "Relative link": "https://l.example/news/rel",
    }
    by_title = {a.title: a for a in parsed.articles}
    assert by_title["AT link"].key.startswith("g:")  # its guid, never the at: link
    assert by_title["Script link"].key.startswith("h:")
    atom = parse_feed(ATOM_LINKS, {}, "https://a.example/feed", NOW, fast=fast)
    assert [a.url for a in atom.articles] == ["https://a.example/one", ""]


def test_both_parse_paths_give_the_same_articles_for_odd_links() -> None:
    for body in (LINKS, ATOM_LINKS):
        fast = parse_feed(body, {}, "https://l.example/feed", NOW, fast=True)
        slow = parse_feed(body, {}, "https://l.example/feed", NOW, fast=False)
        assert fast.articles == slow.articles


# ------------------------------------------------------------------- the per-feed cap


def flood(count: int, *, start: int = 0) -> bytes:
    """``count`` items, oldest first (the newest last, as a careless dump lists them)."""
    base = datetime(2025, 7, 1, tzinfo=UTC)
    items = "".join(
        f"<item><title>Flood bulletin {n} on wafer lot {n * 7}</title>"
        f"<link>https://flood.example/{n}</link><guid>flood-{n}</guid>"
        f"<pubDate>{(base + timedelta(minutes=n)).strftime('%a, %d %b %Y %H:%M:%S GMT')}</pubDate>"
        "</item>"
        for n in range(start, start + count)
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Flood</title>'
        f"<link>https://flood.example/</link>{items}</channel></rss>"
    ).encode()


def poll_json(
    config: Path, db: Path, now: datetime, capsys: pytest.CaptureFixture[str]
) -> list[dict]:
    code = main(
        [
            "--config",
            str(config),
            "--db",
            str(db),
            "poll",
            "--once",
            "--json",
            "--now",
            now.isoformat(),
        ]
    )
    assert code == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_feed_of_thousands_of_items_stores_only_the_newest_max_new_per_feed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feed, db, config = tmp_path / "flood.xml", tmp_path / "s.db", tmp_path / "config.toml"
    feed.write_bytes(flood(1500))
    config.write_text(
        f'[poll]\nworkers = 1\nmax_new_per_feed = 100\n\n[[feeds]]\nurl = "{feed}"\n'
        '\n[[watch]]\nname = "wafers"\nquery = "wafer"\n',
        encoding="utf-8",
    )
    events = poll_json(config, db, NOW, capsys)
    (line,) = [e for e in events if e["type"] == "feed"]
    assert line["new"] == 100 and line["capped"] == 1400, line
    assert sum(1 for e in events if e["type"] == "alert") <= 100
    with sqlite3.connect(db) as conn:
        kept = sorted(int(k.rsplit("/", 1)[1]) for (k,) in conn.execute("SELECT url FROM articles"))
    assert kept == list(range(1400, 1500))  # the newest hundred
    # The rest were not marked seen: a later, changed document still listing them
    # brings the next newest (with the one new item first).
    feed.write_bytes(flood(1501))
    events = poll_json(config, db, NOW + timedelta(hours=1), capsys)
    (line,) = [e for e in events if e["type"] == "feed"]
    assert line["new"] == 100 and line["capped"] == 1301, line
    with sqlite3.connect(db) as conn:
        kept = sorted(int(k.rsplit("/", 1)[1]) for (k,) in conn.execute("SELECT url FROM articles"))
    assert kept == list(range(1301, 1501))


def test_capped_feed_is_named_in_the_human_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feed, config = tmp_path / "flood.xml", tmp_path / "config.toml"
    feed.write_bytes(flood(30))
    config.write_text(
        f'[poll]\nworkers = 1\nmax_new_per_feed = 10\n\n[[feeds]]\nurl = "{feed}"\nname = "Flood"\n',
        encoding="utf-8",
    )
    code = main(["--config", str(config), "--db", str(tmp_path / "s.db"), "poll", "--once"])
    out = capsys.readouterr().out
    assert code == 0 and "new: 10 articles" in out
    assert "capped   Flood: 20 more new articles than [poll] max_new_per_feed = 10" in out


@pytest.mark.parametrize("value", ["0", "-1", '"500"', "1.5", "true", "2000000"])
def test_max_new_per_feed_out_of_range_is_a_config_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f"[poll]\nmax_new_per_feed = {value}\n", encoding="utf-8")
    code = main(["--config", str(config), "--db", str(tmp_path / "s.db"), "feeds", "list"])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{config}:2: poll.max_new_per_feed: must be" in err and "Traceback" not in err
    assert not (tmp_path / "s.db").exists()


def test_max_new_per_feed_defaults_to_500(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("", encoding="utf-8")
    assert load_config(config).poll.max_new_per_feed == 500


# ------------------------------------------------------------------------ OPML import


def write_opml(path: Path) -> Path:
    path.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head/><body>'
        '<outline text="Web" xmlUrl="https://web.example/feed.xml"/>'
        '<outline text="Passwd" xmlUrl="/etc/passwd"/>'
        '<outline text="Shadow" xmlUrl="file:///etc/shadow"/>'
        '<outline text="Script" xmlUrl="javascript:alert(1)"/>'
        "</body></opml>",
        encoding="utf-8",
    )
    return path


def test_opml_import_refuses_etc_passwd_and_file_urls_without_allow_local(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("", encoding="utf-8")
    opml = write_opml(tmp_path / "list.opml")
    base = ["--config", str(config), "--db", str(tmp_path / "s.db"), "feeds", "import", str(opml)]
    assert main(base) == 0
    out = capsys.readouterr().out
    assert "imported 1 feed from" in out and "3 with unusable URLs" in out
    assert "skipped /etc/passwd: a local file (import it with --allow-local" in out
    assert "skipped javascript:alert(1): not an http(s) URL" in out
    assert [f.url for f in load_config(config).feeds] == ["https://web.example/feed.xml"]
    assert main([*base, "--allow-local"]) == 0
    out = capsys.readouterr().out
    assert "imported 2 feeds" in out and "1 with unusable URLs" in out
    urls = [f.url for f in load_config(config).feeds]
    assert urls == ["https://web.example/feed.xml", "/etc/passwd", "file:///etc/shadow"]
