"""The tagger's scans of a text: the fast leftmost-longest one and the exhaustive one.

:class:`Scan` is the part of :class:`~chipwatch.entities.tagger.Tagger` (its base
class) that turns the automaton's hits into candidates; the tables it reads are built
in :mod:`~chipwatch.entities.tables`, the hits that are more than an alias (model
triggers, phrase anchors) are handled by its own base,
:class:`~chipwatch.entities.special.Special`.

The fast path keeps the leftmost-longest hits; when a rejected hit could hide a valid
overlapping spelling it yields to the exhaustive path, which looks at every hit and
gives the same result whenever the fast path answers (a property test holds them to it).
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING

from chipwatch.entities.fold import case_ok
from chipwatch.entities.match import (
    ALIAS,
    CASED,
    CJK,
    ENTITY,
    LEFT,
    REQUIRES,
    RIGHT,
    RULE,
    TAGS,
    Find,
    Found,
    Overlaps,
    PatternTuple,
    end_of,
    longest,
    may_hide,
    opened,
)
from chipwatch.entities.special import Special

if TYPE_CHECKING:
    from chipwatch.entities.automaton import Automaton


class Scan(Special):
    """Candidates from the automaton's hits (the Tagger sets the tables declared here
    and in :class:`Special`)."""

    _automaton: Automaton
    _risky: list[bool]
    _special: list[int]
    _fast_patterns: list[tuple[PatternTuple, ...]]
    _fast_overlappable: list[tuple[tuple[int, tuple[str, ...]], ...]]

    def _leftmost_longest(
        self, text: str, folded: str, index: list[int] | None
    ) -> list[Found] | None:
        """The fast path: leftmost-longest hits, already in order and never overlapping.

        Returns None when a rejected hit could hide a valid overlapping spelling (see
        ``may_hide``) or a longer spelling starts inside a hit (see ``_overlappable``);
        the caller then takes the exhaustive path, which gives the same
        result as this one whenever this one answers.
        """
        kept: list[Found] = []
        gated: list[Found] = []
        words: list[tuple[int, int, int]] = []
        size = len(folded)
        # Plain alias hits (most hits) pay nothing for what else a key may be: class
        # words and mixed keys have no fast patterns (their hits are rejected, then
        # looked at), and an alias that is also a model trigger ("h20") carries a check
        # (cut -1) among its fast overlappables.
        patterns, overlappable = self._fast_patterns, self._fast_overlappable
        special = self._special
        reads: list[tuple[int, int]] = []  # models read on past their key
        word_masks = self._word_masks
        anchored = False
        for number, start, end in self._automaton.find_longest(folded):
            taken = pending = False
            for p in patterns[number]:
                if p[LEFT] and start and (c := folded[start - 1]).isalnum() and c < CJK:
                    continue
                if p[RIGHT] and end < size and (c := folded[end]).isalnum() and c < CJK:
                    continue
                if (
                    p[CASED]
                    and (index is not None or text[start:end] != p[ALIAS])
                    and not case_ok(text, index, start, end, p[ALIAS])
                ):
                    continue
                if p[REQUIRES]:
                    gated.append((start, start - end, p))
                    pending = True
                elif not taken:
                    kept.append((start, start - end, p))
                    taken = True
            if taken or pending:
                for cut, longer in overlappable[number]:
                    if cut >= 0:  # a longer spelling starts inside: the exhaustive scan
                        if folded.startswith(longer, start + cut):
                            return None
                        continue
                    # A model trigger: a model may read on past the alias ("h20e"); if
                    # so, the alias is taken back and the special hit decides.
                    if end < size and (((c := folded[end]).isalnum() and c < CJK)
                                       or folded.startswith(longer, end)):  # fmt: skip
                        if taken:
                            kept.pop()
                        while gated and gated[-1][0] == start:
                            gated.pop()
                        done = self._special_hit(number, text, folded, index, start, end,
                                                 kept, gated, words)  # fmt: skip
                        if done is None:
                            return None
                        if done > end:
                            reads.append((start, done))
                        break  # the special hit has looked at the overlappables
            elif code := special[number]:  # a class word, a model trigger, or both
                if code == _WORD:
                    if self._risky[number] and self._hides(number, folded, start):
                        return None
                    words.append((number, start, end))
                    if word_masks[number]:  # a rule's anchor: the rules will be looked at
                        anchored = True
                    continue
                count = len(words)
                done = self._special_hit(number, text, folded, index, start, end, kept,
                                         gated, words)  # fmt: skip
                if done is None:
                    return None
                if len(words) > count and word_masks[number]:
                    anchored = True
                if done > end:
                    reads.append((start, done))
            elif may_hide(folded[start:end]):
                return None
        if reads and not _drop_inside(reads, kept, gated, words):
            return None
        if anchored:
            blockers = kept + gated
            for phrase in longest(self._phrases(folded, words, kept, blockers)):
                bisect.insort(kept, phrase, key=_start)
        if gated and not self._open_gates(gated, kept, folded):
            return None
        return kept

    @staticmethod
    def _open_gates(gated: list[Found], kept: list[Found], folded: str) -> bool:
        """Insert the gated candidates whose gate opens; False when the fast path must yield."""
        starts = {item[0] for item in kept}
        ungated = list(kept)
        for start, negative_length, p, opener in _resolve_gates(gated, ungated):
            if start in starts:  # an ungated spelling of the same span already won
                continue
            if opener is None:
                if may_hide(folded[start : start - negative_length]):
                    return False
                continue
            bisect.insort(kept, (start, negative_length, opened(p, opener)), key=_start)
            starts.add(start)
        return True

    def _exhaustive(self, text: str, folded: str, index: list[int] | None) -> list[Found]:
        """The exhaustive path: every valid candidate, overlapping ones included, then the
        longest of them; gated ones join when an ungated candidate opens their gate."""
        plain, gated, words = self._scan(text, folded, index, self._automaton.find)
        if words:  # as on the fast path: a word under an ungated alias or inside a
            # longer word ("许可" in "许可证") is no word
            under = Overlaps(plain)
            words = _outermost([w for w in words if not under(w[1], w[2])])
            plain += self._phrases(folded, words, longest(list(plain)), plain + gated)
        ungated = list(plain)
        for start, negative_length, p, opener in _resolve_gates(gated, ungated):
            if opener is not None:
                plain.append((start, negative_length, opened(p, opener)))
        return longest(plain)

    def _candidates(self, text: str, folded: str, index: list[int] | None) -> list[Found]:
        """Every candidate of the exhaustive path before the longest are chosen (tests)."""
        return self._exhaustive(text, folded, index)

    def _scan(
        self, text: str, folded: str, index: list[int] | None, find: Find
    ) -> tuple[list[Found], list[Found], list[tuple[int, int, int]]]:
        """Boundary- and case-valid candidates: (ungated, gated, class words)."""
        plain: list[Found] = []
        gated: list[Found] = []
        words: list[tuple[int, int, int]] = []
        models: list[Found] = []
        size = len(folded)
        patterns = self._patterns
        for number, start, end in find(folded):
            if (trigger := self._triggers[number]) is not None:
                models += self._model_hits(trigger, text, folded, index, start)
            if self._words[number] is not None:
                words.append((number, start, end))
            for p in patterns[number]:
                if p[LEFT] and start and (c := folded[start - 1]).isalnum() and c < CJK:
                    continue
                if p[RIGHT] and end < size and (c := folded[end]).isalnum() and c < CJK:
                    continue
                if (
                    p[CASED]
                    and (index is not None or text[start:end] != p[ALIAS])
                    and not case_ok(text, index, start, end, p[ALIAS])
                ):
                    continue
                (gated if p[REQUIRES] else plain).append((start, start - end, p))
        if models:  # where an alias has the same span, the alias wins it
            spans = {(s, n) for s, n, _ in plain + gated}
            unique = {(s, n, p[ENTITY]): (s, n, p) for s, n, p in models if (s, n) not in spans}
            for item in unique.values():
                (gated if item[2][REQUIRES] else plain).append(item)
        return plain, gated, words


_WORD, _ALIAS_TRIGGER, _OTHER = 1, 2, 3


def _code(alias: bool, word: bool, trigger: bool) -> int:
    if not word and not trigger:
        return 0
    if word and not alias and not trigger:
        return _WORD
    return _ALIAS_TRIGGER if alias and trigger and not word else _OTHER


def _resolve_gates(
    gated: list[Found], ungated: list[Found]
) -> list[tuple[int, int, PatternTuple, str | None]]:
    """Each gated candidate with the entity that opens its gate (None: it stays shut).

    Where gated candidates share a span ("ministère du commerce": the US department
    next to the United States, MOFCOM next to China), only the one whose opener comes
    first in the article is kept.
    """
    ordered = sorted(ungated, key=_start)
    best: dict[tuple[int, int], tuple[int, PatternTuple, str | None]] = {}
    openers: dict[frozenset[str], tuple[int, str | None]] = {}  # per gate, not per hit
    for start, negative_length, p in gated:
        opener = openers.get(p[REQUIRES])
        if opener is None:
            opener = openers[p[REQUIRES]] = _opener(p[REQUIRES], ordered)
        where, opened = opener
        current = best.get((start, negative_length))
        if current is None or where < current[0]:
            best[(start, negative_length)] = (where, p, opened)
    return [(s, n, p, opened) for (s, n), (_, p, opened) in sorted(best.items())]


def _outermost(words: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """The words not inside a longer one ("许可" in "许可证"), in their order."""
    furthest = -1
    inside = set()
    for word in sorted(words, key=lambda w: (w[1], -w[2])):
        if furthest >= word[2]:
            inside.add(word)
        furthest = max(furthest, word[2])
    return [w for w in words if w not in inside] if inside else words


def _opener(requires: frozenset[str], ordered: list[Found]) -> tuple[int, str | None]:
    """The first ungated candidate that is (or is part of, or is of a kind) required,
    as (its start, its entity); (a large number, None) when there is none."""
    for found in ordered:
        if not requires.isdisjoint(found[2][TAGS]):
            return found[0], found[2][ENTITY]
    return 1 << 62, None


def _drop_inside(
    reads: list[tuple[int, int]],
    kept: list[Found],
    gated: list[Found],
    words: list[tuple[int, int, int]],
) -> bool:
    """Drop what later hits found inside a model read on past its key ("Ascend 950PR":
    the key was "ascend 9"); False when one runs past the model (the exhaustive path
    decides). Models are the items that start where a read starts, or that are models."""
    for items in (kept, gated):
        for item in list(items):
            for low, high in reads:
                if low < item[0] < high and not item[2][RULE].startswith("model of "):
                    if end_of(item) > high:
                        return False
                    items.remove(item)
    words[:] = [w for w in words if not any(low <= w[1] < high for low, high in reads)]
    return True


def _start(found: Found) -> int:
    return found[0]
