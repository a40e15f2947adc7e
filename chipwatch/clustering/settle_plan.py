"""The values a settle pass (:mod:`.settle`) hands to its writer (:mod:`.settle_write`)."""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from chipwatch.clustering.candidates import Doc
from chipwatch.clustering.pair_score import PairScore

# ("a", article id) for an article the pass places; ("s", story id) for a story it
# keeps whole (a user placed articles in it, or part of it is out of reach).
Node = tuple[str, int]
PairKey = tuple[int, int]


@dataclass(slots=True)
class Link:
    """What the pass keeps of every scored pair: the score, whether the two are within
    the windows, whether their actions veto a join. The full
    :class:`~.scoring.PairScore` (what an explanation names) is kept only for the pairs
    at the threshold and each article's closest pair: a big round scores ~10 pairs an
    article, and the full values cost five times as much memory."""

    score: float
    allowed: bool
    vetoes: bool


@dataclass
class Placement:
    """The pair that decided where the pass put one article (its closest miss when it
    is alone), and the settled stories it brought together."""

    matched: Doc | None = None
    pair: PairScore | None = None
    joined: bool = False
    bridged: list[tuple[int, float]] = field(default_factory=list)


@dataclass
class Plan:
    """What the pass decided, for :mod:`.settle_write`.

    ``docs``: every article it placed (the round's and those of the stories it
    reopened); ``current``: their story before the pass; ``round``: the round's own
    articles (the others belonged to settled stories); ``groups``: each final group's
    nodes, in canonical order.
    """

    docs: dict[int, Doc]
    current: dict[int, int | None]
    round: set[int]
    groups: list[list[Node]]
    placements: dict[int, Placement] = field(default_factory=dict)
    whole_sizes: dict[int, int] = field(default_factory=dict)  # kept-whole story -> size


class Placed:
    """Each placed article's final story, in the order placed, as two flat arrays: 16
    bytes an article, where a dict with its int objects took ~100 (issue 20: a first
    import's sweep places the whole round, and holds this to its end). An article
    placed twice keeps the later story, as in a dict (:meth:`as_dict`)."""

    def __init__(self) -> None:
        self.articles = array("q")
        self.stories = array("q")

    def __setitem__(self, article_id: int, story_id: int) -> None:
        self.articles.append(article_id)
        self.stories.append(story_id)

    def __len__(self) -> int:
        return len(self.articles)

    def update(self, other: Placed) -> None:
        self.articles.extend(other.articles)
        self.stories.extend(other.stories)

    def items(self) -> Iterator[tuple[int, int]]:
        return zip(self.articles, self.stories, strict=True)

    def as_dict(self) -> dict[int, int]:
        return dict(self.items())


class StoryIds:
    """A set of story ids as a bitmap, in pages of ``PAGE`` ids (1 bit a story of a
    page used): a first import's sweep gathers every story id of the pass twice (the
    stories taken, the stories touched), which as sets of ints cost ~100 bytes a
    story (issue 20). Iterates in ascending order."""

    PAGE = 4096

    def __init__(self, ids: Iterable[int] = ()) -> None:
        self.pages: dict[int, bytearray] = {}
        self.count = 0
        self.update(ids)

    def add(self, story_id: int) -> None:
        page = self.pages.get(story_id // self.PAGE)
        if page is None:
            if story_id < 0:
                raise ValueError(f"story id {story_id} is negative")
            page = self.pages[story_id // self.PAGE] = bytearray(self.PAGE // 8)
        at, bit = (story_id % self.PAGE) >> 3, 1 << (story_id & 7)
        if not page[at] & bit:
            page[at] |= bit
            self.count += 1

    def update(self, ids: Iterable[int]) -> None:
        for story_id in ids:
            self.add(story_id)

    def __ior__(self, other: Iterable[int]) -> StoryIds:
        self.update(other)
        return self

    def __contains__(self, story_id: object) -> bool:
        if type(story_id) is not int or story_id < 0:
            return False
        page = self.pages.get(story_id // self.PAGE)
        return page is not None and bool(page[(story_id % self.PAGE) >> 3] & (1 << (story_id & 7)))

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[int]:
        for number in sorted(self.pages):
            base = number * self.PAGE
            for at, byte in enumerate(self.pages[number]):
                while byte:
                    low = byte & -byte
                    yield base + 8 * at + low.bit_length() - 1
                    byte ^= low

    def __sub__(self, other: AbstractSet[int]) -> list[int]:
        """The ids not in ``other``, ascending."""
        return [story_id for story_id in self if story_id not in other]


@dataclass
class SettleResult:
    """What the pass changed: the final story of each article it placed, the stories
    merged away (``(story, into)``), the stories whose rows changed, the stories it
    created and the provisional ones it emptied. (Which articles moved is not kept:
    nothing read it, and a first import's sweep would hold it for every article.) A
    first import touches and creates every story of the round: a bitmap and an array."""

    placed: Placed = field(default_factory=Placed)
    merges: list[tuple[int, int]] = field(default_factory=list)
    touched: StoryIds = field(default_factory=StoryIds)
    created: array[int] = field(default_factory=lambda: array("q"))
    emptied: list[int] = field(default_factory=list)
    pairs: int = 0  # pairs scored


def canonical(doc: Doc) -> tuple[float, str, int]:
    """The order of the pass: published time, then the article's key."""
    return doc.published, doc.key, doc.article_id
