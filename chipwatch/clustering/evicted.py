"""Articles evicted from a candidate index whose ids are still in its postings.

When the newest article is an hour newer than the one before, the live index drops
every article the horizon passed, often a hundred, inside that one assignment. Taking
an article out of the docs is a few dict operations; taking its id out of the postings
of each of its fifty-odd features is most of the cost, and it made the tail of
``assign`` (docs/performance.md, "Session 25"). So eviction stays immediate for every
reader of the docs, the stories and the window, and only the postings wait: they are
given back at the end of the feed's transaction (:meth:`.CandidateIndex.reclaim`,
from ``Clusterer.end_batch``), or a few per ``add`` past a bound.

Until then, a lookup first takes the evicted ids out of the postings it is about to
read (:meth:`Evicted.purge`): blocking then sees the postings, their sizes (the
``MAX_POSTINGS`` cut, the tie order) and the candidates of eager eviction
(``tests/test_lazy_reclaim.py``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, MutableMapping, Sequence
from typing import Protocol


class Keyed(Protocol):
    """What is read of a doc here: its id and its keys of each feature kind."""

    @property
    def article_id(self) -> int: ...

    def keyed(self) -> tuple[Iterable[str], ...]: ...


Postings = Sequence[MutableMapping[str, set[int]]]


def drop_postings(kinds: Postings, doc: Keyed) -> None:
    """Take ``doc``'s id out of the postings of its keys (an emptied key goes)."""
    article_id = doc.article_id
    for postings, keys in zip(kinds, doc.keyed(), strict=True):
        for key in keys:
            bucket = postings.get(key)
            if bucket is not None:
                bucket.discard(article_id)
                if not bucket:
                    del postings[key]


class Evicted:
    """The evicted docs whose postings are not reclaimed yet, oldest first."""

    def __init__(self, kinds: Postings) -> None:
        self.kinds = kinds
        self.ids: set[int] = set()
        self.queue: deque[Keyed] = deque()

    def __len__(self) -> int:
        return len(self.queue)

    def hold(self, doc: Keyed) -> None:
        """``doc`` left the index; its postings wait."""
        self.ids.add(doc.article_id)
        self.queue.append(doc)

    def reclaim(self, count: int | None) -> None:
        """Give back the postings of the ``count`` oldest held docs (None: all)."""
        queue = self.queue
        for _ in range(len(queue) if count is None else min(count, len(queue))):
            self._drop(queue.popleft())

    def reclaim_id(self, article_id: int) -> None:
        """Give back one article's postings now (it is about to be indexed again,
        maybe with other keys). Rare: an article re-placed after its eviction."""
        for doc in self.queue:
            if doc.article_id == article_id:
                self.queue.remove(doc)
                self._drop(doc)
                return

    def purge(self, doc: Keyed, *, identities: int, cap: int) -> None:
        """Take the evicted ids out of every posting ``doc``'s lookup reads: all of the
        first ``identities`` kinds, and of the others those that may hold ``cap`` ids
        or fewer once purged (a larger one is too common to block on either way)."""
        ids = self.ids
        most = cap + len(ids)
        for kind, (postings, keys) in enumerate(zip(self.kinds, doc.keyed(), strict=True)):
            for key in keys:
                bucket = postings.get(key)
                if not bucket or (kind >= identities and len(bucket) > most):
                    continue  # none, or too common to block on even once purged
                if not bucket.isdisjoint(ids):
                    bucket -= ids

    def _drop(self, doc: Keyed) -> None:
        self.ids.discard(doc.article_id)
        drop_postings(self.kinds, doc)
