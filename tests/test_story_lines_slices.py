"""A round's story lines are built after the settle pass's commit, a slice at a time, and
the report keeps only the first new ones (issue 20: a first import of 100,000 articles
held ~65,000 story lines, ~500 bytes each, to the end of the poll)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from benchmarks.synth import START, write_feeds
from chipwatch.pipeline import poller, settle_round
from tests.test_pipeline import config_for, run

NOW = START + timedelta(days=31)


def _first_import(tmp_path: Path, name: str) -> tuple[Any, list[dict[str, Any]]]:
    feeds = sorted((tmp_path / "feeds").glob("*"))
    config = config_for(*(feed.as_uri() for feed in feeds))
    return run(tmp_path / f"{name}.db", config, NOW)


def test_story_lines_are_built_after_the_commit_in_slices_and_equal_one_slice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_feeds(tmp_path / "feeds", 240, seed=3, per_feed=80, span=timedelta(days=30))
    whole, whole_events = _first_import(tmp_path, "whole")  # every line in one slice
    slices: list[tuple[int, bool]] = []
    original = settle_round.story_lines

    def spy(services: Any, merges: Any, stories: Any, made: Any) -> list[dict[str, Any]]:
        slices.append((len(merges) + len(stories), services.conn.in_transaction))
        return original(services, merges, stories, made)

    monkeypatch.setattr(poller, "story_lines", spy)
    monkeypatch.setattr(settle_round, "STORY_SLICE", 7)
    monkeypatch.setattr(settle_round, "LISTED", 3)
    report, events = _first_import(tmp_path, "sliced")
    assert len(slices) > 3 and all(size <= 7 for size, _ in slices)
    assert not any(in_transaction for _, in_transaction in slices)  # after the commit
    lines = [e for e in events if e["type"] == "story"]
    assert lines == [e for e in whole_events if e["type"] == "story"]
    assert sum(size for size, _ in slices) == len(lines) > 20
    # The report: the first three new stories' lines, and a count of the others.
    new = [e for e in lines if e["new"]]
    assert report.settled.listed == new[:3] and report.settled.unlisted == len(new) - 3
    assert whole.settled.listed == new[:20] and whole.settled.unlisted == len(new) - 20
