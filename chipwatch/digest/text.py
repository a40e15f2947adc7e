"""Digest renderers for text formats: Markdown (a brief to paste into a report), JSON
(the stable schema in PRODUCT.md, extended only with new keys) and CSV (one row per
article, safe to open in a spreadsheet).

Feed text is data: Markdown escapes it as :func:`md_escape` does (a title cannot open a
link, emphasis, heading, list or HTML; only what a renderer would misread is escaped,
so the file reads and diffs like the text), links only http(s) targets inside ``<…>``; CSV cells
go through :func:`csv_cell` against formula injection.
"""

from __future__ import annotations

import csv
import io
import json
from functools import lru_cache
from typing import Any

from chipwatch.digest.model import (
    DIGEST_SCHEMA_VERSION,
    Digest,
    DigestAlert,
    DigestArticle,
    DigestEntity,
    DigestStory,
    human_span,
    human_time,
    human_window,
    language_name,
    one_line,
    plural,
)
from chipwatch.textsafe import csv_cell, md_escape_clean, md_url


def md_text(text: str) -> str:
    """Literal text in Markdown: exactly :func:`chipwatch.textsafe.md_escape`, with the
    digest's fast cleaning (feed text was cleaned at ingest)."""
    return md_escape_clean(one_line(text))


# Outlet, language and entity names repeat thousands of times in a big digest.
_md_short = lru_cache(maxsize=4096)(md_text)
_csv_short = lru_cache(maxsize=4096)(csv_cell)

# --------------------------------------------------------------------------- JSON


def digest_to_dict(digest: Digest) -> dict[str, Any]:
    """The digest as the documented JSON object (documented keys first, then additions)."""
    return {
        **_header_dict(digest),
        "stories": [_story_dict(story) for story in digest.stories],
        **_trailer_dict(digest),
    }


def _header_dict(digest: Digest) -> dict[str, Any]:
    return {"generated_at": digest.generated_at, "since": digest.since, "until": digest.until}


def _trailer_dict(digest: Digest) -> dict[str, Any]:
    return {
        "query": digest.query,
        "min_outlets": digest.min_outlets,
        "counts": {
            "stories": len(digest.stories),
            "articles": digest.article_count,
            "articles_in_window": digest.window_article_count,
            "outlets": len(digest.outlet_names),
            "languages": len(digest.languages),
            "alerts": len(digest.alerts),
        },
        "alerts": [_alert_dict(alert) for alert in digest.alerts],
        "schema_version": DIGEST_SCHEMA_VERSION,
    }


def render_json(digest: Digest) -> str:
    """:func:`digest_to_dict` as JSON text, UTF-8 kept, laid out for line diffs.

    The top level, each story and each alert take one line per key; lists of objects
    one line per item (an article, an entity). Stories are written by hand with the C
    string encoder: ``json.dumps(indent=)`` would use the pure-Python encoder for the
    whole document, several times slower on 10,000 stories (a test checks that the
    text parses back to exactly :func:`digest_to_dict`).
    """
    lines = [f"  {_leaf(key)}: {_leaf(value)}" for key, value in _header_dict(digest).items()]
    lines.append(f'  "stories": {_stories_json(digest.stories)}')
    lines += [
        f"  {_leaf(key)}: {_layout(value, 1)}" for key, value in _trailer_dict(digest).items()
    ]
    return "{\n" + ",\n".join(lines) + "\n}\n"


def _layout(value: Any, level: int) -> str:
    pad, inner = "  " * level, "  " * (level + 1)
    if isinstance(value, dict) and value and level in (0, 2):
        items = (f"{inner}{_leaf(key)}: {_layout(item, level + 1)}" for key, item in value.items())
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        items = (f"{inner}{_layout(item, level + 1)}" for item in value)
        return "[\n" + ",\n".join(items) + f"\n{pad}]"
    return _leaf(value)


_ENCODER = json.JSONEncoder(ensure_ascii=False)  # one encoder, not one per json.dumps call
_leaf = _ENCODER.encode
_text = json.encoder.encode_basestring  # a str as a JSON string (C), UTF-8 kept


