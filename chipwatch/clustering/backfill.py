"""Candidate indexes for articles older than the live index covers.

A first import (or an OPML import, or a slow feed) brings articles published weeks
before the newest one seen. Each needs the articles within one cluster window of it,
which the live index (a sliding window over the newest) no longer holds. They are
loaded from the store once per *time bucket* (half a window wide): the bucket's index
covers every article within a window of any moment in the bucket, so a feed's old
articles, which come in runs of nearby dates, share one load. Articles assigned later
are added to every cached bucket that covers them, so a bucket stays as current as a
fresh load would be. Buckets are kept up to a total number of indexed articles (every
feed of an import walks the same weeks again), least recently used dropped first.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from chipwatch.clustering.candidates import CandidateIndex, Doc
from chipwatch.clustering.docfreq import DocumentFrequencies

# Indexed articles kept over all cached buckets (an article sits in about five of them):
# some 100 MB at most, and a month of a few hundred articles a day.
MAX_CACHED_DOCS = 60_000

Loader = Callable[[datetime, datetime], Iterable[Doc]]


class BackfillIndexes:
    """Per-bucket indexes of stored articles, loaded on demand through ``loader``.

    ``loader(start, end)`` returns the docs of the clustered articles published in
    ``[start, end]``. ``loads`` counts the loads (one per bucket first used).
    """

    def __init__(
        self, window_seconds: float, loader: Loader, df: DocumentFrequencies | None = None
    ) -> None:
        self.window = window_seconds
        self.df = df
        self.bucket_seconds = max(window_seconds / 2, 1.0)
        self.loader = loader
        self.loads = 0
        self._buckets: OrderedDict[int, CandidateIndex] = OrderedDict()

    def clear(self) -> None:
        """Forget every bucket (the store changed under them, e.g. a rollback)."""
        self._buckets.clear()

    def _bounds(self, bucket: int) -> tuple[float, float]:
        start = bucket * self.bucket_seconds - self.window
        return start, (bucket + 1) * self.bucket_seconds + self.window

    def index_for(self, published: float) -> CandidateIndex:
        """The index holding every stored article within a window of ``published``."""
        bucket = math.floor(published / self.bucket_seconds)
        index = self._buckets.get(bucket)
        if index is not None:
            self._buckets.move_to_end(bucket)
            return index
        start, end = self._bounds(bucket)
        index = CandidateIndex(horizon_seconds=float("inf"), df=self.df)
        for doc in self.loader(_utc(start), _utc(end)):
            index.add(doc)
        self.loads += 1
        self._buckets[bucket] = index
        self._trim()
        return index

    def _trim(self) -> None:
        total = sum(len(index) for index in self._buckets.values())
        while len(self._buckets) > 1 and total > MAX_CACHED_DOCS:
            _, dropped = self._buckets.popitem(last=False)
            total -= len(dropped)

    def add(self, doc: Doc) -> None:
        """A newly assigned article joins every cached bucket whose range covers it."""
        for bucket, index in self._buckets.items():
            start, end = self._bounds(bucket)
            if start <= doc.published <= end:
                # A copy: the cached weight totals (norms) belong to one index.
                index.add(doc.copy())


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
