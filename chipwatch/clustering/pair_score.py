"""The value of one pair's score (:func:`.scoring.score_pair`): the score, each signal,
and what the two articles share, which a stored explanation names
(:mod:`.explain_pair`)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, fields
from typing import Final

# What two articles share of one kind: the items in the shared set's order, and their
# weights in the same order. Ranked, or made a dict, only when a pair is explained:
# most scored pairs never are.
Shared = tuple[Collection[str], Sequence[float]]
NOTHING_SHARED: Shared = ((), ())


def ranked(shared: Shared) -> list[str]:
    """The shared items, heaviest first; equal weights in the items' own order. The
    items come in a set's order, which follows the strings' hashes and so differs from
    one process to the next: without the tie broken on the item, an explanation cut to
    its first few words would name different words each poll."""
    items, weights = shared
    if not weights:
        return []
    return [item for _, item in sorted(zip((-w for w in weights), items, strict=True))]


@dataclass(slots=True)
class PairScore:
    """The score of one (new article, indexed article) pair, and why: each signal
    (0..1; ``same_feed`` and ``conflict`` negative penalties) and what the two share.

    One flat class, built with its fields in order: many pairs are scored per arriving
    article, and a class of its own per signal group cost several times more.
    """

    score: float
    entities: float = 0.0
    words: float = 0.0
    time: float = 0.0
    numbers: float = 0.0  # the int 0 when no figure is shared, as a sum over none is
    names: float = 0.0
    title: float | None = None  # None across languages or without two real titles
    same_feed: float | None = None  # None for two feeds
    same_title: bool = False
    exact: bool = False  # the same article (URL or guid): nothing else was measured
    entity_overlap: Shared = NOTHING_SHARED
    word_overlap: Shared = NOTHING_SHARED
    name_overlap: Shared = NOTHING_SHARED
    shared_numbers: list[str] = field(default_factory=list)
    action: float = 0.0
    shared_action: tuple[str, str] | None = None  # (class, object "" when none) both report
    conflict: tuple[str, str] | None = None  # (this one's action, the other's)
    vetoes: bool = False  # the conflict is one of listed classes: the groups stay apart
    anchor: bool = False  # a distinctive shared feature (see the module doc)
    allowed: bool = True  # within the windows
    cross_language: bool = False
    capped: bool = False  # cross-language without an anchor: kept under the threshold

    @property
    def parts(self) -> dict[str, float]:
        """The signals by name, in the order they are stored and shown."""
        if self.exact:
            return {"exact": 1.0}
        parts: dict[str, float] = {"entities": self.entities}
        if not self.cross_language:
            parts["words"] = self.words
        parts.update(time=self.time, numbers=self.numbers, names=self.names)
        if self.title is not None:
            parts["title"] = self.title
        if self.action:
            parts["action"] = self.action
        if self.conflict is not None:
            parts["conflict"] = 1.0
        if self.same_feed is not None:
            parts["same_feed"] = self.same_feed
        if self.same_title:
            parts["same_title"] = 1.0
        return parts

    @property
    def entity_weights(self) -> dict[str, float]:
        """Shared entities and their weights (kind prior times rarity)."""
        return dict(zip(*self.entity_overlap, strict=True))

    @property
    def word_weights(self) -> dict[str, float]:
        """Shared content words and their rarities."""
        return dict(zip(*self.word_overlap, strict=True))

    @property
    def name_weights(self) -> dict[str, float]:
        """Shared name-like words and their rarities."""
        return dict(zip(*self.name_overlap, strict=True))

    @property
    def shared_entities(self) -> list[str]:
        """Shared entities, then shared name-like words, each most telling first."""
        return ranked(self.entity_overlap) + ranked(self.name_overlap)

    @property
    def shared_words(self) -> list[str]:
        """Shared content words, rarest first."""
        return ranked(self.word_overlap)


# A PairScore's fields as one tuple, in their order (:func:`.scoring.score_values`):
# ``PairScore(*values)`` is the score; the positions a settle pass reads first.
Values = tuple[
    float,  # score
    float,  # entities
    float,  # words
    float,  # time
    float,  # numbers
    float,  # names
    float | None,  # title
    float | None,  # same_feed
    bool,  # same_title
    bool,  # exact
    Shared,  # entity_overlap
    Shared,  # word_overlap
    Shared,  # name_overlap
    list[str],  # shared_numbers
    float,  # action
    tuple[str, str] | None,  # shared_action
    tuple[str, str] | None,  # conflict
    bool,  # vetoes
    bool,  # anchor
    bool,  # allowed
    bool,  # cross_language
    bool,  # capped
]
SCORE: Final = 0
VETOES: Final = 17
ALLOWED: Final = 19
_NAMES = [f.name for f in fields(PairScore)]
assert (_NAMES[SCORE], _NAMES[VETOES], _NAMES[ALLOWED]) == ("score", "vetoes", "allowed")
assert len(_NAMES) == 22  # as many as Values holds


def astuple_shallow(pair: PairScore) -> Values:
    """The pair's fields as :data:`Values` (the values themselves, not copies)."""
    return tuple(getattr(pair, name) for name in _NAMES)