def _stories_json(stories: tuple[DigestStory, ...]) -> str:
    if not stories:
        return "[]"
    return "[\n" + ",\n".join(_story_json(story) for story in stories) + "\n  ]"


def _story_json(story: DigestStory) -> str:
    fields = (
        f'"id": {_text(str(story.id))}',
        f'"title": {_text(story.title)}',
        f'"first_seen": {_text(story.first_seen)}',
        f'"last_updated": {_text(story.last_updated)}',
        f'"outlets": {story.outlets}',
        f'"languages": {_texts(story.languages)}',
        f'"entities": {_items(_entity_json(e) for e in story.entities)}',
        f'"alerts": {_texts(story.alerts)}',
        f'"articles": {_items(_article_json(a) for a in story.articles)}',
        f'"url": {_text(story.link)}',
        f'"summary": {_text(story.summary)}',
        f'"article_count": {len(story.articles)}',
    )
    return "    {\n      " + ",\n      ".join(fields) + "\n    }"


def _entity_json(entity: DigestEntity) -> str:
    implied = ', "implied": true' if entity.implied else ""
    return (
        f'{{"name": {_text(entity.name)}, "kind": {_text(entity.kind)}, '
        f'"mentions": {entity.mentions}{implied}}}'
    )


def _article_json(article: DigestArticle) -> str:
    return (
        f'{{"id": {_text(str(article.id))}, "title": {_text(article.title)}, '
        f'"url": {_text(article.url)}, "feed": {_text(article.feed)}, '
        f'"published": {_text(article.published)}, "lang": {_text(article.lang)}, '
        f'"entities": {_texts(article.entities)}, '
        f'"in_window": {"true" if article.in_window else "false"}'
        + (f', "why": {_text(article.why)}}}' if article.why else "}")
    )


