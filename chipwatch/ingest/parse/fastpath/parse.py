"""The strict fast path: lxml for well-formed RSS 2.0/0.9x, RSS 1.0 (RDF) and Atom 1.0.

:func:`fast_parse` returns what ``feedparser.parse`` would (the ``feed``, ``entries``,
``version``, ``bozo`` and ``bozo_exception`` that :mod:`chipwatch.ingest.parse.feed` reads),
or None whenever it is not sure it would match, and the caller then runs feedparser.
"Reject when unsure": anything expat or lxml finds not well-formed, a DOCTYPE or
entity declaration, a root other than ``rss``/``feed``/``rdf:RDF`` (Atom 1.0 and RSS
1.0/0.90 by their namespaces), a prefix bound to two namespaces or a namespace feedparser
would map oddly, a charset the bytes disagree with, elements feedparser handles
specially that the emulator (:mod:`chipwatch.ingest.parse.fastpath.emu`) does not re-enact (iTunes,
GeoRSS, text inputs…), XHTML or base64 content, markup inside text, xml:base.

Decoding reuses feedparser's own ``convert_to_utf8`` (same headers, same bytes); expat
(feedparser's own strict parser, in C without callbacks) confirms those bytes are
well-formed for it, and lxml then reads them with a hardened parser: no entity
resolution, no network, no DTD, no huge trees, no recovery.
"""

from __future__ import annotations

import re
import threading
import xml.parsers.expat
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from feedparser.encodings import convert_to_utf8
from feedparser.exceptions import NonXMLContentType
from feedparser.mixin import _FeedParserMixin
from feedparser.urls import make_safe_absolute_uri
from lxml import etree

from chipwatch.ingest.parse.fastpath.emu import Emulator, Unsure
from chipwatch.ingest.parse.fastpath.tables import facts

# feedparser's namespace table: URI (lower-cased) -> its standard prefix ('' = core).
_STANDARD = {uri.lower(): prefix for uri, prefix in _FeedParserMixin.namespaces.items()}
_STANDARD_PREFIXES = frozenset(p.lower() for p in _STANDARD.values() if p)
_XML_NS = "http://www.w3.org/XML/1998/namespace"
_VERSION_URIS = {
    "http://purl.org/rss/1.0/": "rss10",
    "http://www.w3.org/2005/atom": "atom10",
}
_RSS090 = "http://my.netscape.com/rdf/simple/0.9/"
_AWKWARD_URIS = frozenset(
    [
        "http://www.w3.org/1999/xlink",
        "http://www.w3.org/2000/svg",
        "http://www.w3.org/1998/math/mathml",
    ]
)
_DECLARATIONS = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_FIRST_ELEMENT = re.compile(rb"<\w")
_ROOTS = {"rss": ("rss",), "feed": ("atom10",), "rdf:rdf": ("rss10", "rss090")}
MAX_DEPTH = 12


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        recover=False,
        remove_comments=True,
        remove_pis=True,
        strip_cdata=True,
        collect_ids=False,
    )


_LOCAL = threading.local()  # an lxml parser must not serve two threads at once


def _thread_parser() -> etree.XMLParser:
    parser = getattr(_LOCAL, "parser", None)
    if parser is None:
        parser = _LOCAL.parser = _parser()
    return parser


def fast_parse(body: bytes, headers: Mapping[str, str]) -> dict[str, Any] | None:
    """feedparser's result for ``body`` (served with lower-cased ``headers``), or None.

    None means "not sure": run ``feedparser.parse`` instead. Never raises: whatever
    goes wrong here (lxml refusing the bytes, :class:`Unsure`, anything unforeseen) is
    left to feedparser, which then answers exactly as it always did.
    """
    try:
        return _fast_parse(body, headers)
    except Exception:
        return None


def _fast_parse(body: bytes, headers: Mapping[str, str]) -> dict[str, Any] | None:
    result: dict[str, Any] = {"bozo": False}
    data = convert_to_utf8(dict(headers), body, result)
    if not result.get("encoding") or not _declared_as_read(result):
        return None
    first = _FIRST_ELEMENT.search(data)
    if _DECLARATIONS.search(data, 0, first.start() if first else len(data)):
        return None
    if not _expat_accepts(data):
        return None
    root = etree.fromstring(data, _thread_parser())
    info = root.getroottree().docinfo
    if info.doctype or info.xml_version not in ("1.0", None):
        return None
    names = _Names(root, data)
    root_name = names.element(root.tag, root.prefix)
    if root_name not in _ROOTS:
        return None
    contentloc = headers.get("content-location", "")
    baseuri = make_safe_absolute_uri("", contentloc) or make_safe_absolute_uri(contentloc) or ""
    emulator = Emulator(baseuri, headers.get("content-language"), names.version, facts)
    _walk(emulator, names, root, 1)
    if emulator.version not in _ROOTS[root_name] and root_name != "rss":
        return None
    feed_result: dict[str, Any] = {
        "bozo": result.get("bozo", False),
        "feed": emulator.feeddata,
        "entries": emulator.entries,
        "version": emulator.version,
    }
    if "bozo_exception" in result:
        feed_result["bozo_exception"] = result["bozo_exception"]
    return feed_result


