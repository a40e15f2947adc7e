"""A first import's sweep finds the complete sets as the scan of every set did.

Session 30: ``_Sweep._close`` looked at every open set's newest time on each call
(~1,000,000 reads on the 10k spread); it now looks only at the sets of the articles
the long window just passed (the first loaded ones: articles load in time order).
The sets found, and the order they are decided in (their roots' loading order, which
the former scan of ``newest`` followed), must be the same.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import chipwatch.clustering.settle_sweep as settle_sweep
from benchmarks.replay import first_import
from benchmarks.synth import write_feeds

COUNT = 600
SPAN = timedelta(days=60)


def test_the_sweep_closes_the_sets_the_scan_of_every_set_closed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    feeds = write_feeds(tmp_path / "feeds", COUNT, per_feed=100, span=SPAN)
    decided: list[list[int]] = []
    closed: list[int] = []  # sets found complete by each call
    real_close, real_decide = settle_sweep._Sweep._close, settle_sweep._Sweep._decide

    def decide(self: Any) -> None:
        decided.append(list(self.done))
        real_decide(self)

    def close(self: Any, scored_to: float) -> None:
        limit = scored_to - self.reach
        roots = [r for r, t in self.newest.items() if t < limit]  # the former scan
        expected = list(self.done) + [m for r in roots for m in self.members[r]]
        batches = len(decided)
        real_close(self, scored_to)
        assert (decided[-1] if len(decided) > batches else self.done) == expected
        closed.append(len(roots))

    monkeypatch.setattr(settle_sweep, "BATCH", 50)  # decided a batch at a time
    monkeypatch.setattr(settle_sweep._Sweep, "_close", close)
    monkeypatch.setattr(settle_sweep._Sweep, "_decide", decide)
    replay = first_import(tmp_path / "import", feeds, count=COUNT, span=SPAN)
    assert len(replay.story_of) == COUNT
    assert sum(1 for n in closed if n) > 10  # sets closed along the way, not at the end
    assert len(decided) > 3 and sum(map(len, decided)) == COUNT
