"""full_text = true at ingest (pipeline/fulltext.py): a real feed server on 127.0.0.1
serving a teaser feed and its article pages, a real store."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from chipwatch.config import Config, FeedConfig, PollConfig, WatchConfig
from chipwatch.pipeline.fulltext import MAX_PAGES_PER_POLL
from chipwatch.pipeline.poller import poll_once
from chipwatch.store.clustering import clustered_articles
from chipwatch.store.db import open_db
from tests.feedserver import FeedServer

NOW = datetime(2025, 7, 16, 12, 0, tzinfo=UTC)
POLL = PollConfig(timeout=5.0, connect_timeout=2.0, workers=1)
HTML = "text/html; charset=utf-8"
# The teaser names the company only; the chip is in the page's second paragraph, written
# the way a French weekly wrote it ("H2O": the tagger reads it as the H20 next to NVIDIA).
TEASER = ("Nvidia gets its licences back", "Our report from Beijing, in full on the site.")
BODY = (
    "Nvidia said on Tuesday that Washington had assured it export licences would be granted.",
    "The company expects to ship its H2O accelerator to Chinese customers again within weeks, "
    "three months after sales stopped.",
)


def page(*paragraphs: str) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        "<html><head><title>t</title></head><body><nav>Home | World | Tech</nav>"
        f"<article><h1>Report</h1>{body}</article><footer>(c) 2025 The Wire</footer></body></html>"
    ).encode()


def rss(server: FeedServer, items: list[tuple[str, str, str, int]]) -> bytes:
    """(slug, title, summary, hours before NOW) → RSS whose links are on ``server``."""
    entries = "".join(
        f"<item><guid>{slug}</guid><title>{title}</title><link>{server.url('/a/' + slug)}</link>"
        f"<pubDate>{(NOW - timedelta(hours=hours)).strftime('%a, %d %b %Y %H:%M:%S +0000')}"
        f"</pubDate><description>{summary}</description></item>"
        for slug, title, summary, hours in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Wire</title>'
        f"<link>{server.url('/')}</link><description>d</description>{entries}</channel></rss>"
    ).encode()


def config(url: str, *, full_text: bool, workers: int = 1) -> Config:
    return Config(
        poll=dataclasses.replace(POLL, workers=workers),
        feeds=(FeedConfig(url=url, name="Wire", full_text=full_text),),
    )


def poll(db_path: Path, cfg: Config, now: datetime = NOW) -> Any:
    return poll_once(db_path, cfg, now=now, rng=random.Random(3), notify=False)


def rows(db_path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    db = open_db(db_path)
    try:
        return db.execute(sql, list(params)).fetchall()
    finally:
        db.close()


@pytest.fixture
def server():
    with FeedServer() as running:
        yield running


def serve_teaser(server: FeedServer) -> str:
    server.add("/a/h20", page(*BODY), content_type=HTML)
    return server.add("/feed.xml", rss(server, [("h20", *TEASER, 1)]))


@pytest.mark.parametrize("workers", [1, 2], ids=["thread", "processes"])
def test_an_entity_only_in_the_page_is_tagged_when_full_text_is_on(
    server: FeedServer, db_path: Path, workers: int
) -> None:
    url = serve_teaser(server)
    poll(db_path, config(url, full_text=True, workers=workers))
    tagged = rows(db_path, 'SELECT entity, field, start, "end" FROM article_entities')
    h20 = [r for r in tagged if r[0] == "H20"]
    assert h20 and h20[0][1] == "body"
    text = rows(db_path, "SELECT text, status, analysed FROM article_texts")[0]
    assert text[1:] == ("ok", 1)
    assert text[0][h20[0][2] : h20[0][3]] == "H2O"  # offsets into the stored page text
    # the feed's own summary is what the store keeps for the article
    assert rows(db_path, "SELECT summary FROM articles") == [(TEASER[1],)]


def test_the_same_teaser_without_full_text_never_fetches_the_page(
    server: FeedServer, db_path: Path
) -> None:
    url = serve_teaser(server)
    poll(db_path, config(url, full_text=False))
    entities = {r[0] for r in rows(db_path, "SELECT entity FROM article_entities")}
    assert "NVIDIA" in entities and "H20" not in entities
    assert server.hits_for("/a/h20") == []
    assert rows(db_path, "SELECT count(*) FROM article_texts") == [(0,)]


def test_a_stored_page_is_not_fetched_again_and_a_new_article_is(
    server: FeedServer, db_path: Path
) -> None:
    url = serve_teaser(server)
    poll(db_path, config(url, full_text=True))
    server.add(
        "/a/second",
        page("The second report names the MI308 accelerator of AMD."),
        content_type=HTML,
    )
    server.add(
        "/feed.xml", rss(server, [("second", "AMD too", "More soon.", 0), ("h20", *TEASER, 1)])
    )
    poll(db_path, config(url, full_text=True), NOW + timedelta(minutes=30))
    assert len(server.hits_for("/a/h20")) == 1 and len(server.hits_for("/a/second")) == 1
    assert "MI308" in {r[0] for r in rows(db_path, "SELECT entity FROM article_entities")}


def test_a_failed_page_is_kept_with_its_reason_and_not_retried_within_a_day(
    server: FeedServer, db_path: Path
) -> None:
    url = server.add("/feed.xml", rss(server, [("gone", *TEASER, 1)]))  # /a/gone: 404
    report = poll(db_path, config(url, full_text=True))
    assert report.count("ok") == 1 and report.new_articles == 1  # the feed is fine
    status, error = rows(db_path, "SELECT status, error FROM article_texts")[0]
    assert status == "error" and "no page at this address" in error
    server.add("/feed.xml", rss(server, [("other", "x", "y", 0), ("gone", *TEASER, 1)]))
    poll(db_path, config(url, full_text=True), NOW + timedelta(hours=2))
    assert len(server.hits_for("/a/gone")) == 1
    poll(db_path, config(url, full_text=True), NOW + timedelta(hours=30))
    assert len(server.hits_for("/a/gone")) == 1  # the feed did not change: not parsed
    server.add("/feed.xml", rss(server, [("third", "z", "w", 0), ("gone", *TEASER, 1)]))
    poll(db_path, config(url, full_text=True), NOW + timedelta(hours=31))
    assert len(server.hits_for("/a/gone")) == 2


def test_a_long_feed_fetches_at_most_the_cap_newest_first_one_page_at_a_time(
    server: FeedServer, db_path: Path
) -> None:
    items = [(f"n{i}", f"Item {i}", "Teaser.", i) for i in range(MAX_PAGES_PER_POLL + 5)]
    for slug, *_ in items:
        server.add(f"/a/{slug}", page(f"Body of {slug}."), content_type=HTML, delay=0.02)
    url = server.add("/feed.xml", rss(server, items))
    report = poll(db_path, config(url, full_text=True))
    assert report.new_articles == len(items)  # every article is stored...
    fetched = {hit.path for hit in server.hits if hit.path.startswith("/a/")}
    assert fetched == {f"/a/n{i}" for i in range(MAX_PAGES_PER_POLL)}  # ...the newest paged
    assert server.max_active == 1  # one host: its pages one at a time


def test_a_hostile_page_costs_only_its_text(server: FeedServer, db_path: Path) -> None:
    server.add("/a/bin", bytes(range(256)) * 100, content_type="text/html")
    server.add("/a/js", b"<html><body><script>app()</script></body></html>", content_type=HTML)
    url = server.add(
        "/feed.xml", rss(server, [("bin", "Binary", "One.", 1), ("js", "Script", "Two.", 2)])
    )
    report = poll(db_path, config(url, full_text=True))
    assert report.count("ok") == 1 and report.new_articles == 2
    errors = dict(rows(db_path, "SELECT url, error FROM article_texts"))
    assert errors[server.url("/a/bin")] == "not a web page (binary data)"
    assert "no article text found" in errors[server.url("/a/js")]


def test_clustering_sees_the_page_a_teaser_joins_its_story_only_with_full_text(
    server: FeedServer, tmp_path: Path
) -> None:
    """Another outlet's full report, and a teaser that shares nothing with it but the
    company: with the page, the teaser joins the report's story."""
    report = (
        "US to let Nvidia sell H20 chips to China again",
        "Nvidia said Washington assured it that export licences for the H20 accelerator "
        "would be granted, three months after sales to Chinese customers stopped.",
    )
    server.add("/other.xml", rss(server, [("report", *report, 2)]))
    url = serve_teaser(server)
    stories = {}
    for full_text in (False, True):
        db_path = tmp_path / f"{full_text}.db"
        cfg = config(url, full_text=full_text)
        other = FeedConfig(url=server.url("/other.xml"), name="Other")
        poll(db_path, Config(poll=POLL, feeds=(other, *cfg.feeds)))
        stories[full_text] = len({r[0] for r in rows(db_path, "SELECT story_id FROM articles")})
    assert stories == {False: 2, True: 1}


