"""feedparser's element handlers, re-enacted for the strict lxml fast path.

:mod:`chipwatch.feeds.fastparse` walks an lxml tree and feeds this emulator the same
start/text/end events feedparser's SAX handler receives. The emulator keeps the same
state (depth, title depth, entry/feed/image flags, content parameters, element stack,
language stack) and runs a port of feedparser 6.0's ``_FeedParserMixin`` logic for the
elements listed in :data:`HANDLED`, storing into real ``FeedParserDict`` objects, so
the result reads exactly like ``feedparser.parse``'s. Whatever it does not re-enact
(an element feedparser has a special handler for that is not ported, base64 or XHTML
content, markup inside a text element, xml:base) raises :class:`Unsure`, and the
caller falls back to feedparser. Rewritten from feedparser's behaviour, not copied;
tests/test_fastparse_equal.py proves the results equal on feedparser's own corpus.
"""

from __future__ import annotations

import contextlib
import copy
import re
import urllib.parse
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from feedparser.api import StrictFeedParser
from feedparser.datetimes import _parse_date
from feedparser.html import _cp1252
from feedparser.urls import _urljoin, make_safe_absolute_uri
from feedparser.util import FeedParserDict

_looks_like_html = StrictFeedParser.looks_like_html
_map_content_type = StrictFeedParser.map_content_type
_CAN_BE_RELATIVE = StrictFeedParser.can_be_relative_uri
_HTML_TYPES = StrictFeedParser.html_types
_CP1252_MAPPED = re.compile("[" + "".join(re.escape(chr(code)) for code in _cp1252) + "]")
_LINK_ENTITY = re.compile("&([A-Za-z0-9_]+);")
_EMAIL = re.compile(
    r"(([a-zA-Z0-9\_\-\.\+]+)@((\[[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.)|"
    r"(([a-zA-Z0-9\-]+\.)+))([a-zA-Z]{2,4}|[0-9]{1,3})(\]?))(\?subject=\S+)?"
)


class Unsure(Exception):
    """The document uses something the fast path does not re-enact exactly."""


# An absolute http(s) URL that urllib splits and joins back unchanged: no params, no
# fragment, no empty query, no dot segments to fold, nothing urlsplit strips.
_SIMPLE_ABSOLUTE = re.compile(
    r"https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?"
    r"(?:/(?!\.\.?(?:/|\?|\Z))[A-Za-z0-9._~%+=,!*'()@:-]*)*"
    r"(?:\?[A-Za-z0-9._~%+=,!*'()@:/&-]+)?\Z"
)

# urn: and tag: identifiers: a scheme urljoin never joins (not in uses_relative), and no
# "//" for feedparser's slash fixer or urllib's netloc parsing to act on.
_OPAQUE = re.compile(r"(?:urn|tag):(?!/)")


def resolve(base: str, uri: str) -> str:
    """feedparser's ``_urljoin(base, uri)``; an already absolute simple URL, or a urn:
    or tag: identifier, is returned as it is, which is what urljoin gives for it against
    any base urllib can split."""
    if _SIMPLE_ABSOLUTE.match(uri) or _OPAQUE.match(uri):
        return uri
    return _urljoin(base, uri)


@lru_cache(maxsize=1024)
def has_feedparser_handler(name: str, kind: str) -> bool:
    """True when feedparser has a special ``kind`` (``_start_``/``_end_``) handler for
    element ``name``."""
    return hasattr(StrictFeedParser, kind + name)


def _to_utf8_fixup(output: str) -> str:
    """feedparser's repair of UTF-8 read as Latin-1, then its cp1252 mapping (neither
    changes ASCII text)."""
    if output.isascii():
        return output
    with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
        output = output.encode("iso-8859-1").decode("utf-8")
    return output.translate(_cp1252) if _CP1252_MAPPED.search(output) else output


