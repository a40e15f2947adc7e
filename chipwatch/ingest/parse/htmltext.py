"""HTML → plain text with the standard library's HTML parser (not a regex).

Feed summaries arrive as HTML fragments of every quality. Block elements become line
breaks, ``script``/``style`` and similar are dropped with their content, entities are
decoded, and whitespace is folded the way a browser would.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

_BLOCK = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    ]
)
_SKIP = frozenset(
    ["script", "style", "head", "title", "noscript", "template", "iframe", "object", "svg", "math"]
)
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BARE_TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)\s*/?>")
_LOOKS_HTML = re.compile(r"<[a-zA-Z/!][^>]*>|&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]{2,8});")


class _TextExtractor(HTMLParser):
    """Collects text, turning block boundaries into newlines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip_depth += 1
        elif tag in _BLOCK:
            self.parts.append("\n")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt and not self.skip_depth:
                self.parts.append(f" {alt} ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK:
            self.parts.append("\n")
        elif tag == "img":
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip_depth:
            self.parts.append(data)


def looks_like_html(text: str) -> bool:
    """True when ``text`` holds a tag or an entity reference."""
    return bool(_LOOKS_HTML.search(text))


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment: paragraphs kept, tags and entities gone."""
    if not html:
        return ""
    if "<" not in html and "&" not in html:
        return _fold(html)
    simple = _bare_tags_text(html)
    return simple if simple is not None else parser_text(html)


def _bare_tags_text(html: str) -> str | None:
    """What :func:`parser_text` gives for a fragment whose every ``<`` opens a bare tag
    (``<p>``, ``</p>``, ``<br/>``: no attributes, nothing skipped, no ``img``), or None.

    html.parser hands such a fragment over as start/end tags and the text between
    them, each run of text unescaped as a whole: that is re-done here without it.
    """
    parts: list[str] = []
    position = 0
    for match in _BARE_TAG.finditer(html):
        if not _text_run(html[position : match.start()], parts):
            return None
        tag = match.group(1).lower()
        if tag in _SKIP or tag == "img":
            return None
        if tag in _BLOCK:
            parts.append("\n")
        position = match.end()
    if not _text_run(html[position:], parts):
        return None
    return _fold("".join(parts))


def _text_run(text: str, parts: list[str]) -> bool:
    if "<" in text:
        return False
    if text:
        parts.append(unescape(text) if "&" in text else text)
    return True


def parser_text(html: str) -> str:
    """Plain text of an HTML fragment through html.parser (any markup)."""
    extractor = _TextExtractor()
    try:
        extractor.feed(html)
        extractor.close()
    except (AssertionError, ValueError):  # pragma: no cover - html.parser is lenient
        pass
    return _fold("".join(extractor.parts))


def _fold(text: str) -> str:
    # _SPACES never matches a newline: folding the whole text folds each line alike.
    lines = (line.strip() for line in _SPACES.sub(" ", text).split("\n"))
    return "\n".join(line for line in lines if line)
