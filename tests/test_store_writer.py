"""The batched article writer: the rows, events and alerts of writing one by one.

A feed's articles are classified by one read of their keys, new ones inserted by one
statement and their mentions saved together (chipwatch.pipeline.write). These
tests hold it to the one-by-one writer it replaced (kept below as the reference), and
check ``query_special``, which the writer now keeps instead of the m003 triggers.
"""

from __future__ import annotations

import dataclasses
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from chipwatch.config import Config, FeedConfig, WatchConfig
from chipwatch.ingest.types import FetchKind, FetchResult, ParsedFeed
from chipwatch.model import Article, EntityMatch
from chipwatch.pipeline import ingest as ingest_mod
from chipwatch.pipeline.ingest import ingest
from chipwatch.pipeline.outcome import FeedPoll
from chipwatch.pipeline.services import Services
from chipwatch.pipeline.write import _cluster, _tagged, store_articles
from chipwatch.store import queries
from chipwatch.store.db import open_db, write_transaction
from chipwatch.store.search import search_stories
from chipwatch.store.tags import save_matches, save_matches_many

T0 = datetime(2025, 7, 15, 8, 0, tzinfo=UTC)
# The character class of migration m003's GLOB, as it was written there.
M003_CHARS = (
    "\uff01-\uffef\ufb00-\ufb06\u00df\u03c2\u0130\u2460-\u24ff\u0e00-\u0e7f"
    "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
)


def _article(key: str, title: str, summary: str = "", *, hours: float = 0, lang: str = "en"):
    published = T0 + timedelta(hours=hours)
    return Article(
        key=key,
        feed_url="file:///wire.xml",
        title=title,
        summary=summary,
        url=f"https://news.example/{key}",
        published=published,
        fetched_at=published,
        lang=lang,
    )


def _listed(db) -> set[int]:
    return {row[0] for row in db.execute("SELECT article_id FROM query_special")}


# --------------------------------------------------------------------------- query_special


def test_the_writer_lists_exactly_what_the_m003_glob_listed(db) -> None:
    """Every BMP character, alone and inside ASCII text: the regex and the GLOB agree."""
    codes = [c for c in range(1, 0x10000) if not 0xD800 <= c <= 0xDFFF]
    db.execute("CREATE TEMP TABLE probe (code INTEGER, text TEXT)")
    db.conn.executemany(
        "INSERT INTO probe VALUES (?, ?)", [(c, f"plain {chr(c)} text") for c in codes]
    )
    by_glob = {
        code for (code,) in db.execute(f"SELECT code FROM probe WHERE text GLOB '*[{M003_CHARS}]*'")
    }
    by_writer = {c for c in codes if queries.is_query_special(f"plain {chr(c)} text", "")}
    assert by_writer == by_glob
    assert {0xDF, 0x3C2, 0x130, 0xFF21, 0x534A, 0xAC00, 0x0E01} <= by_writer  # ß ς İ Ａ 半 가 ก
    assert not {ord("a"), 0xE9, 0xFC, 0x3A3} & by_writer  # a é ü Σ: FTS5 folds them alike
    assert queries.is_query_special("plain", "半導体") and not queries.is_query_special("a", "b")


def test_m004_drops_the_glob_triggers(db) -> None:
    triggers = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='trigger'")}
    assert not {"query_special_ai", "query_special_au"} & triggers
    assert {"articles_fts_ai", "articles_fts_au", "articles_fts_ad"} <= triggers


