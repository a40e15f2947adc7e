"""A settle pass's placements (article -> final story) in flat arrays (issue 20).

A first import's sweep places every article of the round and holds what it placed to
its end (the watches read it): a dict was ~100 bytes an article with its int objects.
"""

from __future__ import annotations

from chipwatch.clustering.settle_plan import Placed, SettleResult


def test_placements_take_16_bytes_an_article_and_read_as_a_dict_with_the_later_story() -> None:
    placed = SettleResult().placed
    for article_id in range(1, 100_001):
        placed[article_id] = 1_000_000 + article_id // 3
    later = Placed()
    later[7] = 42
    placed.update(later)
    assert len(placed) == 100_001
    held = sum(a.buffer_info()[1] * a.itemsize for a in (placed.articles, placed.stories))
    assert held == 16 * len(placed)
    stories = placed.as_dict()
    assert len(stories) == 100_000
    assert stories[7] == 42 and stories[8] == 1_000_002
    assert list(placed.items())[:2] == [(1, 1_000_000), (2, 1_000_000)]
