"""The digest as an Atom 1.0 feed (RFC 4287), one entry per story, so another feed
reader can subscribe to chipwatch's output.

Ids are tag: URIs (RFC 4151) built from the store's story ids, so an entry keeps its id
from one digest to the next and readers do not show it twice. Every feed string is
XML-escaped; the entry content is escaped HTML with http(s) links only.
"""

from __future__ import annotations

import hashlib
import html
import re
from functools import lru_cache

from chipwatch.digest.model import (
    Digest,
    DigestStory,
    human_span,
    human_time,
    human_window,
    language_name,
    one_line,
    plural,
)

TAG_AUTHORITY = "tag:chipwatch,2025"
ATOM_NS = "http://www.w3.org/2005/Atom"
# XML 1.0 forbids these even as character references; clean_text already removed C0/C1.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def render_atom(digest: Digest) -> str:
    """A valid Atom 1.0 document; entries in digest order."""
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="{ATOM_NS}" xml:lang="en">',
        f"  <title>{_title(digest)}</title>",
        f"  <subtitle>{_x(_subtitle(digest))}</subtitle>",
        f"  <id>{feed_id(digest)}</id>",
        f"  <updated>{digest.generated_at}</updated>",
        "  <author><name>chipwatch</name></author>",
        "  <generator>chipwatch</generator>",
    ]
    for story in digest.stories:
        lines.append(_entry(story))
    lines.append("</feed>")
    # One pass over the document rather than one per string: only feed text can
    # carry characters XML 1.0 forbids, and none of the markup around it does.
    return _XML_INVALID.sub("", "\n".join(lines)) + "\n"


def feed_id(digest: Digest) -> str:
    """The feed's id: one per query, so differently filtered digests are different feeds."""
    if not digest.query:
        return f"{TAG_AUTHORITY}:digest"
    key = hashlib.sha256(digest.query.encode("utf-8")).hexdigest()[:16]
    return f"{TAG_AUTHORITY}:digest:{key}"


def story_id(story: DigestStory) -> str:
    """A story entry's stable id."""
    return f"{TAG_AUTHORITY}:story:{story.id}"


def _title(digest: Digest) -> str:
    if digest.query:
        return _x(f"chipwatch digest: {digest.query}")
    return "chipwatch digest"


def _subtitle(digest: Digest) -> str:
    return f"{plural(len(digest.stories), 'story', 'stories')} from {human_window(digest)}"


def _entry(story: DigestStory) -> str:
    lines = [
        "  <entry>",
        f'    <title type="text">{_x(story.title)}</title>',
        f"    <id>{story_id(story)}</id>",
        f"    <updated>{story.last_updated}</updated>",
        f"    <published>{story.first_seen}</published>",
    ]
    if story.link:
        lines.append(f'    <link rel="alternate" type="text/html" href="{_x(story.link)}"/>')
    for article in story.articles:
        if article.url:
            lines.append(
                f'    <link rel="related" type="text/html" href="{_x(article.url)}"'
                f"{_hreflang(article.lang)} "
                f'title="{_x(article.feed + ": " + article.title)}"/>'
            )
    lines.extend(_category(entity.name, entity.kind) for entity in story.mentioned)
    for name in story.alerts:
        lines.append(
            f'    <category term="{_x(name)}" label="alert: {_x(name)}" '
            f'scheme="{TAG_AUTHORITY}:alert"/>'
        )
    lines.append(f'    <summary type="text">{_x(story.summary or _facts(story))}</summary>')
    lines.append(f'    <content type="html">{_x(_content_html(story))}</content>')
    lines.append("  </entry>")
    return "\n".join(lines)


@lru_cache(maxsize=4096)
def _category(name: str, kind: str) -> str:
    """An entity as an Atom category (entities repeat across stories: cached)."""
    return (
        f'    <category term="{_x(name)}" label="{_x(name)} ({_x(kind)})" '
        f'scheme="{TAG_AUTHORITY}:entity:{_x(kind)}"/>'
    )


def _facts(story: DigestStory) -> str:
    languages = ", ".join(language_name(code) for code in story.languages)
    text = (
        f"{human_span(story.first_seen, story.last_updated)} · "
        f"{plural(story.outlets, 'outlet')} · {languages}"
    )
    if story.alerts:
        text += f" · alerts: {', '.join(story.alerts)}"
    return text


def _content_html(story: DigestStory) -> str:
    """The citations as a small HTML fragment (escaped again as XML text by the caller)."""
    e = html.escape
    parts = [f"<p>{e(_facts(story))}</p>"]
    if story.summary:
        parts.append(f"<p>{e(story.summary)}</p>")
    if story.mentioned:
        names = ", ".join(f"{e(x.name)} ({e(x.kind)}, {x.mentions})" for x in story.mentioned)
        parts.append(f"<p>Entities: {names}</p>")
    parts.append("<ul>")
    for a in story.articles:
        title = f'<a href="{e(a.url)}">{e(a.title)}</a>' if a.url else e(a.title)
        note = " (earlier)" if not a.in_window else ""
        parts.append(
            f"<li>{e(human_time(a.published))} · <b>{_html_short(a.feed)}</b> "
            f"({_html_short(a.lang)}): {title}{note}</li>"
        )
    parts.append("</ul>")
    return "".join(parts)


_html_short = lru_cache(maxsize=4096)(html.escape)


@lru_cache(maxsize=1024)
def _hreflang(lang: str) -> str:
    """An hreflang attribute, left out for an unknown language (it may not be empty)."""
    return "" if lang == "und" else f' hreflang="{_x(lang)}"'


def _x(text: str) -> str:
    """Text safe as XML character data or a double-quoted attribute value (characters
    XML forbids are removed from the whole document by :func:`render_atom`)."""
    return (
        one_line(text)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
    )
