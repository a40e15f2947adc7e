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
    # How many articles report each (class, object) as primary, places left out: the
    # H20 and the MI308 needing a licence are two developments.
    objects: Counter[tuple[str, tuple[str, str]]] = field(default_factory=Counter)
    # The same, counting only each mention's first object (what the action is about).
    firsts: Counter[tuple[str, tuple[str, str]]] = field(default_factory=Counter)

    @classmethod
    def of(cls, docs: Iterable[Doc]) -> Profile:
        counts: Counter[str] = Counter()
        objects: Counter[tuple[str, tuple[str, str]]] = Counter()
        firsts: Counter[tuple[str, tuple[str, str]]] = Counter()
        mentions: dict[str, ActionMention] = {}
        size = 0
        for doc in docs:
            seen = set()
            named: set[tuple[str, tuple[str, str]]] = set()
            first: set[tuple[str, tuple[str, str]]] = set()
            # A setting (the trade show where a chip was launched) is what an article
            # reports only when its lead says no act outright.
            acts = any(what.is_development(m.action) for m in doc.primary)
            for mention in doc.primary:
                if _says_nothing(mention.action) or (acts and _is_setting(mention.action)):
                    continue
                named.update((mention.action, o) for o in mention.objects if o[1] != "place")
                if mention.objects and mention.objects[0][1] != "place":
                    first.add((mention.action, mention.objects[0]))
                if mention.action in seen:
                    continue
                seen.add(mention.action)
                counts[mention.action] += 1
                mentions.setdefault(mention.action, mention)
            objects.update(named)
            firsts.update(first)
            size += bool(seen)
        return cls(counts, mentions, size, objects, firsts)

    def joined(self, other: Profile) -> Profile:
        mentions = dict(other.mentions)
        mentions.update(self.mentions)
        return Profile(
            self.counts + other.counts,
            mentions,
            self.size + other.size,
            self.objects + other.objects,
            self.firsts + other.firsts,
        )

    def main(self) -> str | None:
        """The class most of the group's articles report (ties: the first by name)."""
        if not self.counts:
            return None
        return min(self.counts, key=lambda name: (-self.counts[name], name))

    def conflicts(self, other: Profile) -> bool:
        """The two groups' main actions are different developments of one object (or
        listed as different developments, whatever their objects: a record close of
        NVIDIA's shares and AMD restarting MI308 sales), or one development of two
        things of one kind; and neither group has as many as half its articles saying
        the other's."""
        mine, theirs = self.main(), other.main()
        if mine is None or theirs is None:
            return False
        if (mine == theirs or _kin(mine, theirs)) and self._other_object(other, mine, theirs):
            return True
        if mine == theirs:
            return False
        if 2 * self.counts[theirs] >= self.size or 2 * other.counts[mine] >= other.size:
            return False
        if theirs in what.action_class(mine).conflicts:
            return True
        return bool(what.conflict(self.mentions[mine], other.mentions[theirs]))

    def _main_object(self, action: str) -> tuple[str, str] | None:
        found = [(n, obj) for (a, obj), n in self.firsts.items() if a == action]
        return min(found, key=lambda item: (-item[0], item[1]))[1] if found else None

    def _other_object(self, other: Profile, mine: str, theirs: str) -> bool:
        """One development (the same or kin main actions) told of two different things
        of one kind (a licence required for the H20, curbs on the MI308), and neither
        group has half its articles telling it of the other's thing."""
        first, second = self._main_object(mine), other._main_object(theirs)
        if first is None or second is None or first == second or first[1] != second[1]:
            return False
        return (
            2 * self.objects[mine, second] < self.size
            and 2 * other.objects[theirs, first] < other.size
        )


def _kin(one: str, other: str) -> bool:
    try:
        a, b = what.action_class(one), what.action_class(other)
    except KeyError:
        return False
    return other in a.kin or one in b.kin


def _is_setting(action: str) -> bool:
    try:
        found = what.action_class(action)
    except KeyError:
        return False
    return not found.frame and found.context


def _says_nothing(action: str) -> bool:
    """A frame that is no news of its own (a press report)."""
    try:
        found = what.action_class(action)
    except KeyError:
        return False
    return bool(found.frame) and not found.context