def test_an_edit_to_and_from_special_text_is_found_as_before(db, now) -> None:
    """Search decides special rows in memory: a full-width query finds the full-width
    headline only while the article lists it; edits move it in and out."""
    feed_id = queries.feed_id_for(db, "file:///wire.xml", now=now)
    with write_transaction(db):
        article_id, change = queries.upsert_article(
            db, _article("a", "Ｈ２０ licences granted"), feed_id=feed_id, now=now
        )
        db.execute("UPDATE articles SET story_id = ? WHERE id = ?", [_story(db, now), article_id])
    assert change == "new" and _listed(db) == {article_id}
    assert search_stories(db, "h20 licences") != []  # the folded query meets the folded text

    plain = _article("a", "H20 licences granted")
    with write_transaction(db):
        assert queries.upsert_article(db, plain, feed_id=feed_id, now=now) == (
            article_id,
            "updated",
        )
    assert _listed(db) == set()
    assert search_stories(db, "licences") != [] and search_stories(db, "半導体") == []

    cjk = _article("a", "H20 licences granted", "中国の半導体輸出")
    with write_transaction(db):
        assert queries.upsert_article(db, cjk, feed_id=feed_id, now=now)[1] == "updated"
    assert _listed(db) == {article_id}
    assert search_stories(db, "半導体") != []


def test_a_store_from_before_m004_keeps_its_list_and_is_kept_current(db_path, now) -> None:
    from sqlite_utils import Database

    from chipwatch.store.migrations import migrations

    old = Database(db_path)
    migrations.apply(old, stop_before="m004_ingest_query_special_by_writer")
    old.execute("INSERT INTO feeds (url, created_at) VALUES ('file:///wire.xml', 'x')")
    for key, title in (("cjk", "半導体の輸出"), ("plain", "chip exports")):
        old.execute(
            "INSERT INTO articles (key, feed_id, title, published, fetched_at, updated_at) "
            "VALUES (?, 1, ?, 'p', 'f', 'u')",
            [key, title],
        )
    old.conn.commit()
    assert _listed(old) == {1}  # listed by the m003 trigger
    old.close()

    db = open_db(db_path)  # applies m004
    assert _listed(db) == {1}
    with write_transaction(db):
        queries.upsert_article(db, _article("cjk", "chip exports"), feed_id=1, now=now)
        queries.upsert_article(db, _article("plain", "ﬁnal chip rules"), feed_id=1, now=now)
    assert _listed(db) == {2}
    db.close()


def _story(db, now: datetime) -> int:
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    return int(
        db.execute(
            "INSERT INTO stories (title, first_seen, last_updated, created_at) VALUES ('', ?, ?, ?)",
            [stamp, stamp, stamp],
        ).lastrowid
    )


def test_refresh_lists_rows_inserted_by_hand(db, now) -> None:
    feed_id = queries.feed_id_for(db, "file:///wire.xml", now=now)
    stamp = "2025-07-15T08:00:00Z"
    for key, title in (("x", "ﬁnal rules"), ("y", "plain rules"), ("z", "Straße")):
        db.execute(
            "INSERT INTO articles (key, feed_id, title, published, fetched_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [key, feed_id, title, stamp, stamp, stamp],
        )
    ids = dict(db.execute("SELECT key, id FROM articles").fetchall())
    db.execute("INSERT INTO query_special (article_id) VALUES (?)", [ids["y"]])  # stale
    assert _listed(db) == {ids["y"]}
    assert queries.refresh_query_special(db, [ids["y"], ids["z"]]) == 1
    assert _listed(db) == {ids["z"]}
    assert queries.refresh_query_special(db) == 2
    assert _listed(db) == {ids["x"], ids["z"]}


# --------------------------------------------------------------------------- batches


def test_a_plan_treats_a_repeated_key_as_one_by_one(db, now) -> None:
    feed_id = queries.feed_id_for(db, "file:///wire.xml", now=now)
    with write_transaction(db):
        old_id, _ = queries.upsert_article(
            db, _article("old", "Old news"), feed_id=feed_id, now=now
        )
    batch = [
        _article("old", "Old news"),
        _article("old", "Old news, corrected"),
        _article("n1", "First"),
        _article("n1", "First"),
        _article("n1", "First, edited"),
        _article("n2", "Second"),
    ]
    plan = queries.plan_articles(db, batch)
    assert plan.changes == ["same", "updated", "new", "same", "updated", "new"]
    with write_transaction(db):
        ids = queries.insert_new_articles(db, plan, batch, feed_id=feed_id, now=now)
    assert ids == [old_id + 1, old_id + 2]
    assert plan.ids == {"old": old_id, "n1": old_id + 1, "n2": old_id + 2}
    stored = db.execute("SELECT key, title FROM articles ORDER BY id").fetchall()
    assert stored == [("old", "Old news"), ("n1", "First"), ("n2", "Second")]


