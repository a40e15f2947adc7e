"""An article's web page → its main text, for the reader view and ``full_text`` feeds.

Fetching is the feed fetcher's own (:class:`~chipwatch.ingest.http.Fetcher` with
``FetchRequest.page_of``: the same user agent, timeouts, byte cap, redirect guard and
conditional GET). What a fetched page gives is decided here, and never raises:

- not a web page (a PDF, an image, binary bytes), an empty page: a plain reason;
- the bytes are decoded by the charset the server or the page declares, else UTF-8;
  a declaration the bytes contradict falls back to Windows-1252 (the web's usual
  mislabel) with replacement characters, never an error;
- scripts, styles, SVG and templates are cut before extraction (a page of megabytes
  of inline JSON keeps its article), and at most MAX_HTML_CHARS go to the extractor;
- the main text is trafilatura's (chosen by measurement: docs/fulltext.md), cleaned
  like all feed text (``textsafe.clean_text``), paragraphs separated by a blank line,
  at most MAX_TEXT_CHARS.

Extraction costs milliseconds to a second of CPU: callers run :func:`page_text` off the
event loop (the monitor in a thread, the poller in its parse workers).
"""

from __future__ import annotations

import asyncio
import codecs
import logging
import re
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

import httpx

from chipwatch.config import PollConfig
from chipwatch.ingest.types import FetchKind, FetchRequest, FetchResult
from chipwatch.model import ArticleText, TextStatus
from chipwatch.textsafe import clean_text

EXTRACTOR = "trafilatura"
MAX_HTML_CHARS = 2_000_000  # after scripts and styles are cut; ~1 s of extraction
MAX_TEXT_CHARS = 100_000  # a long feature is 40,000; past this the text is cut
PAGE_TYPES = ("text/html", "application/xhtml+xml")
NO_TEXT = "no article text found on the page (it may be built by JavaScript)"

# The extractor and the libraries it brings log their doubts ("discarding data");
# in the monitor a log line on stderr would be drawn over the screen.
for _name in ("trafilatura", "htmldate", "courlan", "justext", "charset_normalizer"):
    logging.getLogger(_name).setLevel(logging.CRITICAL)


