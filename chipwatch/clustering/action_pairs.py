"""The action readings of article pairs (:mod:`.actions`), memoized for scoring.

:func:`~.scoring.score_pair` reads what two articles report several ways (how much
their actions say the same thing, whether their leads conflict, which action both
report, whether their news agrees), and each way compares every mention of one with
every mention of the other: a dozen calls of :func:`.actions.same_event_evidence` or
:func:`.actions.conflict` per pair, each a few microseconds of Python, for every pair
scored. Both depend only on four fields of each mention (its class, its objects,
planned or not, its frame), and few distinct combinations occur: each combination
gets a small number (its *signature*), and the two readings of two signatures are
computed once and looked up after.

Each reading here returns exactly what its plain form returns
(``tests/test_action_pairs.py`` holds them equal on the labelled set's pairs):
:func:`evidence` is :func:`.actions.article_evidence`, :func:`conflict_of`
:func:`.actions.article_conflict`, for articles whose real title is ``doc.title``.

A whole article's mentions get a number too (its *profile*: its signatures, which of
them lead, which are primary), and everything ``score_pair`` reads of two profiles is
memoized as well (:func:`readings`): retellings of one event often read alike.

Memory: about ``MAX_SIGNATURES`` signatures and ``MAX_PROFILES`` profiles (then every
table starts again, and each doc's cached profile is rebuilt when next read; far more
than one article's mentions) and ``MAX_PAIRS`` memoized readings
of each kind (then that table starts again).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Protocol

from chipwatch.clustering import actions as what
from chipwatch.clustering.actions import ActionMention

MAX_SIGNATURES = 1 << 15
MAX_PROFILES = 1 << 15
MAX_PAIRS = 1 << 17
_SHIFT = 15  # a pair of signatures as one int key: first << _SHIFT | second
_PROFILE_SHIFT = 32  # the same for two profiles' numbers (fewer than signatures)

# (evidence, the shared action, the conflict as (this one's class, the other's, why),
# whether the news agrees): everything score_pair reads of two articles' actions.
Readings = tuple[float, tuple[str, str] | None, tuple[str, str, str] | None, bool]


# What a mention's readings depend on: class, objects, planned, frame.
_Signature = tuple[str, tuple[tuple[str, str], ...], bool, str]


class _Actioned(Protocol):
    """What is read of an article (a :class:`~.candidates.Doc`)."""

    title: str
    actions: tuple[ActionMention, ...]
    primary: tuple[ActionMention, ...]
    action_pairs: ActionPairs | None


@dataclass(slots=True)
class ActionPairs:
    """One article's mentions as signatures, with what each pair reading needs of it.

    ``lead``: :func:`.actions.primary` of its mentions (titled when it has a real title);
    ``primary``: the article's own primary mentions (the doc's, as ``score_pair`` reads
    them); ``in_primary``: for each mention, whether it is one of those.
    """

    generation: int
    key: int  # the profile's own number: profiles of one number read alike
    actions: tuple[ActionMention, ...]
    sigs: tuple[int, ...]
    lead: tuple[ActionMention, ...]
    lead_sigs: tuple[int, ...]
    classes: frozenset[str]
    framed: bool  # no lead mention is a development (all frames or settings: what.is_development)
    in_primary: tuple[bool, ...]
    primary_sigs: tuple[int, ...]


class _Tables:
    """The signatures and the memoized readings of signature pairs."""

    def __init__(self) -> None:
        self.generation = 0
        self.ids: dict[_Signature, int] = {}
        self.mentions: list[ActionMention] = []  # one mention of each signature
        self.evidence: dict[int, float] = {}
        self.conflicts: dict[int, str] = {}
        self.profiles: dict[tuple[tuple[int, ...], ...], int] = {}
        self.readings: dict[int, Readings] = {}

    def sig(self, mention: ActionMention) -> int:
        key = (mention.action, mention.objects, mention.planned, mention.framed)
        found = self.ids.get(key)
        if found is None:
            found = self.ids[key] = len(self.mentions)
            self.mentions.append(mention)
        return found

    def restart(self) -> None:
        """Forget everything: the docs' profiles (of an older generation) are rebuilt."""
        self.generation += 1
        self.ids.clear()
        self.mentions.clear()
        self.evidence.clear()
        self.conflicts.clear()
        self.profiles.clear()
        self.readings.clear()


_TABLES = _Tables()
# The tables are shared by every thread of a process (a poller's writer, a TUI's worker):
# a restart must not happen between reading a pair's profiles and using them.
_LOCK = threading.Lock()


def read(new: _Actioned, old: _Actioned) -> Readings:
    """:func:`readings` of two docs (their profiles read under the tables' lock)."""
    with _LOCK:
        return readings(*pair_profiles(new, old))


def profile(doc: _Actioned) -> ActionPairs:
    """The doc's :class:`ActionPairs` (cached on the doc for the current tables)."""
    found = doc.action_pairs
    if found is not None and found.generation == _TABLES.generation:
        return found
    tables = _TABLES
    if len(tables.ids) >= MAX_SIGNATURES or len(tables.profiles) >= MAX_PROFILES:
        tables.restart()
    lead = what.primary(doc.actions, titled=bool(doc.title))
    sig = tables.sig
    sigs = tuple(sig(m) for m in doc.actions)
    lead_sigs = tuple(sig(m) for m in lead)
    in_primary = tuple(m in doc.primary for m in doc.actions)
    primary_sigs = tuple(sig(m) for m in doc.primary)
    # Everything the readings depend on: the classes and the frame flag follow from
    # the signatures, and shared_action's ties from the order of the actions.
    shape = (sigs, lead_sigs, tuple(int(x) for x in in_primary), primary_sigs)
    number = tables.profiles.setdefault(shape, len(tables.profiles))
    found = doc.action_pairs = ActionPairs(
        tables.generation,
        number,
        doc.actions,
        sigs,
        lead,
        lead_sigs,
        frozenset(m.action for m in doc.actions),
        not any(what.is_development(m.action) for m in lead),
        in_primary,
        primary_sigs,
    )
    return found


