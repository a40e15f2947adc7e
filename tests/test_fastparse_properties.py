"""Property: randomly assembled RSS 2.0 and Atom 1.0 documents, made only of elements
the fast path re-enacts (in any order, repeated, with awkward text), take the fast path
and parse exactly as feedparser parses them."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.sax.saxutils import escape, quoteattr

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chipwatch.ingest.parse.fastpath.parse import fast_parse
from chipwatch.ingest.parse.feed import parse_feed, response_headers
from tests.test_fastparse_equal import feedparser_result, parsed_differences, raw_differences

NOW = datetime(2025, 7, 16, 12, 0, tzinfo=UTC)
NAMESPACES = (
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
    'xmlns:media="http://search.yahoo.com/mrss/" '
    'xmlns:slash="http://purl.org/rss/1.0/modules/slash/"'
)
TEXTS = st.sampled_from(
    [
        "",
        "  ",
        "Plain headline",
        "  padded\n  text  ",
        "Tools & rules",
        "a <b>bold</b> claim",
        "<p>para</p><p>two</p>",
        "x &amp; y &lt;z&gt;",
        "&eacute;t&eacute; &#233;",
        "Ã©tÃ© mojibake",
        "cp1252 \x93quotes\x94 \x85",
        "non\u00a0breaking\u3000space",
        "芯片出口管制",
        "5 < 6 and 7 > 2",
        "mail desk@wire.example (Desk)",
        "https://wire.example/a?utm_source=x&b=1",
        "/relative/path",
        "urn:uuid:1234",
        "Tue, 15 Jul 2025 08:00:00 +0000",
        "2025-07-15T08:00:00+02:00",
        "15 July 2025",
        "2099-01-01T00:00:00Z",
    ]
)
MEDIA_CHILDREN = ["media:title", "media:description", "media:credit", "media:keywords"]
URLS = st.sampled_from(["https://news.example/feed", "file:///tmp/feed.xml"])


def text_element(tag: str, text: str, cdata: bool = False) -> str:
    if cdata and "]]>" not in text:
        return f"<{tag}><![CDATA[{text}]]></{tag}>"
    return f"<{tag}>{escape(text)}</{tag}>"


@st.composite
def rss_item(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 9))):
        kind = draw(
            st.sampled_from(
                [
                    "title",
                    "link",
                    "description",
                    "guid",
                    "pubDate",
                    "dc:date",
                    "dc:creator",
                    "author",
                    "content:encoded",
                    "category",
                    "comments",
                    "slash:comments",
                    "media:content",
                    "enclosure",
                    "source",
                    "language",
                    "media:title",
                    "media:description",
                    "media:credit",
                    "media:category",
                    "media:keywords",
                    "media:group",
                ]
            )
        )
        text = draw(TEXTS)
        if kind == "guid":
            permalink = draw(st.sampled_from(["", ' isPermaLink="false"', ' isPermaLink="true"']))
            parts.append(f"<guid{permalink}>{escape(text)}</guid>")
        elif kind in ("media:content", "media:group"):
            inner = text_element(draw(st.sampled_from(MEDIA_CHILDREN)), draw(TEXTS))
            inner = inner if draw(st.booleans()) else ""
            url = f" url={quoteattr(text)}" if kind == "media:content" else ""
            parts.append(f"<{kind}{url}>{inner}</{kind}>")
        elif kind == "enclosure":
            parts.append(f"<enclosure url={quoteattr(text)} type='audio/mpeg'/>")
        elif kind == "source":
            parts.append(f"<source url='https://s.example/'>{escape(text)}</source>")
        else:
            parts.append(text_element(kind, text, draw(st.booleans())))
    return "<item>" + "".join(parts) + "</item>"


@st.composite
def rss_document(draw: st.DrawFn) -> bytes:
    head = [
        text_element(tag, draw(TEXTS))
        for tag in draw(st.lists(st.sampled_from(["title", "link", "description", "ttl"])))
    ]
    language = draw(st.sampled_from(["", "<language>fr-FR</language>", "<language>x</language>"]))
    items = draw(st.lists(rss_item(), max_size=4))
    on_items = draw(st.booleans())  # namespaces declared on every item, not the root
    if on_items:
        items = [f"<item {NAMESPACES}>" + item[len("<item>") :] for item in items]
    version = draw(st.sampled_from(["2.0", "0.91", "0.92"]))
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="{version}" '
        f"{'' if on_items else NAMESPACES}>"
        f"<channel>{''.join(head)}{language}{''.join(items)}</channel></rss>"
    ).encode()


@st.composite
def atom_entry(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(
            st.sampled_from(["title", "summary", "content", "link", "id", "published"])
            | st.sampled_from(["updated", "author", "category"])
        )
        text = draw(TEXTS)
        kind_attr = draw(st.sampled_from(["", ' type="text"', ' type="html"']))
        if kind in ("title", "summary", "content"):
            parts.append(f"<{kind}{kind_attr}>{escape(text)}</{kind}>")
        elif kind == "link":
            rel = draw(st.sampled_from(["", ' rel="alternate"', ' rel="self"', ' rel="related"']))
            parts.append(f"<link{rel} href={quoteattr(text)}/>")
        elif kind == "author":
            name = text_element("name", text) if draw(st.booleans()) else ""
            email = text_element("email", "desk@wire.example") if draw(st.booleans()) else ""
            parts.append(f"<author>{name}{email}</author>")
        elif kind == "category":
            parts.append(f"<category term={quoteattr(text)}/>")
        else:
            parts.append(text_element(kind, text))
    lang = draw(st.sampled_from(["", ' xml:lang="en"', ' xml:lang="zh-Hans"', ' xml:lang=""']))
    return f"<entry{lang}>" + "".join(parts) + "</entry>"


@st.composite
def atom_document(draw: st.DrawFn) -> bytes:
    lang = draw(st.sampled_from(["", ' xml:lang="de"']))
    title = text_element("title", draw(TEXTS))
    link = f"<link href={quoteattr(draw(TEXTS))}/>" if draw(st.booleans()) else ""
    feed_id = text_element("id", draw(TEXTS)) if draw(st.booleans()) else ""
    entries = "".join(draw(st.lists(atom_entry(), max_size=4)))
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom"{lang}>'
        f"{feed_id}{title}{link}{entries}</feed>"
    ).encode()


def check(body: bytes, url: str) -> None:
    received = response_headers({}, url)
    fast = fast_parse(body, received)
    assert fast is not None, body
    assert raw_differences(fast, feedparser_result(body, received)) == []
    ours = parse_feed(body, {}, url, NOW)
    assert parsed_differences(ours, parse_feed(body, {}, url, NOW, fast=False)) == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rss_document(), URLS)
def test_random_rss_documents_parse_as_feedparser_parses_them(body: bytes, url: str) -> None:
    check(body, url)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(atom_document(), URLS)
def test_random_atom_documents_parse_as_feedparser_parses_them(body: bytes, url: str) -> None:
    check(body, url)
