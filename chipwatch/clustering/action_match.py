"""Running the action grammar over one article: one automaton pass, then local checks.

Every word of every class (all languages) is a key of one automaton; a pass over the
folded "title\\nsummary" finds them all, keeps those of the article's language whose
word boundaries hold, and notes which classes occur. Only rules whose anchor class
occurred, and whose later terms all have a word or a tagged entity in the article, are
looked at, and only from their anchor words: each later term must lie within its gap,
in the anchor's sentence. Then, per match: negation and modality words next to it,
the frame (reaction, meeting, report) its sentence may put it in, and its object, the
nearest tagged entity of a kind the action takes.

This module compiles the grammar and finds its words; reading an article from its
anchors is :mod:`~chipwatch.clustering.action_reading`, telling its matches apart and
framing them :mod:`~chipwatch.clustering.action_drafts`.
"""

from __future__ import annotations

from collections.abc import Sequence

from chipwatch.clustering.action_grammar import (
    IGNORE,
    NEG,
    PLAN,
    SUBORD,
    VERB_FINAL,
    ActionGrammar,
)
from chipwatch.clustering.action_reading import ActionMention, Reading
from chipwatch.clustering.action_words import (
    ALL_LANGUAGES,
    BIT,
    WordScanner,
    language_mask,
)
from chipwatch.matchfold import fold_with_map
from chipwatch.model import EntityMatch

__all__ = ["ActionMatcher", "ActionMention"]


class ActionMatcher:
    """A grammar compiled: the automaton of every word and the rules by anchor class."""

    def __init__(self, grammar: ActionGrammar, *, builtin: bool = False) -> None:
        """``builtin``: ``grammar`` is the built-in one (its words are kept on disk)."""
        self.grammar = grammar
        self.anchors = grammar.anchors
        self.order = {rule.id: number for number, rule in enumerate(grammar.rules)}
        self.plan = grammar.index[PLAN]
        self.subord = grammar.index.get(SUBORD, -1)
        self.neg = grammar.index[NEG]
        self.scanner = WordScanner(grammar, grammar.index.get(IGNORE, -1), builtin=builtin)
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
        found = self.scanner.scan(folded, language_mask(lang))
        anchors = self.anchors.keys()
        if anchors.isdisjoint(found):
            return []
        article = Reading(self, folded, index, split, lang, found, matches)
        return article.mentions(sorted(anchors & article.found.keys()))


def _verb_final(lang: str) -> bool | None:
    """True for Japanese and Korean, False for the others, None when unknown (both)."""
    mask = language_mask(lang)
    if mask == ALL_LANGUAGES:
        return None
    return any(mask & BIT[v] for v in VERB_FINAL)
