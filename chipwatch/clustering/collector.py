"""The cyclic garbage collector while a first import's sweep runs (issues 18 and 20).

The sweep (:mod:`.settle_sweep`) makes no cyclic garbage: its pairs, links and scores
are dropped by reference counting when their set is decided (measured on a 10k burst:
not one object found by any collection during the sweep). Yet the collector's full
collections walk every object it holds each time 70,000 objects have been promoted:
a 10k burst paid eight of them, 1.6 s of CPU for nothing. So, while the sweep runs:

- the objects alive at its start (the round's docs and postings) are frozen out of
  the collector's generations (``gc.freeze``; not when something else froze objects
  already, as the monitor does: unfreezing would undo its freeze too);
- a full collection waits for ``FULL_EVERY`` middle-generation collections instead of
  Python's 10 (younger collections run as usual, so cyclic garbage, should any appear,
  is still found young; and a full collection still comes, only a hundred times rarer).

Both are undone when the sweep ends, whatever happens in it.

A first import's feeds, before the pass, make next to no cyclic garbage either (a 10k
burst: 25 objects found in all), while the full collections of the poller's threads
walked the round's growing docs: the poller keeps full collections rare from its start
to the end of a first import's settle pass (:class:`chipwatch.pipeline.poller.Poller`),
without freezing anything.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# Middle-generation collections between two full ones during the sweep (Python: 10).
FULL_EVERY = 1000


@contextmanager
def quiet_collector(*, freeze: bool = True) -> Iterator[None]:
    """Make full collections rare until the block ends; ``freeze``: and freeze what is
    alive now (unless something else froze objects already)."""
    thresholds = gc.get_threshold()
    freeze = freeze and gc.get_freeze_count() == 0
    if freeze:
        gc.freeze()
    young, middle, full = thresholds
    gc.set_threshold(young, middle, max(full, FULL_EVERY))
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        if freeze:
            gc.unfreeze()