def test_the_clusterers_index_reads_an_analysed_page_back_with_its_article(
    server: FeedServer, db_path: Path
) -> None:
    url = serve_teaser(server)
    poll(db_path, config(url, full_text=True))
    db = open_db(db_path)
    try:
        (row,), matches = clustered_articles(db, since=NOW - timedelta(days=3))
    finally:
        db.close()
    article = row[3]
    assert article.summary.startswith(TEASER[1]) and BODY[1] in article.summary
    h20 = next(m for m in matches[row[0]] if m.entity == "H20")
    assert h20.field == "summary" and article.summary[h20.start : h20.end] == "H2O"


def test_full_text_must_be_true_or_false() -> None:
    from chipwatch.config import ConfigError, parse_config

    text = '[[feeds]]\nurl = "https://wire.example/rss"\nfull_text = "yes"\n'
    with pytest.raises(ConfigError) as error:
        parse_config(text)
    assert str(error.value) == "<config>:3: feeds[0].full_text: must be true or false, not a string"
    assert parse_config(text.replace('"yes"', "true")).feeds[0].full_text is True


def test_an_entity_watch_fires_on_a_teaser_whose_page_names_the_entity(
    server: FeedServer, db_path: Path
) -> None:
    url = serve_teaser(server)
    for full_text in (False, True):
        cfg = dataclasses.replace(
            config(url, full_text=full_text),
            watches=(WatchConfig(name="H20", query="@H20"),),
        )
        path = db_path.with_name(f"{full_text}.db")
        poll(path, cfg)
        alerts = rows(path, "SELECT watch FROM alerts WHERE kind = 'watch'")
        assert alerts == ([("H20",)] if full_text else [])
