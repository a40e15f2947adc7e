"""The candidate index: window-bounded, rare-feature blocking, rollback safety; config."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chipwatch.clustering.candidates import CandidateIndex, Doc
from chipwatch.clustering.clusterer import Clusterer
from chipwatch.clustering.features import canonical_url
from chipwatch.clustering.scoring import Rules, score_pair
from chipwatch.clustering.signals import merged_weights
from chipwatch.config import ClusterConfig, ConfigError, parse_config
from chipwatch.model import Article
from chipwatch.store.db import write_transaction
from chipwatch.store.queries import feed_id_for, upsert_article
from chipwatch.store.stories import start_story

HOUR = 3600.0
RULES = Rules(window=72 * HOUR, long_window=168 * HOUR, time_scale=96 * HOUR, threshold=0.4)


def doc(article_id: int, hours: float, *, entities=(), words=(), story: int | None = None) -> Doc:
    return Doc(
        article_id=article_id,
        story_id=story or article_id,
        feed_id=1,
        lang="en",
        published=hours * HOUR,
        title="",
        title_key="",
        url="",
        guid="",
        entities={e: "chip" for e in entities},
        words=frozenset(words),
        numbers=frozenset(),
    )


def test_index_keeps_only_the_horizon_and_candidates_only_the_window():
    index = CandidateIndex(horizon_seconds=144 * HOUR)
    for n in range(200):
        index.add(doc(n, n * 6, entities=["H20"], words=["licence"]))
    assert len(index) <= 25  # 144 h of articles six hours apart, not 200
    probe = doc(999, 199 * 6 + 1, entities=["H20"], words=["licence"])
    found = index.candidates(probe, window_seconds=72 * HOUR, limit=50)
    assert found and all(abs(index.docs[a].published - probe.published) <= 72 * HOUR for a in found)


def test_common_features_are_not_used_for_blocking():
    index = CandidateIndex(horizon_seconds=1e9)
    for n in range(400):
        index.add(doc(n, 1, entities=["China"]))
    index.add(doc(500, 1, entities=["China", "MI308"]))
    probe = doc(999, 1, entities=["China", "MI308"])
    assert index.candidates(probe, window_seconds=1e9, limit=10) == [500]


def test_rarity_ranks_rare_entities_above_common_ones():
    index = CandidateIndex(horizon_seconds=1e9)
    for n in range(300):
        index.add(doc(n, 1, entities=["China"] + (["H20"] if n % 50 == 0 else [])))
    assert index.rarity("e:H20") > 2 * index.rarity("e:China")


def test_clusterer_loads_only_the_window_of_a_large_archive(db):
    start = datetime(2025, 1, 1, tzinfo=UTC)
    with write_transaction(db):
        for n in range(120):
            published = start + timedelta(days=n)
            article = Article(
                key=f"k{n}",
                feed_url="f",
                title=f"Report number {n} on chips",
                summary="",
                url=f"https://x.example/{n}",
                published=published,
                fetched_at=published,
            )
            feed_id = feed_id_for(db, "https://x.example/feed", now=published)
            article_id, _ = upsert_article(db, article, feed_id=feed_id, now=published)
            story = start_story(
                db,
                article_id=article_id,
                title=article.title,
                lang="en",
                published=published,
                now=published,
            )
            db.execute("UPDATE articles SET story_id = ? WHERE id = ?", [story, article_id])
    clusterer = Clusterer(db, ClusterConfig())
    # The long window (7 days) and a day more, of one article a day: not 120.
    assert 1 <= len(clusterer.index) <= 9


def test_a_rolled_back_story_is_never_joined(db):
    published = datetime(2025, 7, 15, 9, tzinfo=UTC)
    clusterer = Clusterer(db, ClusterConfig())

    def store(key: str) -> tuple[int, Article]:
        article = Article(
            key=key,
            feed_url="f",
            title="Nvidia to resume H20 sales to China",
            summary="",
            url=f"https://{key}.example/a",
            published=published,
            fetched_at=published,
            lang="en",
        )
        feed_id = feed_id_for(db, f"https://{key}.example/feed", now=published)
        return upsert_article(db, article, feed_id=feed_id, now=published)[0], article

    with pytest.raises(RuntimeError), write_transaction(db):
        article_id, article = store("one")
        clusterer.assign(article_id, article, [], now=published)
        raise RuntimeError("the feed's transaction failed")
    with write_transaction(db):
        article_id, article = store("two")
        assignment = clusterer.assign(article_id, article, [], now=published)
    row = db.execute(
        "SELECT article_count FROM stories WHERE id = ?", [assignment.story_id]
    ).fetchone()
    assert row == (1,)


def test_canonical_url_ignores_scheme_www_fragment_and_trailing_slash():
    assert canonical_url("https://www.Example.org/a/b/#top") == canonical_url(
        "http://example.org/a/b"
    )


def test_cluster_config_is_validated_and_documented_weights_apply():
    config = parse_config(
        '[cluster]\nwindow = "48h"\nthreshold = 0.6\n[cluster.weights]\ntitle = 0.5\ntitel = 1.0\n'
    )
    assert config.cluster.window == timedelta(hours=48)
    assert merged_weights(config.cluster.weights)["title"] == 0.5
    assert any("did you mean 'title'" in w for w in config.warnings)
    with pytest.raises(ConfigError, match=r"<config>:2: cluster\.threshold"):
        parse_config("[cluster]\nthreshold = 1.5\n")
    with pytest.raises(ConfigError, match=r"cluster\.weights\.time"):
        parse_config("[cluster.weights]\ntime = -1\n")


def _doc(article_id: int, *, feed: int, lang: str, title: str, entities=(), numbers=()) -> Doc:
    return Doc(
        article_id=article_id,
        story_id=article_id,
        feed_id=feed,
        lang=lang,
        published=0.0,
        title=title,
        title_key="",
        url="",
        guid="",
        entities={e: "chip" for e in entities},
        words=frozenset(title.split()),
        numbers=frozenset(numbers),
    )


def test_pair_score_parts_same_feed_language_and_figures():
    index = CandidateIndex(horizon_seconds=1e9)
    weights = merged_weights({})
    a = _doc(1, feed=1, lang="en", title="nvidia resumes h20 sales", entities=["H20"])
    b = _doc(2, feed=2, lang="en", title="nvidia to resume h20 sales", entities=["H20"])
    same_feed = _doc(3, feed=1, lang="en", title="nvidia to resume h20 sales", entities=["H20"])
    other_lang = _doc(4, feed=2, lang="fr", title="nvidia reprend ventes h20", entities=["H20"])
    for d in (b, same_feed, other_lang):
        index.add(d)
    across = score_pair(a, b, index, weights, RULES)
    penalized = score_pair(a, same_feed, index, weights, RULES)
    assert "title" in across.parts and across.shared_entities == ["H20"]
    assert penalized.score == pytest.approx(across.score - weights["same_feed"])
    foreign = score_pair(a, other_lang, index, weights, RULES)
    assert "title" not in foreign.parts and "words" not in foreign.parts
    with_figure = score_pair(
        _doc(5, feed=3, lang="fr", title="x", entities=["H20"], numbers=["amt:4.5e+09"]),
        _doc(6, feed=4, lang="de", title="y", entities=["H20"], numbers=["amt:4.5e+09"]),
        index,
        weights,
        RULES,
    )
    assert with_figure.parts["numbers"] == pytest.approx(0.7)
    assert with_figure.shared_numbers == ["amt:4.5e+09"]
