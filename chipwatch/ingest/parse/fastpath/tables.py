"""The emulator's dispatch: feedparser element key → ported start/end handler.

Also the Media RSS handlers (news feeds nest ``media:title``/``media:description``/
``media:credit`` in ``media:content``). An element whose key is not here but has a
feedparser handler makes the emulator unsure; one with no handler anywhere is read
the way feedparser reads unknown elements.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from types import MappingProxyType

from chipwatch.ingest.parse.fastpath import handlers as fh
from chipwatch.ingest.parse.fastpath.emu import Emulator, Facts

_UPDATED = ("updated", "modified", "lastbuilddate", "dc_date", "dcterms_modified")


def _start_media_title(em: Emulator, attrs: dict[str, str]) -> None:
    fh.start_title(em, attrs)


def _end_media_title(em: Emulator) -> None:
    depth = em.title_depth
    fh.end_title(em)
    em.title_depth = depth


def _start_media_group(em: Emulator, attrs: dict[str, str]) -> None:
    """Nothing: its children are read as if they were not grouped."""


def _start_media_credit(em: Emulator, attrs: dict[str, str]) -> None:
    context = em.context()
    context.setdefault("media_credit", [])
    context["media_credit"].append(attrs)
    em.push("credit", 1)


def _end_media_credit(em: Emulator) -> None:
    credit = em.pop("credit")
    if credit is not None and credit.strip():
        em.context()["media_credit"][-1]["content"] = credit


def _start_media_category(em: Emulator, attrs: dict[str, str]) -> None:
    attrs.setdefault("scheme", "http://search.yahoo.com/mrss/category_schema")
    fh.start_category(em, attrs)


def _end_media_keywords(em: Emulator) -> None:
    value = em.pop("media_keywords")
    if value is None:  # feedparser's AttributeError on None.split: a no-op
        return
    for term in value.split(","):
        if term.strip():
            em.add_tag(term.strip(), None, None)


def _start_media_content(em: Emulator, attrs: dict[str, str]) -> None:
    context = em.context()
    context.setdefault("media_content", [])
    context["media_content"].append(attrs)


def _start_media_thumbnail(em: Emulator, attrs: dict[str, str]) -> None:
    context = em.context()
    context.setdefault("media_thumbnail", [])
    em.push("url", 1)
    context["media_thumbnail"].append(attrs)


def _end_media_thumbnail(em: Emulator) -> None:
    url = em.pop("url")
    context = em.context()
    if url is not None and url.strip() and "url" not in context["media_thumbnail"][-1]:
        context["media_thumbnail"][-1]["url"] = url


_STARTS: dict[str, Callable[[Emulator, dict[str, str]], None]] = {
    "rss": fh.start_rss,
    "channel": fh.start_channel,
    "feed": fh.start_feed,
    "image": fh.start_image,
    **dict.fromkeys(("author", "managingeditor", "dc_author", "dc_creator"), fh.start_author),
    "contributor": fh.start_contributor,
    "name": fh.pusher("name", 0),
    "width": fh.pusher("width", 0),
    "height": fh.pusher("height", 0),
    **dict.fromkeys(("url", "homepage", "uri"), fh.pusher("href")),
    "email": fh.pusher("email", 0),
    **dict.fromkeys(("subtitle", "tagline"), fh.content_starter("subtitle", "text/plain")),
    **dict.fromkeys(
        ("rights", "copyright", "dc_rights"), fh.content_starter("rights", "text/plain")
    ),
    **dict.fromkeys(("item", "entry"), fh.start_item),
    **dict.fromkeys(("language", "dc_language"), fh.start_language),
    **dict.fromkeys(("webmaster", "dc_publisher"), fh.pusher("publisher")),
    **dict.fromkeys(("published", "issued", "pubdate", "dcterms_issued"), fh.pusher("published")),
    **dict.fromkeys(_UPDATED, fh.pusher("updated")),
    **dict.fromkeys(("created", "dcterms_created"), fh.pusher("created")),
    **dict.fromkeys(("category", "keywords", "dc_subject"), fh.start_category),
    "cloud": fh.start_cloud,
    "link": fh.start_link,
    **dict.fromkeys(("guid", "id"), fh.start_guid),
    **dict.fromkeys(("title", "dc_title"), fh.start_title),
    **dict.fromkeys(("description", "dc_description", "media_description"), fh.start_description),
    "generator": fh.start_generator,
    "summary": fh.start_summary,
    "enclosure": fh.start_enclosure,
    "source": fh.start_source,
    "content": lambda em, attrs: em.start_content(attrs),
    "content_encoded": fh.start_content_encoded,
    "media_content": _start_media_content,
    "media_title": _start_media_title,
    "media_group": _start_media_group,
    "media_credit": _start_media_credit,
    "media_category": _start_media_category,
    "media_thumbnail": _start_media_thumbnail,
}

_ENDS: dict[str, Callable[[Emulator], None]] = {
    **dict.fromkeys(("channel", "feed"), fh.end_channel),
    "image": fh.end_image,
    **dict.fromkeys(("author", "managingeditor", "dc_author", "dc_creator"), fh.end_author),
    "contributor": fh.end_contributor,
    "name": fh.end_name,
    "width": fh.sizer("width"),
    "height": fh.sizer("height"),
    **dict.fromkeys(("url", "homepage", "uri"), fh.end_url),
    "email": fh.end_email,
    **dict.fromkeys(("subtitle", "tagline"), fh.content_ender("subtitle")),
    **dict.fromkeys(("rights", "copyright", "dc_rights"), fh.content_ender("rights")),
    **dict.fromkeys(("item", "entry"), fh.end_item),
    **dict.fromkeys(("language", "dc_language"), fh.end_language),
    **dict.fromkeys(("webmaster", "dc_publisher"), fh.end_webmaster),
    **dict.fromkeys(
        ("published", "issued", "pubdate", "dcterms_issued"), fh.date_ender("published")
    ),
    **dict.fromkeys(_UPDATED, fh.date_ender("updated")),
    **dict.fromkeys(("created", "dcterms_created"), fh.date_ender("created")),
    **dict.fromkeys(("category", "keywords", "dc_subject", "media_category"), fh.end_category),
    "link": fh.end_link,
    **dict.fromkeys(("guid", "id"), fh.end_guid),
    **dict.fromkeys(("title", "dc_title"), fh.end_title),
    **dict.fromkeys(("description", "dc_description", "media_description"), fh.end_description),
    "generator": fh.end_generator,
    "summary": fh.end_summary,
    **dict.fromkeys(("content", "content_encoded"), lambda em: em.end_content()),
    "source": fh.end_source,
    "media_thumbnail": _end_media_thumbnail,
    "media_title": _end_media_title,
    "media_credit": _end_media_credit,
    "media_keywords": _end_media_keywords,
}
STARTS = MappingProxyType(_STARTS)
ENDS = MappingProxyType(_ENDS)
HANDLED = frozenset(_STARTS) | frozenset(_ENDS)


@lru_cache(maxsize=1024)
def facts(tag: str) -> Facts:
    """For feedparser's element ``tag``: its handler name (``dc:creator`` → ``dc_creator``),
    the ported start and end handlers (or None), and whether the element leaves
    feedparser's "in textinput" and "in image" flags alone (only unprefixed elements
    outside two short lists clear them)."""
    prefix, _, suffix = tag.rpartition(":")
    name = f"{prefix}_{suffix}" if prefix else suffix
    keeps_textinput = bool(prefix) or tag in ("title", "link", "description", "name")
    keeps_image = bool(prefix) or tag in (
        *("title", "link", "description"),
        *("url", "href", "width", "height"),
    )
    return name, _STARTS.get(name), _ENDS.get(name), keeps_textinput, keeps_image
