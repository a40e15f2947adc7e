"""The query language: parse once, match many.

``parse_query(text, tagger=…)`` reads a query (see docs/query.md) into a :class:`Query`;
``Query.matches(doc)`` tests one article in memory; :func:`chipwatch.store.search.search_stories`
runs a query against the store (FTS5 and entity rows narrow the candidates, this
matcher decides). Watches, ``search``, ``digest --query`` and the monitor's filter all use it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Protocol

from chipwatch.query.grammar import (
    And,
    EntityRef,
    FieldFilter,
    Node,
    Not,
    Or,
    QuerySyntaxError,
    Term,
    parse_tree,
)
from chipwatch.query.text import fold, fuzzy_equal, is_unspaced, tokens

if TYPE_CHECKING:
    from chipwatch.model import Article, Entity, EntityMatch

__all__ = [
    "Query",
    "QueryDoc",
    "QuerySyntaxError",
    "parse_query",
]


class Resolver(Protocol):
    """What the query needs from the tagger (``chipwatch.entities.tagger.Tagger``)."""

    def resolve(self, name: str) -> Entity | None: ...


# --------------------------------------------------------------------------- documents


@dataclass(frozen=True)
class QueryDoc:
    """What a query looks at in one article: its text, feed, language and entities.

    ``entities`` are canonical entity names tagged in the article; ``kinds`` their kinds.
    """

    title: str
    summary: str = ""
    feed_name: str = ""
    feed_url: str = ""
    lang: str = "und"
    entities: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()

    @classmethod
    def from_article(cls, article: Article, matches: Iterable[EntityMatch] = ()) -> QueryDoc:
        """The document of an article and the entity matches the tagger found in it."""
        found = list(matches)
        return cls(
            title=article.title,
            summary=article.summary,
            feed_name=article.feed_name,
            feed_url=article.feed_url,
            lang=article.lang,
            entities=frozenset(m.entity for m in found),
            kinds=frozenset(m.kind for m in found),
        )

    @cached_property
    def title_tokens(self) -> list[str]:
        return tokens(self.title)

    @cached_property
    def summary_tokens(self) -> list[str]:
        return tokens(self.summary)

    @cached_property
    def title_set(self) -> frozenset[str]:
        return frozenset(self.title_tokens)

    @cached_property
    def all_set(self) -> frozenset[str]:
        return self.title_set | frozenset(self.summary_tokens)

    @cached_property
    def folded_title(self) -> str:
        return _squash(fold(self.title))

    @cached_property
    def folded_text(self) -> str:
        return self.folded_title + "\n" + _squash(fold(self.summary))

    @cached_property
    def folded_entities(self) -> frozenset[str]:
        return frozenset(fold(name) for name in self.entities)


def _squash(text: str) -> str:
    return " ".join(text.split())


# --------------------------------------------------------------------------- query


@dataclass(frozen=True)
class Query:
    """A parsed query. Immutable; safe to share between threads and to match many docs."""

    text: str
    tree: Node
    resolved: bool = False

    def matches(self, doc: QueryDoc) -> bool:
        """Does this article match? (A story matches when any of its articles does.)"""
        return _eval(self.tree, doc)

    def bind(self, tagger: Resolver) -> Query:
        """This query with every ``@Entity`` resolved through ``tagger`` (and its children).

        Raises :class:`QuerySyntaxError` naming an unknown entity, with close suggestions.
        """
        tree = _resolve(self.tree, tagger, self.text)
        return Query(self.text, tree, resolved=True)

    def entity_refs(self) -> list[EntityRef]:
        """Every ``@Entity`` in the query, in order."""
        return [node for node in walk(self.tree) if isinstance(node, EntityRef)]

    def highlight_words(self) -> list[str]:
        """Folded words and phrases the query looks for (not under NOT): for highlighting."""
        return [fold(node.text) for node in _positive(self.tree) if isinstance(node, Term)]

    def entity_names(self) -> frozenset[str]:
        """Canonical names (with children) of the entities the query asks for, positively."""
        names: set[str] = set()
        for node in _positive(self.tree):
            if isinstance(node, EntityRef):
                names |= node.names or {node.name}
        return frozenset(names)

    def __str__(self) -> str:
        return self.text


def parse_query(text: str, tagger: Resolver | None = None) -> Query:
    """Parse ``text``; with ``tagger``, resolve ``@Entity`` names too.

    Raises :class:`QuerySyntaxError` (a ``UserError``, exit 2) showing the column.
    """
    query = Query(text, parse_tree(text))
    return query.bind(tagger) if tagger is not None else query


def walk(node: Node) -> Iterator[Node]:
    """Every node of a tree, depth first."""
    yield node
    if isinstance(node, Not):
        yield from walk(node.child)
    elif isinstance(node, And | Or):
        for child in node.children:
            yield from walk(child)


def _positive(node: Node) -> Iterator[Node]:
    if isinstance(node, Not):
        return
    yield node
    if isinstance(node, And | Or):
        for child in node.children:
            yield from _positive(child)


# --------------------------------------------------------------------------- matching


def _eval(node: Node, doc: QueryDoc) -> bool:
    if isinstance(node, And):
        return all(_eval(child, doc) for child in node.children)
    if isinstance(node, Or):
        return any(_eval(child, doc) for child in node.children)
    if isinstance(node, Not):
        return not _eval(node.child, doc)
    if isinstance(node, Term):
        return _term(node, doc)
    if isinstance(node, EntityRef):
        return _entity(node, doc)
    return _field(node, doc)


def _term(term: Term, doc: QueryDoc) -> bool:
    folded = fold(term.text)
    if is_unspaced(folded):
        haystack = doc.folded_title if term.title_only else doc.folded_text
        return _squash(folded) in haystack
    words = tokens(term.text)
    if not words:
        return False
    bag = doc.title_set if term.title_only else doc.all_set
    if term.mode == "prefix" and len(words) == 1:
        return any(token.startswith(words[0]) for token in bag)
    if term.mode == "fuzzy" and len(words) == 1:
        return any(fuzzy_equal(words[0], token) for token in bag)
    if len(words) == 1:
        return words[0] in bag
    if _contains_run(doc.title_tokens, words):
        return True
    return not term.title_only and _contains_run(doc.summary_tokens, words)


def _contains_run(sequence: list[str], words: list[str]) -> bool:
    first, size = words[0], len(words)
    return any(
        token == first and sequence[i : i + size] == words for i, token in enumerate(sequence)
    )


def _entity(ref: EntityRef, doc: QueryDoc) -> bool:
    if ref.names:
        return not ref.names.isdisjoint(doc.entities)
    return fold(ref.name) in doc.folded_entities


def _field(node: FieldFilter, doc: QueryDoc) -> bool:
    if node.field == "lang":
        lang = doc.lang.lower().replace("_", "-")
        value = node.value.replace("_", "-")
        return lang == value or lang.startswith(value + "-")
    if node.field == "kind":
        return node.value in doc.kinds
    wanted = _squash(fold(node.value))
    return wanted in _squash(fold(doc.feed_name)) or wanted in fold(doc.feed_url)


def feed_term(name: str, url: str, feeds: Iterable[tuple[str, str]]) -> str:
    """The ``feed:`` filter that selects this feed alone among ``feeds`` ((name, URL)
    pairs, this one included): its name when no other feed's name or URL contains it
    (``feed:"Wire East"``), else its URL. A ``"`` cannot be quoted in a phrase, so a
    value holding one is not used (and a URL is the last resort)."""
    others = list(feeds)
    for value in (name, url):
        if not value or '"' in value:
            continue
        node = FieldFilter("feed", value, 0)
        hits = [f for f in others if _field(node, QueryDoc("", "", f[0], f[1]))]
        if len(hits) <= 1:
            return _feed_value(value)
    return _feed_value(url.replace('"', ""))


def _feed_value(value: str) -> str:
    return f"feed:{value}" if value.isalnum() else f'feed:"{value}"'


# --------------------------------------------------------------------------- entities


def _resolve(node: Node, tagger: Resolver, text: str) -> Node:
    if isinstance(node, EntityRef):
        return _resolve_ref(node, tagger, text)
    if isinstance(node, Not):
        return Not(_resolve(node.child, tagger, text), node.column)
    if isinstance(node, And):
        return And(tuple(_resolve(c, tagger, text) for c in node.children))
    if isinstance(node, Or):
        return Or(tuple(_resolve(c, tagger, text) for c in node.children))
    return node


def _resolve_ref(ref: EntityRef, tagger: Resolver, text: str) -> EntityRef:
    from chipwatch.query.entities import entity_names, suggest

    entity = tagger.resolve(ref.name)
    if entity is None:
        hint = suggest(tagger, ref.name)
        more = f"; did you mean {hint}?" if hint else ""
        raise QuerySyntaxError(f"unknown entity @{ref.name}{more}", text, ref.column)
    return EntityRef(ref.name, ref.column, entity_names(tagger, entity.name))


# Words shorter than this are not highlighted: "AI" or "US" would light up everywhere.
MIN_HIGHLIGHT = 3


def watched_terms(queries: Iterable[str]) -> tuple[list[str], set[str]]:
    """What the user's watch queries name, to highlight in an article: the words and
    phrases as written (``feed:``, ``lang:`` and ``kind:`` values are not text) and the
    ``@entity`` names in lower case. A query that does not parse adds nothing."""
    words: list[str] = []
    entities: set[str] = set()
    for text in queries:
        try:
            tree = parse_tree(text)
        except QuerySyntaxError:
            continue
        for node in walk(tree):
            if isinstance(node, EntityRef):
                entities.add(node.name.lower())
            elif isinstance(node, Term) and len(node.text) >= MIN_HIGHLIGHT:
                words.append(node.text)
    return words, entities