class Emulator:
    """feedparser's parse state for one document, driven by start/data/end events."""

    def __init__(self, baseuri: str, baselang: str | None, version: str) -> None:
        # feedparser re-joins the base with itself at every start tag: it settles at
        # the first, so it is computed once here (no xml:base is ever accepted).
        self.baseuri = _safe_base(baseuri) if baseuri else ""
        if self.baseuri and _safe_base(self.baseuri) != self.baseuri:
            raise Unsure("a base URI that does not settle")
        try:
            urllib.parse.urlparse(self.baseuri)
        except ValueError as exc:
            raise Unsure("a base URI urllib cannot split") from exc
        self.lang = baselang
        self.version = version
        self.feeddata = FeedParserDict()
        self.entries: list[FeedParserDict] = []
        self.infeed = self.inentry = self.incontent = self.inimage = 0
        self.inauthor = self.incontributor = self.intextinput = self.insource = 0
        self.sourcedata = FeedParserDict()
        self.contentparams = FeedParserDict()
        self.summary_key: str | None = None
        self.elementstack: list[list[Any]] = []
        self.langstack: list[str | None] = []
        self.title_depth = -1
        self.depth = 0
        self.has_content = 0
        self.guidislink = False
        self.depth_map: dict[int, dict[str, int]] = {}
        if self.lang:
            self.feeddata["language"] = self.lang.replace("_", "-")

    # -- events -------------------------------------------------------------------

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        """An element opens: ``tag`` is feedparser's name (``dc:creator``, ``title``)."""
        if self.incontent:
            raise Unsure("markup inside a text element")
        self.depth += 1
        if attrs and ("xml:base" in attrs or "base" in attrs):
            raise Unsure("xml:base")
        lang = attrs.get("xml:lang", attrs.get("lang")) if attrs else None
        if lang == "":
            lang = None
        elif lang is None:
            lang = self.lang
        if lang and tag in ("feed", "rss"):
            self.feeddata["language"] = lang.replace("_", "-")
        self.lang = lang
        self.langstack.append(lang)
        name, handler, _, keeps_textinput, keeps_image = _facts(tag)
        if not keeps_textinput:
            self.intextinput = 0
        if not keeps_image:
            self.inimage = 0
        if handler is not None:
            handler(self, attrs)
        elif has_feedparser_handler(name, "_start_"):
            raise Unsure(f"element {tag}")
        elif not attrs:
            self.push(name, 1)
        else:
            self.context()[name] = attrs

    def data(self, text: str) -> None:
        """Character data inside the current element."""
        if self.elementstack:
            self.elementstack[-1][2].append(text)

    def end(self, tag: str) -> None:
        """An element closes."""
        name, _, handler, _, _ = _facts(tag)
        if handler is not None:
            handler(self)
        elif has_feedparser_handler(name, "_end_"):
            raise Unsure(f"element {tag}")
        else:
            self.pop(name)
        if self.langstack:
            self.langstack.pop()
            if self.langstack:
                self.lang = self.langstack[-1]
        self.depth -= 1

    # -- feedparser's machinery ---------------------------------------------------

    def context(self) -> FeedParserDict:
        if self.insource:
            return self.sourcedata
        if self.inimage and dict.__contains__(self.feeddata, "image"):
            return self.feeddata["image"]
        if self.intextinput:
            return self.feeddata["textinput"]
        if self.inentry:
            return self.entries[-1]
        return self.feeddata

    def push(self, element: str, expecting_text: Any) -> None:
        self.elementstack.append([element, expecting_text, []])

    def pop(self, element: str) -> str | None:
        stack = self.elementstack
        if not stack or stack[-1][0] != element:
            return None
        element, expecting_text, pieces = stack.pop()
        output = "".join(pieces).strip()
        if not expecting_text:
            return output
        params = self.contentparams
        if element in _CAN_BE_RELATIVE and output and (element != "id" or self.guidislink):
            output = resolve(self.baseuri or "", output)
        if (
            not self.version.startswith("atom")
            and dict.get(params, "type") == "text/plain"
            and _looks_like_html(output)
        ):
            params["type"] = "text/html"
        if params:
            params.pop("mode", None)
            params.pop("base64", None)
        output = _to_utf8_fixup(output)
        if element in ("category", "tags", "itunes_keywords"):
            return output
        if element == "title" and -1 < self.title_depth <= self.depth:
            return output
        if self.inentry and not self.insource:
            self._store_entry(element, output)
        elif self.infeed or self.insource:
            self._store_feed(element, output)
        return output

    def _store_entry(self, element: str, output: str) -> None:
        entry = self.entries[-1]
        if element == "content":
            dict.setdefault(entry, element, [])
            params = FeedParserDict(self.contentparams)
            params["value"] = output
            entry[element].append(params)
        elif element == "link":
            if not self.inimage:
                output = _LINK_ENTITY.sub(r"&\g<1>", output.replace("&amp;", "&"))
                entry[element] = output
                if output:
                    entry["links"][-1]["href"] = output
        else:
            if element == "description":
                element = "summary"
            depths = self.depth_map.setdefault(id(entry), {})
            old = depths.get(element)
            if old is None or self.depth <= old:
                depths[element] = self.depth
                entry[element] = output
            if self.incontent:
                params = FeedParserDict(self.contentparams)
                params["value"] = output
                entry[element + "_detail"] = params

    def _store_feed(self, element: str, output: str) -> None:
        context = self.context()
        if element == "description":
            element = "subtitle"
        context[element] = output
        if element == "link":
            output = _LINK_ENTITY.sub(r"&\g<1>", output)
            context[element] = output
            context["links"][-1]["href"] = output
        elif self.incontent:
            params = FeedParserDict(self.contentparams)
            params["value"] = output
            context[element + "_detail"] = params

    def push_content(self, tag: str, attrs: dict[str, str], default: str, expecting: Any) -> None:
        self.incontent += 1
        if self.lang:
            self.lang = self.lang.replace("_", "-")
        kind = _map_content_type(attrs.get("type", default))
        if attrs.get("mode", "") == "base64" or not (
            kind.startswith("text/") or kind.endswith(("+xml", "/xml"))
        ):
            raise Unsure("base64 content")
        if kind == "application/xhtml+xml":
            raise Unsure("xhtml content")
        self.contentparams = FeedParserDict(
            {"type": kind, "language": self.lang, "base": self.baseuri, "base64": 0}
        )
        self.push(tag, expecting)

    def pop_content(self, tag: str) -> str | None:
        value = self.pop(tag)
        self.incontent -= 1
        self.contentparams.clear()
        return value

    def save(self, key: str, value: Any, overwrite: bool = False) -> None:
        context = self.context()
        if overwrite:
            context[key] = value
        else:  # summary, link, guidislink: keys FeedParserDict does not remap
            dict.setdefault(context, key, value)

    def sync_author(self, key: str = "author") -> None:
        context = self.context()
        detail = context.get(f"{key}s", [FeedParserDict()])[-1]
        if detail:
            name, email = detail.get("name"), detail.get("email")
            if name and email:
                context[key] = f"{name} ({email})"
            elif name:
                context[key] = name
            elif email:
                context[key] = email
            return
        author, email = context.get(key), None
        if not author:
            return
        match = _EMAIL.search(author)
        if match:
            email = match.group(0)
            author = author.replace(email, "").replace("()", "").replace("<>", "")
            author = author.replace("&lt;&gt;", "").strip()
            if author and author[0] == "(":
                author = author[1:]
            if author and author[-1] == ")":
                author = author[:-1]
            author = author.strip()
        if author or email:
            context.setdefault(f"{key}_detail", detail)
        if author:
            detail["name"] = author
        if email:
            detail["email"] = email

    def save_author(self, key: str, value: Any) -> None:
        context = self.context()
        context.setdefault("author_detail", FeedParserDict())
        context["author_detail"][key] = value
        self.sync_author()
        context.setdefault("authors", [FeedParserDict()])
        context["authors"][-1][key] = value

    def save_contributor(self, key: str, value: Any) -> None:
        context = self.context()
        context.setdefault("contributors", [FeedParserDict()])
        context["contributors"][-1][key] = value

    def add_tag(self, term: Any, scheme: Any, label: Any) -> None:
        tags = self.context().setdefault("tags", [])
        if not term and not scheme and not label:
            return
        value = FeedParserDict(term=term, scheme=scheme, label=label)
        if value not in tags:
            tags.append(value)

    def start_content(self, attrs: dict[str, str]) -> None:
        self.has_content = 1
        self.push_content("content", attrs, "text/plain", 1)
        src = attrs.get("src")
        if src:
            self.contentparams["src"] = src
        self.push("content", 1)

    def end_content(self) -> None:
        kind = _map_content_type(dict.get(self.contentparams, "type"))
        value = self.pop_content("content")
        if kind in ({"text/plain"} | _HTML_TYPES):
            self.save("summary", value)


