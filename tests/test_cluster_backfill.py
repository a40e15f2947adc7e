"""Articles older than the live index: one backfill load per time bucket, kept current."""

from __future__ import annotations

import dataclasses
import math
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from chipwatch.clustering.clusterer import Clusterer
from chipwatch.config import ClusterConfig
from tests.test_cluster import ingest, make_article

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.synth import generate_articles  # noqa: E402

START = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)

# A fictional event told by two outlets, and an unrelated one the same morning.
FINE_WIRE = make_article(
    "wireone",
    "Commerce fines Veltrona $41 million over Kestrel-9 shipments to Iran",
    "The Commerce Department fined the memory maker Veltrona 41 million dollars after its "
    "Kestrel-9 modules reached Iran through a reseller in Dubai.",
    START + timedelta(days=5),
    lang="en",
)
FINE_BLOG = make_article(
    "chipledger",
    "Veltrona to pay $41m penalty for Kestrel-9 exports routed via Dubai",
    "Veltrona settled with Commerce for 41 million dollars; Kestrel-9 parts had been sent "
    "to Iran by a Dubai reseller, investigators said.",
    START + timedelta(days=5, hours=2),
    lang="en",
)
UNRELATED = make_article(
    "fabnotes",
    "Orvane opens a 200mm power-chip line in Dresden",
    "Orvane started volume production of silicon-carbide power devices at its new Dresden "
    "line, with 300 staff.",
    START + timedelta(days=5, hours=4),
    lang="en",
)
RECENT = make_article(
    "fabnotes",
    "Lumetra ships its first 3nm test wafers to a Taiwanese customer",
    "Lumetra said test wafers from its 3nm pilot line left the fab this week.",
    START + timedelta(days=40),
    lang="en",
)


@pytest.fixture
def clusterer(db):
    return Clusterer(db, ClusterConfig(), languages=("en",))


def test_old_articles_load_each_time_bucket_once(db, clusterer):
    ingest(db, clusterer, RECENT)  # the live index now covers only the last days
    old = list(generate_articles(200, seed=3, start=START, span=timedelta(days=20)))
    for number, item in enumerate(reversed(old)):  # a feed lists newest first
        article = make_article(
            f"outlet{item.outlet}",
            item.title,
            item.summary,
            item.published,
            lang=item.lang,
            url=f"{item.url}?n={number}",
        )
        ingest(db, clusterer, article)
    width = clusterer.backfill.bucket_seconds
    buckets = {math.floor(item.published.timestamp() / width) for item in old}
    assert clusterer.backfill.loads == len(buckets)
    assert clusterer.backfill.loads < len(old) / 10


def test_a_cached_bucket_sees_articles_assigned_after_it_was_loaded(db, clusterer):
    ingest(db, clusterer, RECENT)
    _, first = ingest(db, clusterer, FINE_WIRE)  # loads the bucket (empty of this event)
    _, second = ingest(db, clusterer, FINE_BLOG)  # same bucket, from the cache
    _, other = ingest(db, clusterer, UNRELATED)
    assert clusterer.backfill.loads == 1
    assert first.new_story and not second.new_story
    assert second.story_id == first.story_id
    assert other.new_story and other.story_id != first.story_id


def test_reload_forgets_the_buckets(db, clusterer):
    ingest(db, clusterer, RECENT)
    ingest(db, clusterer, FINE_WIRE)
    clusterer.reload()  # after a rollback the buckets may hold undone articles
    _, second = ingest(db, clusterer, FINE_BLOG)
    assert clusterer.backfill.loads == 2
    assert not second.new_story  # the reloaded bucket has the stored first report


def test_retellings_either_side_of_a_bucket_boundary_join(db, clusterer):
    ingest(db, clusterer, RECENT)
    width = clusterer.backfill.bucket_seconds
    edge = datetime.fromtimestamp((math.floor(START.timestamp() / width) + 3) * width, UTC)
    # The later bucket is loaded (and cached) before the first report exists.
    ingest(db, clusterer, dataclasses.replace(UNRELATED, published=edge + timedelta(hours=3)))
    _, first = ingest(
        db, clusterer, dataclasses.replace(FINE_WIRE, published=edge - timedelta(hours=1))
    )
    _, second = ingest(
        db, clusterer, dataclasses.replace(FINE_BLOG, published=edge + timedelta(hours=1))
    )
    assert clusterer.backfill.loads == 2
    assert second.story_id == first.story_id and not second.new_story
