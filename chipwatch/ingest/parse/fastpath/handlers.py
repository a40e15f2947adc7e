"""feedparser 6.0's element handlers (``start_*``/``end_*``), ported for the emulator.

Each function does to an :class:`~chipwatch.ingest.parse.fastpath.emu.Emulator` what the
feedparser handler of the same name does to its parser's state; the dispatch tables
are in :mod:`chipwatch.ingest.parse.fastpath.tables`. Rewritten from feedparser's behaviour.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from feedparser.datetimes import _parse_date
from feedparser.util import FeedParserDict

from chipwatch.ingest.parse.fastpath.emu import (
    HTML_TYPES,
    Emulator,
    Unsure,
    map_content_type,
    resolve,
)


def _enforce_href(attrs: dict[str, str]) -> dict[str, str]:
    href = attrs.get("url", attrs.get("uri", attrs.get("href")))
    if href:
        attrs.pop("url", None)
        attrs.pop("uri", None)
        attrs["href"] = href
    return attrs


# -- the handlers (feedparser's _start_* / _end_*), by feedparser's element key ----


def start_rss(em: Emulator, attrs: dict[str, str]) -> None:
    """feedparser's ``_start_rss``."""
    if not em.version or not em.version.startswith("rss"):
        given = attrs.get("version", "")
        mapped = {"0.91": "rss091u", "0.92": "rss092", "0.93": "rss093", "0.94": "rss094"}
        em.version = mapped.get(given) or ("rss20" if given.startswith("2.") else "rss")


def _cdf_common(attrs: dict[str, str]) -> None:
    if "lastmod" in attrs or "href" in attrs:
        raise Unsure("CDF attributes")


def start_channel(em: Emulator, attrs: dict[str, str]) -> None:
    """feedparser's ``_start_channel``."""
    em.infeed = 1
    _cdf_common(attrs)


def start_feed(em: Emulator, attrs: dict[str, str]) -> None:
    """feedparser's ``_start_feed``."""
    em.infeed = 1
    if not em.version:
        mapped = {"0.1": "atom01", "0.2": "atom02", "0.3": "atom03"}
        em.version = mapped.get(attrs.get("version")) or "atom"  # type: ignore[arg-type]


def end_channel(em: Emulator) -> None:
    """feedparser's ``_end_channel``."""
    em.infeed = 0


def start_image(em: Emulator, attrs: dict[str, str]) -> None:
    """feedparser's ``_start_image``."""
    context = em.context()
    if not em.inentry:
        context.setdefault("image", FeedParserDict())
    em.inimage = 1
    em.title_depth = -1
    em.push("image", 0)


def end_image(em: Emulator) -> None:
    """feedparser's ``_end_image``."""
    em.pop("image")
    em.inimage = 0


def start_author(em: Emulator, attrs: dict[str, str]) -> None:
    """feedparser's ``_start_author``."""
    em.inauthor = 1
    em.push("author", 1)
    context = em.context()
    context.setdefault("authors", [])
    context["authors"].append(FeedParserDict())


def end_author(em: Emulator) -> None:
    """feedparser's ``_end_author``."""
    em.pop("author")
    em.inauthor = 0
    em.sync_author()


def start_contributor(em: Emulator, attrs: dict[str, str]) -> None:
    """feedparser's ``_start_contributor``."""
    em.incontributor = 1
    context = em.context()
    context.setdefault("contributors", [])
    context["contributors"].append(FeedParserDict())
    em.push("contributor", 0)


def end_contributor(em: Emulator) -> None:
    """feedparser's ``_end_contributor``."""
    em.pop("contributor")
    em.incontributor = 0


def pusher(key: str, expecting: int = 1) -> Callable[[Emulator, dict[str, str]], None]:
    """A start handler that only pushes ``key`` (feedparser's many ``self.push(key, 1)`` starts)."""

    def start(em: Emulator, attrs: dict[str, str]) -> None:
        em.push(key, expecting)

    return start


def end_name(em: Emulator) -> None:
    """feedparser's ``_end_name``."""
    value = em.pop("name")
    if em.inauthor:
        em.save_author("name", value)
    elif em.incontributor:
        em.save_contributor("name", value)
    elif em.intextinput:
        em.context()["name"] = value


