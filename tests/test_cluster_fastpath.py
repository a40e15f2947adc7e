"""The cheap assignment path keeps the results of the plain one.

Each shortcut of the assignment (decide then record, rarities memoized per feature
kind, postings keyed by bare text, candidates checked lazily, explanations built only
when read, the joined story's row read once, only changed story columns written, fast
UTC stamps) is checked here against what it replaces.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st
from rapidfuzz import fuzz

from chipwatch.clustering.candidates import (
    MIN_RELATIVE_BLOCKING,
    CandidateIndex,
    Doc,
    ranking_floor,
)
from chipwatch.clustering.clusterer import Clusterer
from chipwatch.clustering.docfreq import PRIOR_MASS
from chipwatch.clustering.scoring import PairScore, Rules, ranked, score_pair
from chipwatch.clustering.signals import merged_weights
from chipwatch.clustering.text import title_similarity, tokens
from chipwatch.config import ClusterConfig
from chipwatch.store.db import write_transaction
from chipwatch.store.queries import feed_id_for, upsert_article
from chipwatch.store.story_rows import _languages_json, stamp_of, story_state
from chipwatch.store.tags import save_matches
from chipwatch.timeutil import iso
from tests.test_cluster import TAGGER, make_article

HOUR = 3600.0
RULES = Rules(window=72 * HOUR, long_window=168 * HOUR, time_scale=96 * HOUR, threshold=0.4)
START = datetime(2025, 5, 2, 7, 0, tzinfo=UTC)

# Two reports of one fictional event and an unrelated one, in two languages.
REPORTS = [
    ("wireone", "Quorvane wins licence to ship Helix-7 accelerators to Malaysia", "en", 0),
    ("chipledger", "Helix-7 accelerators cleared for Malaysia, Quorvane says", "en", 2),
    ("depeche", "Quorvane obtient une licence pour livrer ses Helix-7 en Malaisie", "fr", 3),
    ("wireone", "Dutch ministry fines lithography reseller over unlicensed spares", "en", 4),
]


def _doc(article_id: int, words: list[str], entities: list[str], hours: float = 0.0) -> Doc:
    return Doc(
        article_id=article_id,
        story_id=article_id,
        feed_id=article_id % 3,
        lang="en",
        published=hours * HOUR,
        title=" ".join(words),
        title_key=" ".join(words) if len(words) >= 4 else "",
        url=f"example.org/{article_id}",
        guid="",
        entities={name: "chip" for name in entities},
        words=frozenset(words),
        numbers=frozenset(),
        names=frozenset(w for w in words if w.startswith("q")),
    )


def _store(db, clusterer: Clusterer, feed: str, title: str, lang: str, hours: int) -> int:
    published = START + timedelta(hours=hours)
    article = make_article(feed, title, title + ". More on this soon.", published, lang=lang)
    with write_transaction(db):
        feed_id = feed_id_for(db, article.feed_url, now=published)
        article_id, _ = upsert_article(db, article, feed_id=feed_id, now=published)
        matches = TAGGER.tag(article.title, article.summary)
        save_matches(db, article_id, matches)
        decision = clusterer.decide(article_id, article, matches)
        row = db.execute(
            "SELECT story_id, cluster_explain FROM articles WHERE id = ?", [article_id]
        ).fetchone()
        assert row == (None, None)  # deciding writes nothing
        clusterer.record(decision, now=published)
    return article_id


def test_decide_then_record_is_assign(db, tmp_path):
    from chipwatch.store.db import open_db

    other = open_db(tmp_path / "other.db")
    split, whole = Clusterer(db, ClusterConfig()), Clusterer(other, ClusterConfig())
    for feed, title, lang, hours in REPORTS:
        _store(db, split, feed, title, lang, hours)
        published = START + timedelta(hours=hours)
        article = make_article(feed, title, title + ". More on this soon.", published, lang=lang)
        with write_transaction(other):
            feed_id = feed_id_for(other, article.feed_url, now=published)
            article_id, _ = upsert_article(other, article, feed_id=feed_id, now=published)
            matches = TAGGER.tag(article.title, article.summary)
            save_matches(other, article_id, matches)
            whole.assign(article_id, article, matches, now=published)
    query = "SELECT id, story_id, cluster_score, cluster_explain FROM articles ORDER BY id"
    assert db.execute(query).fetchall() == other.execute(query).fetchall()
    stories = "SELECT * FROM stories ORDER BY id"
    assert db.execute(stories).fetchall() == other.execute(stories).fetchall()
    assert len({row[1] for row in db.execute(query).fetchall()}) == 2
    other.close()


def test_the_story_row_read_for_a_join_ignores_the_joining_article(db):
    clusterer = Clusterer(db, ClusterConfig())
    first = _store(db, clusterer, *REPORTS[0])
    second = _store(db, clusterer, *REPORTS[1])
    story = db.execute("SELECT story_id FROM articles WHERE id = ?", [first]).fetchone()[0]
    feed = db.execute("SELECT feed_id FROM articles WHERE id = ?", [second]).fetchone()[0]
    state = story_state(db, story, feed_id=feed, article_id=second)
    assert state is not None and state.article_count == 2 and not state.feed_known
    # The same feed as the first report: another of its articles is in the story.
    first_feed = db.execute("SELECT feed_id FROM articles WHERE id = ?", [first]).fetchone()[0]
    assert story_state(db, story, feed_id=first_feed, article_id=second).feed_known
    assert story_state(db, story + 100, feed_id=feed, article_id=second) is None


def test_rarity_by_bare_text_is_the_rarity_of_the_feature():
    index = CandidateIndex(horizon_seconds=1e9)
    for n in range(250):
        index.add(_doc(n, ["licence", f"w{n % 7}", "helix"], ["H20"] + (["B30A"] if n % 9 else [])))
    index.df.freeze()  # rarities are snapshots, refreshed every 64 changes and here
    # Store-wide frequencies plus the prior's pseudo-articles (docfreq's formula).
    population = 250 + PRIOR_MASS
    df = 250 + PRIOR_MASS * index.df.prior["w"].get("licence", 0.0)
    expected_word = math.log1p(population / (df + 1)) / math.log1p(population)
    assert index.rarity("w:licence") == expected_word == index.word_rarity["licence"]
    assert index.rarity("e:B30A") == index.entity_rarity["B30A"]
    assert index.rarity("e:H20") < index.rarity("e:B30A") < index.rarity("e:nowhere")
    assert index.rarity("p:quorvane") == index.rarity_of_name("quorvane")
    assert index.postings("w:helix") == set(range(250)) and index.postings("x:y") == set()


def test_lazy_candidates_are_the_listed_ones_in_order():
    index = CandidateIndex(horizon_seconds=200 * HOUR)
    for n in range(120):
        words = ["licence", f"lot{n % 5}", f"batch{n % 11}", "helix"]
        index.add(_doc(n, words, [f"chip{n % 13}"], hours=n))
    probe = _doc(999, ["licence", "lot3", "batch4", "helix"], ["chip7"], hours=100)
    listed = index.candidates(probe, window_seconds=30 * HOUR, limit=24)
    assert listed and list(index.iter_candidates(probe, window_seconds=30 * HOUR, limit=24)) == (
        listed
    )
    assert all(abs(index.times[a] - probe.published) <= 30 * HOUR for a in listed)


def test_a_doc_lists_its_features_by_kind_and_copies_without_its_norms():
    doc = _doc(5, ["quorvane", "licence", "helix", "malaysia"], ["Helix-7"])
    assert doc.features[:2] == ("u:example.org/5", "t:" + doc.title_key)
    assert "e:Helix-7" in doc.features and "p:quorvane" in doc.features
    doc.norms = (3, 1.0, 2.0)
    twin = doc.copy()
    assert twin.norms == Doc.__dataclass_fields__["norms"].default
    assert twin.features == doc.features


def test_a_pair_explains_itself_as_a_dict_of_its_parts():
    index = CandidateIndex(horizon_seconds=1e9)
    old = _doc(1, ["quorvane", "licence", "helix", "malaysia", "ships"], ["Helix-7", "Malaysia"])
    new = _doc(4, ["quorvane", "licence", "helix", "malaysia", "cleared"], ["Helix-7"])
    index.add(old)
    pair = score_pair(new, old, index, merged_weights({}), RULES)  # one feed: 4 % 3
    assert list(pair.parts) == [
        *("entities", "words", "time", "numbers", "names", "title", "same_feed")
    ]
    assert pair.parts["same_feed"] == -merged_weights({})["same_feed"]
    assert pair.parts["time"] == 1.0
    assert pair.parts["numbers"] == 0 and isinstance(pair.parts["numbers"], int)
    assert pair.shared_entities == ["Helix-7", "quorvane"]
    assert set(pair.shared_words) == {"quorvane", "licence", "helix", "malaysia"}
    assert pair.word_weights["helix"] == index.word_rarity["helix"]


@given(st.dictionaries(st.text(min_size=1, max_size=4), st.sampled_from([0.1, 0.2, 0.5])))
def test_ranking_shared_items_breaks_ties_on_the_item_not_its_place(weights):
    # The items come in a set's order, which follows the process's string hashes: a tie
    # is broken on the item itself, so every process ranks them alike.
    shared = (list(weights), list(weights.values()))
    expected = sorted(weights, key=lambda name: (-weights[name], name))
    assert ranked(shared) == expected
    assert ranked((list(reversed(shared[0])), list(reversed(shared[1])))) == expected


@given(st.dictionaries(st.text(min_size=1, max_size=4), st.sampled_from([0.1, 0.2, 0.5])))
def test_a_pair_ranks_its_shared_items_as_their_weight_dict_would(weights):
    names = frozenset(weights)
    in_set_order = {name: weights[name] for name in names}
    pair = PairScore(0.5, entity_overlap=(names, list(in_set_order.values())))
    assert pair.shared_entities == ranked((list(in_set_order), list(in_set_order.values())))
    assert pair.shared_words == [] and pair.entity_weights == weights


@given(
    st.datetimes(
        min_value=datetime(1000, 1, 1),
        max_value=datetime(9999, 12, 30),
        timezones=st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30))]),
    )
)
def test_fast_stamps_are_iso(value):
    assert stamp_of(value) == iso(value)
    assert stamp_of(value.replace(tzinfo=None)) == iso(value.replace(tzinfo=None))


@given(st.lists(st.text(alphabet="ab 英伟达H20é_-ß.", min_size=1, max_size=12), min_size=1))
def test_an_identical_title_is_as_alike_as_rapidfuzz_says(words):
    title = " ".join(tokens(" ".join(words)))
    if title:
        ratios = fuzz.token_set_ratio(title, title) + fuzz.token_sort_ratio(title, title)
        assert title_similarity(title, title) == ratios / 200.0 == 1.0


@given(st.lists(st.sampled_from(["en", "fr", "de", "zh", "pt-br"]), unique=True), st.text())
def test_languages_are_added_as_sorted_json(present, lang):
    stored = json.dumps(present)
    assert _languages_json(stored, lang) == json.dumps(sorted(set(present) | {lang}))


@given(
    st.dictionaries(st.integers(0, 400), st.integers(1, 60), min_size=1, max_size=300),
    st.integers(1, 80),
)
def test_ranking_above_the_floor_keeps_the_first_candidates_of_the_whole_ranking(
    shared: dict[int, int], take: int
) -> None:
    """The raised floor leaves out only candidates the whole ranking puts past ``take``
    (ties at the floor kept: they are ordered by key)."""
    key = {i: f"k{(i * 7919) % 401:03d}" for i in shared}
    plain_floor = max(shared.values()) * MIN_RELATIVE_BLOCKING
    whole = sorted((-c, key[i], i) for i, c in shared.items() if c >= plain_floor)
    floor = ranking_floor(shared.values(), take)
    kept = sorted((-c, key[i], i) for i, c in shared.items() if c >= floor)
    assert kept[:take] == whole[:take]
