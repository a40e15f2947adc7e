"""What happened: the event actions an article reports, recognised in eleven languages.

Two articles can name the same chip, company and agency and still tell different
developments (licences promised vs issued, a rule vs its rescission, an investigation
opened vs its ruling, a decision vs the reaction to it). This module reads *what
happened*: :func:`find_actions` returns each action an article reports
(:class:`ActionMention`: a class of the taxonomy such as ``licence.granted``, its
object, whether it is only planned, where it is said and the rule that fired).

The taxonomy, word classes and rules are data (``actions.toml``, documented at its
top; docs/actions.md explains the grammar with examples). Matching is compiled like
the entity tagger's: one automaton pass finds every trigger word, then rules are
checked around their anchors only (``action_match.py``).

For clustering, three readings of two mentions (see docs/actions.md):

- :func:`conflict` / :func:`conflicts`: the two are *different developments* of one
  object (listed class pairs, planned vs done, a reaction or meeting vs the act);
- :func:`same_event_evidence`: how much the two say the *same* thing (0..1);
- :func:`primary`: the mentions that say what an article is about (its title, or its
  first sentence when it has no title), frames taken into account;
- :func:`article_conflict` / :func:`article_evidence`: the same readings for two
  whole articles (primaries, and what each reports anywhere).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache

from chipwatch.clustering.action_grammar import (
    ActionClass,
    ActionGrammar,
    builtin_action_grammar,
)
from chipwatch.clustering.action_match import ActionMatcher
from chipwatch.clustering.action_match import ActionMention as ActionMention
from chipwatch.model import EntityMatch

__all__ = [
    "ActionMention",
    "action_class",
    "article_conflict",
    "article_evidence",
    "conflict",
    "conflicts",
    "find_actions",
    "is_development",
    "label",
    "primary",
    "same_event_evidence",
    "taxonomy",
]

# same_event_evidence: how far a shared object, kinship and modality count.
KIN = 0.5  # kin classes (licences granted ~ sales resumed) tell one event less surely
# A class shared without object evidence (the object a place, an unknown side) counts
# 0.3: two "curbs imposed" a day apart, the US's on HBM and China's on gallium, must not
# join on the verb.
PLACE_ONLY = 0.3  # the object is a place (China), or that is all they share
SHARED_NAME = 0.5  # they share a name that is not the first object of both
UNKNOWN_OBJECT = 0.3  # one side has no object
MODALITY = 0.5  # planned on one side, done on the other
CONTEXT = 0.5  # one side is framed as context (a reaction to it, a visit around it)
PASSING = 0.5  # an action one article reports in passing (not in its lead)


@cache
def _matcher() -> ActionMatcher:
    return ActionMatcher(builtin_action_grammar(), builtin=True)


def matcher_for(grammar: ActionGrammar) -> ActionMatcher:
    """A matcher for another grammar (tests; the built-in one is compiled once)."""
    return ActionMatcher(grammar)


def find_actions(
    title: str, summary: str, lang: str, matches: Sequence[EntityMatch]
) -> tuple[ActionMention, ...]:
    """Every action ``title`` and ``summary`` report, sorted by field then offset.

    ``lang`` is the article's language (``en``, ``zh-Hant``, ``pt-BR``...; any Chinese
    reads both scripts' tables, an unknown language every table); ``matches`` are its
    entity tags (the tagger's output for the same title and summary), from which
    objects are taken. An empty title is a missing title: the summary's first sentence
    is then the lead.
    """
    return tuple(_matcher().find(title, summary, lang, matches))


def taxonomy() -> dict[str, ActionClass]:
    """Every action class by id, as the grammar file lists them."""
    return dict(builtin_action_grammar().actions)


def action_class(action: str) -> ActionClass:
    """The class ``action`` (KeyError for an unknown id)."""
    return builtin_action_grammar().actions[action]


def label(action: str) -> str:
    """The explanation's words for ``action``: "licences granted"."""
    return action_class(action).label


# --------------------------------------------------------------------------- pairs


def conflict(a: ActionMention, b: ActionMention) -> str:
    """Why ``a`` and ``b`` are different developments of one object, or "".

    Their objects must agree (a shared object, or one side without any): different
    objects are not the same thing to begin with, which the entities already say.
    Then: ``"class"`` when the file lists the pair (licence granted vs revoked, probe
    opened vs ruling...); ``"modality"`` for one class planned on one side and done on
    the other (licences promised vs issued); ``"frame"`` when one side is a reaction or
    a meeting and the other the act itself (a decision vs the criticism of it).
    """
    if not _objects_agree(a, b):
        return ""
    one, other = action_class(a.action), action_class(b.action)
    if b.action in one.conflicts:
        return "class"
    if a.action == b.action:
        return "modality" if a.planned != b.planned and not one.frame else ""
    if (one.context and not other.frame) or (other.context and not one.frame):
        return "frame"
    if one.context and other.context:
        return "frame"
    return ""


def conflicts(a: ActionMention, b: ActionMention) -> bool:
    """Whether ``a`` and ``b`` are different developments of one object."""
    return bool(conflict(a, b))


def same_event_evidence(a: ActionMention, b: ActionMention) -> float:
    """How much ``a`` and ``b`` say the same thing happened, from 0 to 1.

    1.0: one class, one object (not a place), the same modality, neither framed as
    context. Less: kin classes (x0.5: "licences granted" and "sales resumed" often
    tell one event); objects (see ``_object_weight``: a name shared in passing x0.5, a
    place or an unknown side x0.3); planned vs done (x0.5); one side context of a
    reaction or a meeting (x0.5). 0: unrelated or conflicting classes, different objects of one
    kind, or a report frame (that something was reported says nothing about what).
    """
    one = action_class(a.action)
    if conflict(a, b) and a.action != b.action:
        return 0.0
    if a.action == b.action:
        weight = 1.0
    elif b.action in one.kin:
        weight = KIN
    else:
        return 0.0
    if one.frame and not one.context:
        return 0.0
    weight *= _object_weight(a, b)
    if a.planned != b.planned:
        weight *= MODALITY
    if _is_context(a) != _is_context(b):
        weight *= CONTEXT
    return weight


def primary(mentions: Iterable[ActionMention], *, titled: bool = True) -> tuple[ActionMention, ...]:
    """The mentions that say what the article is about.

    Those in the title; when the title says none, or the article has no real title
    (``titled=False``: a title derived from the summary), those of the lead (the
    summary's first sentence, and a derived title). An action a
    reaction or a meeting frames there is context, not news: the frame is primary
    instead. With nothing in the lead, nothing is primary.
    """
    mentions = list(mentions)
    lead = [m for m in mentions if m.field == "title"] if titled else []
    if not lead:
        lead = [m for m in mentions if m.lead]
    return tuple(m for m in lead if not _is_context(m))


# --------------------------------------------------------------------------- articles


def article_conflict(
    a: Sequence[ActionMention],
    b: Sequence[ActionMention],
    *,
    titled_a: bool = True,
    titled_b: bool = True,
) -> tuple[ActionMention, ActionMention, str] | None:
    """Why two articles tell different developments, or None.

    A primary of each in conflict (:func:`conflict`) is a different development only
    when neither article reports the other's class anywhere: "Nvidia to resume H20
    sales after lawmakers' letter" reports both and may be either story. A frame (a
    reaction, a meeting) counts only for an article whose lead states no act outright
    ("US to lift H20 curbs; lawmakers seek clarity" is about the curbs). A "class" or
    "frame" conflict is returned first; "modality" (promised vs done) last, since on
    the same day it is often one event told before and after.
    """
    classes_a = {m.action for m in a}
    classes_b = {m.action for m in b}
    pa, pb = primary(a, titled=titled_a), primary(b, titled=titled_b)
    # A frame (or a setting: a speech, a trade show) is what an article is about only
    # when its lead says no act outright.
    framed_a = not any(is_development(m.action) for m in pa)
    framed_b = not any(is_development(m.action) for m in pb)
    modality = None
    for x in pa:
        for y in pb:
            reason = conflict(x, y)
            if reason == "modality":
                modality = modality or (x, y, reason)
            elif reason == "frame" and not (framed_a or framed_b):
                continue
            elif reason and y.action not in classes_a and x.action not in classes_b:
                return x, y, reason
    return modality


def article_evidence(
    a: Sequence[ActionMention],
    b: Sequence[ActionMention],
    *,
    titled_a: bool = True,
    titled_b: bool = True,
) -> float:
    """How much two articles say the same thing happened (0..1): the best
    :func:`same_event_evidence` between their primaries, or half the best between a
    primary of one and an action the other reports in passing."""
    pa, pb = primary(a, titled=titled_a), primary(b, titled=titled_b)
    best = max((same_event_evidence(x, y) for x in pa for y in pb), default=0.0)
    passing = max(
        [same_event_evidence(x, y) for x in pa for y in b]
        + [same_event_evidence(x, y) for x in a for y in pb],
        default=0.0,
    )
    return max(best, PASSING * passing)


def is_development(action: str) -> bool:
    """Whether ``action`` is something that happened: neither a frame (a reaction, a
    meeting, a press report) nor a setting (a speech, a trade show)."""
    found = action_class(action)
    return not found.frame and not found.context


def _is_context(mention: ActionMention) -> bool:
    return bool(mention.framed) and action_class(mention.framed).context


def _objects_agree(a: ActionMention, b: ActionMention) -> bool:
    return not a.objects or not b.objects or not set(a.objects).isdisjoint(b.objects)


def _object_weight(a: ActionMention, b: ActionMention) -> float:
    """How far two mentions' objects say one thing: the same object 1 (0.3 for a
    place); two different objects of one kind 0 (the H20 vs the H200); otherwise what
    they share, a name 0.5, only places 0.09, nothing 0; no object on a side 0.3."""
    if not a.objects or not b.objects:
        return UNKNOWN_OBJECT
    first, other = a.objects[0], b.objects[0]
    if first == other:
        return PLACE_ONLY if first[1] == "place" else 1.0
    if first[1] == other[1] != "place":
        return 0.0
    shared = set(a.objects) & set(b.objects)
    if any(kind != "place" for _, kind in shared):
        return SHARED_NAME
    return PLACE_ONLY * PLACE_ONLY if shared else 0.0
