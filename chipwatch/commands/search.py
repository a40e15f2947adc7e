"""chipwatch search QUERY [--since W] [--limit N] [--json] [--explain]

Prints the matching stories, newest first: time, headline, outlets and languages, with
feed text cleaned. ``--explain`` lists each story's articles, marks the ones the query
matched and shows why clustering put each one there. ``--json`` prints one object per
story per line.
"""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

from chipwatch.context import Context
from chipwatch.errors import UserError
from chipwatch.query.match import Query, parse_query
from chipwatch.store.alerts import story_alert_names
from chipwatch.store.clustering import has_unsettled
from chipwatch.store.search import matching_articles, newest_first
from chipwatch.store.stories import get_story, story_articles
from chipwatch.textsafe import clean_title
from chipwatch.words import plural


def run(ctx: Context) -> int:
    """Search the archive; exit 0 even when nothing matches (a message says so)."""
    if ctx.args.limit is not None and ctx.args.limit < 1:
        raise UserError(f"--limit: must be 1 or more, not {ctx.args.limit}")
    query = compile_query(ctx, ctx.args.query)
    since = ctx.window_start("--since", ctx.args.since)
    db = ctx.open_db(create=False)
    until = ctx.now if getattr(ctx.args, "now", None) else None
    matched = matching_articles(db, query, since=since, until=until)
    ids = newest_first(db, set(matched.values()))
    shown = ids[: ctx.args.limit] if ctx.args.limit else ids
    if ctx.args.json:
        for line in story_lines(db, shown, set(matched)):
            ctx.out(json.dumps(line, ensure_ascii=False))
        return 0
    print_stories(ctx, db, shown, set(matched), explain=ctx.args.explain)
    if not ids:
        ctx.err(f"no stories match {ctx.args.query!r}" + _window_note(ctx.args.since))
        if has_unsettled(db):  # an interrupted first import: stored, not grouped yet
            ctx.err(UNSETTLED_NOTE)
    elif len(ids) > len(shown):
        more = len(ids) - len(shown)
        verb = "matches" if more == 1 else "match"
        ctx.err(f"{plural(more, 'more story', 'more stories')} {verb}; raise --limit to see them")
    return 0


def compile_query(ctx: Context, text: str) -> Query:
    """Parse ``text`` and resolve its @entities with the config's tagger (exit 2 on error)."""
    from chipwatch.entities.tagger import build_tagger

    return parse_query(text, build_tagger(ctx.config))


UNSETTLED_NOTE = (
    "some articles are not in a story yet (a first poll was interrupted); "
    "the next `chipwatch poll` groups them"
)


def _window_note(since: str) -> str:
    return "" if since.strip().lower() == "all" else f" since {since} (try --since all)"


# --------------------------------------------------------------------------- output


def print_stories(
    ctx: Context, db: Database, ids: list[int], matched: set[int], *, explain: bool = False
) -> None:
    """One line per story (time, headline, outlets, languages); articles with --explain."""
    alerts = story_alert_names(db, ids)
    for story_id in ids:
        story = get_story(db, story_id)
        if story is None:
            continue
        articles = story_articles(db, story_id)
        outlets = _outlets(articles)
        langs = ",".join(story.languages) or "und"
        flag = (
            f"  [alerted: {', '.join(map(clean_title, alerts[story_id]))}]"
            if story_id in alerts
            else ""
        )
        ctx.out(f"{story.last_updated[:16].replace('T', ' ')}  {clean_title(story.title)}")
        ctx.out(f"    #{story.id} · {_outlet_text(outlets)} · {langs}{flag}")
        if explain:
            _explain(ctx, db, articles, matched)


def _outlets(articles: list[Any]) -> list[str]:
    names: list[str] = []
    for article in articles:
        name = clean_title(article.feed_name or article.feed_url)
        if name not in names:
            names.append(name)
    return names


def _outlet_text(outlets: list[str]) -> str:
    count = len(outlets)
    shown = ", ".join(outlets[:3]) + (f" +{count - 3}" if count > 3 else "")
    return f"{plural(count, 'outlet')}: {shown}"


def _explain(ctx: Context, db: Database, articles: list[Any], matched: set[int]) -> None:
    from chipwatch.clustering.explanation import Explanation
    from chipwatch.clustering.explanation_words import context_of, describe
    from chipwatch.store.stories import explain_article

    for article in articles:
        mark = "*" if article.id in matched else " "
        when = article.published.strftime("%Y-%m-%d %H:%M")
        feed = clean_title(article.feed_name or article.feed_url)
        ctx.out(f"      {mark} a{article.id} {when}  {feed}: {clean_title(article.title)}")
        info = explain_article(db, article.id)
        why = describe(Explanation.from_json(info), context_of(info))
        ctx.out(f"          {why.line}")
        if why.signals:
            ctx.out(f"            {why.signals}")


def story_lines(db: Database, ids: list[int], matched: set[int]) -> list[dict[str, Any]]:
    """JSON-ready stories (digest-like fields) with the articles the query matched."""
    alerts = story_alert_names(db, ids)
    lines: list[dict[str, Any]] = []
    for story_id in ids:
        story = get_story(db, story_id)
        if story is None:
            continue
        articles = story_articles(db, story_id)
        lines.append(
            {
                "id": story.id,
                "title": clean_title(story.title),
                "first_seen": story.first_seen,
                "last_updated": story.last_updated,
                "outlets": story.outlet_count,
                "sources": _outlets(articles),
                "languages": list(story.languages),
                "alerts": alerts.get(story_id, []),
                "articles": [
                    {
                        "id": a.id,
                        "title": clean_title(a.title),
                        "url": a.url,
                        "feed": clean_title(a.feed_name or a.feed_url),
                        "lang": a.lang,
                        "published": a.published.strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "matched": a.id in matched,
                    }
                    for a in articles
                ],
            }
        )
    return lines
