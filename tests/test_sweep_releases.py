"""A first import's sweep lets go of the clusterer's ``unkept`` ids (issue 20).

Before the sweep, the clusterer holds the ids of every deferred article whose doc it
did not keep (past ``max_pending``: ~70 bytes an article, nearly the whole of a large
first import). Only an edit reads them, and nothing is edited during the pass; the
sweep now lets go of them when it starts, before its peak. (That the stories are the
same is shown by the partition tests and realnews; the two replays here run in two
directories, so their feeds' paths and the articles' keys differ, which orders equal
times and breaks equal scores differently: their partitions are not compared. See
docs/performance.md, session 25.)
"""

from __future__ import annotations

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
    monkeypatch.setattr(settle_sweep, "_release", lambda clusterer: None)
    _replay(tmp_path / "kept", feeds)
    assert seen["unkept"] > COUNT // 2
