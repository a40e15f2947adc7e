"""Issue 18: the rarities of a fresh store do not depend on which feed was written first.

The poller builds its clusterer on first use: inside the first feed's write
transaction, after that feed's articles were inserted and tagged, but before any was
placed. The clusterer counts an article in the store-wide frequencies when it places
it, so a store whose frequency table was never filled is seeded only from the articles
it has counted (placed, or left to the settle pass), never from the feed being written:
seeding from those counted the first feed's entities twice (and gave its hundred
articles the prior's rates again), and since the first feed is whichever finishes
first, two replays of one corpus could give different stories
(``tests/test_clustered_once.py``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from chipwatch.clustering.clusterer import Clusterer
from chipwatch.config import ClusterConfig
from chipwatch.entities.tagger import build_tagger
from chipwatch.model import Article
from chipwatch.store.db import open_db, write_transaction
from chipwatch.store.queries import feed_id_for, upsert_article
from chipwatch.store.tags import save_matches

TAGGER = build_tagger()
DAY = datetime(2025, 7, 15, 9, 0, tzinfo=UTC)
TITLES = [
    "Nvidia resumes H20 sales to China after US licence assurance",
    "AMD expects MI308 export licences from the Commerce Department",
    "TSMC reports record quarterly profit on AI chip demand",
    "Nvidia H20 shipments to China to restart within weeks",
]


def _article(number: int) -> Article:
    url = f"https://outlet.example.org/a{number}"
    published = DAY + timedelta(hours=number)
    return Article(
        key=url,
        feed_url="https://outlet.example.org/feed",
        title=TITLES[number % len(TITLES)],
        summary="The company said so on Tuesday.",
        url=url,
        published=published,
        fetched_at=published + timedelta(minutes=3),
        lang="en",
        feed_name="outlet",
    )


def _insert(db, articles: list[Article]) -> list[tuple[int, Article, list]]:
    """Store and tag the articles as a feed's transaction does before clustering them."""
    inserted = []
    for article in articles:
        feed_id = feed_id_for(db, article.feed_url, now=article.fetched_at, name="outlet")
        article_id, _ = upsert_article(db, article, feed_id=feed_id, now=article.fetched_at)
        matches = TAGGER.tag(article.title, article.summary)
        save_matches(db, article_id, matches)
        inserted.append((article_id, article, matches))
    return inserted


def _place_all(clusterer: Clusterer, inserted: list[tuple[int, Article, list]]) -> None:
    for article_id, article, matches in inserted:
        clusterer.place(article_id, article, matches, now=article.fetched_at)
    clusterer.end_batch()


def test_a_clusterer_built_inside_the_first_feeds_transaction_counts_its_articles_once(
    tmp_path: Path,
) -> None:
    db = open_db(tmp_path / "store.db")
    articles = [_article(i) for i in range(8)]
    with write_transaction(db):
        inserted = _insert(db, articles)
        clusterer = Clusterer(db, ClusterConfig())  # built here, as Services does
        assert clusterer.df.total == 0, "the feed being written was seeded into the rarities"
        assert not any(clusterer.df.counts[kind] for kind in clusterer.df.counts)
        _place_all(clusterer, inserted)
    naming = sum(1 for _, _, matches in inserted if any(m.entity == "H20" for m in matches))
    assert naming == 4
    assert clusterer.df.total == len(articles)
    assert clusterer.df.counts["e"]["H20"] == naming
    reloaded = Clusterer(db, ClusterConfig())  # what the store kept: the same counts
    assert reloaded.df.total == len(articles)
    assert reloaded.df.counts["e"]["H20"] == naming
    db.close()


def test_a_store_made_before_the_frequency_table_is_seeded_from_its_counted_articles_only(
    tmp_path: Path,
) -> None:
    """A store whose table was never filled (made before it) is seeded from the articles
    it holds placed; a feed being written when the clusterer is first built is counted
    once, as its articles are placed."""
    db = open_db(tmp_path / "store.db")
    with write_transaction(db):
        _place_all(Clusterer(db, ClusterConfig()), _insert(db, [_article(i) for i in range(4)]))
    with write_transaction(db):  # as a store made before the table existed
        db.execute("DELETE FROM feature_df")
        db.execute("DELETE FROM meta WHERE key = 'df_total'")
    with write_transaction(db):
        inserted = _insert(db, [_article(i) for i in range(4, 8)])
        clusterer = Clusterer(db, ClusterConfig())
        assert clusterer.df.total == 4
        assert clusterer.df.counts["e"]["H20"] == 2
        _place_all(clusterer, inserted)
    assert clusterer.df.total == 8
    assert clusterer.df.counts["e"]["H20"] == 4
    db.close()
