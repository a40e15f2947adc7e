"""An article's features as they were computed before session 27 (branch featcpu), kept
as the reference ``tests/test_features_exact.py`` holds
:func:`chipwatch.pipeline.prepare.prepare_articles` to: every feature value and every
action mention equal. Only the functions whose bodies were rewritten for speed are here,
as they were; the rest is imported from the modules, unchanged."""

from __future__ import annotations

import re
from collections.abc import Sequence

from chipwatch.clustering.actions import ActionMention, primary
from chipwatch.clustering.credits import link_host
from chipwatch.clustering.features import (
    _UNIQUE_GUID,
    ACTORS,
    DATE_SLACK_SECONDS,
    DocFeatures,
    date_is_imprecise,
    has_real_title,
)
from chipwatch.clustering.text import (
    _CJK,
    _GENERIC_NAMES,
    _NAME_TOKEN,
    _SHORT_KEEP,
    _STOPWORDS,
    _stem,
    fold,
    masked_title,
    title_key,
    tokens,
)
from chipwatch.model import Article, EntityMatch
from tests.actions_reference import reference_find_actions
from tests.numbers_reference import reference_number_keys, reference_wire_credit


def reference_doc_features(article: Article, matches: Sequence[EntityMatch]) -> DocFeatures:
    """``doc_features`` as it was: each feature computed from the text on its own."""
    titled = has_real_title(article)
    title = article.title.strip() if titled else ""
    entities = {m.entity: m.kind for m in matches}
    text = f"{title}\n{article.summary}" if titled else article.summary or article.title
    guid = (article.guid or "").strip()
    names = reference_name_words(title, _spans(matches, "title")) if titled else set()
    summary_spans = _spans(matches, "summary")
    names |= reference_name_words(article.summary, summary_spans) if article.summary else set()
    if not article.summary and not titled:  # nothing but a derived title: use it as text
        names |= reference_name_words(article.title, _spans(matches, "title"))
    names -= {fold(name) for name in entities}
    lang = (article.lang or "und").split("-")[0].lower()
    mentions: tuple[ActionMention, ...] = reference_find_actions(
        title, article.summary, article.lang or "und", matches
    )
    return DocFeatures(
        lang=lang,
        title=masked_title(title, matches) if titled else "",
        title_key=title_key(title) if titled else "",
        url=reference_canonical_url(article.url) if article.url else "",
        guid=guid if _UNIQUE_GUID.search(guid) else "",
        entities=entities,
        words=frozenset(reference_content_words(text)),
        numbers=frozenset(reference_number_keys(text, article.lang or "und")),
        names=frozenset(names),
        actions=mentions,
        primary=primary(mentions, titled=titled),
        slack=DATE_SLACK_SECONDS if date_is_imprecise(article) else 0.0,
        credit=reference_wire_credit(article.summary),
        host=link_host(article.url),
        actors=frozenset(m.entity for m in matches if m.field == "title" and m.kind in ACTORS),
    )


def _spans(matches: Sequence[EntityMatch], field: str) -> list[tuple[int, int]]:
    return [(m.start, m.end) for m in matches if m.field == field]


def reference_canonical_url(url: str) -> str:
    """``canonical_url`` as it was (its patterns compiled through ``re``'s cache)."""
    text = url.strip()
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text, flags=re.IGNORECASE)
    text = re.sub(r"^www\.", "", text, flags=re.IGNORECASE).split("#", 1)[0].rstrip("/")
    host, _, path = text.partition("/")
    return host.lower() + ("/" + path if path else "")


def reference_content_words(text: str) -> set[str]:
    """``content_words`` as it was: each token judged in a Python loop."""
    words = set()
    for token in tokens(text):
        if token in _STOPWORDS or token.isdigit():
            continue
        if len(token) < 3 and not _CJK.match(token) and not _SHORT_KEEP.match(token):
            continue
        words.add(_stem(token))
    return words


def reference_name_words(text: str, spans: Sequence[tuple[int, int]] = ()) -> set[str]:
    """``name_words`` as it was: every candidate word judged in full."""
    plain = text
    for start, end in spans:
        plain = plain[:start] + " " * (end - start) + plain[end:]
    found: set[str] = set()
    for match in _NAME_TOKEN.finditer(plain):
        word = match.group()
        if _reference_is_name(word, plain, match.start()):
            found.add(fold(word).strip(".-"))
    return {w for w in found if len(w) >= 2 and w not in _STOPWORDS and w not in _GENERIC_NAMES}


def _reference_is_name(word: str, text: str, start: int) -> bool:
    if _CJK.search(word) or not word[0].isalnum():
        return False
    has_digit = any(ch.isdigit() for ch in word)
    has_alpha = any(ch.isalpha() for ch in word)
    if has_digit and has_alpha:
        return True
    if not has_alpha:
        return False
    if word.isupper() and len(word) >= 2:
        return True
    if not word[0].isupper() or word[1:].isupper():
        return False
    at = start - 1
    while at >= 0 and text[at].isspace():
        at -= 1
    return at >= 0 and text[at] not in '.!?:;«"“\n'
