"""Digests: the stories of a time window, with every source cited, as md / html / json /
csv / atom.

:func:`build_digest` reads the store into plain data (:class:`Digest`) in a handful of
set-based queries, and :func:`render` turns that data into one format. Both are pure
functions of the store and their arguments (``now`` is a parameter, orderings have
tie-breakers), so the same store, arguments and ``now`` give byte-identical output.

Window semantics: an article is in the window when ``since <= published <= until``
(both ends, as in ``search``: an article without a date of its own is published at its
fetch time, and ``poll --now T`` then ``digest --now T`` must cite it); a story is in
the digest when any of its articles is. Each story lists all its articles published
up to ``until``: earlier ones are kept for context, marked ``in_window = False``.
"""

from __future__ import annotations

import dataclasses
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlite_utils import Database

from chipwatch.digest.model import (
    Digest,
    DigestAlert,
    DigestArticle,
    DigestEntity,
    DigestStory,
    one_line,
)
from chipwatch.errors import UserError
from chipwatch.store import digests
from chipwatch.store.tags import ancestors, entity_tree
from chipwatch.textsafe import MAX_TITLE_CHARS, clean_title
from chipwatch.timeutil import iso, stored_iso

__all__ = [
    "FORMATS",
    "Digest",
    "DigestAlert",
    "DigestArticle",
    "DigestEntity",
    "DigestStory",
    "build_digest",
    "render",
]

FORMATS = ("md", "html", "json", "csv", "atom")
# The earliest time the store can hold; used as ``since`` for "all".
_BEGINNING = "0000-01-01T00:00:00Z"
_ALERT_KIND_ORDER = {"watch": 0, "spike": 1, "feed": 2}
# A story's lede: the opening of its headline article's summary, as a brief shows it.
LEDE_CHARS = 320


def build_digest(
    db: Database,
    *,
    since: datetime | None,
    until: datetime,
    now: datetime,
    query: Any = None,
    tagger: Any = None,
    min_outlets: int = 1,
    explain: bool = False,
) -> Digest:
    """Read the digest of ``[since, until]`` from the store.

    ``since`` None means the whole archive. ``query`` is query-language text or a parsed
    query (``chipwatch.query.match``); ``tagger`` resolves its ``@Entity`` terms. Alerts
    come first: watch alerts of the digest's stories, plus (without a query) entity
    spikes and feed-health alerts active in the window (with a query, only those
    pointing at a story shown); dismissed alerts are left out. ``explain``: each
    article says why it is in its story (the sentence of the detail pane and
    ``search --explain``).
    """
    if since is not None and since >= until:
        raise UserError(f"--since ({iso(since)}) must be before --until ({iso(until)})")
    params = {"since": iso(since) if since else _BEGINNING, "until": iso(until)}
    with digests.read_snapshot(db):
        story_ids = digests.window_story_ids(db, params)
        keep = _query_filter(db, query, tagger, since=since, until=until)
        if keep is not None:
            story_ids = [story_id for story_id in story_ids if story_id in keep]
        params["ids"] = json.dumps(story_ids)
        story_alerts = digests.story_alert_rows(db, params)
        stories = _load_stories(db, params, story_alerts, min_outlets=max(1, min_outlets))
        alerts = _load_alerts(db, params, story_alerts, stories, include_unlinked=query is None)
        if explain:
            stories = _explained(db, stories)
    return Digest(
        generated_at=iso(now),
        since=iso(since) if since else None,
        until=iso(until),
        query=_query_text(query),
        min_outlets=max(1, min_outlets),
        alerts=alerts,
        stories=stories,
    )


def render(digest: Digest, fmt: str) -> str:
    """The digest in one of :data:`FORMATS`; ends with a newline."""
    renderers = _renderers()
    if fmt not in renderers:
        raise UserError(f"unknown digest format {fmt!r} (choose from {', '.join(FORMATS)})")
    return renderers[fmt](digest)


def _renderers() -> dict[str, Callable[[Digest], str]]:
    from chipwatch.digest import atom as digest_atom
    from chipwatch.digest import html as digest_html
    from chipwatch.digest import text as digest_text

    return {
        "md": digest_text.render_markdown,
        "html": digest_html.render_html,
        "json": digest_text.render_json,
        "csv": digest_text.render_csv,
        "atom": digest_atom.render_atom,
    }


# --------------------------------------------------------------------------- stories


