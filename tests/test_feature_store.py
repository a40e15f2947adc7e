"""The parse workers' features are kept in the store while an article waits for the
settle pass (``unsettled.features``, :mod:`chipwatch.clustering.feature_codec`; session
28, branch featstore), and ``docs_by_ids`` reads them instead of computing them again.

What the pass used to compute, and still computes for any row it cannot use, is
``doc_features`` of the stored article and its stored mentions: every kept row must
decode to exactly that (the labelled set and its week, the demo's articles, a synthetic
burst parsed from real feed files, and the realnews items when ../shared holds them,
read at test time). A row from another version, or damaged, is computed again; the
rows go with the settle pass and an edit.
"""

from __future__ import annotations

import dataclasses
import random
import tomllib
import zlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from benchmarks.bench_entities import realnews_items, realnews_path
from benchmarks.synth import write_feeds
from chipwatch.clustering import feature_codec
from chipwatch.clustering.actions import ActionMention
from chipwatch.clustering.candidates import Doc
from chipwatch.clustering.documents import build_doc, docs_by_ids
from chipwatch.clustering.features import DocFeatures, doc_features
from chipwatch.config import parse_config
from chipwatch.demo.content import all_articles
from chipwatch.ingest.parse.feed import parse_feed
from chipwatch.ingest.types import FetchKind, FetchResult, ParsedFeed
from chipwatch.model import Article
from chipwatch.pipeline.ingest import ingest
from chipwatch.pipeline.outcome import FeedPoll
from chipwatch.pipeline.prepare import prepare_articles
from chipwatch.pipeline.services import Services
from chipwatch.pipeline.settle_round import settle_round
from chipwatch.store import queries
from chipwatch.store.clustering import articles_for_clustering, unsettled_ids
from chipwatch.store.db import open_db, write_transaction
from chipwatch.textsafe import first_sentence

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
DATA = Path(__file__).parent / "data" / "cluster"


def _store(tmp_path: Path, feeds: Sequence[tuple[str, Sequence[Article]]]) -> Any:
    """A first import of ``feeds`` (url, articles), each prepared as a parse worker
    does, written through the pipeline's ingest, its settle pass not run yet (a
    poller killed there): the store's ``Database``."""
    listed = "".join(f'[[feeds]]\nurl = "{url}"\n' for url, _ in feeds)
    config = parse_config(listed)
    db = open_db(tmp_path / "store.db")
    services = Services(db, config, one_round=True)
    with write_transaction(db):
        queries.sync_feeds(db, config.feeds, now=NOW)
    states = {feed.url: feed for feed in queries.due_feeds(db)}
    rng = random.Random(1)
    for url, articles in feeds:
        prepared = prepare_articles(articles, tuple(config.entities))
        parsed = ParsedFeed(articles=tuple(articles), prepared=prepared)
        result = FetchResult(url=url, kind=FetchKind.OK, status=200, body=b"")
        outcome = ingest(
            services,
            FeedPoll(states[url], timedelta(minutes=15), result, parsed, url),
            now=NOW,
            rng=rng,
        )
        assert outcome.status == "ok", outcome.error_detail
    db.services = services  # type: ignore[attr-defined]
    return db


def _recomputed(db: Any, ids: Sequence[int]) -> dict[int, Doc]:
    """What the settle pass computed before: from the stored article and mentions."""
    rows, matches = articles_for_clustering(db, ids)
    return {
        aid: build_doc(aid, sid or 0, fid, article, matches.get(aid, []))
        for aid, sid, fid, article in rows
    }


def _kept(db: Any) -> dict[int, bytes]:
    rows = db.conn.execute("SELECT article_id, features FROM unsettled WHERE features IS NOT NULL")
    return {int(aid): data for aid, data in rows}


