"""Running the action grammar over one article: one automaton pass, then local checks.

Every word of every class (all languages) is a key of one automaton; a pass over the
folded "title\\nsummary" finds them all, keeps those of the article's language whose
word boundaries hold, and notes which classes occur. Only rules whose anchor class
occurred, and whose later terms all have a word or a tagged entity in the article, are
looked at, and only from their anchor words: each later term must lie within its gap,
in the anchor's sentence. Then, per match: negation and modality words next to it,
the frame (reaction, meeting, report) its sentence may put it in, and its object, the
nearest tagged entity of a kind the action takes.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from chipwatch.clustering.action_grammar import (
    CJK,
    IGNORE,
    LANGUAGES,
    NEG,
    PLAN,
    VERB_FINAL,
    ActionGrammar,
    ActionRule,
    fold,
    is_word_char,
    word_spellings,
)
from chipwatch.model import EntityMatch

_CHARS_PER_WORD = 12  # no word in a gap is longer, on average (a space included)
NEG_WORDS = 2  # a negation counts within this many words before (or after) a match
PLAN_WORDS = 4  # ... and a plan word within this many
MAX_OBJECTS = 4
ALL_LANGUAGES = (1 << len(LANGUAGES)) - 1
_BIT = {lang: 1 << n for n, lang in enumerate(LANGUAGES)}


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


def language_mask(lang: str) -> int:
    """The tables an article in ``lang`` is read with: its own (both Chinese scripts
    for any Chinese), or every table for a language the dictionary does not cover."""
    base = lang.split("-")[0].split("_")[0].lower()
    if base == "zh":
        return _BIT["zh-Hans"] | _BIT["zh-Hant"]
    return _BIT.get(base, ALL_LANGUAGES)


class ActionMatcher:
    """A grammar compiled: the automaton of every word and the rules by anchor class."""

    def __init__(self, grammar: ActionGrammar) -> None:
        import ahocorasick_rs

        self.grammar = grammar
        self.anchors = grammar.anchors
        self.order = {rule.id: number for number, rule in enumerate(grammar.rules)}
        self.plan = grammar.index[PLAN]
        self.neg = grammar.index[NEG]
        self.ignore = grammar.index.get(IGNORE, -1)
        infos: dict[str, dict[tuple[int, bool, bool, bool], int]] = {}
        for number, word_class in enumerate(grammar.classes):
            for lang, words in word_class.words.items():
                for word in words:
                    for key in word_spellings(word):
                        left = not word.startswith("*") and is_word_char(key[0])
                        stem = word.endswith("*")
                        right = not stem and is_word_char(key[-1])
                        flags = (number, left, right, stem and is_word_char(key[-1]))
                        by_flags = infos.setdefault(key, {})
                        by_flags[flags] = by_flags.get(flags, 0) | _BIT[lang]
        self.keys = list(infos)
        self.infos = [
            tuple(
                (n, bits, len(key), left, right, stem)
                for (n, left, right, stem), bits in infos[key].items()
            )
            for key in self.keys
        ]
        automaton = ahocorasick_rs.AhoCorasick(
            self.keys,
            matchkind=ahocorasick_rs.MatchKind.Standard,
            implementation=ahocorasick_rs.Implementation.DFA,
        )
        self._search = automaton.find_matches_as_indexes
        self._entity_classes = {
            n: (c.kinds, c.entities) for n, c in enumerate(grammar.classes) if c.kinds or c.entities
        }

    def words(self, folded: str, mask: int) -> dict[int, list[tuple[int, int]]]:
        """Class number -> sorted spans of its words in ``folded`` (of the languages in
        ``mask``, with their word boundaries; a stem reads to the end of its word)."""
        found: dict[int, list[tuple[int, int]]] = {}
        size = len(folded)
        infos = self.infos
        for key, start, _ in self._search(folded, overlapping=True):
            for number, bits, length, left, right, stem in infos[key]:
                if not bits & mask:
                    continue
                if left and start:
                    before = folded[start - 1]
                    if before.isalnum() and before < CJK:
                        continue
                end = start + length
                if end < size and (right or stem):
                    after = folded[end]
                    if after.isalnum() and after < CJK:
                        if right:
                            continue
                        end = _WORD_TAIL.match(folded, end).end()  # type: ignore[union-attr]
                spans = found.get(number)
                if spans is None:
                    found[number] = [(start, end)]
                elif spans[-1] != (start, end):
                    spans.append((start, end))
        for spans in found.values():
            if len(spans) > 1:
                spans.sort()
        ignored = found.pop(self.ignore, None)
        if ignored:
            _drop_inside(found, ignored)
        return found

    def find(
        self, title: str, summary: str, lang: str, matches: Sequence[EntityMatch]
    ) -> list[ActionMention]:
        """Every action ``title`` and ``summary`` report (see :class:`ActionMention`)."""
        if not (title or summary):
            return []
        text = f"{title}\n{summary}" if title and summary else title or summary
        split = len(title) if title else -1
        folded, index = fold_with_map(text)
        found = self.words(folded, language_mask(lang))
        anchors = [n for n in found if n in self.anchors]
        if not anchors:
            return []
        article = _Article(self, folded, index, text, split, lang, found, matches)
        return article.mentions(sorted(anchors))


class _Article:
    """One article being read: its words, sentences and entities (built on demand)."""

    def __init__(
        self,
        matcher: ActionMatcher,
        folded: str,
        index: list[int] | None,
        text: str,
        split: int,
        lang: str,
        found: dict[int, list[tuple[int, int]]],
        matches: Sequence[EntityMatch],
    ) -> None:
        self.m = matcher
        self.folded = folded
        self.index = index
        self.text = text
        self.split = split
        self.verb_final: bool | None = _verb_final(lang)
        # Where the summary starts in the folded text (its first sentence is the lead).
        self.summary_start = split + 1
        if index is not None and split >= 0:
            self.summary_start = bisect.bisect_left(index, split + 1)
        self.found = found
        self.present = sum(1 << n for n in found)
        self.entities = _entities(matches, split, index)
        self.tagged = {x for _, _, name, kind in self.entities for x in (name, kind)}
        self._breaks: list[int] | None = None
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
                if not rule.may_match(self.present, self.tagged):
                    continue
                lists = [self._term(term) for term in rule.terms[1:]]
                if not all(lists):
                    continue
                rank = order[rule.id]
                for anchor in self.found[number]:
                    held = best.get(anchor)
                    if held is not None and held[0] < rank:
                        continue
                    chain = self._chain(rule, [anchor], lists, self.sentence(anchor[0]))
                    if chain is not None:
                        best[anchor] = (rank, rule, chain)
        built: list[tuple[ActionMention, int, tuple[int, int]]] = []
        for rank, rule, chain in sorted(best.values(), key=lambda b: min(s for s, _ in b[2])):
            mention = self._mention(rule, chain)
            if mention is not None:
                built.append((mention, rank, self.sentence(chain[0][0])))
        return _framed(self, _resolved(self.m.grammar, built))

    def _term(self, term: frozenset[int]) -> list[tuple[int, int]]:
        """Sorted spans of a term: its classes' words and tagged entities."""
        spans = self._spans.get(term)
        if spans is None:
            collected: set[tuple[int, int]] = set()
            for number in term:
                collected.update(self.found.get(number, ()))
                kinds_names = self.m._entity_classes.get(number)
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
        limit, forward, from_anchor = rule.gaps[depth]
        start, end = chain[0] if from_anchor else chain[-1]
        reach = _CHARS_PER_WORD * (limit + 1)
        low = end if forward else max(sentence[0], start - reach - _CHARS_PER_WORD * 4)
        spans = lists[depth]
        for at in range(bisect.bisect_left(spans, (low,)), len(spans)):
            span = spans[at]
            if span[0] >= sentence[1] or span[0] > end + reach:
                break
            if span[1] > sentence[1] or span[0] < sentence[0]:
                continue
            if span[0] >= end:
                gap = (end, span[0])
            elif span[1] <= start and not forward:
                gap = (span[1], start)
            else:
                continue
            if gap[1] - gap[0] > reach or any(_overlap(span, held) for held in chain):
                continue
            if self.words_between(*gap) > limit:
                continue
            found = self._chain(rule, [*chain, span], lists, sentence)
            if found:
                return found
        return None

    def words_between(self, low: int, high: int) -> int:
        """Words in ``folded[low:high]``: spaced tokens, plus CJK characters / 2."""
        if high <= low:
            return 0
        gap = self.folded[low:high]
        if gap.isascii():
            return len(_ASCII_WORD.findall(gap))
        return len(_SPACED_WORD.findall(gap)) + (len(_CJK_CHAR.findall(gap)) + 1) // 2

    # ----------------------------------------------------------------- sentences

    def sentence(self, at: int) -> tuple[int, int]:
        """The bounds of the sentence holding offset ``at``."""
        breaks = self._breaks
        if breaks is None:
            breaks = self._breaks = _sentence_breaks(self.folded)
        i = bisect.bisect_right(breaks, at)
        low = breaks[i - 1] + 1 if i else 0
        return low, breaks[i] if i < len(breaks) else len(self.folded)

    # ----------------------------------------------------------------- mentions

    def _mention(self, rule: ActionRule, chain: list[tuple[int, int]]) -> ActionMention | None:
        start = min(s for s, _ in chain)
        end = max(e for _, e in chain)
        sentence = self.sentence(chain[0][0])
        action, label = rule.action, rule.id
        if any(self._near(n, start, end, sentence, NEG_WORDS) for n in rule.negators):
            if not rule.negated:
                return None
            action, label = rule.negated, f"{rule.id} negated"
        planned = self._near(self.m.plan, start, end, sentence, PLAN_WORDS)
        objects = self._objects(action, start, end, sentence)
        field, a, b = self._field_span(start, end)
        lead = field == "title" or sentence[0] == self.summary_start
        return ActionMention(
            action, objects[0][0] if objects else None, planned, field, a, b, label, objects, lead
        )

    def _near(
        self, number: int, start: int, end: int, sentence: tuple[int, int], words: int
    ) -> bool:
        """Whether a word of class ``number`` lies inside the match or next to it (before
        it; after it in a verb-final language), within ``words`` words of its clause."""
        for s, e in self.found.get(number, ()):
            if s < sentence[0] or e > sentence[1]:
                continue
            if start <= s < end:
                return True
            if self.verb_final is not True and e <= start and self._close(e, start, words):
                return True
            if self.verb_final is not False and s >= end and self._close(end, s, words):
                return True
        return False

    def _close(self, low: int, high: int, words: int) -> bool:
        """At most ``words`` words between, and no comma: "Nvidia, which did not
        comment, will resume sales" resumes them."""
        gap = self.folded[low:high]
        return "," not in gap and "，" not in gap and self.words_between(low, high) <= words

    def _objects(
        self, action: str, start: int, end: int, sentence: tuple[int, int]
    ) -> tuple[tuple[str, str], ...]:
        kinds = self.m.grammar.actions[action].objects
        generic = self.m.grammar.generic
        ranked = []
        for s, e, name, kind in self.entities:
            if s < sentence[0] or e > sentence[1] or kind not in kinds or name in generic:
                continue
            distance = 0 if s < end and e > start else min(abs(s - end), abs(start - e))
            ranked.append((kinds.index(kind), distance, name, kind))
        ranked.sort()
        return tuple(dict.fromkeys((name, kind) for _, _, name, kind in ranked))[:MAX_OBJECTS]

    def _field_span(self, start: int, end: int) -> tuple[str, int, int]:
        """(field, start, end) in the original text of that field."""
        if self.index is not None:
            start, end = self.index[start], self.index[end - 1] + 1
        if self.split >= 0 and start > self.split:
            return "summary", start - self.split - 1, end - self.split - 1
        return ("title" if self.split >= 0 else "summary"), start, end