def _load_stories(
    db: Database, params: dict[str, str], story_alerts: list[dict[str, Any]], *, min_outlets: int
) -> tuple[DigestStory, ...]:
    articles, heads = _load_articles(db, params)
    alert_names = _story_alert_names(story_alerts)
    tree = entity_tree(db)
    stories = []
    for story_id, rows in articles.items():
        story = _story(story_id, rows, heads[story_id], alert_names.get(story_id, ()), tree)
        if story.outlets >= min_outlets:
            stories.append(story)
    # Stable sorts, least significant key first: most outlets, then newest, then id.
    stories.sort(key=lambda s: s.id)
    stories.sort(key=lambda s: s.last_updated, reverse=True)
    stories.sort(key=lambda s: s.outlets, reverse=True)
    return tuple(stories)


def _explained(db: Database, stories: tuple[DigestStory, ...]) -> tuple[DigestStory, ...]:
    """The stories with each article's ``why`` filled in."""
    from chipwatch.clustering.explanation import Explanation
    from chipwatch.clustering.explanation_words import context_of, describe
    from chipwatch.store.explain import explanation_contexts

    contexts = explanation_contexts(db, [a.id for s in stories for a in s.articles])

    def why(article: DigestArticle) -> DigestArticle:
        info = contexts.get(article.id, {})
        line = describe(Explanation.from_json(info), context_of(info)).line
        return dataclasses.replace(article, why=line)

    return tuple(
        dataclasses.replace(story, articles=tuple(why(a) for a in story.articles))
        for story in stories
    )


def _load_articles(
    db: Database, params: dict[str, str]
) -> tuple[
    dict[int, list[tuple[DigestArticle, int, list[tuple[str, str]]]]],
    dict[int, tuple[str, int | None, str]],
]:
    """Story id → [(article, feed id, entity rows)] oldest first, and story id → (title,
    headline article id, headline summary)."""
    entity_rows: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for article_id, entity, kind in digests.entity_rows(db, params):
        entity_rows[article_id].append((_clean_short(entity), _clean_short(kind)))
    by_story: dict[int, list[tuple[DigestArticle, int, list[tuple[str, str]]]]] = defaultdict(list)
    heads: dict[int, tuple[str, int | None, str]] = {}
    for row in digests.article_rows(db, params):
        article_id, story_id, title, url, lang, published, feed_id, feed, in_window = row[:9]
        if row[11] is not None or story_id not in heads:
            heads[story_id] = (row[9], row[10], row[11] or "")
        found = entity_rows.get(article_id, [])
        article = DigestArticle(
            id=article_id,
            title=_clean(title) or "(untitled)",
            url=_http_url(url),
            feed=_clean_short(feed),
            published=stored_iso(published),  # a bad row of an older store reads as 1970
            lang=_clean_short(lang) or "und",
            entities=tuple(dict.fromkeys([name for name, _ in found])),
            in_window=bool(in_window),
        )
        by_story[story_id].append((article, feed_id, found))
    return by_story, heads


# Outlet names, languages and entity names repeat thousands of times in a big digest.
_clean_short = lru_cache(maxsize=4096)(clean_title)


def _http_url(url: str) -> str:
    """:func:`chipwatch.textsafe.safe_url` (http(s) or ''), with the clean-text fast path."""
    cleaned = one_line(url)
    return cleaned if cleaned[:8].lower().startswith(("http://", "https://")) else ""


def _clean(text: str) -> str:
    """:func:`clean_title`, with a fast path for text that is already clean."""
    if len(text) <= MAX_TITLE_CHARS:
        return one_line(text)
    return clean_title(text)


def _story(
    story_id: int,
    rows: list[tuple[DigestArticle, int, list[tuple[str, str]]]],
    head: tuple[str, int | None, str],
    alerts: tuple[str, ...],
    tree: tuple[dict[str, str], dict[str, str]] = ({}, {}),
) -> DigestStory:
    articles = tuple(article for article, _, _ in rows)
    title, headline_id, summary = head
    headline = next((a for a in articles if a.id == headline_id), articles[0])
    return DigestStory(
        id=story_id,
        title=_clean(title) or headline.title,
        first_seen=articles[0].published,
        last_updated=max(a.published for a in articles),
        outlets=len({feed_id for _, feed_id, _ in rows}),
        languages=tuple(sorted({a.lang for a in articles})),
        entities=_entities([found for _, _, found in rows], tree),
        alerts=alerts,
        articles=articles,
        url=headline.url,
        summary=lede(summary),
    )