def _assert_kept_equal_recomputed(db: Any, *, at_least: float = 1.0) -> None:
    ids = unsettled_ids(db)
    kept = _kept(db)
    assert len(kept) >= at_least * len(ids) > 0
    rows, matches = articles_for_clustering(db, ids)
    differing = []
    for aid, _, _, article in rows:
        if aid not in kept:
            continue
        computed = doc_features(article, matches.get(aid, []))
        decoded = feature_codec.decode(kept[aid])
        if (
            decoded != computed
            or decoded.actions != computed.actions
            or list(decoded.entities.items()) != list(computed.entities.items())
        ):
            differing.append((article.title, decoded, computed))
    assert not differing, f"{len(differing)} of {len(kept)} differ; first: {differing[0]}"
    read = {doc.article_id: doc for doc in docs_by_ids(db, ids)}
    assert read == _recomputed(db, ids)


def _article(n: int, title: str, summary: str, lang: str, **more: Any) -> Article:
    """An article as the parser gives it; the times vary (a bare date at midnight or
    noon, estimated, seconds), so the date's slack is exercised both ways."""
    url = str(more.pop("url", f"https://example.org/{n}"))
    published = NOW - timedelta(days=n % 3, hours=n % 24, seconds=(n % 7) * (n % 2))
    return Article(
        key=url,
        feed_url="https://example.org/feed",
        title=title,
        summary=summary,
        url=url,
        published=published,
        fetched_at=NOW,
        lang=lang,
        published_estimated=n % 11 == 0,
        **more,
    )


def _feeds(articles: Sequence[Article], per_feed: int = 100) -> list[tuple[str, list[Article]]]:
    return [
        (f"https://example.org/feed{i}.xml", list(articles[i : i + per_feed]))
        for i in range(0, len(articles), per_feed)
    ]


def test_kept_features_equal_the_computed_ones_on_the_labelled_set_and_week(
    tmp_path: Path,
) -> None:
    articles = []
    for name in ("labelled.toml", "week.toml"):
        data = tomllib.loads((DATA / name).read_text(encoding="utf-8"))
        for record in data.get("article", []):
            title = (record.get("title") or "").strip()
            summary = record["summary"]
            n = len(articles)
            articles.append(
                _article(
                    n,
                    title or first_sentence(summary),
                    summary,
                    record["lang"],
                    title_derived=not title,
                )
            )
    assert len(articles) > 150
    _assert_kept_equal_recomputed(_store(tmp_path, _feeds(articles)))


def test_kept_features_equal_the_computed_ones_on_the_demos_articles(tmp_path: Path) -> None:
    articles = [
        _article(n, a.title, a.summary, a.lang, guid=a.guid) for n, a in enumerate(all_articles())
    ]
    assert len(articles) > 80
    _assert_kept_equal_recomputed(_store(tmp_path, _feeds(articles)))


def test_kept_features_equal_the_computed_ones_on_a_synthetic_burst_parsed_from_feeds(
    tmp_path: Path,
) -> None:
    paths = write_feeds(
        tmp_path / "feeds",
        1200,
        per_feed=100,
        span=timedelta(days=2),
        start=NOW - timedelta(days=3),
    )
    feeds = []
    for path in paths:
        parsed = parse_feed(path.read_bytes(), {}, path.as_uri(), NOW)
        feeds.append((path.as_uri(), list(parsed.articles)))
    db = _store(tmp_path, feeds)
    assert len(unsettled_ids(db)) == 1200
    _assert_kept_equal_recomputed(db)


@pytest.mark.skipif(realnews_path() is None, reason="../shared/corpora/realnews is not here")
def test_kept_features_equal_the_computed_ones_on_every_realnews_item(tmp_path: Path) -> None:
    path = realnews_path()
    assert path is not None
    articles = []
    for n, item in enumerate(realnews_items(path)):
        title = (item.get("title") or "").strip()
        summary = item.get("summary") or ""
        url = item.get("url") or f"https://realnews.example.org/{n}"
        articles.append(
            _article(
                n,
                title or first_sentence(summary),
                summary,
                item.get("lang") or "und",
                url=url,
                title_derived=not title,
            )
        )
    unique = list({a.key: a for a in articles}.values())
    _assert_kept_equal_recomputed(_store(tmp_path, _feeds(unique)))


