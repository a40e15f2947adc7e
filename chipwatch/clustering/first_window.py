"""Which docs of a first import wait for the sweep in memory past ``max_pending``.

The sweep (:mod:`.settle_sweep`) holds at once every doc published within the long
window of the round's oldest article before it decides anything, and reads from the
store (building each doc again: its features are computed again) any doc the clusterer
did not keep. So a doc within that window may be kept past the clusterer's
``max_pending`` at no cost to the peak: the sweep would hold it anyway. The round's
oldest article is known only at its end, so the window follows the oldest seen so far
and the kept docs it leaves are dropped (newest first); all of them lie within one long
window of time, which the sweep holds at once at some point too.
"""

from __future__ import annotations

import heapq

from chipwatch.clustering.candidates import Doc


class FirstWindow:
    """The docs past ``max_pending`` kept because they lie within ``reach`` seconds of
    the oldest article of the round seen so far."""

    def __init__(self, reach: float) -> None:
        self.reach = reach
        self.oldest = float("inf")
        self._kept: list[tuple[float, int]] = []  # (-published, article id)

    def note(self, published: float, pending: dict[int, Doc], unkept: set[int]) -> None:
        """An article of the round was published then: when it is the oldest yet, the
        kept docs now out of the window leave ``pending`` for ``unkept``."""
        if published >= self.oldest:
            return
        self.oldest = published
        limit = published + self.reach
        kept = self._kept
        while kept and -kept[0][0] > limit:
            _, article_id = heapq.heappop(kept)
            if pending.pop(article_id, None) is not None:
                unkept.add(article_id)

    def admits(self, doc: Doc) -> bool:
        """Keep ``doc`` (call :meth:`note` with it first): it lies within the window."""
        if doc.published > self.oldest + self.reach:
            return False
        heapq.heappush(self._kept, (-doc.published, doc.article_id))
        return True
