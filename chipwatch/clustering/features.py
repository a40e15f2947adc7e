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
from chipwatch.clustering.text import fold, masked_title, name_words, tokens, words_of
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
    text = _WWW.sub("", _SCHEME.sub("", url.strip(), count=1), count=1)
    text = text.split("#", 1)[0].rstrip("/")
    host, _, path = text.partition("/")
    return host.lower() + ("/" + path if path else "")


_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_WWW = re.compile(r"^www\.", re.IGNORECASE)


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
    summary = article.summary
    entities = {m.entity: m.kind for m in matches}
    text = f"{title}\n{summary}" if titled else summary or article.title
    guid = (article.guid or "").strip()
    lang = article.lang or "und"
    mentions = find_actions(title, summary, lang, matches)
    masked, key, words = _title_and_words(title, summary, text, matches, titled=titled)
    return DocFeatures(
        lang=lang.split("-")[0].lower(),
        title=masked,
        title_key=key,
        url=canonical_url(article.url) if article.url else "",
        guid=guid if _UNIQUE_GUID.search(guid) else "",
        entities=entities,
        words=words,
        numbers=frozenset(number_keys(text, lang)),
        names=_names(article, title, matches, entities, titled=titled),
        actions=mentions,
        primary=primary(mentions, titled=titled) if mentions else (),
        slack=DATE_SLACK_SECONDS if date_is_imprecise(article) else 0.0,
        credit=wire_credit(summary),
        host=link_host(article.url),
        actors=frozenset(m.entity for m in matches if m.field == "title" and m.kind in ACTORS),
    )


def _title_and_words(
    title: str, summary: str, text: str, matches: Sequence[EntityMatch], *, titled: bool
) -> tuple[str, str, frozenset[str]]:
    """The masked title, the title key and the content words, the title tokenized once:
    the tokens of "title\\nsummary" are the title's then the summary's (folding keeps a
    line break, and no word or CJK run crosses one)."""
    if not titled:
        return "", "", frozenset(words_of(tokens(text)))
    title_tokens = tokens(title)
    joined = " ".join(title_tokens)
    plain = not any(m.field == "title" for m in matches)  # nothing to mask
    words = words_of(title_tokens + tokens(summary) if summary else title_tokens)
    masked = joined if plain else masked_title(title, matches)
    return masked, joined if len(title_tokens) >= 4 else "", frozenset(words)


def _names(
    article: Article,
    title: str,
    matches: Sequence[EntityMatch],
    entities: dict[str, str],
    *,
    titled: bool,
) -> frozenset[str]:
    """The name-like words of the title and the summary, less the tagged entities."""
    names = name_words(title, _spans(matches, "title")) if titled else set()
    if article.summary:
        names |= name_words(article.summary, _spans(matches, "summary"))
    elif not titled:  # nothing but a derived title: use it as text
        names |= name_words(article.title, _spans(matches, "title"))
    if names:
        names -= {fold(name) for name in entities}
    return frozenset(names)


def date_is_imprecise(article: Article) -> bool:
    """The published time is an estimate, or a bare date (midnight or noon exactly)."""
    if article.published_estimated:
        return True
    published = article.published
    return published.second == 0 and published.minute == 0 and published.hour in (0, 12)


def _spans(matches: Sequence[EntityMatch], field: str) -> list[tuple[int, int]]:
    return [(m.start, m.end) for m in matches if m.field == field]
