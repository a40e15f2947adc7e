"""A first import keeps what it holds out of the collector's full collections, and hands
it back (branch scorecost, issues 18 and 20).

A first import keeps every doc of the round for its settle pass, and the sweep keeps
every scored pair of a burst until its sets are decided: each full collection of the
cyclic collector walked all of them again (a 10,000-article burst: 13 full collections,
1.4 s). The clusterer now freezes what is alive at the end of each first-import feed
(``Clusterer.end_batch``) and the sweep what its scoring keeps, every ``HOLD_EVERY``
articles; both hand it back (``gc.unfreeze``) when the pass starts and ends. A freeze
somebody else made (the monitor makes one) is never undone. Only the poller's clusterer
holds (``Clusterer.hold_import``): it always runs the pass after its feeds.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

import chipwatch.clustering.settle_sweep as settle_sweep
from benchmarks.replay import first_import
from benchmarks.synth import write_feeds
from chipwatch.clustering.clusterer import Clusterer
from chipwatch.config import ClusterConfig
from chipwatch.store.db import open_db, write_transaction
from tests.test_feature_df_seed import _article, _insert, _place_all

COUNT = 300
SPAN = timedelta(days=2)


@pytest.fixture(scope="module")
def feeds(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_feeds(tmp_path_factory.mktemp("burst"), COUNT, per_feed=100, span=SPAN)


@pytest.fixture
def frozen_at_feed_ends(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The collector's frozen object count after each feed's ``end_batch``."""
    seen: list[int] = []
    real = Clusterer.end_batch

    def recording(self: Clusterer) -> None:
        real(self)
        seen.append(gc.get_freeze_count())

    monkeypatch.setattr(Clusterer, "end_batch", recording)
    yield seen


def test_a_first_import_freezes_what_it_keeps_and_hands_it_back_when_settled(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    feeds: list[Path],
    frozen_at_feed_ends: list[int],
) -> None:
    monkeypatch.setattr(settle_sweep, "HOLD_EVERY", 10)
    during_sweep: list[int] = []
    real_collect = settle_sweep._Sweep._collect

    def collect(self: settle_sweep._Sweep, doc: settle_sweep.Doc) -> None:
        real_collect(self, doc)
        during_sweep.append(gc.get_freeze_count())

    monkeypatch.setattr(settle_sweep._Sweep, "_collect", collect)
    assert gc.get_freeze_count() == 0
    run = first_import(tmp_path / "run", feeds, count=COUNT, span=SPAN)
    assert len(run.story_of) == COUNT
    assert len(frozen_at_feed_ends) == COUNT // 100
    assert all(n > 0 for n in frozen_at_feed_ends), "a first-import feed left nothing frozen"
    assert during_sweep[-1] > during_sweep[0], "the sweep's scored pairs were never frozen"
    assert gc.get_freeze_count() == 0, "the import left objects out of the collector"


def test_a_freeze_made_by_someone_else_is_neither_added_to_nor_undone(
    tmp_path: Path, feeds: list[Path], frozen_at_feed_ends: list[int]
) -> None:
    gc.freeze()  # as the monitor does at its start
    theirs = gc.get_freeze_count()
    try:
        run = first_import(tmp_path / "run", feeds, count=COUNT, span=SPAN)
        assert len(run.story_of) == COUNT
        # Frozen objects are still freed when dropped: the count only goes down.
        assert len(frozen_at_feed_ends) == COUNT // 100
        assert max(frozen_at_feed_ends) <= theirs, "the import froze objects of its own"
        assert 0 < gc.get_freeze_count() <= theirs, "the import undid the other freeze"
    finally:
        gc.unfreeze()


def test_a_store_already_settled_freezes_nothing(
    tmp_path: Path, feeds: list[Path], frozen_at_feed_ends: list[int]
) -> None:
    """Only a first import holds: a later round's feeds are written as before."""
    first_import(tmp_path / "run", feeds[:1], count=COUNT, span=SPAN)
    frozen_at_feed_ends.clear()
    first_import(tmp_path / "run", feeds, count=COUNT, span=SPAN)
    assert frozen_at_feed_ends and set(frozen_at_feed_ends) == {0}


def test_a_clusterer_that_places_a_first_import_and_never_settles_leaves_nothing_frozen(
    tmp_path: Path,
) -> None:
    """A caller other than the poller (a test, a benchmark) may place a first import and
    drop the clusterer without a pass: the first version froze at each feed's end and
    left the whole process frozen for good (the rest of the test run's objects never
    walked by a full collection again)."""
    assert gc.get_freeze_count() == 0
    db = open_db(tmp_path / "store.db")
    with write_transaction(db):
        clusterer = Clusterer(db, ClusterConfig())
        _place_all(clusterer, _insert(db, [_article(i) for i in range(8)]))
    assert clusterer.first_import, "not a first import: the case is not exercised"
    assert gc.get_freeze_count() == 0
    db.close()