def test_an_article_whose_time_is_not_utc_keeps_no_features_and_is_computed(
    tmp_path: Path,
) -> None:
    """12:00 at +02:00 is a bare date to the worker and 10:00 UTC to the store."""
    noon = datetime(2026, 12, 6, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    zoned = dataclasses.replace(_article(1, "TSMC raises prices", "Taipei.", "en"), published=noon)
    plain = _article(2, "Nvidia ships a chip", "Santa Clara.", "en")
    db = _store(tmp_path, [("https://example.org/feed0.xml", [zoned, plain])])
    ids = unsettled_ids(db)
    kept = _kept(db)
    assert len(ids) == 2 and len(kept) == 1
    assert {doc.article_id: doc for doc in docs_by_ids(db, ids)} == _recomputed(db, ids)


# ---- rows that must not be used: computed again, never a wrong feature, never a crash


def _planted(features: Any, header: bytes = feature_codec.HEADER) -> bytes:
    """A row holding ``features`` with ``header`` and a good checksum."""
    return _row(feature_codec.encode(features)[len(feature_codec.HEADER) + 4 :], header)


def _row(payload: bytes, header: bytes = feature_codec.HEADER) -> bytes:
    """A row with ``header`` and a good checksum around any ``payload``."""
    return header + zlib.crc32(payload).to_bytes(4, "big") + payload


def _edited(good: bytes, position: int, value: str) -> bytes:
    """``good`` with one top field replaced (a good checksum)."""
    fields = good[len(feature_codec.HEADER) + 4 :].decode().split(feature_codec.RS)
    fields[position] = value
    return _row(feature_codec.RS.join(fields).encode())


def _action_edited(good: bytes, position: int, value: str) -> bytes:
    """``good`` with one field of its first action replaced."""
    fields = good[len(feature_codec.HEADER) + 4 :].decode().split(feature_codec.RS)
    actions = fields[9].split(feature_codec.GS)
    parts = actions[0].split(feature_codec.FS)
    parts[position] = value
    actions[0] = feature_codec.FS.join(parts)
    return _edited(good, 9, feature_codec.GS.join(actions))


def _bad_rows(good: bytes) -> dict[str, Any]:
    features = feature_codec.decode(good)
    assert features is not None and features.primary and features.entities
    wrong = dataclasses.replace(features, words=frozenset({"planted"}), title="planted")
    payload = good[len(feature_codec.HEADER) + 4 :]
    flipped = bytearray(good)
    flipped[-3] ^= 0x40
    us = feature_codec.US
    return {
        "another chipwatch version": _planted(wrong, b"cwf1 0.0.9\n"),
        "another format": _planted(wrong, b"cwf0 " + feature_codec.HEADER[5:]),
        "truncated": good[:-7],
        "a flipped bit": bytes(flipped),
        "garbage": b"\x00\xff" * 40,
        "empty": b"",
        "text, not bytes": good.decode("latin-1"),
        "a number": 42,
        "not UTF-8": _row(b"\xff\xfe" + payload),
        "a field missing": _row(payload.rsplit(feature_codec.RS.encode(), 1)[0]),
        "a field more": _row(payload + feature_codec.RS.encode()),
        "a slack that is not a number": _edited(good, 11, "soon"),
        "a slack that is nan": _edited(good, 11, "nan"),
        "a negative slack": _edited(good, 11, "-1.0"),
        "a primary action out of range": _edited(good, 10, "99"),
        "a negative primary action": _edited(good, 10, "-1"),
        "a primary action with a space": _edited(good, 10, "0 "),
        "odd entity pairs": _edited(good, 5, "TSMC"),
        "an action of 8 fields": _edited(good, 9, feature_codec.FS.join(["a"] * 8)),
        "an action's flags": _action_edited(good, 2, "201"),
        "an action's start signed": _action_edited(good, 4, "+3"),
        "an action's start in other digits": _action_edited(good, 4, "\u0663"),
        "an action's odd objects": _action_edited(good, 7, f"TSMC{us}company{us}Apple"),
    }


_MENTION = ActionMention("raise", "TSMC", False, "title", 0, 4, "r", (("TSMC", "company"),))
_SAMPLE = DocFeatures(
    "en",
    "t",
    "",
    "",
    "",
    {"TSMC": "company"},
    frozenset({"w"}),
    frozenset(),
    frozenset(),
    (_MENTION,),
    (_MENTION,),
)


@pytest.mark.parametrize("case", list(_bad_rows(feature_codec.encode(_SAMPLE))))
def test_a_kept_row_of_another_version_or_damaged_is_computed_again(
    tmp_path: Path, case: str
) -> None:
    articles = [
        _article(n, a.title, a.summary, a.lang, guid=a.guid)
        for n, a in enumerate(all_articles()[:40])
    ]
    db = _store(tmp_path, _feeds(articles, per_feed=20))
    ids = unsettled_ids(db)
    # an article with actions, entities and a primary action, so every field is hit
    kept = _kept(db)
    target = max(kept, key=lambda i: len(feature_codec.decode(kept[i]).primary))  # type: ignore[union-attr]
    bad = _bad_rows(kept[target])[case]
    assert feature_codec.decode(bad) is None
    db.conn.execute("UPDATE unsettled SET features = ? WHERE article_id = ?", [bad, target])
    read = {doc.article_id: doc for doc in docs_by_ids(db, ids)}
    assert read == _recomputed(db, ids)
    assert read[target].title != "planted"


# ---- the rows are transient


def test_kept_features_go_with_the_settle_pass_and_the_store_keeps_none(tmp_path: Path) -> None:
    articles = [_article(n, a.title, a.summary, a.lang) for n, a in enumerate(all_articles())]
    db = _store(tmp_path, _feeds(articles))
    assert len(_kept(db)) == len(articles)
    settle_round(db.services, now=NOW)
    assert db.conn.execute("SELECT count(*) FROM unsettled").fetchone()[0] == 0
    placed = db.conn.execute("SELECT count(*) FROM articles WHERE story_id IS NOT NULL")
    assert placed.fetchone()[0] == len(articles)


def test_an_unsettled_article_edited_keeps_no_stale_features(tmp_path: Path) -> None:
    """An edit rewrites the article's text but not every column the features read (its
    time, its guid): the pass computes the edited article's features from the store."""
    first = _article(1, "TSMC raises prices", "Taipei, Monday.", "en")
    other = _article(2, "Nvidia ships a chip", "Santa Clara.", "en")
    edited = dataclasses.replace(
        first, title="Samsung cuts prices", summary="Seoul.", published=NOW - timedelta(hours=1)
    )
    url = "https://example.org/feed0.xml"
    db = _store(tmp_path, [(url, [first, other]), (url, [edited, other])])
    ids = unsettled_ids(db)
    key_of = dict(db.conn.execute("SELECT id, key FROM articles"))
    kept = _kept(db)
    assert [key_of[i] for i in kept] == [other.key]
    read = {doc.article_id: doc for doc in docs_by_ids(db, ids)}
    assert read == _recomputed(db, ids)
    assert any("samsung" in doc.title for doc in read.values())


@pytest.mark.parametrize(
    "change",
    [
        {"title": "wafer\x1eprices"},
        {"guid": "tag:x\x1f1"},
        {"words": frozenset({"fab", "a\x1db"})},
        {"names": frozenset({""})},
        {"entities": {"": "company"}},
        {"actions": (dataclasses.replace(_MENTION, rule="r\x1c"),)},
        {"title": "lone \ud800 surrogate"},
    ],
)
def test_features_the_format_cannot_hold_are_not_kept(change: dict[str, Any]) -> None:
    """A separator inside a string, or an empty string in a list, would read back as
    other features: such an article keeps none (the pass computes them)."""
    with pytest.raises(ValueError):
        feature_codec.encode(dataclasses.replace(_SAMPLE, primary=(), **change))
    assert feature_codec.decode(feature_codec.encode(_SAMPLE)) == _SAMPLE