def lede(summary: str, limit: int = LEDE_CHARS) -> str:
    """The opening of a summary on one line, cut at a word boundary with an ellipsis."""
    # Cleaning only shortens text (folds spaces, drops escapes): a few times the limit
    # is plenty, and summaries can be long.
    text = one_line(summary[: limit * 4])
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,;:.-–—") + "…"


def _entities(
    found: Iterable[list[tuple[str, str]]],
    tree: tuple[dict[str, str], dict[str, str]] = ({}, {}),
) -> tuple[DigestEntity, ...]:
    """Entities by mentions (most first), then name; the kind first seen for a name.

    Then, marked implied, the entities above them that no article names (export controls
    above an export ban, "Ascend" above "Ascend 950PR"), each with the mentions of the
    entities below it: a child's mention counts for its ancestors.
    """
    # A plain dict, not Counter: Counter's per-call ABC isinstance check was a fifth of
    # building a 10,000-story digest.
    mentions: dict[str, int] = {}
    kinds: dict[str, str] = {}
    for rows in found:
        for name, kind in rows:
            mentions[name] = mentions.get(name, 0) + 1
            kinds.setdefault(name, kind)
    ordered = sorted(mentions.items(), key=_by_mentions)
    direct = [DigestEntity(name, kinds[name], count) for name, count in ordered]
    parents, known_kinds = tree
    if not parents:
        return tuple(direct)
    implied: dict[str, int] = {}
    for name, count in ordered:
        for ancestor in ancestors(name, parents):
            if ancestor not in mentions:
                implied[ancestor] = implied.get(ancestor, 0) + count
    extra = [
        DigestEntity(name, known_kinds.get(name, ""), count, implied=True)
        for name, count in sorted(implied.items(), key=_by_mentions)
    ]
    return tuple(direct + extra)


def _by_mentions(item: tuple[str, int]) -> tuple[int, str, str]:
    return -item[1], item[0].casefold(), item[0]


# --------------------------------------------------------------------------- alerts


def _story_alert_names(rows: list[dict[str, Any]]) -> dict[int, tuple[str, ...]]:
    names: dict[int, set[str]] = defaultdict(set)
    for row in rows:
        names[row["story_id"]].add(clean_title(row["watch"]))
    return {story_id: tuple(sorted(found)) for story_id, found in names.items()}


def _load_alerts(
    db: Database,
    params: dict[str, str],
    story_alerts: list[dict[str, Any]],
    stories: tuple[DigestStory, ...],
    *,
    include_unlinked: bool,
) -> tuple[DigestAlert, ...]:
    shown = {story.id for story in stories}
    rows = [row for row in story_alerts if row["story_id"] in shown]
    for row in digests.other_alert_rows(db, params):
        if include_unlinked or row["story_id"] in shown:
            rows.append(row)
    alerts = [_alert(row) for row in rows]
    # Watch alerts (what the user asked for) first, then spikes, then feed health;
    # newest first within a kind, id as the tie-breaker.
    alerts.sort(key=lambda a: a.id)
    alerts.sort(key=lambda a: a.updated_at, reverse=True)
    alerts.sort(key=lambda a: _ALERT_KIND_ORDER.get(a.kind, len(_ALERT_KIND_ORDER)))
    return tuple(alerts)


def _alert(row: dict[str, Any]) -> DigestAlert:
    return DigestAlert(
        id=row["id"],
        kind=row["kind"],
        watch=clean_title(row["watch"]),
        title=clean_title(row["title"]),
        detail=clean_title(row["detail"]),
        state=row["state"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        story_id=row["story_id"],
    )


# --------------------------------------------------------------------------- query


def _query_text(query: Any) -> str | None:
    if query is None:
        return None
    text = query if isinstance(query, str) else getattr(query, "text", None) or str(query)
    return clean_title(text)


def _query_filter(
    db: Database, query: Any, tagger: Any, *, since: datetime | None, until: datetime
) -> set[int] | None:
    """The ids of the stories matching ``query``, or None when there is no query."""
    if query is None:
        return None
    from chipwatch.query.match import parse_query
    from chipwatch.store.search import search_stories

    parsed = parse_query(query, tagger) if isinstance(query, str) else query
    return set(search_stories(db, parsed, tagger, since=since, until=until, limit=None))