def pair_profiles(new: _Actioned, old: _Actioned) -> tuple[ActionPairs, ActionPairs]:
    """Both docs' profiles, of one generation of the tables."""
    a = profile(new)
    b = profile(old)
    if a.generation != b.generation:  # reading ``old`` restarted the tables
        a = profile(new)  # (which now hold only ``old``'s few signatures)
    assert a.generation == b.generation
    return a, b


def readings(a: ActionPairs, b: ActionPairs) -> Readings:
    """:func:`evidence`, :func:`shared_action` (when there is evidence), :func:`conflict_of`
    (its classes and reason) and :func:`news_agrees` of two profiles, memoized by the
    profiles' numbers: retellings of one event often read alike."""
    tables = _TABLES
    key = a.key << _PROFILE_SHIFT | b.key
    found = tables.readings.get(key)
    if found is None:
        if len(tables.readings) > MAX_PAIRS:
            tables.readings.clear()
        value = evidence(a, b)
        conflict = conflict_of(a, b)
        found = tables.readings[key] = (
            value,
            shared_action(a, b) if value > 0.0 else None,
            None if conflict is None else (conflict[0].action, conflict[1].action, conflict[2]),
            news_agrees(a, b),
        )
    return found


def _evidence_table() -> tuple[dict[int, float], list[ActionMention]]:
    tables = _TABLES
    if len(tables.evidence) > MAX_PAIRS:
        tables.evidence.clear()
    return tables.evidence, tables.mentions


def evidence(a: ActionPairs, b: ActionPairs) -> float:
    """:func:`.actions.article_evidence` of the two articles: the best reading of a lead
    mention of each, or ``PASSING`` times the best of a lead mention of one with any
    mention of the other.

    In one pass over (lead of ``a``) x (all of ``b``), then (the rest of ``a``) x (lead
    of ``b``): the leads are among the mentions, and a mention of a lead's signature
    reads as that lead does, so these are the readings the three plain loops take the
    maximum of (each looked up, or computed, as there; never one more)."""
    table, mentions = _evidence_table()
    see = what.same_event_evidence
    lead_b = b.lead_sigs
    leads_b = set(lead_b)
    best = passing = 0.0
    for x in a.lead_sigs:
        row = x << _SHIFT
        for y in b.sigs:
            value = table.get(row | y)
            if value is None:
                value = table[row | y] = see(mentions[x], mentions[y])
            if value > passing:
                passing = value
            if value > best and y in leads_b:
                best = value
    if lead_b:
        leads_a = set(a.lead_sigs)
        for x in a.sigs:
            if x in leads_a:
                continue
            row = x << _SHIFT
            for y in lead_b:
                value = table.get(row | y)
                if value is None:
                    value = table[row | y] = see(mentions[x], mentions[y])
                if value > passing:
                    passing = value
    return max(best, what.PASSING * passing)


def conflict_of(a: ActionPairs, b: ActionPairs) -> tuple[ActionMention, ActionMention, str] | None:
    """:func:`.actions.article_conflict` of the two articles."""
    if not a.lead or not b.lead:
        return None
    tables = _TABLES
    table, mentions = tables.conflicts, tables.mentions
    if len(table) > MAX_PAIRS:
        table.clear()
    modality = None
    neither_framed = not (a.framed or b.framed)
    for x, sx in zip(a.lead, a.lead_sigs, strict=True):
        for y, sy in zip(b.lead, b.lead_sigs, strict=True):
            key = sx << _SHIFT | sy
            reason = table.get(key)
            if reason is None:
                reason = table[key] = what.conflict(mentions[sx], mentions[sy])
            if not reason:
                continue
            if reason == "modality":
                modality = modality or (x, y, reason)
            elif reason == "frame" and neither_framed:
                continue
            elif y.action not in a.classes and x.action not in b.classes:
                return x, y, reason
    return modality


def shared_action(a: ActionPairs, b: ActionPairs) -> tuple[str, str] | None:
    """The action both report, for the explanation: the best-matching pair, primary
    ones first; with its object when both name the same."""
    table, mentions = _evidence_table()
    see = what.same_event_evidence
    best: tuple[float, str, str] | None = None
    theirs_all = list(zip(b.actions, b.sigs, b.in_primary, strict=True))
    for mine, sx, first in zip(a.actions, a.sigs, a.in_primary, strict=True):
        row = sx << _SHIFT
        for theirs, sy, second in theirs_all:
            value = table.get(row | sy)
            if value is None:
                value = table[row | sy] = see(mentions[sx], mentions[sy])
            if first and second:
                value += 1.0
            if value > 0.0 and (best is None or value > best[0]):
                obj = mine.object if mine.object and mine.object == theirs.object else ""
                best = (value, mine.action, obj or "")
    return (best[1], best[2]) if best is not None else None


def news_agrees(a: ActionPairs, b: ActionPairs) -> bool:
    """Some primary action of one is the same event as some primary action of the other."""
    table, mentions = _evidence_table()
    see = what.same_event_evidence
    for x in a.primary_sigs:
        row = x << _SHIFT
        for y in b.primary_sigs:
            value = table.get(row | y)
            if value is None:
                value = table[row | y] = see(mentions[x], mentions[y])
            if value > 0.0:
                return True
    return False
