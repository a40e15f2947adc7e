"""What clustering needs of an article that depends on the article alone.

Tagging and the comparable features (normalized title, title key, content words,
figures, name-like words, canonical URL) are pure functions of the article's text.
The parse workers compute them (:func:`prepare_articles`) next to the parsing, on
every core, so the single store writer only looks candidates up, scores and writes.
A writer that gets no prepared values (a test, an older caller) computes them itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from chipwatch.clustering.numbers import number_keys
from chipwatch.clustering.text import (
    content_words,
    first_sentence,
    fold,
    masked_title,
    name_words,
    title_key,
)
from chipwatch.config import EntityConfig
from chipwatch.model import Article, EntityMatch

_UNIQUE_GUID = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|urn:|tag:)|.{24,}", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class DocFeatures:
    """The comparable features of one article (see :class:`~.candidates.Doc`)."""

    lang: str
    title: str
    title_key: str
    url: str
    guid: str
    entities: dict[str, str]
    words: frozenset[str]
    numbers: frozenset[str]
    names: frozenset[str]


@dataclass(frozen=True, slots=True)
class Prepared:
    """One article's entity mentions and features, computed off the writer."""

    matches: tuple[EntityMatch, ...]
    features: DocFeatures


def canonical_url(url: str) -> str:
    """Scheme, ``www.``, fragment and a trailing slash do not make another article."""
    text = url.strip()
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text, flags=re.IGNORECASE)
    text = re.sub(r"^www\.", "", text, flags=re.IGNORECASE).split("#", 1)[0].rstrip("/")
    host, _, path = text.partition("/")
    return host.lower() + ("/" + path if path else "")


def doc_features(article: Article, matches: Sequence[EntityMatch]) -> DocFeatures:
    """The comparable features of one article, given its entity mentions."""
    title = article.title.strip() or first_sentence(article.summary)
    title_matches = matches if article.title.strip() else ()
    entities = {m.entity: m.kind for m in matches}
    text = f"{title}\n{article.summary}"
    guid = (article.guid or "").strip()
    names = name_words(title, _spans(matches, "title") if article.title.strip() else ())
    names |= name_words(article.summary, _spans(matches, "summary"))
    names -= {fold(name) for name in entities}
    return DocFeatures(
        lang=(article.lang or "und").split("-")[0].lower(),
        title=masked_title(title, title_matches),
        title_key=title_key(title),
        url=canonical_url(article.url) if article.url else "",
        guid=guid if _UNIQUE_GUID.search(guid) else "",
        entities=entities,
        words=frozenset(content_words(text)),
        numbers=frozenset(number_keys(text, article.lang or "und")),
        names=frozenset(names),
    )


def _spans(matches: Sequence[EntityMatch], field: str) -> list[tuple[int, int]]:
    return [(m.start, m.end) for m in matches if m.field == field]


def prepare_articles(
    articles: Sequence[Article], entities: tuple[EntityConfig, ...]
) -> tuple[Prepared, ...]:
    """Tag and featurize ``articles`` with the tagger for ``entities`` (the config's
    ``[entities.NAME]`` tables, already validated by the writer's own tagger)."""
    from chipwatch.entities.tagger import _build_cached

    tagger = _build_cached(entities)  # compiled once per worker and entity tables
    prepared = []
    for article in articles:
        matches = tagger.tag(article.title, article.summary)
        prepared.append(Prepared(tuple(matches), doc_features(article, matches)))
    return tuple(prepared)
