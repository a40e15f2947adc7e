"""Evicted articles' postings given back in steps change no candidate and no story.

The live index drops the articles the horizon passed at once (docs, times, stories) but
gives their postings back at the end of a feed, or a few per add past a bound
(:mod:`chipwatch.clustering.evicted`); a lookup first takes the evicted ids out of the
postings it reads. These compare it with eager eviction (``held_at_most = None``) on
generated streams whose newest time jumps by hours, as retellings published later do.
"""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from benchmarks.synth import START, generate_articles
from chipwatch.clustering.candidates import HELD_AT_MOST, CandidateIndex, Doc
from chipwatch.clustering.clusterer import MAX_CANDIDATES, Clusterer
from chipwatch.clustering.features import doc_features
from chipwatch.config import ClusterConfig
from chipwatch.store.db import write_transaction
from chipwatch.store.queries import upsert_article
from chipwatch.store.tags import save_matches
from tests.test_cluster import TAGGER

HOUR = 3600.0
WORDS = [f"w{n}" for n in range(300)]
NAMES = [f"E{n}" for n in range(40)]


def _docs(rng: random.Random, count: int) -> list[Doc]:
    """A stream a minute apart, one in eight published up to 8 hours late (the newest
    time jumps), over a vocabulary small enough that common words pass MAX_POSTINGS."""
    docs = []
    for n in range(count):
        late = rng.randrange(8 * 60) * 60.0 if rng.random() < 0.125 else 0.0
        words = {rng.choice(WORDS[: rng.choice((20, 80, 300))]) for _ in range(8)}
        docs.append(
            Doc(
                article_id=n + 1,
                story_id=n // 3 + 1,
                feed_id=n % 7,
                lang="en",
                published=n * 60.0 + late,
                title="",
                title_key=f"t{n // 3}" if rng.random() < 0.3 else "",
                url=f"u{n // 2}" if rng.random() < 0.2 else "",
                guid="",
                entities={rng.choice(NAMES): "chip" for _ in range(rng.randrange(3))},
                words=frozenset(words),
                numbers=frozenset({str(rng.randrange(30))}),
                key=f"k{rng.randrange(10**6):06d}",
            )
        )
    return docs


def _pair(held_at_most: int) -> tuple[CandidateIndex, CandidateIndex]:
    lazy = CandidateIndex(horizon_seconds=12 * HOUR)
    lazy.held_at_most = held_at_most
    eager = CandidateIndex(horizon_seconds=12 * HOUR)
    eager.held_at_most = None
    return lazy, eager


@pytest.mark.parametrize("seed, held_at_most", [(1, 64), (2, 10**6), (3, 5)])
def test_postings_held_after_a_jump_change_no_candidate_or_its_rank(seed, held_at_most):
    rng = random.Random(seed)
    lazy, eager = _pair(held_at_most)
    held_at_lookup = 0
    for position, doc in enumerate(_docs(rng, 3000)):
        if position % 100 == 99:
            lazy.reclaim()  # a feed's end
        if rng.random() < 0.01 and lazy.docs:  # the stale-story path, in both
            victim = rng.choice(sorted(lazy.docs))
            lazy.remove(victim)
            eager.remove(victim)
        held_at_lookup = max(held_at_lookup, len(lazy.evicted))
        found = lazy.candidates(doc, window_seconds=6 * HOUR, limit=40)
        assert found == eager.candidates(doc, window_seconds=6 * HOUR, limit=40)
        lazy.add(doc.copy())
        eager.add(doc.copy())
        assert lazy.docs.keys() == eager.docs.keys() and lazy.stories == eager.stories
    assert held_at_lookup > 5  # jumps did evict many at once, and they were held
    lazy.reclaim()
    assert lazy.kinds == eager.kinds  # nothing left behind once all is given back


def test_an_evicted_article_indexed_again_keeps_only_its_new_postings():
    lazy, eager = _pair(10**6)  # held until indexed again
    old = Doc(
        1, 1, 1, "en", 0.0, "", "", "", "", {"H20": "chip"}, frozenset({"licence"}), frozenset()
    )
    for index in (lazy, eager):
        index.add(old.copy())
        index.add(Doc(2, 2, 1, "en", 20 * HOUR, "", "", "", "", {}, frozenset({"x"}), frozenset()))
    assert 1 in lazy.evicted.ids and lazy.postings("e:H20") == set()
    edited = Doc(
        1, 1, 1, "en", 19 * HOUR, "", "", "", "", {"MI308": "chip"}, frozenset(), frozenset()
    )
    for index in (lazy, eager):
        index.add(edited.copy())
    assert lazy.kinds == eager.kinds and lazy.postings("e:MI308") == {1}
    assert 1 not in lazy.evicted.ids and not lazy.evicted.kinds[3].get("H20")


def _assignments(db, held_at_most: int | None, monkeypatch) -> tuple[list[tuple], int]:
    """Assign a generated month (about 40 articles a day, retellings up to ~10 hours
    late) as the pipeline's feed transactions do; each arrival's candidates and story."""
    monkeypatch.setattr(CandidateIndex, "held_at_most", held_at_most)
    clusterer = Clusterer(db, ClusterConfig(), languages=("en",))
    window = clusterer.rules.long_window
    stream = list(generate_articles(1200, seed=5, start=START, span=timedelta(days=30)))
    seen, held = [], 0
    for offset in range(0, len(stream), 25):
        with write_transaction(db):
            for item in stream[offset : offset + 25]:
                article = item.article()
                article_id, _ = upsert_article(
                    db, article, feed_id=item.outlet + 1, now=item.published
                )
                matches = TAGGER.tag(item.title, item.summary)
                save_matches(db, article_id, matches)
                features = doc_features(article, matches)
                held = max(held, len(clusterer.index.evicted))
                decision = clusterer.decide(article_id, article, matches, features=features)
                listed = clusterer.index.candidates(
                    decision.doc, window_seconds=window, limit=MAX_CANDIDATES
                )
                done = clusterer.record(decision, now=item.published)
                seen.append((article_id, listed, done.story_id, done.new_story, done.score))
            clusterer.end_batch()
    return seen, held


def test_stories_of_a_month_are_those_of_eager_eviction(tmp_path, monkeypatch):
    from chipwatch.store.db import open_db

    runs = []
    for held_at_most in (HELD_AT_MOST, None):
        db = open_db(tmp_path / f"held{held_at_most}.db")
        db.conn.executemany(
            "INSERT INTO feeds (id, url, name, created_at) VALUES (?, ?, ?, ?)",
            [
                (i + 1, f"https://outlet{i}.example/feed", f"o{i}", "2025-01-01T00:00:00Z")
                for i in range(40)
            ],
        )
        runs.append(_assignments(db, held_at_most, monkeypatch))
        db.close()
    (lazy, held), (eager, _) = runs
    assert held > 5  # the horizon passed articles while their postings were held
    assert lazy == eager