def test_a_batch_bigger_than_one_statement_keeps_its_order(db, now) -> None:
    feed_id = queries.feed_id_for(db, "file:///wire.xml", now=now)
    batch = [_article(f"k{i}", f"Headline {i}", hours=-i) for i in range(1203)]
    plan = queries.plan_articles(db, batch)
    with write_transaction(db):
        ids = queries.insert_new_articles(db, plan, batch, feed_id=feed_id, now=now)
    assert ids == list(range(ids[0], ids[0] + 1203))
    keys = [row[0] for row in db.execute("SELECT key FROM articles ORDER BY id")]
    assert keys == [f"k{i}" for i in range(1203)]
    hits = db.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'headline'")
    assert hits.fetchone()[0] == 1203


def _match(entity: str, kind: str = "chip", start: int = 0) -> EntityMatch:
    return EntityMatch(entity, kind, "title", start, start + 3, entity, "alias")


def _dump(db, *tables: str) -> dict[str, list[tuple[Any, ...]]]:
    return {t: db.execute(f"SELECT rowid, * FROM [{t}] ORDER BY rowid").fetchall() for t in tables}


@pytest.mark.parametrize("stale", [False, True], ids=["new articles", "replacing rows"])
def test_many_saves_leave_the_rows_of_one_by_one_saves(tmp_path: Path, now, stale) -> None:
    from chipwatch.model import Entity

    parents = {"H20": Entity("H20", "chip", parent="NVIDIA"), "NVIDIA": Entity("NVIDIA", "company")}
    items = [
        (1, [_match("H20"), _match("NVIDIA", "company", 5), _match("H20", start=9)]),
        (2, []),
        (3, [_match("Ascend"), _match("Ascend", "product"), _match("NVIDIA", "company")]),
        (4, [_match("H20")]),
    ]
    dumps = []
    for name, many in (("one.db", False), ("many.db", True)):
        db = open_db(tmp_path / name)
        feed_id = queries.feed_id_for(db, "file:///wire.xml", now=now)
        with write_transaction(db):
            for i in range(1, 5):
                queries.upsert_article(db, _article(f"k{i}", f"t{i}"), feed_id=feed_id, now=now)
            db.execute("INSERT INTO entities (name, kind, parent) VALUES ('Ascend', 'x', 'Huawei')")
            if stale:
                save_matches(db, 4, [_match("stale")])  # the highest rowid, replaced below
            if many:
                assert save_matches_many(db, items, parents=parents) == 7
            else:
                for article_id, matches in items:
                    save_matches(db, article_id, matches, parents=parents)
        dumps.append(_dump(db, "article_entities", "entities"))
        db.close()
    assert dumps[0] == dumps[1]
    entities = {row[1]: row[2:] for row in dumps[1]["entities"]}
    assert entities["Ascend"] == ("product", "Huawei") and entities["H20"] == ("chip", "NVIDIA")


# --------------------------------------------------------------------------- whole feeds


def _one_by_one(services, poll, parsed, outcome, *, now) -> None:
    """The writer before batching: upsert, tag, save and cluster each article in turn."""
    ready = parsed.prepared if len(parsed.prepared) == len(parsed.articles) else None
    name = poll.feed.name or parsed.title or poll.feed.url
    for position, article in enumerate(parsed.articles):
        article_id, change = queries.upsert_article(
            services.db, article, feed_id=poll.feed.id, now=now
        )
        if change == "same":
            continue
        tagged = _tagged(services, article, ready[position] if ready else None, change)
        save_matches(services.db, article_id, tagged[0], parents=services.tagger.entities)
        stored = dataclasses.replace(article, id=article_id, feed_name=name, feed_url=poll.feed.url)
        _cluster(services, stored, change, outcome, now=now, tagged=tagged)
    services.clusterer.end_batch()  # the rarity table's changes, as the writer does


