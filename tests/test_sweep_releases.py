"""A first import's sweep lets go of the clusterer's ``unkept`` ids and of the kept docs
past the round's first long window (issue 20).

Before the sweep, the clusterer holds the ids of every deferred article whose doc it
did not keep (past ``max_pending``: ~70 bytes an article, nearly the whole of a large
first import), and up to ``max_pending`` kept docs (~6 KB each). Only an edit reads the
ids, and nothing is edited during the pass; the kept docs published past the first long
window are read again from the store when the sweep reaches them, as the others are.
The sweep lets go of both when it starts, before its peak. The partitions are compared
between replays in ONE directory: a replay's feed paths are part of the articles' keys,
which order equal times and break equal scores (docs/performance.md, session 25).
"""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import chipwatch.clustering.settle_sweep as settle_sweep
from benchmarks.replay import Replay, first_import
from benchmarks.synth import write_feeds
from chipwatch.clustering.clusterer import Clusterer

COUNT = 600
SPAN = timedelta(days=60)  # the first long window (7 days) holds about an eighth


@pytest.fixture(scope="module")
def feeds(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_feeds(tmp_path_factory.mktemp("spread"), COUNT, per_feed=100, span=SPAN)


def _replay(directory: Path, feeds: list[Path]) -> Replay:
    return first_import(directory, feeds, count=COUNT, span=SPAN)


def test_the_sweep_does_not_hold_the_ids_of_the_docs_not_kept_through_its_peak(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, feeds: list[Path]
) -> None:
    monkeypatch.setattr(Clusterer, "max_pending", 50)
    seen: dict[str, Any] = {}
    real_run = settle_sweep._Sweep.run

    def run(self: Any, order: Any, early: Any) -> Any:
        clusterer = self.clusterer
        seen["unkept"] = len(clusterer.unkept)
        return real_run(self, order, early)

    monkeypatch.setattr(settle_sweep._Sweep, "run", run)
    released = _replay(tmp_path / "released", feeds)
    assert seen["unkept"] == 0

    assert len(released.story_of) == COUNT, "an article was left without a story"
    # Without letting go, the sweep holds the id of every doc not kept (all but the 50
    # and those within the first week).
    monkeypatch.setattr(settle_sweep, "_release", lambda clusterer, until: None)
    _replay(tmp_path / "kept", feeds)
    assert seen["unkept"] > COUNT // 2


def test_the_sweep_lets_go_of_the_kept_docs_past_the_first_window_with_the_same_stories(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, feeds: list[Path]
) -> None:
    monkeypatch.setattr(Clusterer, "max_pending", 50)
    seen: list[tuple[int, float]] = []  # kept docs at the sweep's start, the newest's time
    real_run = settle_sweep._Sweep.run

    def run(self: Any, order: Any, early: Any) -> Any:
        pending = self.clusterer.pending
        seen.append((len(pending), max(d.published for d in pending.values())))
        return real_run(self, order, early)

    monkeypatch.setattr(settle_sweep._Sweep, "run", run)
    directory = tmp_path / "replay"  # one directory: the same keys each time

    def replay() -> Replay:
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir()
        return _replay(directory, feeds)

    released = replay()
    real_release = settle_sweep._release

    def keep_docs(clusterer: Clusterer, until: float | None) -> None:
        real_release(clusterer, None)  # the ids only, as before

    monkeypatch.setattr(settle_sweep, "_release", keep_docs)
    kept = replay()
    (count_released, newest_released), (count_kept, newest_kept) = seen
    # Kept: the first 50 (max_pending) and those within the first week; released: the
    # latter only, so fewer, and none from later in the round.
    assert count_released < count_kept and newest_released < newest_kept
    assert released.partition() == kept.partition()