@lru_cache(maxsize=1)
def extractor_name() -> str:
    """``trafilatura 2.3.1``: stored with each text, so a new extractor redoes old ones
    (read from the package metadata: importing the extractor takes a quarter second)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"{EXTRACTOR} {version(EXTRACTOR)}"
    except PackageNotFoundError:
        return f"{EXTRACTOR} ?"


# ---------------------------------------------------------------------- decoding

# Labels whose WHATWG meaning is a wider Python codec (a page labelled gb2312 or
# Shift_JIS routinely holds characters only the wider one decodes).
_ALIASES = {
    "utf8": "utf-8",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "windows-31j": "cp932",
    "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "tis-620": "cp874",
}
_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,300}?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]{1,40})""", re.IGNORECASE
)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _codec(label: str | None) -> str | None:
    """The Python codec for a charset label, or None (unknown, or a UTF-16/32 label
    without a byte-order mark, which on the web means an ASCII-compatible page)."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    name = _ALIASES.get(name, name)
    if name.startswith(("utf-16", "utf16", "utf-32", "utf32")):
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def header_charset(content_type: str) -> str | None:
    """The ``charset=`` parameter of a Content-Type header."""
    for part in content_type.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip("\"'") or None
    return None


def decode_page(body: bytes, content_type: str = "") -> str:
    """The page as text (see the module's doc); never raises."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(codec, errors="replace")
    meta = _META_CHARSET.search(body[:4096])
    declared = [
        c
        for c in (
            _codec(header_charset(content_type)),
            _codec(meta.group(1).decode("ascii") if meta else None),
        )
        if c
    ]
    for codec in [*declared, "utf-8"]:
        try:
            return body.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    fallback = next((c for c in declared if c != "utf-8"), "cp1252")
    return body.decode(fallback, errors="replace")


# ---------------------------------------------------------------------- extraction

_CODE_OPEN = re.compile(r"<(script|style|svg|template)\b", re.IGNORECASE)


def strip_code(html: str) -> str:
    """The page without the contents of its script, style, svg and template elements.
    One pass: an element left open cuts the rest of the page."""
    lowered = html.lower()
    parts: list[str] = []
    position = 0
    while (found := _CODE_OPEN.search(html, position)) is not None:
        parts.append(html[position : found.start()])
        close = lowered.find(f"</{found.group(1).lower()}", found.end())
        if close < 0:
            return "".join(parts)
        end = lowered.find(">", close)
        position = len(html) if end < 0 else end + 1
    parts.append(html[position:])
    return "".join(parts)


def main_text(html: str, url: str = "") -> str:
    """The page's main text by the extractor, paragraphs on their own lines ("" when it
    finds none or fails)."""
    import trafilatura

    try:
        text = trafilatura.extract(
            html,
            url=url or None,
            include_comments=False,
            include_tables=True,
            deduplicate=False,
            with_metadata=False,
            output_format="txt",
        )
    except Exception:  # a page the extractor cannot handle has no text, it is no crash
        return ""
    return text or ""


def _binary(body: bytes) -> bool:
    """NUL bytes, or mostly control bytes, in the first 2 KiB: not text of any charset."""
    head = body[:2048]
    if b"\x00" in head:
        return True
    controls = sum(1 for byte in head if byte < 9 or 13 < byte < 32)
    return controls > len(head) // 10


def read_page(body: bytes, headers: Mapping[str, str], url: str = "") -> tuple[str, str | None]:
    """``(text, None)`` or ``("", reason)`` for a fetched page's bytes."""
    content_type = headers.get("content-type", "")
    media = content_type.split(";")[0].strip().lower()
    if media and media not in (*PAGE_TYPES, "text/plain"):
        return "", f"not a web page ({clean_text(media, single_line=True, limit=60)})"
    if not body.strip():
        return "", "the page was empty"
    if _binary(body):
        return "", "not a web page (binary data)"
    page = decode_page(body, content_type)
    # plain text is the text; HTML goes to the extractor without its code, capped
    text = page if media == "text/plain" else main_text(strip_code(page)[:MAX_HTML_CHARS], url)
    paragraphs = [line.strip() for line in clean_text(text).split("\n") if line.strip()]
    text = clean_text("\n\n".join(paragraphs), limit=MAX_TEXT_CHARS)
    return (text, None) if text else ("", NO_TEXT)


def page_text(result: FetchResult, *, cached: ArticleText | None, now: datetime) -> ArticleText:
    """What a page fetch gives: its text, the cached text again on a 304, or the reason."""
    common: dict[str, Any] = {
        "url": result.url,
        "fetched_at": now,
        "extractor": extractor_name(),
        "http_status": result.status,
        "final_url": result.final_url,
    }
    if result.kind == FetchKind.NOT_MODIFIED and cached is not None and cached.ok:
        return ArticleText(
            status=TextStatus.OK,
            text=cached.text,
            etag=result.etag,
            last_modified=result.last_modified,
            **common,
        )
    if result.kind != FetchKind.OK:
        failed = result.error or f"the fetch failed ({result.kind})"
        return ArticleText(status=TextStatus.ERROR, error=failed, **common)
    text, reason = read_page(result.body, result.headers, result.final_url or result.url)
    if reason is not None:
        return ArticleText(status=TextStatus.ERROR, error=reason, **common)
    return ArticleText(
        status=TextStatus.OK,
        text=text,
        etag=result.etag,
        last_modified=result.last_modified,
        **common,
    )


def page_request(url: str, *, feed_url: str, cached: ArticleText | None) -> FetchRequest:
    """The fetch of an article's page: conditional when its text is cached (and was
    extracted by this extractor; another one needs the page itself)."""
    usable = cached is not None and cached.ok and cached.extractor == extractor_name()
    return FetchRequest(
        url,
        etag=cached.etag if usable and cached else None,
        last_modified=cached.last_modified if usable and cached else None,
        page_of=feed_url,
    )


def load_page(
    config: PollConfig,
    url: str,
    *,
    feed_url: str,
    cached: ArticleText | None,
    now: datetime,
    transport: httpx.AsyncBaseTransport | None = None,
) -> ArticleText:
    """Fetch and read one page in the calling thread (the monitor's reader runs this
    in a thread worker, with its own event loop and client)."""
    from chipwatch.ingest.http import Fetcher

    async def fetch() -> FetchResult:
        async with Fetcher(config, transport=transport) as fetcher:
            request = page_request(url, feed_url=feed_url, cached=cached)
            return await fetcher.fetch(request, now=now)

    return page_text(asyncio.run(fetch()), cached=cached, now=now)