def _framed(article: _Article, mentions: list[ActionMention]) -> list[ActionMention]:
    """Mark each action with the frame its sentence puts it in (a reaction, a meeting or
    a report governs the actions of its sentence; a meeting only those after it, or
    before it in a verb-final language)."""
    actions = article.m.grammar.actions
    frames = [m for m in mentions if actions[m.action].frame]
    if not frames:
        return mentions
    out = []
    for mention in mentions:
        if actions[mention.action].frame:
            out.append(mention)
            continue
        where = article.sentence(_folded_offset(article, mention))
        frame = ""
        for candidate in frames:
            if article.sentence(_folded_offset(article, candidate)) != where:
                continue
            scope = actions[candidate.action].frame
            after = candidate.start > mention.start
            if scope == "sentence" or after == (article.verb_final is True):
                frame = candidate.action
                if actions[frame].context:
                    break
        out.append(_replace_framed(mention, frame) if frame else mention)
    return out


def _replace_framed(mention: ActionMention, frame: str) -> ActionMention:
    return ActionMention(
        mention.action,
        mention.object,
        mention.planned,
        mention.field,
        mention.start,
        mention.end,
        mention.rule,
        mention.objects,
        mention.lead,
        frame,
    )


def _folded_offset(article: _Article, mention: ActionMention) -> int:
    """A mention's start back in the folded "title\\nsummary" (for its sentence)."""
    at = mention.start + (
        article.split + 1 if mention.field == "summary" and article.split >= 0 else 0
    )
    if article.index is not None:
        at = bisect.bisect_left(article.index, at)
    return at


