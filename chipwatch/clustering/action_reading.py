"""Reading one article with the compiled action grammar: its words, sentences and
entities, the rules checked from their anchor words, and the mentions they make.

:class:`~chipwatch.clustering.action_match.ActionMatcher` finds the grammar's words in
an article and hands them here when an anchor is among them (see that module).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from chipwatch.clustering.action_drafts import Draft, frames, resolved
from chipwatch.clustering.action_grammar import ActionGrammar, ActionRule
from chipwatch.clustering.action_words import (
    Sentences,
    Spans,
    cjk_comma_free,
    drop_inside,
    word_count,
)
from chipwatch.model import EntityMatch

_CHARS_PER_WORD = 12  # no word in a gap is longer, on average (a space included)
NEG_WORDS = 2  # a negation counts within this many words before (or after) a match
PLAN_WORDS = 4  # ... and a plan word within this many
LEAD_WORDS = 3  # a shorter first sentence is a dateline, not the lead
# Words inside these names are part of the name ("Regulation" in the State
# Administration for Market Regulation); inside a policy's name they count ("export
# licence", "AI diffusion rule").
_NAME_KINDS = frozenset({"agency", "company", "person", "place"})
MAX_OBJECTS = 4


@dataclass(frozen=True, slots=True)
class ActionMention:
    """One action an article reports: what happened, to what, and where it is said.

    ``start``/``end`` index the original ``field`` text ("title" or "summary").
    ``objects``: (name, kind) of the relevant entities of the sentence, preferred
    first; ``object`` is the first one's name, or None. ``lead``: in the title, or in the summary's first sentence.
    ``framed``: the frame class (``frame.reaction``...) the sentence puts it in, or "".
    ``rule``: the rule that fired, with " negated" when a negation turned it into
    ``action``.
    """

    action: str
    object: str | None
    planned: bool
    field: str
    start: int
    end: int
    rule: str
    objects: tuple[tuple[str, str], ...] = ()
    lead: bool = False
    framed: str = ""


class Tables(Protocol):
    """What reading an article needs of the compiled grammar
    (:class:`~chipwatch.clustering.action_match.ActionMatcher`)."""

    grammar: ActionGrammar
    anchors: dict[int, tuple[ActionRule, ...]]
    order: dict[str, int]
    plan: int
    subord: int
    object_ranks: dict[str, dict[str, int]]
    entity_classes: dict[int, tuple[frozenset[str], frozenset[str]]]

    def verb_final(self, lang: str) -> bool | None: ...


class Reading:
    """One article being read: its words, sentences and entities."""

    def __init__(
        self,
        matcher: Tables,
        folded: str,
        index: list[int] | None,
        split: int,
        lang: str,
        found: Spans,
        matches: Sequence[EntityMatch],
    ) -> None:
        self.m = matcher
        self.folded = folded
        self.index = index
        self.split = split
        self.verb_final: bool | None = matcher.verb_final(lang)
        # Where negation and modality words are looked for: before the verb, after it
        # (Japanese, Korean), or both (Chinese: 拟 before, 受阻 after; unknown languages).
        self.before = self.verb_final is not True
        self.after = self.verb_final is not False or lang.split("-")[0].lower() == "zh"
        self.before_weight = 1 if self.verb_final else 3
        # Where the summary starts in the folded text (its first sentence is the lead).
        self.summary_start = split + 1
        if index is not None and split >= 0:
            self.summary_start = bisect.bisect_left(index, split + 1)
        self.entities = _entities(matches, split, index)
        names = [(s, e) for s, e, _, kind in self.entities if kind in _NAME_KINDS]
        if names:  # "Market Regulation" in an agency's name is no rule
            drop_inside(found, names)
        self.found = found
        self.present = sum(1 << n for n in found)
        self.entity_starts = [e[0] for e in self.entities]
        self._tagged: set[str] | None = None
        self._lead: tuple[int, int] | None = None
        self.sentence = Sentences(folded).of  # the sentence around an offset
        self._spans: dict[frozenset[int], list[tuple[int, int]]] = {}

    # ----------------------------------------------------------------- rules

    def mentions(self, anchors: list[int]) -> list[ActionMention]:
        """The mentions of the rules anchored on classes ``anchors``: from one anchor
        word the first rule (in file order) that matches; then, per sentence, one
        mention per action and object, and of two conflicting actions on one object
        the earlier rule's."""
        best: dict[tuple[int, int], tuple[int, ActionRule, list[tuple[int, int]]]] = {}
        order = self.m.order
        for number in anchors:
            for rule in self.m.anchors[number]:
                rank = order[rule.id]
                if not rule.needs:  # one word says it
                    for anchor in self.found[number]:
                        held = best.get(anchor)
                        if held is None or rank < held[0]:
                            best[anchor] = (rank, rule, [anchor])
                    continue
                if not rule.may_match(self.present, self.tagged()):
                    continue
                lists = [self._term(term) for term in rule.terms[1:]]
                if not all(lists):
                    continue
                for anchor in self.found[number]:
                    held = best.get(anchor)
                    if held is not None and held[0] < rank:
                        continue
                    chain = self._chain(rule, [anchor], lists, self.sentence(anchor[0]))
                    if chain is not None:
                        best[anchor] = (rank, rule, chain)
        drafts = []
        for rank, rule, chain in best.values():
            draft = self._draft(rank, rule, chain)
            if draft is not None:
                drafts.append(draft)
        drafts.sort()
        kept = resolved(self.m.grammar, drafts)
        framed = frames(
            self.m.grammar.actions, kept, verb_final=self.verb_final is True, governs=self.governs
        )
        return [self._mention(draft, frame) for draft, frame in zip(kept, framed, strict=True)]

    def _term(self, term: frozenset[int]) -> list[tuple[int, int]]:
        """Sorted spans of a term: its classes' words and tagged entities."""
        spans = self._spans.get(term)
        if spans is None:
            collected: set[tuple[int, int]] = set()
            for number in term:
                collected.update(self.found.get(number, ()))
                kinds_names = self.m.entity_classes.get(number)
                if kinds_names:
                    kinds, names = kinds_names
                    collected.update(
                        (s, e)
                        for s, e, name, kind in self.entities
                        if kind in kinds or name in names
                    )
            spans = self._spans[term] = sorted(collected)
        return spans

    def _chain(
        self,
        rule: ActionRule,
        chain: list[tuple[int, int]],
        lists: list[list[tuple[int, int]]],
        sentence: tuple[int, int],
    ) -> list[tuple[int, int]] | None:
        """``chain`` extended by one span of each later term within its gap, or None."""
        depth = len(chain) - 1
        if depth == len(lists):
            return chain
        limit, direction, from_anchor = rule.gaps[depth]
        start, end = chain[0] if from_anchor else chain[-1]
        reach = _CHARS_PER_WORD * (limit + 1)
        low = end if direction == 1 else max(sentence[0], start - reach - _CHARS_PER_WORD * 4)
        spans = lists[depth]
        for at in range(bisect.bisect_left(spans, (low,)), len(spans)):
            s, e = span = spans[at]
            if s >= sentence[1] or s > end + reach:
                break
            if e > sentence[1] or s < sentence[0]:
                continue
            if s >= end:
                if direction == -1:
                    break
                gap_low, gap_high = end, s
            elif e <= start and direction != 1:
                gap_low, gap_high = e, start
            else:
                continue
            if gap_high - gap_low > reach or any(s < b and a < e for a, b in chain):
                continue
            if not cjk_comma_free(self.folded, gap_low, gap_high):
                continue  # Chinese and Japanese clauses: terms stay in one
            if self.words_between(gap_low, gap_high) > limit:
                continue
            found = self._chain(rule, [*chain, span], lists, sentence)
            if found:
                return found
        return None

    def words_between(self, low: int, high: int) -> int:
        """Words in ``folded[low:high]``: spaced tokens, plus CJK characters / 2; a
        tagged name counts as one word ("Advanced Micro Devices", "ウィングテック")."""
        if high <= low:
            return 0
        starts = self.entity_starts
        at = bisect.bisect_left(starts, low)
        if at == len(starts) or starts[at] >= high:
            return word_count(self.folded[low:high])
        pieces = []
        cursor = low
        for s, e, _, _ in self.entities[at:]:
            if s >= high:
                break
            if s >= cursor and e <= high:
                pieces.append(self.folded[cursor:s])
                pieces.append("x")
                cursor = e
        pieces.append(self.folded[cursor:high])
        return word_count("".join(pieces))

    def lead(self) -> tuple[int, int]:
        """The summary's lead sentence: its first one of three words or more (not a
        dateline such as "Amsterdam." or "(Bloomberg) --")."""
        if self._lead is None:
            bounds = self.sentence(self.summary_start)
            while word_count(self.folded[bounds[0] : bounds[1]]) < LEAD_WORDS:
                following = bounds[1] + 1
                if following >= len(self.folded):
                    break
                bounds = self.sentence(following)
            self._lead = bounds
        return self._lead

    def governs(self, frame: Draft, action: Draft) -> bool:
        """Whether a meeting governs an action after it (before it, in a verb-final
        language): in one clause, or beyond a comma when a subordinator opens the
        action's clause ("visits Beijing, after being barred"; not "after meeting
        Trump, Commerce issued licences")."""
        low, high = (frame[1], action[0]) if frame[0] < action[0] else (action[1], frame[0])
        gap = self.folded[low:high]
        comma = max(gap.rfind(","), gap.rfind("\uff0c"))
        if comma < 0:
            return True
        return any(low + comma < s < high for s, _ in self.found.get(self.m.subord, ()))

    def tagged(self) -> set[str]:
        """The names and kinds of the tagged entities."""
        if self._tagged is None:
            self._tagged = {x for _, _, name, kind in self.entities for x in (name, kind)}
        return self._tagged

    # ----------------------------------------------------------------- mentions

    def _draft(self, rank: int, rule: ActionRule, chain: list[tuple[int, int]]) -> Draft | None:
        """A match read as an action (negation applied, objects found), or None."""
        if len(chain) == 1:
            start, end = chain[0]
        else:
            start = min(s for s, _ in chain)
            end = max(e for _, e in chain)
        sentence = self.sentence(chain[0][0])
        action, label = rule.action, rule.id
        found = self.found
        for n in rule.negators:
            if n in found and self._near(n, start, end, sentence, NEG_WORDS):
                if not rule.negated:
                    return None
                action, label = rule.negated, f"{rule.id} negated"
                break
        return (
            start,
            end,
            sentence,
            rank,
            action,
            label,
            self._objects(action, start, end, sentence),
            tuple(chain),
        )

    def _mention(self, draft: Draft, frame: str) -> ActionMention:
        start, end, sentence, _, action, label, objects, chain = draft
        plan = self.m.plan
        planned = plan in self.found and self._near(plan, start, end, sentence, PLAN_WORDS, chain)
        field, a, b = self._field_span(start, end)
        lead = field == "title" or sentence == self.lead()
        first = objects[0][0] if objects else None
        return ActionMention(action, first, planned, field, a, b, label, objects, lead, frame)

    def _near(
        self,
        number: int,
        start: int,
        end: int,
        sentence: tuple[int, int],
        words: int,
        own: Sequence[tuple[int, int]] = (),
    ) -> bool:
        """Whether a word of class ``number`` lies inside the match or next to it (before
        it; after it in a verb-final language), within ``words`` words of its clause;
        not one of the match's ``own`` words ("reveals plans": plans is the object)."""
        for s, e in self.found.get(number, ()):
            if s < sentence[0] or e > sentence[1] or (s, e) in own:
                continue
            if start <= s < end:
                return True
            if self.before and e <= start and self._close(e, start, words, before=True):
                return True
            if self.after and s >= end and self._close(end, s, words, before=False):
                return True
        return False

    def _close(self, low: int, high: int, words: int, *, before: bool) -> bool:
        """At most ``words`` words between, and no comma: "Nvidia, which did not
        comment, will resume sales" resumes them. Only a comma right after a word
        before the match is no bar ("erwägt, den Verkauf zu erlauben")."""
        gap = self.folded[low:high].replace("\uff0c", ",")
        if "," in (gap.lstrip(" ,") if before else gap):
            return False  # another clause
        return self.words_between(low, high) <= words

    def _objects(
        self, action: str, start: int, end: int, sentence: tuple[int, int]
    ) -> tuple[tuple[str, str], ...]:
        """(name, kind) of the entities of the sentence the action takes, best first:
        by the order of the action's kinds, then nearest."""
        ranks = self.m.object_ranks[action]
        generic = self.m.grammar.generic
        ranked = []
        entities = self.entities
        low, high = sentence
        for at in range(bisect.bisect_left(self.entity_starts, low), len(entities)):
            s, e, name, kind = entities[at]
            if s >= high:
                break
            rank = ranks.get(kind)
            if rank is None or e > high or name in generic:
                continue
            if s < end and e > start:
                distance = 0
            elif s >= end:
                distance = s - end
            else:  # before the verb: more often its subject than its object
                distance = (start - e) * self.before_weight
            ranked.append((rank, distance, name, kind))
        if not ranked:
            return ()
        if len(ranked) == 1:
            return ((ranked[0][2], ranked[0][3]),)
        ranked.sort()
        return tuple(dict.fromkeys((name, kind) for _, _, name, kind in ranked))[:MAX_OBJECTS]

    def _field_span(self, start: int, end: int) -> tuple[str, int, int]:
        """(field, start, end) in the original text of that field."""
        if self.index is not None:
            start, end = self.index[start], self.index[end - 1] + 1
        if self.split >= 0 and start > self.split:
            return "summary", start - self.split - 1, end - self.split - 1
        return ("title" if self.split >= 0 else "summary"), start, end


def _entities(
    matches: Sequence[EntityMatch], split: int, index: list[int] | None
) -> list[tuple[int, int, str, str]]:
    """(start, end, name, kind) of each tagged entity in the folded combined text."""
    if index is None:
        shift = split + 1 if split >= 0 else 0
        out = [
            (m.start + shift, m.end + shift, m.entity, m.kind)
            if m.field == "summary"
            else (m.start, m.end, m.entity, m.kind)
            for m in matches
        ]
        out.sort()
        return out
    out = []
    for m in matches:
        shift = split + 1 if m.field == "summary" and split >= 0 else 0
        start, end = m.start + shift, m.end + shift
        if index is not None:
            start, end = bisect.bisect_left(index, start), bisect.bisect_left(index, end)
        out.append((start, end, m.entity, m.kind))
    out.sort()
    return out
