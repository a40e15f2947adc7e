"""The action matcher as it was before session 27 (branch featcpu), kept as the
reference ``tests/test_features_exact.py`` holds
:func:`chipwatch.clustering.actions.find_actions` to, mention for mention: the matcher
and the reading of one article as they were (the grammar, the word scanner and the
mention type are the module's own, unchanged)."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from functools import cache

from chipwatch.clustering.action_grammar import (
    IGNORE,
    NEG,
    PLAN,
    SUBORD,
    VERB_FINAL,
    ActionGrammar,
    ActionRule,
    builtin_action_grammar,
)
from chipwatch.clustering.action_match import ActionMention
from chipwatch.clustering.action_words import (
    ALL_LANGUAGES,
    BIT,
    Spans,
    WordScanner,
    _abbreviation,
    cjk_comma_free,
    word_count,
)
from chipwatch.matchfold import fold_with_map
from chipwatch.model import EntityMatch


def reference_find_actions(
    title: str, summary: str, lang: str, matches: Sequence[EntityMatch]
) -> tuple[ActionMention, ...]:
    """``find_actions`` as it was."""
    return tuple(_reference_matcher().find(title, summary, lang, matches))


@cache
def _reference_matcher() -> ReferenceMatcher:
    return ReferenceMatcher(builtin_action_grammar())


_CHARS_PER_WORD = 12  # no word in a gap is longer, on average (a space included)
NEG_WORDS = 2  # a negation counts within this many words before (or after) a match
PLAN_WORDS = 4  # ... and a plan word within this many
LEAD_WORDS = 3  # a shorter first sentence is a dateline, not the lead
# Words inside these names are part of the name ("Regulation" in the State
# Administration for Market Regulation); inside a policy's name they count ("export
# licence", "AI diffusion rule").
_NAME_KINDS = frozenset({"agency", "company", "person", "place"})
MAX_OBJECTS = 4


class ReferenceMatcher:
    """A grammar compiled: the automaton of every word and the rules by anchor class."""

    def __init__(self, grammar: ActionGrammar) -> None:
        self.grammar = grammar
        self.anchors = grammar.anchors
        self.order = {rule.id: number for number, rule in enumerate(grammar.rules)}
        self.plan = grammar.index[PLAN]
        self.subord = grammar.index.get(SUBORD, -1)
        self.neg = grammar.index[NEG]
        self.scanner = WordScanner(grammar, grammar.index.get(IGNORE, -1))
        self.object_ranks = {
            action.id: {kind: rank for rank, kind in enumerate(action.objects)}
            for action in grammar.actions.values()
        }
        self._verb_final: dict[str, bool | None] = {}
        self.entity_classes = {
            n: (c.kinds, c.entities) for n, c in enumerate(grammar.classes) if c.kinds or c.entities
        }

    def verb_final(self, lang: str) -> bool | None:
        """True for Japanese and Korean, False for the others, None when unknown."""
        known = self._verb_final.get(lang, 0)
        if known != 0:
            return known  # type: ignore[return-value]
        self._verb_final[lang] = value = _verb_final(lang)
        return value

    def find(
        self, title: str, summary: str, lang: str, matches: Sequence[EntityMatch]
    ) -> list[ActionMention]:
        """Every action ``title`` and ``summary`` report (see :class:`ActionMention`)."""
        if not (title or summary):
            return []
        text = f"{title}\n{summary}" if title and summary else title or summary
        split = len(title) if title else -1
        folded, index = fold_with_map(text)
        found = self.scanner.scan(folded, reference_language_mask(lang))
        if not any(n in self.anchors for n in found):
            return []
        article = _Article(self, folded, index, split, lang, found, matches)
        return article.mentions(sorted(n for n in article.found if n in self.anchors))


class _Article:
    """One article being read: its words, sentences and entities."""

    def __init__(
        self,
        matcher: ReferenceMatcher,
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
            reference_drop_inside(found, names)
        self.found = found
        self.present = sum(1 << n for n in found)
        self.entity_starts = [e[0] for e in self.entities]
        self._tagged: set[str] | None = None
        self._lead: tuple[int, int] | None = None
        self._sentences: dict[int, tuple[int, int]] = {}
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
                if not reference_may_match(rule, self.present, self.tagged()):
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
        kept = _resolved(self.m.grammar, drafts)
        frames = _frames(self, kept)
        return [self._mention(draft, frame) for draft, frame in zip(kept, frames, strict=True)]

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

    def governs(self, frame: _Draft, action: _Draft) -> bool:
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

    def sentence(self, at: int) -> tuple[int, int]:
        """The bounds of the sentence holding offset ``at`` (cached per offset)."""
        bounds = self._sentences.get(at)
        if bounds is None:
            bounds = self._sentences[at] = reference_sentence_of(self.folded, at)
        return bounds

    # ----------------------------------------------------------------- mentions

    def _draft(self, rank: int, rule: ActionRule, chain: list[tuple[int, int]]) -> _Draft | None:
        """A match read as an action (negation applied, objects found), or None."""
        if len(chain) == 1:
            start, end = chain[0]
        else:
            start = min(s for s, _ in chain)
            end = max(e for _, e in chain)
        sentence = self.sentence(chain[0][0])
        action, label = rule.action, rule.id
        found = self.found
        if any(
            n in found and self._near(n, start, end, sentence, NEG_WORDS) for n in rule.negators
        ):
            if not rule.negated:
                return None
            action, label = rule.negated, f"{rule.id} negated"
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

    def _mention(self, draft: _Draft, frame: str) -> ActionMention:
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


# (start, end, sentence, rule rank, action, rule label, objects, the match's words), in
# folded offsets
_Draft = tuple[
    int,
    int,
    tuple[int, int],
    int,
    str,
    str,
    tuple[tuple[str, str], ...],
    tuple[tuple[int, int], ...],
]


def _frames(article: _Article, drafts: list[_Draft]) -> list[str]:
    """The frame each action's sentence puts it in ("" for none): a reaction, a meeting
    or a report governs the actions of its sentence; a meeting only those after it (or
    before it, in a verb-final language) in its clause ("after meeting Trump, Commerce
    issued licences": the licences are the news)."""
    actions = article.m.grammar.actions
    frames = [d for d in drafts if actions[d[4]].frame]
    if not frames:
        return [""] * len(drafts)
    out = []
    verb_final = article.verb_final is True
    for draft in drafts:
        frame = ""
        if not actions[draft[4]].frame:
            for candidate in frames:
                if candidate[2] != draft[2]:
                    continue
                scope = actions[candidate[4]].frame
                if scope == "sentence" or (
                    (candidate[0] > draft[0]) == verb_final and article.governs(candidate, draft)
                ):
                    frame = candidate[4]
                    if actions[frame].context:
                        break
        out.append(frame)
    return out


def _resolved(grammar: ActionGrammar, drafts: list[_Draft]) -> list[_Draft]:
    """Per sentence: one mention per action and object (the first), and of two
    conflicting actions read from the same words, the one of the earlier rule."""
    kept: list[_Draft] = []
    for draft in drafts:
        clash = None
        for at, other in enumerate(kept):
            if other[2] != draft[2] or not _agree(draft[6], other[6]):
                continue
            if other[4] == draft[4]:
                clash = -1
                break
            # Two readings of the same words: "the ban on exports was eased" is not
            # also a ban imposed.
            overlap = draft[0] < other[1] and other[0] < draft[1]
            if overlap and draft[4] in grammar.actions[other[4]].conflicts:
                clash = at if draft[3] < other[3] else -1
                break
        if clash is None:
            kept.append(draft)
        elif clash >= 0:
            kept[clash] = draft
    return kept


def _agree(a: tuple[tuple[str, str], ...], b: tuple[tuple[str, str], ...]) -> bool:
    return not a or not b or not set(a).isdisjoint(b)


def _verb_final(lang: str) -> bool | None:
    """True for Japanese and Korean, False for the others, None when unknown (both)."""
    mask = reference_language_mask(lang)
    if mask == ALL_LANGUAGES:
        return None
    return any(mask & BIT[v] for v in VERB_FINAL)


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


def reference_drop_inside(found: Spans, ignored: list[tuple[int, int]]) -> None:
    """``drop_inside`` as it was: each word against each name."""
    for number, spans in list(found.items()):
        kept = [s for s in spans if not any(a <= s[0] and s[1] <= b for a, b in ignored)]
        if kept:
            found[number] = kept
        else:
            del found[number]


def reference_may_match(rule: ActionRule, present: int, tagged: set[str]) -> bool:
    """``ActionRule.may_match`` as it was (``all`` over a generator)."""
    return all(present & mask or not fills.isdisjoint(tagged) for mask, fills in rule.needs)


def reference_language_mask(lang: str) -> int:
    """``language_mask`` as it was (worked out on every call)."""
    base = lang.split("-")[0].split("_")[0].lower()
    if base == "zh":
        return BIT["zh-Hans"] | BIT["zh-Hant"]
    return BIT.get(base, ALL_LANGUAGES)


_MARKS = ("\n", "!", "?", ";")
_ALL_MARKS = (*_MARKS, "\u3002", "\uff01", "\uff1f", "\uff1b")


def reference_sentence_of(folded: str, at: int) -> tuple[int, int]:
    """``sentence_of`` as it was: the marks looked for around ``at`` on each call."""
    marks = _MARKS if folded.isascii() else _ALL_MARKS
    low = 0
    for mark in marks:
        found = folded.rfind(mark, low, at)
        if found >= 0:
            low = found + 1
    stop = folded.rfind(". ", low, at + 1)  # at + 1: ``at`` may be the space after it
    while stop >= 0 and _abbreviation(folded, stop):
        stop = folded.rfind(". ", low, stop)
    if stop >= 0:
        low = stop + 2
    high = len(folded)
    for mark in marks:
        found = folded.find(mark, at, high)
        if found >= 0:
            high = found
    stop = folded.find(". ", at, high)
    while stop >= 0 and _abbreviation(folded, stop):
        stop = folded.find(". ", stop + 2, high)
    if stop >= 0:
        high = stop
    return low, high
