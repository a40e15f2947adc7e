"""feedparser's element handlers, re-enacted for the strict lxml fast path.

:mod:`chipwatch.ingest.parse.fastpath.parse` walks an lxml tree and feeds this emulator the same
start/text/end events feedparser's SAX handler receives. The emulator keeps the same
state (depth, title depth, entry/feed/image flags, content parameters, element stack,
language stack) and runs a port of feedparser 6.0's ``_FeedParserMixin`` logic for the
elements listed in :data:`chipwatch.ingest.parse.fastpath.tables.HANDLED` (handlers in
:mod:`chipwatch.ingest.parse.fastpath.handlers`), storing into real ``FeedParserDict`` objects, so
the result reads exactly like ``feedparser.parse``'s. Whatever it does not re-enact
(an element feedparser has a special handler for that is not ported, base64 or XHTML
content, markup inside a text element, xml:base) raises :class:`Unsure`, and the
caller falls back to feedparser. Rewritten from feedparser's behaviour, not copied;
tests/test_fastparse_equal.py proves the results equal on feedparser's own corpus.
"""

from __future__ import annotations

import contextlib
import re
import urllib.parse
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from feedparser.api import StrictFeedParser
from feedparser.html import _cp1252
from feedparser.urls import _urljoin, make_safe_absolute_uri
from feedparser.util import FeedParserDict

_looks_like_html = StrictFeedParser.looks_like_html
map_content_type = StrictFeedParser.map_content_type
_CAN_BE_RELATIVE = StrictFeedParser.can_be_relative_uri
HTML_TYPES = StrictFeedParser.html_types
_CP1252_MAPPED = re.compile("[" + "".join(re.escape(chr(code)) for code in _cp1252) + "]")
_LINK_ENTITY = re.compile("&([A-Za-z0-9_]+);")
_EMAIL = re.compile(
    r"(([a-zA-Z0-9\_\-\.\+]+)@((\[[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.)|"
    r"(([a-zA-Z0-9\-]+\.)+))([a-zA-Z]{2,4}|[0-9]{1,3})(\]?))(\?subject=\S+)?"
)


# (handler name, start handler, end handler, keeps "in textinput", keeps "in image")
Facts = tuple[str, Any, Any, bool, bool]


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
    joined: str = _urljoin(base, uri)
    return joined


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

    def __init__(
        self, baseuri: str, baselang: str | None, version: str, facts: Callable[[str], Facts]
    ) -> None:
        """``facts``: the handler dispatch (:func:`chipwatch.ingest.parse.fastpath.tables.facts`)."""
        self.facts = facts
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
        name, handler, _, keeps_textinput, keeps_image = self.facts(tag)
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
        name, _, handler, _, _ = self.facts(tag)
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
        """feedparser's ``_get_context``: where values land (source, image, entry, feed)."""
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
        """feedparser's ``push``: a new element whose text is collected."""
        self.elementstack.append([element, expecting_text, []])

    def pop(self, element: str) -> str | None:
        """feedparser's ``pop``: the element's text, cleaned and stored where it belongs."""
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
        """feedparser's ``push_content``: a text element with a content type (unsure of base64/XHTML)."""
        self.incontent += 1
        if self.lang:
            self.lang = self.lang.replace("_", "-")
        kind = map_content_type(attrs.get("type", default))
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
        """feedparser's ``pop_content``."""
        value = self.pop(tag)
        self.incontent -= 1
        self.contentparams.clear()
        return value

    def save(self, key: str, value: Any, overwrite: bool = False) -> None:
        """feedparser's ``_save``: set (or set if absent) ``key`` in the context."""
        context = self.context()
        if overwrite:
            context[key] = value
        else:  # summary, link, guidislink: keys FeedParserDict does not remap
            dict.setdefault(context, key, value)

    def sync_author(self, key: str = "author") -> None:
        """feedparser's ``_sync_author_detail``."""
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
        """feedparser's ``_save_author``."""
        context = self.context()
        context.setdefault("author_detail", FeedParserDict())
        context["author_detail"][key] = value
        self.sync_author()
        context.setdefault("authors", [FeedParserDict()])
        context["authors"][-1][key] = value

    def save_contributor(self, key: str, value: Any) -> None:
        """feedparser's ``_save_contributor``."""
        context = self.context()
        context.setdefault("contributors", [FeedParserDict()])
        context["contributors"][-1][key] = value

    def add_tag(self, term: Any, scheme: Any, label: Any) -> None:
        """feedparser's ``_add_tag``."""
        tags = self.context().setdefault("tags", [])
        if not term and not scheme and not label:
            return
        value = FeedParserDict(term=term, scheme=scheme, label=label)
        if value not in tags:
            tags.append(value)

    def start_content(self, attrs: dict[str, str]) -> None:
        """feedparser's ``_start_content`` (it pushes ``content`` twice, as feedparser does)."""
        self.has_content = 1
        self.push_content("content", attrs, "text/plain", 1)
        src = attrs.get("src")
        if src:
            self.contentparams["src"] = src
        self.push("content", 1)

    def end_content(self) -> None:
        """feedparser's ``_end_content``: plain or HTML content also fills an empty summary."""
        kind = map_content_type(dict.get(self.contentparams, "type"))
        value = self.pop_content("content")
        if kind in ({"text/plain"} | HTML_TYPES):
            self.save("summary", value)


@lru_cache(maxsize=256)
def _safe_base(base: str) -> str:
    return make_safe_absolute_uri(base, base) or base