@lru_cache(maxsize=1024)
def _facts(tag: str) -> tuple[str, Any, Any, bool, bool]:
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


@lru_cache(maxsize=256)
def _safe_base(base: str) -> str:
    return make_safe_absolute_uri(base, base) or base


def _enforce_href(attrs: dict[str, str]) -> dict[str, str]:
    href = attrs.get("url", attrs.get("uri", attrs.get("href")))
    if href:
        attrs.pop("url", None)
        attrs.pop("uri", None)
        attrs["href"] = href
    return attrs


# -- the handlers (feedparser's _start_* / _end_*), by feedparser's element key ------


def _start_rss(em: Emulator, attrs: dict[str, str]) -> None:
    if not em.version or not em.version.startswith("rss"):
        given = attrs.get("version", "")
        mapped = {"0.91": "rss091u", "0.92": "rss092", "0.93": "rss093", "0.94": "rss094"}
        em.version = mapped.get(given) or ("rss20" if given.startswith("2.") else "rss")


def _cdf_common(attrs: dict[str, str]) -> None:
    if "lastmod" in attrs or "href" in attrs:
        raise Unsure("CDF attributes")


def _start_channel(em: Emulator, attrs: dict[str, str]) -> None:
    em.infeed = 1
    _cdf_common(attrs)


