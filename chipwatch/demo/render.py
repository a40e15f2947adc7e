"""Demo outlets as feed documents (RSS 2.0 or Atom 1.0) and article pages (HTML).

ElementTree builds the XML, so feed text is always escaped, never spliced in.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime
from email.utils import format_datetime
from xml.etree import ElementTree as ET

from chipwatch.demo.content import DemoArticle, Outlet
from chipwatch.timeutil import iso

ATOM_NS = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
TRACKING_QUERY = "?utm_source=rss&utm_medium=feed&utm_campaign=demo"
GENERATOR = "chipwatch demo feed server"


def feed_path(outlet: Outlet) -> str:
    """The server path of an outlet's feed."""
    ext = "atom" if outlet.format == "atom" else "rss"
    return f"/feeds/{outlet.id}.{ext}"


def article_path(article: DemoArticle) -> str:
    """The server path of an article's page."""
    return f"/articles/{article.outlet}/{article.slug}.html"


def article_link(base_url: str, outlet: Outlet, article: DemoArticle) -> str:
    """The link a feed gives for an article (with tracking parameters for some outlets)."""
    link = base_url + article_path(article)
    return link + TRACKING_QUERY if outlet.tracking else link


def render_feed(
    outlet: Outlet,
    articles: Sequence[tuple[DemoArticle, datetime]],
    *,
    base_url: str,
    updated: datetime,
) -> bytes:
    """The feed document listing ``articles`` (each with the published time to show)."""
    if outlet.format == "atom":
        return _atom(outlet, articles, base_url=base_url, updated=updated)
    return _rss(outlet, articles, base_url=base_url, updated=updated)


def _rss(
    outlet: Outlet,
    articles: Sequence[tuple[DemoArticle, datetime]],
    *,
    base_url: str,
    updated: datetime,
) -> bytes:
    rss = ET.Element("rss", version="2.0")
    channel = ET.SubElement(rss, "channel")
    _text(channel, "title", outlet.name)
    _text(channel, "link", f"{base_url}/")
    _text(channel, "description", outlet.description)
    _text(channel, "language", outlet.lang)
    _text(channel, "lastBuildDate", format_datetime(updated, usegmt=True))
    _text(channel, "generator", GENERATOR)
    for article, published in articles:
        item = ET.SubElement(channel, "item")
        _text(item, "title", article.title)
        _text(item, "link", article_link(base_url, outlet, article))
        _text(item, "description", article.summary)
        _text(item, "guid", article.guid).set("isPermaLink", "false")
        _text(item, "pubDate", format_datetime(published, usegmt=True))
    return _serialize(rss)


def _atom(
    outlet: Outlet,
    articles: Sequence[tuple[DemoArticle, datetime]],
    *,
    base_url: str,
    updated: datetime,
) -> bytes:
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed", {XML_LANG: outlet.lang})
    _text(feed, f"{{{ATOM_NS}}}title", outlet.name)
    _text(feed, f"{{{ATOM_NS}}}subtitle", outlet.description)
    _text(feed, f"{{{ATOM_NS}}}id", f"urn:chipwatch-demo:{outlet.id}")
    _text(feed, f"{{{ATOM_NS}}}updated", iso(updated))
    ET.SubElement(feed, f"{{{ATOM_NS}}}link", href=f"{base_url}/", rel="alternate")
    ET.SubElement(feed, f"{{{ATOM_NS}}}link", href=base_url + feed_path(outlet), rel="self")
    _text(ET.SubElement(feed, f"{{{ATOM_NS}}}author"), f"{{{ATOM_NS}}}name", outlet.name)
    for article, published in articles:
        entry = ET.SubElement(feed, f"{{{ATOM_NS}}}entry", {XML_LANG: article.lang})
        _text(entry, f"{{{ATOM_NS}}}title", article.title)
        _text(entry, f"{{{ATOM_NS}}}id", article.guid)
        ET.SubElement(
            entry,
            f"{{{ATOM_NS}}}link",
            rel="alternate",
            href=article_link(base_url, outlet, article),
        )
        _text(entry, f"{{{ATOM_NS}}}published", iso(published))
        _text(entry, f"{{{ATOM_NS}}}updated", iso(published))
        _text(entry, f"{{{ATOM_NS}}}summary", article.summary).set("type", "text")
    return _serialize(feed)


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = text
    return element


def _serialize(root: ET.Element) -> bytes:
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data


def render_article_page(outlet: Outlet, article: DemoArticle, published: datetime) -> bytes:
    """A small HTML page for an article, so links open somewhere on a machine offline."""
    title = html.escape(article.title)
    body = (
        f'<!doctype html><html lang="{html.escape(article.lang)}"><head><meta charset="utf-8">'
        f"<title>{title}</title></head><body><p>{html.escape(outlet.name)} · "
        f"{html.escape(iso(published))}</p><h1>{title}</h1><p>{html.escape(article.summary)}"
        "</p><p><small>chipwatch demo content: written for the demo; the outlet is "
        "invented.</small></p></body></html>"
    )
    return body.encode("utf-8")


def render_index(outlets: Sequence[Outlet], base_url: str) -> bytes:
    """The server's front page: a list of its feeds."""
    items = "".join(
        f'<li><a href="{html.escape(base_url + feed_path(o))}">{html.escape(o.name)}</a></li>'
        for o in outlets
    )
    page = (
        f'<!doctype html><html><head><meta charset="utf-8"><title>chipwatch demo</title>'
        f"</head><body><h1>chipwatch demo feeds</h1><ul>{items}</ul></body></html>"
    )
    return page.encode("utf-8")


def render_opml(outlets: Sequence[Outlet], base_url: str) -> bytes:
    """The demo feeds as OPML 2.0 (``chipwatch feeds import`` reads it)."""
    opml = ET.Element("opml", version="2.0")
    _text(ET.SubElement(opml, "head"), "title", "chipwatch demo feeds")
    body = ET.SubElement(opml, "body")
    for outlet in outlets:
        ET.SubElement(
            body,
            "outline",
            type="rss",
            text=outlet.name,
            title=outlet.name,
            xmlUrl=base_url + feed_path(outlet),
            htmlUrl=f"{base_url}/",
        )
    return _serialize(opml)
