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


# Events the demo does not yet replay exactly (docs/clustering.md, "Limits"): the
# policy brief of the October 2023 rules shares only BIS, China and the export licence
# with the wire report (0.36); the analysis of Lutnick's "fourth-best chip" argument
# reports no action and joins the H20 resumption on the names it shares with a
# French report of it.
OPEN = ("bis-ai-chip-rules-2023-10", "lutnick-h20-remarks-2025-07")


def _differences(replays, order: str) -> list[str]:
    qs, run = replays[order]
    return compare(qs, run, expected_alerts()).lines()


@pytest.mark.parametrize("order", ORDERS)
def test_every_other_demo_event_replays_to_exactly_its_story_and_one_alert(
    replays, order: str
) -> None:
    assert [line for line in _differences(replays, order) if not any(e in line for e in OPEN)] == []


@pytest.mark.xfail(
    strict=True,
    reason="open: the October 2023 rules' policy brief and the Lutnick analysis "
    "(OPEN; docs/clustering.md, Limits)",
)
@pytest.mark.parametrize("order", ORDERS)
def test_replaying_the_demo_gives_exactly_the_labelled_stories_and_one_alert_each(
    replays, order: str
) -> None:
    assert _differences(replays, order) == []