def _start_feed(em: Emulator, attrs: dict[str, str]) -> None:
    em.infeed = 1
    if not em.version:
        mapped = {"0.1": "atom01", "0.2": "atom02", "0.3": "atom03"}
        em.version = mapped.get(attrs.get("version")) or "atom"  # type: ignore[arg-type]


def _end_channel(em: Emulator) -> None:
    em.infeed = 0


def _start_image(em: Emulator, attrs: dict[str, str]) -> None:
    context = em.context()
    if not em.inentry:
        context.setdefault("image", FeedParserDict())
    em.inimage = 1
    em.title_depth = -1
    em.push("image", 0)


def _end_image(em: Emulator) -> None:
    em.pop("image")
    em.inimage = 0


def _start_author(em: Emulator, attrs: dict[str, str]) -> None:
    em.inauthor = 1
    em.push("author", 1)
    context = em.context()
    context.setdefault("authors", [])
    context["authors"].append(FeedParserDict())


def _end_author(em: Emulator) -> None:
    em.pop("author")
    em.inauthor = 0
    em.sync_author()


def _start_contributor(em: Emulator, attrs: dict[str, str]) -> None:
    em.incontributor = 1
    context = em.context()
    context.setdefault("contributors", [])
    context["contributors"].append(FeedParserDict())
    em.push("contributor", 0)


def _end_contributor(em: Emulator) -> None:
    em.pop("contributor")
    em.incontributor = 0


def _pusher(key: str, expecting: int = 1) -> Callable[[Emulator, dict[str, str]], None]:
    def start(em: Emulator, attrs: dict[str, str]) -> None:
        em.push(key, expecting)

    return start


def _end_name(em: Emulator) -> None:
    value = em.pop("name")
    if em.inauthor:
        em.save_author("name", value)
    elif em.incontributor:
        em.save_contributor("name", value)
    elif em.intextinput:
        em.context()["name"] = value


def _end_email(em: Emulator) -> None:
    value = em.pop("email")
    if em.inauthor:
        em.save_author("email", value)
    elif em.incontributor:
        em.save_contributor("email", value)


def _end_url(em: Emulator) -> None:
    value = em.pop("href")
    if em.inauthor:
        em.save_author("href", value)
    elif em.incontributor:
        em.save_contributor("href", value)


def _sizer(key: str) -> Callable[[Emulator], None]:
    def end(em: Emulator) -> None:
        value = em.pop(key)
        try:
            number = int(value)  # type: ignore[arg-type]
        except ValueError:
            number = 0
        if em.inimage:
            em.context()[key] = number

    return end


def _content_starter(key: str, default: str) -> Callable[[Emulator, dict[str, str]], None]:
    def start(em: Emulator, attrs: dict[str, str]) -> None:
        em.push_content(key, attrs, default, 1)

    return start


def _content_ender(key: str) -> Callable[[Emulator], None]:
    def end(em: Emulator) -> None:
        em.pop_content(key)

    return end


def _start_item(em: Emulator, attrs: dict[str, str]) -> None:
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


def _end_item(em: Emulator) -> None:
    em.pop("item")
    em.inentry = 0
    em.has_content = 0


def _start_language(em: Emulator, attrs: dict[str, str]) -> None:
    em.push("language", 1)


def _end_language(em: Emulator) -> None:
    em.lang = em.pop("language")


def _end_webmaster(em: Emulator) -> None:
    em.pop("publisher")
    em.sync_author("publisher")


def _date_ender(key: str) -> Callable[[Emulator], None]:
    def end(em: Emulator) -> None:
        value = em.pop(key)
        em.save(f"{key}_parsed", _parse_date(value), overwrite=True)

    return end


