"""Story clustering: the seed case, hard negatives, explanations, corrections, quality."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from chipwatch.clustering.clusterer import Clusterer
from chipwatch.clustering.settle import settle
from chipwatch.config import ClusterConfig
from chipwatch.entities.tagger import build_tagger
from chipwatch.model import Article, Assignment
from chipwatch.store.db import write_transaction
from chipwatch.store.queries import feed_id_for, upsert_article
from chipwatch.store.stories import (
    explain_article,
    get_story,
    merge_stories,
    split_article,
    story_articles,
)
from chipwatch.store.tags import save_matches

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.cluster_quality import evaluate, load_labelled  # noqa: E402

TAGGER = build_tagger()


def make_article(
    feed: str,
    title: str,
    summary: str,
    published: datetime,
    *,
    lang: str = "fr",
    url: str | None = None,
) -> Article:
    link = url or f"https://{feed}.example.org/{abs(hash((title, published)))}"
    return Article(
        key=link,
        feed_url=f"https://{feed}.example.org/feed",
        title=title,
        summary=summary,
        url=link,
        published=published,
        fetched_at=published + timedelta(minutes=3),
        lang=lang,
        feed_name=feed,
    )


def ingest(db, clusterer: Clusterer, article: Article):
    """What the pipeline does for one article polled alone: store, tag, place it
    provisionally in one transaction, then the round's settle pass. The assignment
    returned is where the article ended up."""
    with write_transaction(db):
        feed_id = feed_id_for(db, article.feed_url, now=article.fetched_at, name=article.feed_name)
        article_id, _ = upsert_article(db, article, feed_id=feed_id, now=article.fetched_at)
        matches = TAGGER.tag(article.title, article.summary)
        save_matches(db, article_id, matches)
        provisional = clusterer.assign(article_id, article, matches, now=article.fetched_at)
        clusterer.end_batch()
    with write_transaction(db):
        settled = settle(clusterer, now=article.fetched_at)
    story_id = settled.placed.as_dict().get(article_id, provisional.story_id)
    explain = explain_article(db, article_id)
    return article_id, Assignment(
        story_id=story_id,
        new_story=explain.get("decision") == "started",
        score=explain.get("score") or 0.0,
        parts=explain.get("parts") or {},
    )


JULY = datetime(2025, 7, 15, 9, 0, tzinfo=UTC)
BLOG = make_article(
    "arktech",
    "NVIDIA relance ses ventes de puces d'IA en Chine : un pari stratégique",
    "Washington autorise NVIDIA à vendre de nouveau son accélérateur H20 en Chine ; le groupe "
    "veut écouler un stock de 4,5 milliards de dollars. Jensen Huang juge les contrôles "
    "excessifs.",
    JULY,
)
WIRE = make_article(
    "lusa",
    "Nvidia reprend l'exportation de ses puces IA vers la Chine avec le feu vert américain",
    "Nvidia a reçu l'assurance que les licences seront accordées et livrera bientôt ses puces "
    "H2O, a dit Jensen Huang à Pékin. En avril, les ventes des H20 et des MI308 d'AMD avaient "
    "été limitées, pour un coût de 5,5 milliards de dollars.",
    JULY + timedelta(hours=2, minutes=30),
)
APRIL = make_article(
    "chipledger",
    "Nvidia expects $5.5bn charge as US requires licence for H20 China sales",
    "The government told Nvidia that exporting the H20 to China needs a licence; AMD's MI308 "
    "is affected too.",
    datetime(2025, 4, 15, 21, 0, tzinfo=UTC),
    lang="en",
)


@pytest.fixture
def clusterer(db):
    return Clusterer(db, ClusterConfig(), languages=("en", "fr"))


def test_seed_reports_form_one_story_with_both_sources_and_an_explanation(db, clusterer):
    _, april = ingest(db, clusterer, APRIL)
    blog_id, first = ingest(db, clusterer, BLOG)
    wire_id, second = ingest(db, clusterer, WIRE)
    assert first.new_story and not second.new_story
    assert second.story_id == first.story_id
    assert april.story_id != first.story_id, "the April licence story stayed separate"
    story = get_story(db, first.story_id)
    assert story is not None and story.article_count == 2 and story.outlet_count == 2
    assert story.languages == ("fr",)
    assert {a.feed_name for a in story_articles(db, first.story_id)} == {"arktech", "lusa"}
    explain = json.loads(
        db.execute("SELECT cluster_explain FROM articles WHERE id = ?", [wire_id]).fetchone()[0]
    )
    assert explain["v"] == 2 and explain["decision"] == "joined"
    assert explain["matched"]["article_id"] == blog_id
    shown = explain_article(db, wire_id)
    assert shown["matched_title"] == BLOG.title and shown["matched_feed"] == "arktech"
    assert "H20" in explain["shared"]["entities"]
    assert explain["score"] >= ClusterConfig().threshold == explain["threshold"]
    assert set(explain["parts"]) >= {"entities", "title", "time"}


def test_april_licence_story_never_joins_july_even_when_ingested_late(db, clusterer):
    ingest(db, clusterer, BLOG)
    ingest(db, clusterer, WIRE)
    _, april = ingest(db, clusterer, APRIL)  # an old article arriving late: backfill path
    assert april.new_story


def test_a_new_story_explains_its_closest_miss(db, clusterer):
    blog_id, _ = ingest(db, clusterer, BLOG)
    later = make_article(
        "wire2",
        "Washington interdit aux éditeurs de logiciels de conception de vendre en Chine",
        "Les outils EDA américains ne pourront plus être livrés aux clients chinois.",
        JULY + timedelta(hours=20),
    )
    article_id, assignment = ingest(db, clusterer, later)
    explain = explain_article(db, article_id)
    assert assignment.new_story and explain["decision"] == "started"
    assert explain["matched"]["article_id"] == blog_id  # the closest miss
    assert 0 < explain["score"] < explain["threshold"]


def test_identical_url_always_joins(db, clusterer):
    _, first = ingest(db, clusterer, BLOG)
    copy = make_article(
        "mirror",
        "Un tout autre titre",
        "Rien à voir.",
        JULY + timedelta(hours=1),
        url=BLOG.url.replace("https://", "http://www."),
    )
    _, second = ingest(db, clusterer, copy)
    assert second.story_id == first.story_id and second.parts == {"exact": 1.0}


def test_updated_article_is_reassigned_but_a_split_is_never_undone(db, clusterer, now):
    _blog_id, first = ingest(db, clusterer, BLOG)
    wire_id, _ = ingest(db, clusterer, WIRE)
    with write_transaction(db):
        new_story = split_article(db, wire_id, now=now, languages=("fr",))
    assert get_story(db, first.story_id).article_count == 1
    # The wire's text changes; re-clustering must leave the user's split alone.
    edited = make_article(
        "lusa", WIRE.title + " (mise à jour)", WIRE.summary, WIRE.published, url=WIRE.url
    )
    _, again = ingest(db, Clusterer(db, ClusterConfig(), languages=("fr",)), edited)
    assert again.story_id == new_story
    row = db.execute("SELECT story_locked FROM articles WHERE id = ?", [wire_id]).fetchone()
    assert row[0] == 1


def test_merge_is_followed_by_later_articles(db, clusterer, now):
    _, blog = ingest(db, clusterer, BLOG)
    _, april = ingest(db, clusterer, APRIL)
    with write_transaction(db):
        merge_stories(db, april.story_id, blog.story_id, now=now)
    assert get_story(db, april.story_id).id == blog.story_id
    _, wire = ingest(db, Clusterer(db, ClusterConfig(), languages=("fr",)), WIRE)
    assert wire.story_id == blog.story_id


def test_same_feed_penalty_keeps_a_feeds_two_reports_apart_unless_strong(db, clusterer):
    base = JULY
    one = make_article(
        "wire",
        "Samsung profit jumps on memory demand",
        "Samsung said operating profit rose as HBM prices climbed.",
        base,
        lang="en",
    )
    two = make_article(
        "wire",
        "TSMC revenue rises on AI orders",
        "TSMC said monthly revenue rose on AI accelerator demand.",
        base + timedelta(hours=1),
        lang="en",
    )
    _, a = ingest(db, clusterer, one)
    _, b = ingest(db, clusterer, two)
    assert a.story_id != b.story_id


# ---- the labelled set: quality floor and each hard-negative family


@pytest.fixture(scope="module")
def report():
    return evaluate()


@pytest.fixture(scope="module")
def labelled():
    return load_labelled()


def test_labelled_set_meets_the_bar(labelled):
    langs = {a["lang"] for a in labelled.articles}
    multi = [
        e
        for e in labelled.events
        if len({a["feed"] for a in labelled.articles if a["event"] == e}) > 1
    ]
    assert len(labelled.articles) >= 60 and len(langs) >= 5
    assert len(multi) >= 12 and len(labelled.hard_negative_pairs()) >= 15
    assert {e["split"] for e in labelled.events.values()} == {"tune", "holdout"}


def test_quality_floor_on_both_parts(report):
    # The tune part was 0.978 with the single-pass clusterer; the issue-18 clusterer
    # (settle pass, store-wide rarity, action signal) measures 0.930 there (precision
    # 1.000, recall 0.869: five events split, mostly by language) while real news went from
    # 0.88 to 0.96. The floor keeps today's figure from slipping further.
    assert report.parts["tune"].f1 >= 0.92, report.parts
    assert report.parts["holdout"].f1 >= 0.95, report.parts


def test_no_hard_negative_is_merged(report):
    assert report.hard_negatives_merged == []


@pytest.mark.parametrize(
    "a,b",
    [
        ("h20-licence-2025-04", "h20-resume-2025-07"),  # April licence vs July resumption
        ("nvidia-q1-2025-05", "eda-2025-05"),  # results vs an export rule the same day
        ("asml-q1-2025-04", "h20-licence-2025-04"),  # results vs export rule, same day
        ("diffusion-2025-01", "rescind-2025-05"),  # a rule vs its rescission months later
        ("diffusion-2025-01", "foundry-2025-01"),  # two BIS rules two days apart
        ("bis-2024-12", "china-ban-2024-12"),  # a rule vs the retaliation the next day
        ("revshare-2025-08", "avoid-h20-2025-08"),  # two H20 stories a day apart
        ("samr-2025-09", "cac-rtx-2025-09"),  # two Chinese actions on NVIDIA in one week
    ],
)
def test_hard_negative_families_stay_apart(report, labelled, a, b):
    stories_a = {report.predicted[i] for i, x in enumerate(labelled.articles) if x["event"] == a}
    stories_b = {report.predicted[i] for i, x in enumerate(labelled.articles) if x["event"] == b}
    assert stories_a.isdisjoint(stories_b)


def test_seed_retelling_in_labelled_set_is_one_story(report, labelled):
    seed = [i for i, x in enumerate(labelled.articles) if x["event"] == "h20-resume-2025-07"]
    assert len({report.predicted[i] for i in seed}) == 1
    feeds = {labelled.articles[i]["feed"] for i in seed}
    assert {"ARKTechNews", "Lusa (fr)"} <= feeds


def test_an_updated_article_moves_and_its_empty_story_points_to_the_new_one(db, clusterer):
    _, blog = ingest(db, clusterer, BLOG)
    placeholder = make_article(
        "lusa", "Dépêche en cours de rédaction", "Texte à venir.", WIRE.published, url=WIRE.url
    )
    wire_id, first = ingest(db, clusterer, placeholder)
    assert first.new_story and first.story_id != blog.story_id
    wire_id_again, moved = ingest(db, clusterer, WIRE)  # same URL: the entry was rewritten
    assert wire_id_again == wire_id and moved.story_id == blog.story_id
    assert get_story(db, first.story_id).id == blog.story_id  # follows merged_into
    assert get_story(db, blog.story_id).article_count == 2
