"""The comparable features of one article: what clustering compares, computed from the
article and its entity mentions alone (so a parse worker can compute them; see
:mod:`chipwatch.pipeline.prepare`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from chipwatch.clustering.numbers import number_keys
from chipwatch.clustering.text import (
    content_words,
    fold,
    masked_title,
    name_words,
    title_key,
)
from chipwatch.model import Article, EntityMatch
from chipwatch.textsafe import first_sentence

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
