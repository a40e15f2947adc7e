"""Worker results cross the process boundary as constructor calls, unchanged."""

from __future__ import annotations

import copyreg
import pickle
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.reduction import ForkingPickler
from pathlib import Path

import pytest

from chipwatch.clustering.actions import ActionMention
from chipwatch.clustering.features import DocFeatures
from chipwatch.ingest.types import ParsedFeed
from chipwatch.model import Article, EntityMatch
from chipwatch.pipeline.prepare import Prepared
from chipwatch.pipeline.workers import ParserPool, _parse_job, pickle_by_fields
from tests.test_prepare import FEED

NOW = datetime(2025, 7, 16, 12, 0, tzinfo=UTC)


def test_a_prepared_feed_round_trips_equal_through_its_constructors() -> None:
    parsed = _parse_job(FEED, {}, "https://example.org/feed", NOW, "Fab", ())
    assert parsed.prepared and all(p.matches is not None for p in parsed.prepared)
    for cls in (ParsedFeed, Article, Prepared, DocFeatures, ActionMention):
        assert cls in copyreg.dispatch_table  # the job registered them
    again = pickle.loads(ForkingPickler.dumps(parsed))
    assert again == parsed
    # The actions came along, and primary ones are still the same objects as in actions.
    features = [
        (p.features, q.features) for p, q in zip(parsed.prepared, again.prepared, strict=True)
    ]
    assert any(mine.actions for mine, _ in features)
    for mine, theirs in features:
        assert theirs.actions == mine.actions and theirs.primary == mine.primary
        assert all(any(m is a for a in theirs.actions) for m in theirs.primary)
    assert type(again.articles[0]) is Article and type(again.prepared[0].features) is DocFeatures
    assert again.prepared[0].features.words == parsed.prepared[0].features.words
    # Entity mentions cross as plain tuples and are EntityMatch values again.
    matches = [
        (m, n)
        for p, q in zip(parsed.prepared, again.prepared, strict=True)
        for m, n in zip(p.matches, q.matches, strict=True)
    ]
    assert matches and all(
        type(n) is EntityMatch and n == m and n.entity == m.entity for m, n in matches
    )


@dataclass(frozen=True)
class _Checked:
    value: int
    doubled: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "doubled", self.value * 2)


@dataclass(frozen=True)
class _Hidden:
    value: int
    cache: dict = field(default_factory=dict, init=False)


def test_classes_whose_constructor_does_more_keep_default_pickling() -> None:
    pickle_by_fields(_Checked, _Hidden)
    assert _Checked not in copyreg.dispatch_table and _Hidden not in copyreg.dispatch_table
    assert pickle.loads(pickle.dumps(_Checked(2))) == _Checked(2)


async def test_process_workers_return_what_a_thread_returns() -> None:
    with ParserPool(1, entities=()) as pool:
        in_thread = await pool.parse(FEED, {}, "https://example.org/feed", NOW, "Fab")
    pool = ParserPool(2, entities=())
    pool.start()
    try:
        in_process = await pool.parse(FEED, {}, "https://example.org/feed", NOW, "Fab")
    finally:
        pool.close()
    assert in_process.error is None and in_process == in_thread
    assert len(in_process.prepared) == len(in_process.articles) == 3


def tables_built() -> bool:
    """In this process: the tagger's tables and the action grammar's matcher exist."""
    from chipwatch.clustering.actions import _matcher
    from chipwatch.entities.tagger import _build_cached

    return "_empty" in _build_cached(()).__dict__ and _matcher.cache_info().currsize == 1


_SHARED = """
import sys
from chipwatch.pipeline.workers import ParserPool
from tests.test_pipeline_workers import tables_built
pool = ParserPool(2, entities=())
pool.start(first_import=sys.argv[1] == "new")
print(tables_built(), pool._executor.submit(tables_built).result(timeout=120))
pool.close()
"""


@pytest.mark.parametrize(("store", "expected"), [("new", "False True"), ("old", "False False")])
def test_a_first_imports_workers_share_one_tagger_built_before_the_fork(
    store: str, expected: str
) -> None:
    # A new store's workers are forked after the tagger and the action automata are
    # built (once, not once per worker); the poller drops its copy after the fork. A
    # poll of an existing store builds nothing before the fork. (In a fresh
    # interpreter: the fork path needs a process with one thread.)
    done = subprocess.run(
        [sys.executable, "-c", _SHARED, store],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parent.parent,
        timeout=300,
        check=True,
    )
    assert done.stdout.strip() == expected