def _texts(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(map(_text, values)) + "]"


def _items(lines: Any) -> str:
    """Objects of a story-level list, one per line; ``[]`` when there are none."""
    body = ",\n        ".join(lines)
    return f"[\n        {body}\n      ]" if body else "[]"


def _story_dict(story: DigestStory) -> dict[str, Any]:
    return {
        "id": str(story.id),
        "title": story.title,
        "first_seen": story.first_seen,
        "last_updated": story.last_updated,
        "outlets": story.outlets,
        "languages": list(story.languages),
        "entities": [_entity_dict(e) for e in story.entities],
        "alerts": list(story.alerts),
        "articles": [_article_dict(article) for article in story.articles],
        "url": story.link,
        "summary": story.summary,
        "article_count": len(story.articles),
    }


def _entity_dict(entity: DigestEntity) -> dict[str, Any]:
    found: dict[str, Any] = {"name": entity.name, "kind": entity.kind, "mentions": entity.mentions}
    if entity.implied:
        found["implied"] = True  # a new key: the JSON contract is only ever extended
    return found


def _article_dict(article: DigestArticle) -> dict[str, Any]:
    return {
        "id": str(article.id),
        "title": article.title,
        "url": article.url,
        "feed": article.feed,
        "published": article.published,
        "lang": article.lang,
        "entities": list(article.entities),
        "in_window": article.in_window,
        **({"why": article.why} if article.why else {}),  # digest --explain
    }


def _alert_dict(alert: DigestAlert) -> dict[str, Any]:
    return {
        "id": str(alert.id),
        "kind": alert.kind,
        "watch": alert.watch,
        "title": alert.title,
        "detail": alert.detail,
        "state": alert.state,
        "story_id": None if alert.story_id is None else str(alert.story_id),
        "created_at": alert.created_at,
        "updated_at": alert.updated_at,
    }


# --------------------------------------------------------------------------- CSV

CSV_COLUMNS = (
    "story_id",
    "story_title",
    "story_outlets",
    "story_languages",
    "story_alerts",
    "article_id",
    "published",
    "feed",
    "lang",
    "title",
    "url",
    "entities",
    "in_window",
)


def render_csv(digest: Digest) -> str:
    """One row per article (RFC 4180, CRLF line ends), stories in digest order."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for story in digest.stories:
        head = [
            story.id,
            csv_cell(story.title),
            story.outlets,
            " ".join(story.languages),
            csv_cell("; ".join(story.alerts)),
        ]
        for article in story.articles:
            writer.writerow(
                [
                    *head,
                    article.id,
                    article.published,
                    _csv_short(article.feed),
                    _csv_short(article.lang),
                    csv_cell(article.title),
                    csv_cell(article.url),
                    csv_cell("; ".join(article.entities)),
                    "yes" if article.in_window else "no",
                ]
            )
    return buffer.getvalue()


# --------------------------------------------------------------------------- Markdown


def render_markdown(digest: Digest) -> str:
    """A brief that pastes cleanly into a report: header, alerts, then stories."""
    parts = [_md_header(digest)]
    if digest.alerts:
        parts.append(_md_alerts(digest))
    if digest.stories:
        parts.append("## Stories")
        parts.extend(
            _md_story(number, story) for number, story in enumerate(digest.stories, start=1)
        )
    else:
        parts.append("_No stories in this window._")
    return "\n\n".join(parts) + "\n"


def _md_header(digest: Digest) -> str:
    lines = ["# chipwatch digest", "", f"**Window:** {human_window(digest)}  "]
    if digest.query:
        lines.append(f"**Query:** {md_text(digest.query)}  ")
    if digest.min_outlets > 1:
        lines.append(f"**Only stories from at least:** {plural(digest.min_outlets, 'outlet')}  ")
    lines.append(f"**Generated:** {human_time(digest.generated_at)}")
    lines += ["", _summary_line(digest)]
    return "\n".join(lines)


def _summary_line(digest: Digest) -> str:
    return (
        f"{plural(len(digest.stories), 'story', 'stories')} · "
        f"{plural(digest.window_article_count, 'article')} in the window from "
        f"{plural(len(digest.outlet_names), 'outlet')} in "
        f"{plural(len(digest.languages), 'language')} · {plural(len(digest.alerts), 'alert')}"
    )


def _md_alerts(digest: Digest) -> str:
    numbers = {story.id: number for number, story in enumerate(digest.stories, start=1)}
    lines = ["## Alerts", ""]
    for alert in digest.alerts:
        lines.append(f"- {_md_alert(alert, numbers)}")
    return "\n".join(lines)


def _md_alert(alert: DigestAlert, numbers: dict[int, int]) -> str:
    text = f"**{md_text(alert.watch)}**"
    if alert.kind_label:
        text += f" ({md_text(alert.kind_label)})"
    if alert.story_id in numbers:
        text += f" on story {numbers[alert.story_id]}"
    if alert.title:
        text += f": {md_text(alert.title)}"
    if alert.note:
        text += f" — {md_text(alert.note)}"
    return f"{text} · {human_time(alert.updated_at)}"


def _md_story(number: int, story: DigestStory) -> str:
    lines = [f"### {number}. {md_text(story.title)}", "", _md_facts(story) + "  "]
    if story.mentioned:
        names = ", ".join(
            f"{_md_short(e.name)} ({_md_short(e.kind)}, {e.mentions})" for e in story.mentioned
        )
        lines.append(f"**Entities:** {names}  ")
    if story.alerts:
        lines.append(f"**Alerts:** {', '.join(md_text(name) for name in story.alerts)}  ")
    lines[-1] = lines[-1].rstrip()
    if story.summary:
        lines += ["", f"> {md_text(story.summary)}"]
    lines.append("")
    lines.extend(_md_citation(article) for article in story.articles)
    return "\n".join(lines)


def _md_facts(story: DigestStory) -> str:
    languages = ", ".join(_md_short(language_name(code)) for code in story.languages)
    return (
        f"{human_span(story.first_seen, story.last_updated)} · "
        f"{plural(story.outlets, 'outlet')} · {languages}"
    )


def _md_citation(article: DigestArticle) -> str:
    title = md_text(article.title)
    url = md_url(article.url)
    linked = f"[{title}](<{url}>)" if url else title
    line = (
        f"- {human_time(article.published)} · **{_md_short(article.feed)}** "
        f"({_md_short(article.lang)}): {linked}"
    )
    line = line if article.in_window else line + " _(earlier)_"
    return f"{line}\n  - why: {md_text(article.why)}" if article.why else line