def _expat_accepts(data: bytes) -> bool:
    """Whether feedparser's strict parser (expat, namespaces on) reads ``data`` to the
    end: where it would not, feedparser falls back to its loose parser and flags the
    feed, so the fast path must not answer. C only, no callbacks (~1% of a parse)."""
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError:
        return False
    return True


def _declared_as_read(result: Mapping[str, Any]) -> bool:
    """True unless feedparser had to decode otherwise than the headers and document
    declared (CharacterEncodingOverride): a disagreement is left to feedparser. A
    non-XML Content-Type (NonXMLContentType) changes no byte and is reported alike."""
    exc = result.get("bozo_exception")
    return exc is None or isinstance(exc, NonXMLContentType)


def _walk(emulator: Emulator, names: _Names, element: Any, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise Unsure("too deep")
    tag = names.element(element.tag, element.prefix)
    items = element.items()
    emulator.start(tag, names.attributes(items) if items else {})
    if element.text:
        emulator.data(element.text)
    for child in element:
        _walk(emulator, names, child, depth + 1)
        if child.tail:
            emulator.data(child.tail)
    emulator.end(tag)


class _Names:
    """feedparser's names for one document's elements and attributes.

    feedparser's namespace tables are global and grow in document order. Every prefix
    of the document must name one URI and every URI have one prefix, wherever they are
    declared: then that order cannot matter, and the prefix feedparser's SAX handler
    picks for a URI is the one lxml reports. Only root declarations can set the
    version (feedparser's root handlers settle it for RSS and Atom).
    """

    def __init__(self, root: Any, data: bytes) -> None:
        declared: dict[str | None, str] = dict(root.nsmap)
        if data.count(b"xmlns") != len(declared):  # declarations below the root too
            pairs = {pair for element in root.iter() for pair in element.nsmap.items()}
            declared = dict(pairs)
            if len(declared) != len(pairs):
                raise Unsure("a prefix bound to several namespaces")
        if len(set(declared.values())) != len(declared):
            raise Unsure("a namespace declared twice")
        self.namespacemap: dict[str | None, str] = {}
        for prefix, uri in declared.items():
            if uri.lower() in _AWKWARD_URIS:
                raise Unsure(f"namespace {uri}")
            standard = _standard(uri)
            if prefix is not None and prefix in _STANDARD_PREFIXES and standard != prefix:
                raise Unsure(f"prefix {prefix} bound to {uri}")
            if standard is not None:
                self.namespacemap[prefix] = standard
        versions = set()
        for prefix, uri in root.nsmap.items():
            lowered = uri.lower()
            if (prefix, lowered) == (None, _RSS090):
                versions.add("rss090")
            elif lowered in _VERSION_URIS:
                versions.add(_VERSION_URIS[lowered])
        if len(versions) > 1:
            raise Unsure("several feed-version namespaces")
        self.version = versions.pop() if versions else ""
        self.prefix_of = {uri: prefix for prefix, uri in declared.items()}
        self._cache: dict[tuple[str, str | None], str] = {}

    def element(self, tag: Any, prefix: str | None) -> str:
        """feedparser's name for an element: ``title``, ``dc:creator``, ``foo:bar``."""
        key = (tag, prefix)
        name = self._cache.get(key)
        if name is None:
            name = self._cache[key] = self._element(tag, prefix)
        return name

    def _element(self, tag: Any, prefix: str | None) -> str:
        if not isinstance(tag, str):
            raise Unsure("an entity, comment or processing instruction node")
        uri, local = _split(tag)
        local = local.lower()
        if not uri:
            return local
        standard = _standard(uri)
        if standard == "":
            return local
        if standard is not None:
            return f"{standard.lower()}:{local}"
        if prefix is None:
            return local  # an unknown default namespace reads as no namespace
        lowered = prefix.lower()
        if lowered in _STANDARD_PREFIXES or lowered in self.namespacemap:
            raise Unsure(f"prefix {prefix}")
        return f"{lowered}:{local}"

    def attributes(self, items: list[tuple[str, str]]) -> dict[str, str]:
        """feedparser's attribute dict: mapped names, then qualified names, lower-cased;
        ``rel`` and ``type`` values lower-cased."""
        pairs: list[tuple[str, str]] = []
        qualified: list[tuple[str, str]] = []
        for key, value in items:
            uri, local = _split(key)
            if not uri:
                pairs.append((local.lower(), value))
                qualified.append((local.lower(), value))
                continue
            standard = _standard(uri)
            given = "xml" if uri == _XML_NS else self.prefix_of.get(uri)
            if given is None:
                raise Unsure("attribute in an undeclared namespace")
            pairs.append(((f"{standard}:{local}" if standard else local).lower(), value))
            qualified.append((f"{given}:{local}".lower(), value))
        attrs: dict[str, str] = {}
        for key, value in pairs + qualified:
            if attrs.setdefault(key, value) != value:
                raise Unsure("attribute names collide")
        for key in ("rel", "type"):
            if key in attrs:
                attrs[key] = attrs[key].lower()
        return attrs


@lru_cache(maxsize=256)
def _standard(uri: str) -> str | None:
    lowered = uri.lower()
    if "backend.userland.com/rss" in lowered:
        return ""
    return _STANDARD.get(lowered)


def _split(tag: str) -> tuple[str, str]:
    if tag[:1] == "{":
        uri, _, local = tag[1:].partition("}")
        return uri, local
    return "", tag
