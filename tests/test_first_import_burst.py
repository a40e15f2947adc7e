"""A first import of a burst (every article recent) is clustered once (branch burst).

A first import's settle pass is the sweep, which decides every article of the round
from scratch; placing the recent articles provisionally first was work thrown away.
``Clusterer.place`` now leaves every article of a first import to the pass (their
``poll --json`` lines say ``"story": null``; the pass's story lines follow), and the
docs the sweep will hold at once anyway (within the long window of the round's oldest
article) stay in memory past ``max_pending`` instead of being built again from the
store. The reference is main's path: recent articles placed provisionally
(``Clusterer.first_import`` forced False), then the same sweep.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import chipwatch.clustering.settle_sweep as settle_sweep
from benchmarks.replay import Replay, first_import
from benchmarks.synth import write_feeds
from chipwatch.clustering.candidates import Doc
from chipwatch.clustering.clusterer import Clusterer
from chipwatch.clustering.first_window import FirstWindow

COUNT = 600
SPAN = timedelta(days=2)
WATCH = '[[watch]]\nname = "TSMC"\nquery = "@TSMC"\n'


@pytest.fixture(scope="module")
def feeds(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_feeds(tmp_path_factory.mktemp("burst"), COUNT, per_feed=100, span=SPAN)


def _replay(directory: Path, feeds: list[Path]) -> Replay:
    return first_import(directory, feeds, count=COUNT, span=SPAN, extra_config=WATCH)


def test_a_first_import_of_a_burst_is_placed_once_and_read_from_the_store_never(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, feeds: list[Path]
) -> None:
    """Every article line of the round names no story, every article gets one at the
    round's end, and the sweep builds no doc from the store again, although the
    clusterer keeps only 50 docs by count: the rest lie within the first window."""
    monkeypatch.setattr(Clusterer, "max_pending", 50)
    read_back: list[int] = []
    real = settle_sweep.docs_by_ids

    def counting(db: Any, ids: Any) -> list[Doc]:
        read_back.extend(ids)
        return real(db, ids)

    monkeypatch.setattr(settle_sweep, "docs_by_ids", counting)
    run = _replay(tmp_path / "run", feeds)
    lines = [e for e in run.events if e.get("type") == "article"]
    assert len(lines) == COUNT and all(e["story"] is None for e in lines)
    assert len(run.story_of) == COUNT, "an article was left without a story"
    assert any(e.get("type") == "story" and e["new"] for e in run.events)
    assert read_back == []


def test_a_first_import_of_a_burst_placed_once_gives_the_stories_of_provisional_placement(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, feeds: list[Path]
) -> None:
    monkeypatch.setattr(Clusterer, "is_first_import", lambda self: False)
    reference = _replay(tmp_path / "run", feeds)
    (tmp_path / "run").rename(tmp_path / "reference")
    monkeypatch.undo()
    once = _replay(tmp_path / "run", feeds)
    assert len(once.story_of) == len(reference.story_of) == COUNT
    assert once.partition() == reference.partition()
    assert sorted(w for w, _ in once.alerts) == sorted(w for w, _ in reference.alerts)
    assert all(e["story"] is not None for e in reference.events if e.get("type") == "article")


def _doc(article_id: int, published: float) -> Doc:
    return Doc(article_id, 0, 1, "en", published, "", "", "", "", {}, frozenset(), frozenset())


def test_the_first_window_drops_what_an_older_article_puts_out_of_reach() -> None:
    window = FirstWindow(reach=10.0)
    pending: dict[int, Doc] = {}
    unkept: set[int] = set()
    for article_id, published in ((1, 100.0), (2, 105.0), (3, 111.0), (4, 109.0)):
        doc = _doc(article_id, published)
        window.note(published, pending, unkept)
        if window.admits(doc):
            pending[article_id] = doc
        else:
            unkept.add(article_id)
    assert sorted(pending) == [1, 2, 4] and unkept == {3}
    window.note(96.0, pending, unkept)  # an older article: 109 is out of reach now
    assert sorted(pending) == [1, 2] and unkept == {3, 4}
    assert not window.admits(_doc(5, 106.5))
