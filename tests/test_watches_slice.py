"""At a round's end the watches read the articles a slice at a time (issue 20).

A first import settles its whole round in one pass, and the watches are checked for
every article it placed. The articles not kept since ingest (past
``MAX_UNSETTLED_KEPT``) were read from the store all at once, with their mentions
(~5 KB an article: ~500 MB for a first import of 100k with a watch). They are read
``WATCH_SLICE`` at a time, in the same published order: the same alerts.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import chipwatch.pipeline.services as services
import chipwatch.pipeline.settle_round as settle_round
from benchmarks.replay import Replay, first_import
from benchmarks.synth import write_feeds

COUNT = 600
SPAN = timedelta(days=20)
WATCHES = (
    '[[watch]]\nname = "TSMC"\nquery = "@TSMC"\n'
    '[[watch]]\nname = "export"\nquery = "export controls"\n'
)


@pytest.fixture(scope="module")
def feeds(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_feeds(tmp_path_factory.mktemp("watched"), COUNT, per_feed=100, span=SPAN)


def _replay(directory: Path, feeds: list[Path]) -> Replay:
    return first_import(directory, feeds, count=COUNT, span=SPAN, extra_config=WATCHES)


class _Recorder:
    """An alert engine that records what the watches are asked, in order."""

    watches = True

    def __init__(self) -> None:
        self.asked: list[tuple[int, str, int, int]] = []

    def on_article(
        self, article_id: int, article: Any, matches: Any, assignment: Any, *, now: Any
    ) -> list[Any]:
        self.asked.append((article_id, article.key, len(matches), assignment.story_id))
        return []


def test_a_first_imports_watches_read_its_articles_a_slice_at_a_time_in_the_same_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, feeds: list[Path]
) -> None:
    monkeypatch.setattr(services, "MAX_UNSETTLED_KEPT", 40)
    reads: list[int] = []
    real_read = settle_round.articles_by_ids

    def counting(db: Any, ids: Any) -> Any:
        reads.append(len(ids))
        return real_read(db, ids)

    monkeypatch.setattr(settle_round, "articles_by_ids", counting)
    real_check = settle_round._check_watches
    asked: dict[int, list[tuple[int, str, int, int]]] = {}

    def both_ways(svc: Any, placed: Any, *, now: Any) -> list[Any]:
        # The same placements checked a slice at a time and in one read, on a stand-in
        # engine (the real one writes alerts); then the real check.
        engine = svc.alerts
        for size in (50, COUNT):
            monkeypatch.setattr(settle_round, "WATCH_SLICE", size)
            svc.alerts = _Recorder()
            reads.clear()
            real_check(svc, placed, now=now)
            asked[size] = svc.alerts.asked
            if size == 50:
                assert sum(reads) == COUNT - 40 and max(reads) <= 50
            else:
                assert reads == [COUNT - 40]  # the whole round at once, as before
        svc.alerts = engine
        return real_check(svc, placed, now=now)

    monkeypatch.setattr(settle_round, "_check_watches", both_ways)
    run = _replay(tmp_path / "run", feeds)
    assert len(asked[50]) == COUNT
    assert asked[50] == asked[COUNT]
    assert run.alerts, "the watches raised nothing"
