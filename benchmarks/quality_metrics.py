"""How far a predicted partition is from the labelled events: pure functions, no chipwatch.

``gold`` maps an item (any hashable key: an article index, a URL) to its event id;
``predicted`` maps the same items to a story id. Every figure here is computed on those
two mappings alone, so the tests check them on partitions of three or four items.

- B-cubed precision / recall / F1 (Bagga & Baldwin): for each item, the share of its
  story that belongs to its event (precision) and the share of its event found in its
  story (recall), averaged over the items.
- Events kept whole: events with at least two items whose items all sit in one story.
- Hard-negative pairs merged: listed pairs of different events that share a story.
- The partition itself (a frozenset of frozensets of items), so runs in different
  arrival orders can be compared for identity whatever story ids they got.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

K = TypeVar("K", bound=Hashable)

Partition = frozenset[frozenset[Hashable]]


@dataclass(frozen=True)
class HardNegative:
    """Two different events that must never share a story."""

    a: str
    b: str
    lenient: bool = False  # merging them is tolerated (the labels say so)
    why: str = ""


@dataclass
class PartitionScore:
    """Every figure of one predicted partition against the labels."""

    precision: float
    recall: float
    f1: float
    items: int
    events: int  # events with at least two items
    whole: int  # of those, kept in one story
    merged: list[HardNegative] = field(default_factory=list)
    missing: int = 0  # labelled items the run did not store

    @property
    def strict_merged(self) -> int:
        """Merged hard-negative pairs not marked lenient."""
        return sum(1 for pair in self.merged if not pair.lenient)


def bcubed(
    gold: Mapping[K, str], predicted: Mapping[K, Hashable], subset: Iterable[K] | None = None
) -> tuple[float, float, float]:
    """B-cubed (precision, recall, F1) over ``subset`` (default: every item).

    Clusters are formed from every item of ``gold``, so scoring a subset (one part of a
    labelled set) still counts the other items that share its stories.
    """
    by_gold: dict[str, set[K]] = defaultdict(set)
    by_pred: dict[Hashable, set[K]] = defaultdict(set)
    for item, event in gold.items():
        by_gold[event].add(item)
        by_pred[predicted[item]].add(item)
    items = list(gold) if subset is None else list(subset)
    if not items:
        return 0.0, 0.0, 0.0
    precision = recall = 0.0
    for item in items:
        story = by_pred[predicted[item]]
        event = by_gold[gold[item]]
        shared = len(story & event)
        precision += shared / len(story)
        recall += shared / len(event)
    p, r = precision / len(items), recall / len(items)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def events_whole(gold: Mapping[K, str], predicted: Mapping[K, Hashable]) -> tuple[int, int]:
    """(events kept in one story, events with at least two items)."""
    stories: dict[str, set[Hashable]] = defaultdict(set)
    sizes: dict[str, int] = defaultdict(int)
    for item, event in gold.items():
        stories[event].add(predicted[item])
        sizes[event] += 1
    multi = [event for event, size in sizes.items() if size > 1]
    return sum(1 for event in multi if len(stories[event]) == 1), len(multi)


def merged_pairs(
    gold: Mapping[K, str], predicted: Mapping[K, Hashable], pairs: Iterable[HardNegative]
) -> list[HardNegative]:
    """The hard-negative pairs whose two events share at least one story."""
    events_in: dict[Hashable, set[str]] = defaultdict(set)
    for item, event in gold.items():
        events_in[predicted[item]].add(event)
    together = list(events_in.values())
    return [pair for pair in pairs if any({pair.a, pair.b} <= events for events in together)]


def partition(predicted: Mapping[K, Hashable], items: Iterable[K] | None = None) -> Partition:
    """The grouping of ``items`` (default: all) by story, without the story ids."""
    groups: dict[Hashable, set[Hashable]] = defaultdict(set)
    for item in predicted if items is None else items:
        groups[predicted[item]].add(item)
    return frozenset(frozenset(group) for group in groups.values())


def score_partition(
    gold: Mapping[K, str],
    predicted: Mapping[K, Hashable],
    pairs: Iterable[HardNegative] = (),
    subset: Iterable[K] | None = None,
) -> PartitionScore:
    """Every figure at once. Items of ``gold`` absent from ``predicted`` (the run did not
    store them) count as singletons of their own and are reported as ``missing``."""
    chosen = None if subset is None else list(subset)
    full: dict[K, Hashable] = {}
    missing = 0
    for item in gold:
        if item in predicted:
            full[item] = predicted[item]
        else:
            full[item] = ("missing", item)
            missing += 1
    p, r, f = bcubed(gold, full, chosen)
    whole, events = events_whole(gold, full)
    return PartitionScore(
        p,
        r,
        f,
        len(gold) if chosen is None else len(chosen),
        events,
        whole,
        merged_pairs(gold, full, pairs),
        missing,
    )
