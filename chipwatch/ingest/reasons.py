"""Why a fetch or a parse failed, in plain words: the ONE place that turns network and
parser exceptions into what a person reads.

A :class:`Reason` has three parts: ``text`` (plain words, shown everywhere: the poll
report, ``feeds list``, the monitor), ``detail`` (the technical detail, kept for
``feeds list --verbose`` and the ``error_detail`` field of ``poll --json`` lines) and
``code`` (a short stable word the poller reads, for instance to tell "the network is
down" from "this host is down": :data:`BEFORE_ANY_SERVER`). Pure: no I/O, and no
import of httpx or feedparser (exceptions are recognised by their class names and
their chained causes), so the parse workers and the CLI's startup stay light.
"""

from __future__ import annotations

import errno
import re
from dataclasses import dataclass

# Codes. The first four mean the fetch never reached a server.
DNS = "dns"  # the host name could not be resolved
REFUSED = "refused"  # nothing listens there (or a firewall said no)
UNREACHABLE = "unreachable"  # no route to the network or host
CONNECT_TIMEOUT = "connect_timeout"  # no answer to the connection attempt
TIMEOUT = "timeout"
RESET = "reset"
TLS = "tls"
PROTOCOL = "protocol"
BAD_URL = "bad_url"
PARSE = "parse"
OTHER = "other"

BEFORE_ANY_SERVER = frozenset({DNS, REFUSED, UNREACHABLE, CONNECT_TIMEOUT})

