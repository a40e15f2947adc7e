"""The feeds an HTML page advertises: ``<link rel="alternate" type="application/rss+xml"
href="…">`` in its head (what browsers and readers use to find a site's feed).

Read with the standard library's HTML parser, never a regex; only the first
:data:`MAX_BYTES` are looked at, and only http(s) links (or file links for a local page)
come back, resolved against the page's address.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin

from chipwatch.textsafe import clean_title

MAX_BYTES = 512 * 1024
FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/feed+json",
        "application/json",
        "text/xml",
        "application/xml",
    }
)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "link":
            return
        values = {name.lower(): (value or "") for name, value in attrs}
        rel = values.get("rel", "").lower().split()
        kind = values.get("type", "").split(";")[0].strip().lower()
        if "alternate" in rel and kind in FEED_TYPES and values.get("href", "").strip():
            self.found.append(values["href"].strip())


def feed_links(body: bytes, base: str) -> list[str]:
    """The feed URLs the page links to as alternates, in page order, each once."""
    parser = _Links()
    try:
        parser.feed(body[:MAX_BYTES].decode("utf-8", "replace"))
        parser.close()
    except Exception:  # a page this broken advertises nothing we could trust
        return []
    links: list[str] = []
    for href in parser.found:
        url = clean_title(urljoin(base, href))
        allowed = ("http://", "https://") + (("file:",) if base.startswith("file:") else ())
        if url.lower().startswith(allowed) and url not in links:
            links.append(url)
    return links