def _drop_inside(found: dict[int, list[tuple[int, int]]], ignored: list[tuple[int, int]]) -> None:
    """Drop the words that lie inside an IGNORE phrase ("developing countries")."""
    for number, spans in list(found.items()):
        kept = [s for s in spans if not any(a <= s[0] and s[1] <= b for a, b in ignored)]
        if kept:
            found[number] = kept
        else:
            del found[number]


def _resolved(
    grammar: ActionGrammar, built: list[tuple[ActionMention, int, tuple[int, int]]]
) -> list[ActionMention]:
    """Per sentence: one mention per action and object (the first), and of two
    conflicting actions on one object, the one of the earlier rule."""
    kept: list[tuple[ActionMention, int, tuple[int, int]]] = []
    for mention, rank, sentence in built:
        clash = None
        for at, (other, other_rank, where) in enumerate(kept):
            if where != sentence or not _objects_agree(mention, other):
                continue
            if other.action == mention.action:
                clash = -1
                break
            if mention.action in grammar.actions[other.action].conflicts:
                clash = at if rank < other_rank else -1
                break
        if clash is None:
            kept.append((mention, rank, sentence))
        elif clash >= 0:
            kept[clash] = (mention, rank, sentence)
    return [mention for mention, _, _ in kept]


def _objects_agree(a: ActionMention, b: ActionMention) -> bool:
    return not a.objects or not b.objects or not set(a.objects).isdisjoint(b.objects)


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _verb_final(lang: str) -> bool | None:
    """True for Japanese and Korean, False for the others, None when unknown (both)."""
    mask = language_mask(lang)
    if mask == ALL_LANGUAGES:
        return None
    return any(mask & _BIT[v] for v in VERB_FINAL)