def _start_category(em: Emulator, attrs: dict[str, str]) -> None:
    em.add_tag(attrs.get("term"), attrs.get("scheme", attrs.get("domain")), attrs.get("label"))
    em.push("category", 1)


def _end_category(em: Emulator) -> None:
    value = em.pop("category")
    if not value:
        return
    tags = em.context()["tags"]
    if value and len(tags) and not tags[-1]["term"]:
        tags[-1]["term"] = value
    else:
        em.add_tag(value, None, None)


def _start_cloud(em: Emulator, attrs: dict[str, str]) -> None:
    em.context()["cloud"] = FeedParserDict(attrs)


def _start_link(em: Emulator, attrs: dict[str, str]) -> None:
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
        if attrs.get("rel") == "alternate" and _map_content_type(attrs.get("type")) in _HTML_TYPES:
            context["link"] = attrs["href"]
    else:
        em.push("link", expecting)


def _end_link(em: Emulator) -> None:
    em.pop("link")


def _start_guid(em: Emulator, attrs: dict[str, str]) -> None:
    em.guidislink = attrs.get("ispermalink", "true") == "true"
    em.push("id", 1)


def _end_guid(em: Emulator) -> None:
    value = em.pop("id")
    em.save("guidislink", em.guidislink and not dict.__contains__(em.context(), "link"))
    if em.guidislink:
        em.save("link", value)


def _start_title(em: Emulator, attrs: dict[str, str]) -> None:
    em.push_content("title", attrs, "text/plain", em.infeed or em.inentry or em.insource)


def _end_title(em: Emulator) -> None:
    value = em.pop_content("title")
    if value:
        em.title_depth = em.depth


def _start_description(em: Emulator, attrs: dict[str, str]) -> None:
    if dict.__contains__(em.context(), "summary") and not em.has_content:
        em.summary_key = "content"
        em.start_content(attrs)
    else:
        em.push_content("description", attrs, "text/html", em.infeed or em.inentry or em.insource)


def _end_description(em: Emulator) -> None:
    if em.summary_key == "content":
        em.end_content()
    else:
        em.pop_content("description")
    em.summary_key = None


def _start_generator(em: Emulator, attrs: dict[str, str]) -> None:
    if attrs:
        attrs = _enforce_href(attrs)
        if "href" in attrs:
            attrs["href"] = resolve(em.baseuri or "", attrs["href"])
    em.context()["generator_detail"] = FeedParserDict(attrs)
    em.push("generator", 1)


def _end_generator(em: Emulator) -> None:
    value = em.pop("generator")
    context = em.context()
    if "generator_detail" in context:
        context["generator_detail"]["name"] = value


def _start_summary(em: Emulator, attrs: dict[str, str]) -> None:
    if dict.__contains__(em.context(), "summary") and not em.has_content:
        em.summary_key = "content"
        em.start_content(attrs)
    else:
        em.summary_key = "summary"
        em.push_content("summary", attrs, "text/plain", 1)


def _end_summary(em: Emulator) -> None:
    if em.summary_key == "content":
        em.end_content()
    else:
        em.pop_content(em.summary_key or "summary")
    em.summary_key = None


def _start_enclosure(em: Emulator, attrs: dict[str, str]) -> None:
    attrs = _enforce_href(attrs)
    attrs["rel"] = "enclosure"
    em.context().setdefault("links", []).append(FeedParserDict(attrs))


def _start_source(em: Emulator, attrs: dict[str, str]) -> None:
    if "url" in attrs:
        em.sourcedata["href"] = attrs["url"]
    em.push("source", 1)
    em.insource = 1
    em.title_depth = -1


def _end_source(em: Emulator) -> None:
    em.insource = 0
    value = em.pop("source")
    if value:
        em.sourcedata["title"] = value
    em.context()["source"] = copy.deepcopy(em.sourcedata)
    em.sourcedata.clear()


def _start_content_encoded(em: Emulator, attrs: dict[str, str]) -> None:
    em.has_content = 1
    em.push_content("content", attrs, "text/html", 1)


def _start_media_title(em: Emulator, attrs: dict[str, str]) -> None:
    _start_title(em, attrs)


