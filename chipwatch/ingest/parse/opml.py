"""OPML 1.0/2.0 import and OPML 2.0 export of the feed list.

Import walks nested outlines (iteratively: any depth): an outline with ``xmlUrl`` is a
feed; the folders above it (the outermost :data:`MAX_FOLDER_TAGS`) and its ``category``
attribute become tags. Export writes the tags back as nested folders, so the two
round-trip. Parsing uses xml.etree but refuses any
document with a DTD, so entity expansion ("billion laughs") and external entities
never happen.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime

from chipwatch.errors import UserError
from chipwatch.textsafe import clean_title

_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
MAX_FOLDER_TAGS = 8  # the outermost folders above a feed that become its tags


class OpmlError(UserError):
    """An OPML file that cannot be imported (exit 2, names the file and position)."""


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    """One feed found in an OPML file."""

    url: str
    name: str = ""
    tags: tuple[str, ...] = ()
    site_url: str = ""


def parse_opml(data: bytes, *, label: str = "<opml>") -> list[OpmlFeed]:
    """The feeds of an OPML document, in order, first occurrence of each URL kept."""
    if _DTD.search(data[:1_000_000]):
        raise OpmlError(
            f"{label}: refused: the file declares a DTD or entities "
            "(OPML needs neither, and they can be used to attack the reader)"
        )
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise OpmlError(
            f"{label}:{line}:{column + 1}: not valid XML: {str(exc).split(':')[0]}"
        ) from exc
    if _local(root.tag) != "opml":
        raise OpmlError(f"{label}: not an OPML file (the root element is <{_local(root.tag)}>)")
    body = next((c for c in root if _local(c.tag) == "body"), None)
    if body is None:
        raise OpmlError(f"{label}: not an OPML file (no <body>)")
    seen: set[str] = set()
    feeds = []
    for feed in _walk(body):
        if feed.url not in seen:
            seen.add(feed.url)
            feeds.append(feed)
    return feeds


def _walk(body: ET.Element) -> Iterator[OpmlFeed]:
    """The feeds under ``body`` in document order, walked with a stack of our own: an
    OPML file nested 100,000 deep is read like a flat one (recursion would overflow)."""
    stack: list[tuple[Iterator[ET.Element], tuple[str, ...]]] = [(iter(body), ())]
    while stack:
        children, folders = stack[-1]
        outline = next(children, None)
        if outline is None:
            stack.pop()
            continue
        if _local(outline.tag) != "outline":
            continue
        attrs = {k.lower(): v for k, v in outline.attrib.items()}
        name = clean_title(attrs.get("title") or attrs.get("text") or "")
        url = (attrs.get("xmlurl") or "").strip()
        if url:
            name = "" if name == clean_title(url) else name  # a URL standing in for a name
            tags = _tags(folders, attrs.get("category", ""))
            yield OpmlFeed(
                url=url, name=name, tags=tags, site_url=(attrs.get("htmlurl") or "").strip()
            )
            continue
        deeper = name and len(folders) < MAX_FOLDER_TAGS
        stack.append((iter(outline), (*folders, name) if deeper else folders))


def _tags(folders: tuple[str, ...], category: str) -> tuple[str, ...]:
    tags: list[str] = []
    for part in [*folders, *re.split(r"[,/]", category)]:
        tag = clean_title(part)
        if tag and tag not in tags:
            tags.append(tag)
    return tuple(tags)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def export_opml(feeds: Iterable[OpmlFeed], *, now: datetime, title: str = "chipwatch feeds") -> str:
    """A valid OPML 2.0 document listing ``feeds``. A feed's tags are its folders, the
    first outermost (as :func:`parse_opml` reads nested folders into tags, so a file
    chipwatch imported comes back with its folders, and an export imports to the same
    tags); feeds without tags sit at the top."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(now, usegmt=True)
    ET.SubElement(head, "docs").text = "https://opml.org/spec2.opml"
    body = ET.SubElement(root, "body")
    folders: dict[tuple[str, ...], ET.Element] = {(): body}
    for feed in feeds:
        url = clean_title(feed.url)
        attrs = {"type": "rss", "text": feed.name or url, "xmlUrl": url}
        if feed.name:
            attrs["title"] = feed.name
        if feed.site_url:
            attrs["htmlUrl"] = clean_title(feed.site_url)
        path = tuple(t for t in (clean_title(tag) for tag in feed.tags) if t)[:MAX_FOLDER_TAGS]
        ET.SubElement(_folder(folders, path), "outline", attrs)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def _folder(folders: dict[tuple[str, ...], ET.Element], path: tuple[str, ...]) -> ET.Element:
    """The outline of folder ``path``, made (with its parents) the first time it is met."""
    if path not in folders:
        parent = _folder(folders, path[:-1])
        folders[path] = ET.SubElement(parent, "outline", {"text": path[-1], "title": path[-1]})
    return folders[path]