WIRE = "file:///wire.xml"
POST = "file:///post.xml"


def _rounds() -> list[list[tuple[str, list[Article]]]]:
    first_wire = [
        _article("w1", "NVIDIA resumes H20 sales to China", "Commerce grants licences.", hours=0),
        _article("w2", "Ｈ２０ shipments restart", "輸出許可が下りた。", hours=1, lang="ja"),
        _article("w3", "ASML books record EUV orders", "Orders for the High-NA tools.", hours=2),
        _article("w3", "ASML books record EUV orders", "Orders for the High-NA tools.", hours=2),
    ]
    first_post = [
        _article("p1", "Nvidia to resume H20 chip sales in China", "Licences granted.", hours=0.5),
        _article("p2", "TSMC raises capex again", "The foundry lifts spending.", hours=3),
        _article("p3", "Straße der Chips: Infineon baut", "Neue Fabrik in Dresden.", hours=4),
    ]
    second_wire = [
        _article("w0", "SMIC ramps 5nm output", "New lines at the fab.", hours=5),
        _article("w1", "NVIDIA resumes H20 sales to China", "Commerce grants licences.", hours=0),
        _article("w2", "H20 shipments restart", "Export licences came through.", hours=1),
        _article("w4", "Huawei Ascend 910C volumes grow", "中国の半導体", hours=6, lang="ja"),
        _article("w3", "ASML books record EUV orders, shares jump", "Orders.", hours=2),
        _article("w5", "NVIDIA H20 orders pile up", "Chinese buyers order H20.", hours=6.5),
        _article("w5", "NVIDIA H20 orders pile up", "Chinese buyers order H20 chips.", hours=6.5),
    ]
    second_post = [
        _article("p3", "Strasse der Chips: Infineon baut", "Neue Fabrik in Dresden.", hours=4),
        _article("p4", "TSMC capex rises to a record", "The foundry spends more.", hours=7),
    ]
    return [[(WIRE, first_wire), (POST, first_post)], [(WIRE, second_wire), (POST, second_post)]]


def _run(db_path: Path, writer: Any, monkeypatch: pytest.MonkeyPatch, now: datetime):
    calls: list[None] = []
    monkeypatch.setattr(ingest_mod, "store_articles", lambda *a, **k: calls.append(writer(*a, **k)))
    config = Config(
        feeds=(FeedConfig(url=WIRE, name="Wire"), FeedConfig(url=POST)),
        watches=(WatchConfig(name="h20", query="@H20"), WatchConfig(name="cjk", query="半導体")),
    )
    db = open_db(db_path)
    services = Services(db, config)
    with write_transaction(db):
        queries.sync_feeds(db, config.feeds, now=now)
    feeds = {feed.url: feed for feed in queries.due_feeds(db)}
    events: list[dict[str, Any]] = []
    for number, round_ in enumerate(_rounds()):
        when = now + timedelta(hours=number)
        for url, articles in round_:
            parsed = ParsedFeed(articles=tuple(articles), title="Feed title")
            result = FetchResult(url=url, kind=FetchKind.OK, status=200, body=b"x")
            poll = FeedPoll(feeds[url], timedelta(minutes=15), result, parsed, url)
            outcome = ingest(services, poll, now=when, rng=random.Random(1))
            assert outcome.status == "ok", outcome.error
            events += [*outcome.events, outcome.to_json()]
    tables = ("articles", "stories", "article_entities", "entities", "alerts", "query_special")
    dump = _dump(db, *tables)
    found = {q: search_stories(db, q, services.tagger) for q in ("半導体", "h20", "strasse")}
    db.close()
    assert len(calls) == 4  # every feed of both rounds went through ``writer``
    return json.dumps(events, ensure_ascii=False), dump, found