def _end_media_title(em: Emulator) -> None:
    depth = em.title_depth
    _end_title(em)
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
    _start_category(em, attrs)


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
    "rss": _start_rss,
    "channel": _start_channel,
    "feed": _start_feed,
    "image": _start_image,
    "author": _start_author,
    "managingeditor": _start_author,
    "dc_author": _start_author,
    "dc_creator": _start_author,
    "contributor": _start_contributor,
    "name": _pusher("name", 0),
    "width": _pusher("width", 0),
    "height": _pusher("height", 0),
    "url": _pusher("href"),
    "homepage": _pusher("href"),
    "uri": _pusher("href"),
    "email": _pusher("email", 0),
    "subtitle": _content_starter("subtitle", "text/plain"),
    "tagline": _content_starter("subtitle", "text/plain"),
    "rights": _content_starter("rights", "text/plain"),
    "copyright": _content_starter("rights", "text/plain"),
    "dc_rights": _content_starter("rights", "text/plain"),
    "item": _start_item,
    "entry": _start_item,
    "language": _start_language,
    "dc_language": _start_language,
    "webmaster": _pusher("publisher"),
    "dc_publisher": _pusher("publisher"),
    "published": _pusher("published"),
    "issued": _pusher("published"),
    "pubdate": _pusher("published"),
    "dcterms_issued": _pusher("published"),
    "updated": _pusher("updated"),
    "modified": _pusher("updated"),
    "lastbuilddate": _pusher("updated"),
    "dc_date": _pusher("updated"),
    "dcterms_modified": _pusher("updated"),
    "created": _pusher("created"),
    "dcterms_created": _pusher("created"),
    "category": _start_category,
    "keywords": _start_category,
    "dc_subject": _start_category,
    "cloud": _start_cloud,
    "link": _start_link,
    "guid": _start_guid,
    "id": _start_guid,
    "title": _start_title,
    "dc_title": _start_title,
    "description": _start_description,
    "dc_description": _start_description,
    "generator": _start_generator,
    "summary": _start_summary,
    "enclosure": _start_enclosure,
    "source": _start_source,
    "content": lambda em, attrs: em.start_content(attrs),
    "content_encoded": _start_content_encoded,
    "media_content": _start_media_content,
    "media_title": _start_media_title,
    "media_description": _start_description,
    "media_group": _start_media_group,
    "media_credit": _start_media_credit,
    "media_category": _start_media_category,
    "media_thumbnail": _start_media_thumbnail,
}

_ENDS: dict[str, Callable[[Emulator], None]] = {
    "channel": _end_channel,
    "feed": _end_channel,
    "image": _end_image,
    "author": _end_author,
    "managingeditor": _end_author,
    "dc_author": _end_author,
    "dc_creator": _end_author,
    "contributor": _end_contributor,
    "name": _end_name,
    "width": _sizer("width"),
    "height": _sizer("height"),
    "url": _end_url,
    "homepage": _end_url,
    "uri": _end_url,
    "email": _end_email,
    "subtitle": _content_ender("subtitle"),
    "tagline": _content_ender("subtitle"),
    "rights": _content_ender("rights"),
    "copyright": _content_ender("rights"),
    "dc_rights": _content_ender("rights"),
    "item": _end_item,
    "entry": _end_item,
    "language": _end_language,
    "dc_language": _end_language,
    "webmaster": _end_webmaster,
    "dc_publisher": _end_webmaster,
    "published": _date_ender("published"),
    "issued": _date_ender("published"),
    "pubdate": _date_ender("published"),
    "dcterms_issued": _date_ender("published"),
    "updated": _date_ender("updated"),
    "modified": _date_ender("updated"),
    "lastbuilddate": _date_ender("updated"),
    "dc_date": _date_ender("updated"),
    "dcterms_modified": _date_ender("updated"),
    "created": _date_ender("created"),
    "dcterms_created": _date_ender("created"),
    "category": _end_category,
    "keywords": _end_category,
    "dc_subject": _end_category,
    "link": _end_link,
    "guid": _end_guid,
    "id": _end_guid,
    "title": _end_title,
    "dc_title": _end_title,
    "description": _end_description,
    "dc_description": _end_description,
    "generator": _end_generator,
    "summary": _end_summary,
    "content": lambda em: em.end_content(),
    "content_encoded": lambda em: em.end_content(),
    "media_thumbnail": _end_media_thumbnail,
    "media_title": _end_media_title,
    "media_description": _end_description,
    "media_credit": _end_media_credit,
    "media_category": _end_category,
    "media_keywords": _end_media_keywords,
    "source": _end_source,
}
HANDLED = frozenset(_STARTS) | frozenset(_ENDS)
