"""Hits that are more than an alias: model triggers and phrase anchors.

:class:`Special` is the part of :class:`~chipwatch.entities.tagger.Tagger` (the base of
its scans, :class:`~chipwatch.entities.scan.Scan`) that reads a product family's model
where its trigger was found (:mod:`~chipwatch.entities.models`) and runs the phrase
rules around the anchor words found (:mod:`~chipwatch.entities.phrases`). It declares
the tables both read; the Tagger sets them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from chipwatch.entities.data import is_word_char
from chipwatch.entities.fold import case_ok
from chipwatch.entities.match import (
    ALIAS,
    CASED,
    CJK,
    ENTITY,
    KIND,
    LEFT,
    REQUIRES,
    RIGHT,
    TAGS,
    Found,
    Overlaps,
    PatternTuple,
    end_of,
    may_hide,
)
from chipwatch.entities.phrase_match import find_phrases
from chipwatch.entities.phrases import Grammar, word_end
from chipwatch.model import Entity

if TYPE_CHECKING:
    from chipwatch.entities.lookup import ModelIndex
    from chipwatch.entities.tables import ModelInfo, WordInfo


class Special:
    """Model triggers and phrase anchors (the Tagger sets the tables declared here)."""

    entities: Mapping[str, Entity]
    _patterns: list[tuple[PatternTuple, ...]]
    _overlappable: list[tuple[tuple[int, tuple[str, ...]], ...]]
    _shadowed: list[bool]
    _words: list[WordInfo | None]
    _word_masks: list[int]
    _triggers: list[ModelInfo | None]
    _extends: list[tuple[str, ...]]
    _models: ModelIndex
    _grammar: Grammar
    _phrase_patterns: dict[str, PatternTuple]

    def _ancestors(self, name: str) -> tuple[str, ...]:
        raise NotImplementedError

    def _hides(self, number: int, folded: str, start: int) -> bool:
        """Whether a hit that tags nothing itself may hide a candidate inside it."""
        if self._shadowed[number]:
            return True
        return any(folded.startswith(k, start + cut) for cut, k in self._overlappable[number])

    def _special_hit(
        self,
        number: int,
        text: str,
        folded: str,
        index: list[int] | None,
        start: int,
        end: int,
        kept: list[Found],
        gated: list[Found],
        words: list[tuple[int, int, int]],
    ) -> int | None:
        """A hit of a key that is a model trigger (and maybe an alias or a class word):
        adds what it tags; returns where a model read past it ends (-1: none), or None
        when the fast path must yield."""
        size = len(folded)
        own = self._patterns[number]
        models: list[Found] = []
        trigger = self._triggers[number]
        if trigger is not None and (
            not own  # a trigger only, or an alias a model may run past:
            or (
                end < size
                and (
                    ((c := folded[end]).isalnum() and c < CJK)
                    or folded.startswith(self._extends[number], end)
                )
            )
        ):
            models = self._model_hits(trigger, text, folded, index, start)
            if models and end_of(models[0]) > end:  # the model is longer: it wins
                if any(folded.startswith(k, start + cut) for cut, k in self._overlappable[number]):
                    return None
                _add(models, kept, gated)
                return end_of(models[-1])
        taken = pending = False
        for p in own:
            if p[LEFT] and start and is_word_char(folded[start - 1]):
                continue
            if p[RIGHT] and end < size and is_word_char(folded[end]):
                continue
            if p[CASED] and not case_ok(text, index, start, end, p[ALIAS]):
                continue
            if p[REQUIRES]:
                gated.append((start, start - end, p))
                pending = True
            elif not taken:
                kept.append((start, start - end, p))
                taken = True
        if models:  # a model no longer than this key: the alias wins its span
            models = [m for m in models if m[0] >= end] if taken or pending else models
            if models:
                _add(models, kept, gated)
                return max(end, end_of(models[-1]))
        if self._words[number] is not None and not taken:
            words.append((number, start, end))  # a gated alias may stay shut: a word too
        if taken or pending:
            hidden = any(folded.startswith(k, start + cut) for cut, k in self._overlappable[number])
            return None if hidden else -1
        if own:
            return None if may_hide(folded[start:end]) else -1
        return None if self._hides(number, folded, start) else -1

    def _model_hits(
        self, trigger: ModelInfo, text: str, folded: str, index: list[int] | None, start: int
    ) -> list[Found]:
        """The models a family pattern reads at ``start`` (the longest reading wins)."""
        if start and is_word_char(folded[start - 1]) and is_word_char(folded[start]):
            return []
        best: list[Found] = []
        for number, alone in trigger:
            found = self._models.at(number, text, folded, index, start, alone)
            if found and (not best or end_of(found[0]) > end_of(best[0])):
                best = found
        return best

    def _phrases(
        self,
        folded: str,
        hits: list[tuple[int, int, int]],
        entities: list[Found],
        blockers: list[Found],
    ) -> list[Found]:
        """Policy terms the phrase rules find among the class words ``hits`` (nothing
        to do unless one of them is a rule's anchor)."""
        present = 0
        masks = self._word_masks
        for number, _, _ in hits:
            present |= masks[number]
        plan = self._grammar.possible(present) if present else None
        if plan is None:
            return []
        # A rule made moot by what the article already names (its own entity, or one
        # of its ``unless``: an export licence says export controls already) is not
        # looked at: it would add a mention, not an entity.
        if moot_all := plan.moot_all:  # the common case, made quick: all are moot
            for _, _, p in entities:
                if p[ENTITY] in moot_all:
                    return []
        tagged = {p[ENTITY] for _, _, p in entities}
        opens: set[str] | None = None
        for _, _, p in blockers:  # a gated name counts where its gate will open
            if p[REQUIRES]:
                if opens is None:
                    opens = {tag for _, _, q in entities for tag in q[TAGS]}
                if not p[REQUIRES].isdisjoint(opens):
                    tagged.add(p[ENTITY])
        plan = self._grammar.without(plan, tagged)
        if plan is None:
            return []
        tagged.update(p[KIND] for _, _, p in entities)
        words = []
        size = len(folded)
        for number, start, end in hits:
            joined_left = start > 0 and is_word_char(folded[start - 1])
            joined_right = end < size and is_word_char(folded[end])
            classes = frozenset(
                n
                for n, left, right in self._words[number] or ()
                if not (left and joined_left) and not (right and joined_right)
            )
            if classes:
                if joined_right:  # a stem ("restrict*") reads to the end of its word
                    end = word_end(folded, end)
                words.append((start, end, classes))
        if not words:
            return []
        del words[_MOST_ANCHORS:]  # hostile text bound: no article has more
        found: list[Found] = []
        matched = find_phrases(self._grammar, plan, folded, words, entities, tagged)
        if matched:
            overlaps = Overlaps(blockers)
            for hit in matched:
                start, end = hit.start, hit.end
                if overlaps(start, end):
                    start, end = hit.words[0]  # its anchor word alone
                found.append((start, start - end, self._phrase_pattern(hit.rule.id)))
        return found

    def _phrase_pattern(self, rule_id: str) -> PatternTuple:
        pattern = self._phrase_patterns.get(rule_id)
        if pattern is None:
            rule = next(r for r in self._grammar.rules if r.id == rule_id)
            entity = self.entities[rule.entity]
            tags = (entity.name, entity.kind, *self._ancestors(entity.name))
            text = f"phrase {rule.id}: {rule.text}"
            pattern = (False, False, False, frozenset(), entity.name, entity.kind, rule.id,
                       text, tags)  # fmt: skip
            self._phrase_patterns[rule_id] = pattern
        return pattern


def _add(models: list[Found], kept: list[Found], gated: list[Found]) -> None:
    for model in models:
        (gated if model[2][REQUIRES] else kept).append(model)


# Anchor words looked at in one article: a news item has a few dozen at most; a 20,000-
# character summary of nothing else would cost 0.4 s without this bound (15 ms with it).
_MOST_ANCHORS = 256