@pytest.mark.xfail(
    strict=True,
    reason="open since the store-wide rarity table (531a07a): the batched writer's pair "
    "scores differ from the one-by-one reference in the third decimal (0.5697 vs 0.5715); "
    "the groupings are the same",
)
def test_a_feed_is_written_as_one_by_one(tmp_path, monkeypatch, now) -> None:
    """New, edited, unchanged and repeated articles, two feeds, two rounds, watches:
    every event line and every row (in rowid order) is what the one-by-one writer gave."""
    reference = _run(tmp_path / "one.db", _one_by_one, monkeypatch, now)
    batched = _run(tmp_path / "batch.db", store_articles, monkeypatch, now)
    events, dump, found = batched
    assert events == reference[0]
    assert dump == reference[1]
    assert found == reference[2]
    lines = json.loads(events)
    changes = [line["change"] for line in lines if line["type"] == "article"]
    assert changes.count("new") == 10 and changes.count("updated") == 4
    assert any(line["type"] == "alert" for line in lines) and found["半導体"]


def test_a_failing_article_rolls_back_its_feed_only(tmp_path, monkeypatch, now) -> None:
    config = Config(feeds=(FeedConfig(url=WIRE), FeedConfig(url=POST)))
    db = open_db(tmp_path / "x.db")
    services = Services(db, config)
    with write_transaction(db):
        queries.sync_feeds(db, config.feeds, now=now)
    feeds = {feed.url: feed for feed in queries.due_feeds(db)}
    import chipwatch.clustering.clusterer as clusterer_module

    # Every article the clusterer takes (one by one, Clusterer.place, or a first
    # import's run at a time, Clusterer.defer_new) has its doc built: p3's fails.
    real = clusterer_module.build_doc

    def flaky(article_id, story_id, feed_id, article, *args, **kwargs):
        if article.key == "p3":
            raise RuntimeError("disk gremlin")
        return real(article_id, story_id, feed_id, article, *args, **kwargs)

    monkeypatch.setattr(clusterer_module, "build_doc", flaky)
    outcomes = {}
    for url, articles in _rounds()[0]:
        parsed = ParsedFeed(articles=tuple(articles))
        result = FetchResult(url=url, kind=FetchKind.OK, status=200, body=b"x")
        poll = FeedPoll(feeds[url], timedelta(minutes=15), result, parsed, url)
        outcomes[url] = ingest(services, poll, now=now, rng=random.Random(1))
    assert outcomes[WIRE].status == "ok" and outcomes[WIRE].new_articles == 3
    assert outcomes[POST].status == "failed"  # in plain words; the technical detail under it
    assert "disk gremlin" in (outcomes[POST].error_detail or "")
    assert "internal error" in (outcomes[POST].error or "")
    keys = {row[0] for row in db.execute("SELECT key FROM articles")}
    assert keys == {"w1", "w2", "w3"}
    assert _listed(db) == {row[0] for row in db.execute("SELECT id FROM articles WHERE key='w2'")}
    assert (
        db.execute("SELECT count(*) FROM article_entities WHERE article_id > 3").fetchone()[0] == 0
    )
    db.close()


def test_many_saves_over_several_statements_keep_their_order(tmp_path: Path, now) -> None:
    items = [(i, [_match(f"E{i % 7}"), _match(f"E{i % 5}", "company", 4)]) for i in range(1, 601)]
    dumps = []
    for name, many in (("one.db", False), ("many.db", True)):
        db = open_db(tmp_path / name)
        feed_id = queries.feed_id_for(db, "file:///wire.xml", now=now)
        batch = [_article(f"k{i}", f"t{i}") for i in range(1, 601)]
        with write_transaction(db):
            plan = queries.plan_articles(db, batch)
            queries.insert_new_articles(db, plan, batch, feed_id=feed_id, now=now)
            if many:
                assert save_matches_many(db, items) == 1200
            else:
                for article_id, matches in items:
                    save_matches(db, article_id, matches)
        dumps.append(_dump(db, "article_entities", "entities"))
        db.close()
    assert dumps[0] == dumps[1] and len(dumps[1]["article_entities"]) == 1200
