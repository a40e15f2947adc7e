"""A first import's sweep keeps the cyclic collector quiet, and gives it back as it was.

The sweep makes no cyclic garbage, yet Python's full collections walked every pair,
link and score it held each time 70,000 objects were promoted (a 10k burst: eight of
them, 1.6 s of CPU). During the sweep the objects alive at its start are frozen and a
full collection waits for ``collector.FULL_EVERY`` middle-generation collections; both
are undone at its end, and a freeze made by someone else (the monitor's) is left alone.
The poller keeps full collections rare the same way (without freezing) from its start
to the end of a first import's settle pass, and only then.
"""

from __future__ import annotations

import gc
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import chipwatch.clustering.settle_sweep as settle_sweep
from benchmarks.replay import file_rounds, first_import, replay
from benchmarks.synth import generate_articles, write_feeds
from chipwatch.clustering.collector import FULL_EVERY, quiet_collector

COUNT = 300
SPAN = timedelta(days=2)


def _observed(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    real_run = settle_sweep._Sweep.run

    def run(self: Any, order: Any, early: Any) -> Any:
        seen["threshold"] = gc.get_threshold()
        seen["frozen"] = gc.get_freeze_count()
        return real_run(self, order, early)

    monkeypatch.setattr(settle_sweep._Sweep, "run", run)
    return seen


def test_full_collections_during_the_sweep_are_rare_and_the_collector_is_restored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    feeds = write_feeds(tmp_path / "feeds", COUNT, per_feed=100, span=SPAN)
    seen = _observed(monkeypatch)
    before = gc.get_threshold()
    gc.set_threshold(before[0], before[1], 10)
    try:
        replay = first_import(tmp_path / "run", feeds, count=COUNT, span=SPAN)
        assert gc.get_threshold() == (before[0], before[1], 10)
    finally:
        gc.set_threshold(*before)
    assert len(replay.story_of) == COUNT, "an article was left without a story"
    assert seen["threshold"][2] == FULL_EVERY
    assert seen["frozen"] > 0, "the round's docs were not frozen"
    assert gc.get_freeze_count() == 0, "the sweep's freeze outlived it"


def test_the_monitors_freeze_survives_the_sweep() -> None:
    gc.freeze()  # as the monitor does once its screen is up
    try:
        frozen = gc.get_freeze_count()
        with quiet_collector():
            assert gc.get_threshold()[2] >= FULL_EVERY
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()


def test_the_collector_is_restored_when_the_sweep_fails() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), quiet_collector():
        raise RuntimeError("the sweep failed")
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_a_first_imports_feeds_are_written_with_full_collections_rare_and_later_rounds_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chipwatch.pipeline.poller import Poller

    feeds = write_feeds(tmp_path / "feeds", 200, per_feed=100, span=SPAN)
    during: list[int] = []
    real_ingest = Poller._ingest

    def ingest(self: Any, poll: Any, now: Any) -> Any:
        during.append(gc.get_threshold()[2])
        return real_ingest(self, poll, now)

    monkeypatch.setattr(Poller, "_ingest", ingest)
    before = gc.get_threshold()
    newest = max(a.published for a in generate_articles(200, span=SPAN))
    files = [(path.name, path, newest) for path in feeds]
    # one Poller, two rounds: the first imports the first feed, the second the other
    result = replay(
        file_rounds(files, chunk=1),
        feeds=[path.name for path in feeds],
        now=newest + timedelta(hours=1),
        directory=tmp_path / "r",
    )
    assert gc.get_threshold() == before
    assert during == [FULL_EVERY, before[2]], "only the first import's round runs quiet"
    assert len(result.story_of) == 200
