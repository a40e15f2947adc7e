"""Issue 20: a first import's sweep keeps the story ids it took and touched in a
bitmap (:class:`~chipwatch.clustering.settle_plan.StoryIds`), not in sets of ints;
it must answer as the set would."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chipwatch.clustering.settle_plan import SettleResult, StoryIds


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(0, 3 * StoryIds.PAGE), max_size=80),
    st.lists(st.integers(-5, 1 << 40), max_size=20),
    st.sets(st.integers(0, 3 * StoryIds.PAGE), max_size=20),
)
def test_story_ids_answer_as_a_set(ids: list[int], far: list[int], other: set[int]) -> None:
    stored = [*ids, *(i for i in far if i >= 0)]
    bitmap, expected = StoryIds(), set()
    for story_id in stored:
        bitmap.add(story_id)
        expected.add(story_id)
    bitmap |= other
    expected |= other
    assert list(bitmap) == sorted(expected)
    assert len(bitmap) == len(expected)
    for probe in [*stored, *far, *other, -1, 0, 4095, 4096, "1"]:
        assert (probe in bitmap) == (probe in expected)
    assert (bitmap - other) == sorted(expected - other)


def test_story_ids_refuse_a_negative_id() -> None:
    with pytest.raises(ValueError, match="negative"):
        StoryIds().add(-3)


def test_settle_result_holds_the_pass_story_ids_flat() -> None:
    # ~100 bytes a story as sets of ints; a 100k first import touches ~65,000.
    result = SettleResult()
    result.touched.update(range(1, 70_001))
    result.created.extend(range(1, 70_001))
    assert len(result.touched) == 70_000 and list(result.touched)[-1] == 70_000
    assert sum(len(page) for page in result.touched.pages.values()) <= 70_000 // 8 + 512
    assert result.created.itemsize == 8 and len(result.created) == 70_000
