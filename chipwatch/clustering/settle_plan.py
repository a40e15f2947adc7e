"""The values a settle pass (:mod:`.settle`) hands to its writer (:mod:`.settle_write`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from chipwatch.clustering.candidates import Doc
from chipwatch.clustering.scoring import PairScore

Node = tuple[str, int]  # ("a", article id) for a round's article, ("s", story id)
PairKey = tuple[int, int]


@dataclass
class Placement:
    """Where the pass put one of the round's articles, and the pair that decided."""

    story_id: int  # the final story (0 until the writer gives a new group its id)
    matched: Doc | None = None
    pair: PairScore | None = None
    joined: bool = False
    bridged: list[tuple[int, float]] = field(default_factory=list)


@dataclass
class Plan:
    """What the pass decided, for :mod:`.settle_write`."""

    docs: dict[int, Doc]  # the round's free articles
    current: dict[int, int | None]  # their story before the pass
    groups: list[list[Node]]  # each final group's nodes, canonical order
    placements: dict[int, Placement] = field(default_factory=dict)
    settled_sizes: dict[int, int] = field(default_factory=dict)  # story -> settled members


@dataclass
class SettleResult:
    """What the pass changed: the final story of each of the round's articles, the
    stories merged (``(story, into)``), the stories whose rows changed, the stories it
    created and the provisional ones it emptied."""

    placed: dict[int, int] = field(default_factory=dict)
    moved: dict[int, tuple[int | None, int]] = field(default_factory=dict)
    merges: list[tuple[int, int]] = field(default_factory=list)
    touched: set[int] = field(default_factory=set)
    created: list[int] = field(default_factory=list)
    emptied: list[int] = field(default_factory=list)


def canonical(doc: Doc) -> tuple[float, str, int]:
    """The order of the pass: published time, then the article's key."""
    return doc.published, doc.key, doc.article_id
