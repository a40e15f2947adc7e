"""The comparable features of one article: what clustering compares, computed from the
article and its entity mentions alone (so a parse worker can compute them; see
:mod:`chipwatch.pipeline.prepare`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from chipwatch.clustering.actions import ActionMention, find_actions, primary
from chipwatch.clustering.credits import link_host, wire_credit
from chipwatch.clustering.numbers import number_keys
from chipwatch.clustering.text import (
    content_words,
    fold,
    masked_title,
    name_words,
    title_key,
)
from chipwatch.model import Article, EntityMatch

_UNIQUE_GUID = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|urn:|tag:)|.{24,}", re.IGNORECASE)
# Who an article is about: the entities of these kinds its headline names (a derived
# title is its opening sentence, which names them as well).
ACTORS = frozenset(["company", "person", "agency"])
# A date the feed did not really give (estimated by the parser, or a bare day written as
# midnight or noon) may be a day or two off: each such side gets this much slack.
DATE_SLACK_SECONDS = 24 * 3600.0


def action_key(mention: ActionMention) -> str:
    """An action as an indexed (and counted) key: ``class|object``."""
    return f"{mention.action}|{mention.object or ''}"


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
    actions: tuple[ActionMention, ...] = ()  # what happened (:mod:`.actions`)
    primary: tuple[ActionMention, ...] = ()  # those that say what the article is about
    slack: float = 0.0  # seconds of uncertainty of the published time
    credit: str = ""  # the wire service credited (:mod:`.credits`)
    host: str = ""  # the link's host
    actors: frozenset[str] = frozenset()  # companies, people, agencies its headline names


def canonical_url(url: str) -> str:
    """Scheme, ``www.``, fragment and a trailing slash do not make another article."""
    text = url.strip()
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text, flags=re.IGNORECASE)
    text = re.sub(r"^www\.", "", text, flags=re.IGNORECASE).split("#", 1)[0].rstrip("/")
    host, _, path = text.partition("/")
    return host.lower() + ("/" + path if path else "")


def has_real_title(article: Article) -> bool:
    """The feed gave the article a title (not filled in from its summary)."""
    return bool(article.title.strip()) and not article.title_derived


def doc_features(article: Article, matches: Sequence[EntityMatch]) -> DocFeatures:
    """The comparable features of one article, given its entity mentions.

    A title the parser derived from the summary is no title: the summary's opening is
    compared as text (its words), never as a headline against real headlines.
    """
    titled = has_real_title(article)
    title = article.title.strip() if titled else ""
    entities = {m.entity: m.kind for m in matches}
    text = f"{title}\n{article.summary}" if titled else article.summary or article.title
    guid = (article.guid or "").strip()
    names = name_words(title, _spans(matches, "title")) if titled else set()
    summary_spans = _spans(matches, "summary")
    names |= name_words(article.summary, summary_spans) if article.summary else set()
    if not article.summary and not titled:  # nothing but a derived title: use it as text
        names |= name_words(article.title, _spans(matches, "title"))
    names -= {fold(name) for name in entities}
    lang = (article.lang or "und").split("-")[0].lower()
    mentions = find_actions(title, article.summary, article.lang or "und", matches)
    return DocFeatures(
        lang=lang,
        title=masked_title(title, matches) if titled else "",
        title_key=title_key(title) if titled else "",
        url=canonical_url(article.url) if article.url else "",
        guid=guid if _UNIQUE_GUID.search(guid) else "",
        entities=entities,
        words=frozenset(content_words(text)),
        numbers=frozenset(number_keys(text, article.lang or "und")),
        names=frozenset(names),
        actions=mentions,
        primary=primary(mentions, titled=titled),
        slack=DATE_SLACK_SECONDS if date_is_imprecise(article) else 0.0,
        credit=wire_credit(article.summary),
        host=link_host(article.url),
        actors=frozenset(m.entity for m in matches if m.field == "title" and m.kind in ACTORS),
    )


def date_is_imprecise(article: Article) -> bool:
    """The published time is an estimate, or a bare date (midnight or noon exactly)."""
    if article.published_estimated:
        return True
    published = article.published
    return published.second == 0 and published.minute == 0 and published.hour in (0, 12)


def _spans(matches: Sequence[EntityMatch], field: str) -> list[tuple[int, int]]:
    return [(m.start, m.end) for m in matches if m.field == field]