def end_email(em: Emulator) -> None:
    """feedparser's ``_end_email``."""
    value = em.pop("email")
    if em.inauthor:
        em.save_author("email", value)
    elif em.incontributor:
        em.save_contributor("email", value)


def end_url(em: Emulator) -> None:
    """feedparser's ``_end_url``."""
    value = em.pop("href")
    if em.inauthor:
        em.save_author("href", value)
    elif em.incontributor:
        em.save_contributor("href", value)


def sizer(key: str) -> Callable[[Emulator], None]:
    """feedparser's ``_end_width``/``_end_height``: an integer, kept for images only."""

    def end(em: Emulator) -> None:
        value = em.pop(key)
        try:
            number = int(value)  # type: ignore[arg-type]
        except ValueError:
            number = 0
        if em.inimage:
            em.context()[key] = number

    return end


def content_starter(key: str, default: str) -> Callable[[Emulator, dict[str, str]], None]:
    """A start handler pushing ``key`` as content of ``default`` type (``push_content``)."""

    def start(em: Emulator, attrs: dict[str, str]) -> None:
        em.push_content(key, attrs, default, 1)

    return start


def content_ender(key: str) -> Callable[[Emulator], None]:
    """The matching end handler (``pop_content``)."""

    def end(em: Emulator) -> None:
        em.pop_content(key)

    return end


def start_item(em: Emulator, attrs: dict[str, str]) -> None:
    """feedparser's ``_start_item``."""
    if em.inentry:
        raise Unsure("nested entry")
    em.entries.append(FeedParserDict())
    em.push("item", 0)
    em.inentry = 1
    em.guidislink = False
    em.title_depth = -1
    about = attrs.get("rdf:about")
    if about:
        em.context()["id"] = about
    _cdf_common(attrs)


def end_item(em: Emulator) -> None:
    """feedparser's ``_end_item``."""
    em.pop("item")
    em.inentry = 0
    em.has_content = 0


def start_language(em: Emulator, attrs: dict[str, str]) -> None:
    """feedparser's ``_start_language``."""
    em.push("language", 1)


def end_language(em: Emulator) -> None:
    """feedparser's ``_end_language``."""
    em.lang = em.pop("language")


def end_webmaster(em: Emulator) -> None:
    """feedparser's ``_end_webmaster``."""
    em.pop("publisher")
    em.sync_author("publisher")


def date_ender(key: str) -> Callable[[Emulator], None]:
    """feedparser's date ends: the text, then ``<key>_parsed`` by feedparser's parser."""

    def end(em: Emulator) -> None:
        value = em.pop(key)
        em.save(f"{key}_parsed", _parse_date(value), overwrite=True)

    return end


def start_category(em: Emulator, attrs: dict[str, str]) -> None:
    """feedparser's ``_start_category``."""
    em.add_tag(attrs.get("term"), attrs.get("scheme", attrs.get("domain")), attrs.get("label"))
    em.push("category", 1)


def end_category(em: Emulator) -> None:
    """feedparser's ``_end_category``."""
    value = em.pop("category")
    if not value:
        return
    tags = em.context()["tags"]
    if value and len(tags) and not tags[-1]["term"]:
        tags[-1]["term"] = value
    else:
        em.add_tag(value, None, None)


def start_cloud(em: Emulator, attrs: dict[str, str]) -> None:
    """feedparser's ``_start_cloud``."""
    em.context()["cloud"] = FeedParserDict(attrs)


def start_link(em: Emulator, attrs: dict[str, str]) -> None:
    """feedparser's ``_start_link``."""
    attrs.setdefault("rel", "alternate")
    attrs.setdefault("type", "application/atom+xml" if attrs["rel"] == "self" else "text/html")
    context = em.context()
    attrs = _enforce_href(attrs)
    if "href" in attrs:
        attrs["href"] = resolve(em.baseuri or "", attrs["href"])
    expecting = em.infeed or em.inentry or em.insource
    dict.setdefault(context, "links", [])
    if not (em.inentry and em.inimage):
        context["links"].append(FeedParserDict(attrs))
    if "href" in attrs:
        if attrs.get("rel") == "alternate" and map_content_type(attrs.get("type")) in HTML_TYPES:
            context["link"] = attrs["href"]
    else:
        em.push("link", expecting)


