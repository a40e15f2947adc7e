"""Replaying the demo through the real pipeline, for the test "replaying the demo in three
orders gives exactly the labelled stories and one alert per event".

Each demo article names its event (``event = "…"`` in ``chipwatch/demo/data/*.toml``).
:func:`replay_demo` renders the demo's feeds as the demo server does, writes them to local
files as the articles arrive in the chosen order and polls them with the real ``Poller``
(fetch, parse, tag, cluster, alerts, store: nothing bypassed), under the demo's own
watches, into a fresh store. :func:`demo_differences` lists how the stories and watch
alerts differ from the labels: nothing, when the demo is right. A test can read::

    from tests.demo_replay import ORDERS, demo_differences

    @pytest.mark.parametrize("order", ORDERS)
    def test_replaying_the_demo_gives_the_labelled_stories_and_one_alert_each(order):
        assert demo_differences(order) == []

Orders: ``published``, ``reverse``, ``shuffled`` (fixed seed), and also ``release`` (the
demo's own schedule: the archive, then the morning's news one by one) and ``poll`` (every
feed in one concurrent round). ``python -m tests.demo_replay [ORDER ...]`` prints the
differences of each order.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.demo_set import (  # noqa: E402
    DEMO_ORDERS,
    DemoComparison,
    compare,
    expected_alerts,
    replay_demo,
)

ORDERS = ("published", "reverse", "shuffled")

__all__ = [
    "DEMO_ORDERS",
    "ORDERS",
    "DemoComparison",
    "compare_demo",
    "demo_differences",
    "expected_alerts",
    "replay_demo",
]


def compare_demo(order: str, *, chunk: int = 1) -> DemoComparison:
    """Replay the demo in ``order`` (``chunk`` articles per poll round) and compare."""
    qs, run = replay_demo(order, chunk=chunk)
    return compare(qs, run, expected_alerts())


def demo_differences(order: str, *, chunk: int = 1) -> list[str]:
    """How a replay in ``order`` differs from the labels, one line each ([] when exact)."""
    return compare_demo(order, chunk=chunk).lines()


def main(argv: list[str]) -> int:
    orders = argv or list(ORDERS)
    failed = 0
    for order in orders:
        result = compare_demo(order)
        verdict = "exact" if result.exact else "differs"
        print(f"{order}: {verdict}: {result.stories} stories for {result.events} events")
        for line in result.lines():
            print(f"  {line}")
        failed += not result.exact
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