def _entities(
    matches: Sequence[EntityMatch], split: int, index: list[int] | None
) -> list[tuple[int, int, str, str]]:
    """(start, end, name, kind) of each tagged entity in the folded combined text."""
    out = []
    for m in matches:
        shift = split + 1 if m.field == "summary" and split >= 0 else 0
        start, end = m.start + shift, m.end + shift
        if index is not None:
            start, end = bisect.bisect_left(index, start), bisect.bisect_left(index, end)
        out.append((start, end, m.entity, m.kind))
    out.sort()
    return out


# --------------------------------------------------------------------------- text


def fold_with_map(text: str) -> tuple[str, list[int] | None]:
    """Folded text and, when folding changed its length, each folded character's offset
    in ``text`` (None when offsets are shared, which is nearly always)."""
    if text.isascii():
        return text.lower(), None
    if unicodedata.is_normalized("NFKC", text):
        lowered = text.lower()
        if len(lowered) == len(text):
            return lowered, None
    pieces: list[str] = []
    index: list[int] = []
    for offset, char in enumerate(text):
        piece = "" if unicodedata.combining(char) else fold(char)
        pieces.append(piece)
        index.extend([offset] * len(piece))
    folded = "".join(pieces)
    if len(folded) == len(text):
        return folded, None
    return folded, index


def _sentence_breaks(folded: str) -> list[int]:
    """Offsets of the marks that end a sentence: line breaks, ! ? ; and CJK stops, and a
    full stop before a space (not after "U.S." or "Corp.")."""
    breaks = []
    for match in _BREAK.finditer(folded):
        at = match.start()
        if folded[at] == "." and _abbreviation(folded, at):
            continue
        breaks.append(at)
    return breaks


def _abbreviation(folded: str, at: int) -> bool:
    token = folded[folded.rfind(" ", max(0, at - 12), at) + 1 : at]
    return "." in token or token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha())


_BREAK = re.compile(r"[\n!?;。！？；]|\.(?=\s)")
_ABBREVIATIONS = frozenset(
    [
        "corp",
        "inc",
        "co",
        "ltd",
        "llc",
        "plc",
        "bhd",
        "no",
        "nr",
        "mr",
        "ms",
        "mrs",
        "dr",
        "st",
        "vs",
        "etc",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "gov",
        "sen",
        "rep",
        "dept",
    ]
)
_WORD_TAIL = re.compile(r"[^\W_\u2e80-\U0010ffff]*")
_ASCII_WORD = re.compile(r"[^\sA-Za-z0-9]*[A-Za-z0-9]\S*")
_SPACED_WORD = re.compile(r"[^\s\w]*[^\W_\u2e80-\U0010ffff][^\s\u2e80-\U0010ffff]*")
_CJK_CHAR = re.compile(r"[^\W_\u0000-\u2e7f]")