def end_link(em: Emulator) -> None:
    """feedparser's ``_end_link``."""
    em.pop("link")


def start_guid(em: Emulator, attrs: dict[str, str]) -> None:
    """feedparser's ``_start_guid``."""
    em.guidislink = attrs.get("ispermalink", "true") == "true"
    em.push("id", 1)


def end_guid(em: Emulator) -> None:
    """feedparser's ``_end_guid``."""
    value = em.pop("id")
    em.save("guidislink", em.guidislink and not dict.__contains__(em.context(), "link"))
    if em.guidislink:
        em.save("link", value)


def start_title(em: Emulator, attrs: dict[str, str]) -> None:
    """feedparser's ``_start_title``."""
    em.push_content("title", attrs, "text/plain", em.infeed or em.inentry or em.insource)


def end_title(em: Emulator) -> None:
    """feedparser's ``_end_title``."""
    value = em.pop_content("title")
    if value:
        em.title_depth = em.depth


def start_description(em: Emulator, attrs: dict[str, str]) -> None:
    """feedparser's ``_start_description``."""
    if dict.__contains__(em.context(), "summary") and not em.has_content:
        em.summary_key = "content"
        em.start_content(attrs)
    else:
        em.push_content("description", attrs, "text/html", em.infeed or em.inentry or em.insource)


def end_description(em: Emulator) -> None:
    """feedparser's ``_end_description``."""
    if em.summary_key == "content":
        em.end_content()
    else:
        em.pop_content("description")
    em.summary_key = None


def start_generator(em: Emulator, attrs: dict[str, str]) -> None:
    """feedparser's ``_start_generator``."""
    if attrs:
        attrs = _enforce_href(attrs)
        if "href" in attrs:
            attrs["href"] = resolve(em.baseuri or "", attrs["href"])
    em.context()["generator_detail"] = FeedParserDict(attrs)
    em.push("generator", 1)


def end_generator(em: Emulator) -> None:
    """feedparser's ``_end_generator``."""
    value = em.pop("generator")
    context = em.context()
    if "generator_detail" in context:
        context["generator_detail"]["name"] = value


def start_summary(em: Emulator, attrs: dict[str, str]) -> None:
    """feedparser's ``_start_summary``."""
    if dict.__contains__(em.context(), "summary") and not em.has_content:
        em.summary_key = "content"
        em.start_content(attrs)
    else:
        em.summary_key = "summary"
        em.push_content("summary", attrs, "text/plain", 1)


def end_summary(em: Emulator) -> None:
    """feedparser's ``_end_summary``."""
    if em.summary_key == "content":
        em.end_content()
    else:
        em.pop_content(em.summary_key or "summary")
    em.summary_key = None


def start_enclosure(em: Emulator, attrs: dict[str, str]) -> None:
    """feedparser's ``_start_enclosure``."""
    attrs = _enforce_href(attrs)
    attrs["rel"] = "enclosure"
    em.context().setdefault("links", []).append(FeedParserDict(attrs))


def start_source(em: Emulator, attrs: dict[str, str]) -> None:
    """feedparser's ``_start_source``."""
    if "url" in attrs:
        em.sourcedata["href"] = attrs["url"]
    em.push("source", 1)
    em.insource = 1
    em.title_depth = -1


def end_source(em: Emulator) -> None:
    """feedparser's ``_end_source``."""
    em.insource = 0
    value = em.pop("source")
    if value:
        em.sourcedata["title"] = value
    em.context()["source"] = copy.deepcopy(em.sourcedata)
    em.sourcedata.clear()


def start_content_encoded(em: Emulator, attrs: dict[str, str]) -> None:
    """feedparser's ``_start_content_encoded``."""
    em.has_content = 1
    em.push_content("content", attrs, "text/html", 1)
