"""Stories do not move: the labelled set's partitions equal the committed ones.

The expected partitions (``tests/data/cluster/labelled_partitions.json``) were made by
``python -m benchmarks.partitions --write`` with the clusterer of issue 18; they are
regenerated only when the clusterer is deliberately changed (docs/performance.md).
Anything else (the poller's backpressure, batching, caches) must leave them equal.
"""

from __future__ import annotations

import json

import pytest

from benchmarks.partitions import EXPECTED, ORDERS, partitions


@pytest.fixture(scope="module")
def found() -> dict[str, list[list[str]]]:
    return partitions()


@pytest.mark.parametrize("order", [f"{o}/{c}" for o, c in ORDERS])
def test_labelled_set_partition_is_unchanged(found: dict[str, list[list[str]]], order: str) -> None:
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    assert found[order] == expected[order]
