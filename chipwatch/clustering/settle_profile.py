"""What a group of articles reports, for the settle pass's story-level veto.

Two groups that each mostly report a different development of one object (licences
granted against sales halted; a lawmaker's letter against the decision it criticises)
stay apart, even when one article of each happens to look alike: the group's main
action is the class its articles most often report as what they are about (their
*primary* actions, :func:`chipwatch.clustering.actions.primary`). Press-report frames
("according to a report") say nothing about what happened and are not counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from chipwatch.clustering import actions as what
from chipwatch.clustering.actions import ActionMention
from chipwatch.clustering.candidates import Doc


@dataclass(frozen=True)
class Profile:
    """The primary action classes of a group's articles: how many report each, one
    mention of each (the earliest seen) to compare objects with, and every class any
    article reports as primary."""

    counts: Counter[str] = field(default_factory=Counter)
    mentions: dict[str, ActionMention] = field(default_factory=dict)
    size: int = 0  # articles reporting any primary action

    @classmethod
    def of(cls, docs: Iterable[Doc]) -> Profile:
        counts: Counter[str] = Counter()
        mentions: dict[str, ActionMention] = {}
        size = 0
        for doc in docs:
            seen = set()
            for mention in doc.primary:
                if _says_nothing(mention.action) or mention.action in seen:
                    continue
                seen.add(mention.action)
                counts[mention.action] += 1
                mentions.setdefault(mention.action, mention)
            size += bool(seen)
        return cls(counts, mentions, size)

    def joined(self, other: Profile) -> Profile:
        mentions = dict(other.mentions)
        mentions.update(self.mentions)
        return Profile(self.counts + other.counts, mentions, self.size + other.size)

    def main(self) -> str | None:
        """The class most of the group's articles report (ties: the first by name)."""
        if not self.counts:
            return None
        return min(self.counts, key=lambda name: (-self.counts[name], name))

    def conflicts(self, other: Profile) -> bool:
        """The two groups' main actions are different developments of one object, and
        neither group has as many as half its articles saying the other's."""
        mine, theirs = self.main(), other.main()
        if mine is None or theirs is None or mine == theirs:
            return False
        if 2 * self.counts[theirs] >= self.size or 2 * other.counts[mine] >= other.size:
            return False
        return bool(what.conflict(self.mentions[mine], other.mentions[theirs]))


def _says_nothing(action: str) -> bool:
    """A frame that is no news of its own (a press report)."""
    try:
        found = what.action_class(action)
    except KeyError:
        return False
    return bool(found.frame) and not found.context
