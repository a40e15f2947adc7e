"""Issue 18, "done when": replaying the demo in three arrival orders gives the same
stories every time, exactly the labelled ones, and one alert per (watch, event).

The demo's feeds are polled through the real pipeline (local feed files, the real
``Poller``, tagger, clusterer, settle pass, alerts and store: :mod:`tests.demo_replay`),
one article per round, so each order also exercises every later round reopening what
earlier rounds decided.
"""

from __future__ import annotations

from collections import Counter

import pytest

from benchmarks.quality_metrics import partition
from tests.demo_replay import ORDERS, compare, expected_alerts, replay_demo


@pytest.fixture(scope="module")
def replays():
    return {order: replay_demo(order) for order in ORDERS}


def test_arrival_order_does_not_change_the_demo_stories(replays) -> None:
    partitions = {order: partition(run.story_of) for order, (_, run) in replays.items()}
    assert len(set(partitions.values())) == 1, {o: len(p) for o, p in partitions.items()}


def test_no_watch_alerts_twice_on_one_story_in_any_order(replays) -> None:
    for order, (_, run) in replays.items():
        twice = [key for key, n in Counter(run.alerts).items() if n > 1]
        assert twice == [], order


@pytest.mark.xfail(
    strict=True,
    reason="open: the Spanish AI-diffusion report names neither the rule nor a shared "
    "figure; two October 2023 reports share too little; Huang's Beijing speech and the "
    "record close share every name with the H20 resumption (docs/clustering.md)",
)
@pytest.mark.parametrize("order", ORDERS)
def test_replaying_the_demo_gives_exactly_the_labelled_stories_and_one_alert_each(
    replays, order: str
) -> None:
    qs, run = replays[order]
    assert compare(qs, run, expected_alerts()).lines() == []