_DNS_ERRNOS = frozenset({-2, -3, -4, -5, 8, 11001, 11002, 11004})  # EAI_* on Linux, macOS, Windows
_REFUSED_ERRNOS = frozenset({errno.ECONNREFUSED})
_UNREACHABLE_ERRNOS = frozenset(
    {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN, errno.EHOSTDOWN, errno.EADDRNOTAVAIL}
)
_DNS_WORDS = re.compile(
    r"name or service not known|nodename nor servname|temporary failure in name resolution"
    r"|no address associated with hostname|getaddrinfo failed|name resolution",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Reason:
    """A failure in plain words, its technical detail and a short code."""

    text: str
    detail: str = ""
    code: str = OTHER


def technical(exc: BaseException) -> str:
    """``Type: message`` of an exception and the causes chained under it, one line."""
    parts: list[str] = []
    for link in _chain(exc):
        message = " ".join(str(link).split())
        part = f"{type(link).__name__}: {message}" if message else type(link).__name__
        if not parts or message not in parts[-1]:
            parts.append(part)
    return " <- ".join(parts)[:400]


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    link: BaseException | None = exc
    while link is not None and link not in seen and len(seen) < 8:
        seen.append(link)
        link = link.__cause__ or link.__context__
    return seen


def _errno_of(exc: BaseException) -> int | None:
    for link in _chain(exc):
        number = getattr(link, "errno", None)
        if isinstance(number, int):
            return number
    return None


def connect_failure(exc: BaseException, host: str) -> Reason:
    """A connection that could not be made (httpx's ConnectError and its causes)."""
    detail = technical(exc)
    number = _errno_of(exc)
    names = {type(link).__name__ for link in _chain(exc)}
    if number in _DNS_ERRNOS or "gaierror" in names or _DNS_WORDS.search(detail):
        return Reason(f"could not resolve the host name {host or '?'}", detail, DNS)
    if number in _REFUSED_ERRNOS or "ConnectionRefusedError" in names:
        return Reason(
            f"could not connect: {host or 'the server'} refused the connection", detail, REFUSED
        )
    if number in _UNREACHABLE_ERRNOS:
        return Reason(
            f"could not connect: no network route to {host or 'the server'}", detail, UNREACHABLE
        )
    if "SSL" in detail or "certificate" in detail.lower():
        return tls_failure(exc)
    return Reason(f"could not connect to {host or 'the server'}", detail, OTHER)


def tls_failure(exc: BaseException) -> Reason:
    detail = technical(exc)
    lowered = detail.lower()
    if "certificate" in lowered and ("expired" in lowered):
        text = "the server's certificate has expired"
    elif "certificate" in lowered or "hostname mismatch" in lowered:
        text = "the server's certificate is not trusted (a secure connection was refused)"
    else:
        text = "a secure (TLS) connection could not be made"
    return Reason(text, detail, TLS)


def http_failure(
    exc: BaseException, host: str, *, connect_timeout: float, timeout: float
) -> Reason:
    """Any httpx error (recognised by class name: this module does not import httpx)."""
    names = [type(link).__name__ for link in _chain(exc)]
    detail = technical(exc)
    kind = names[0]
    if kind == "ConnectTimeout":
        return Reason(
            f"could not connect: {host or 'the server'} did not answer within {connect_timeout:g}s",
            detail,
            CONNECT_TIMEOUT,
        )
    if kind in ("ReadTimeout", "WriteTimeout", "PoolTimeout", "TimeoutException"):
        return Reason(f"the server stopped sending for {timeout:g}s", detail, TIMEOUT)
    if kind == "ConnectError":
        if any("SSL" in name for name in names):
            return tls_failure(exc)
        return connect_failure(exc, host)
    if kind == "RemoteProtocolError":
        return Reason("the connection broke off before the whole answer came", detail, RESET)
    if kind in ("ReadError", "WriteError", "NetworkError"):
        return Reason("the connection was reset before the whole answer came", detail, RESET)
    if kind in ("UnsupportedProtocol", "InvalidURL", "LocalProtocolError"):
        return Reason("not a usable feed URL", detail, BAD_URL)
    if kind in ("TooManyRedirects",):
        return Reason("too many redirects", detail, PROTOCOL)
    if any("SSL" in name for name in names):
        return tls_failure(exc)
    if isinstance(exc, OSError):
        return os_failure(exc, host)
    return Reason("the fetch failed", detail, OTHER)


def os_failure(exc: OSError, host: str) -> Reason:
    """An operating-system error met while fetching (not wrapped by httpx)."""
    number = _errno_of(exc)
    if number in _DNS_ERRNOS or number in _REFUSED_ERRNOS or number in _UNREACHABLE_ERRNOS:
        return connect_failure(exc, host)
    words = exc.strerror or "an operating-system error"
    return Reason(f"the fetch failed: {words[:1].lower()}{words[1:]}", technical(exc), OTHER)


# ---------------------------------------------------------------- parsing


def parse_problem(exc: BaseException | None, *, line_shift: int = 0) -> Reason:
    """What feedparser (or lxml) found wrong in a document, in plain words.

    ``line_shift``: lines the parser saw above the document's own (feedparser writes an
    XML declaration line above a document that has none), taken off the line number."""
    if exc is None:
        return Reason("the feed is malformed", "", PARSE)
    kind = type(exc).__name__
    detail = technical(exc)
    message = " ".join(str(exc).split())
    if kind == "SAXParseException":
        line = _call(exc, "getLineNumber")
        column = _call(exc, "getColumnNumber")
        what = " ".join(str(_call(exc, "getMessage") or message).split())
        where = ""
        if isinstance(line, int) and isinstance(column, int):
            where = f" at line {max(line - line_shift, 1)}, column {column + 1}"
        return Reason(f"broken XML{where}: {what}", detail, PARSE)
    if kind == "XMLSyntaxError":
        what = re.sub(r",? line \d+, column \d+$", "", message)
        line, column = getattr(exc, "lineno", None), getattr(exc, "offset", None)
        where = f" at line {line}, column {column}" if line else ""
        return Reason(f"broken XML{where}: {what}", detail, PARSE)
    if kind == "CharacterEncodingOverride":
        return Reason(f"the feed declares the wrong character encoding ({message})", detail, PARSE)
    if kind == "CharacterEncodingUnknown":
        return Reason("the feed's character encoding could not be told", detail, PARSE)
    if kind == "NonXMLContentType":
        return Reason(f"the server does not label it as a feed ({message})", detail, PARSE)
    if kind == "UnicodeDecodeError":
        return Reason("the feed is not valid text in its character encoding", detail, PARSE)
    return Reason("the feed could not be read", detail, PARSE)


def parser_crash(exc: BaseException) -> Reason:
    """The parser itself failed (a bug, a crashed worker): the document may be fine."""
    return Reason("the feed could not be read (the parser failed)", technical(exc), PARSE)


def _call(exc: BaseException, method: str) -> object:
    function = getattr(exc, method, None)
    if function is None:
        return None
    try:
        return function()
    except Exception:  # a SAX exception without a locator
        return None
