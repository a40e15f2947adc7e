"""Errors in plain words (chipwatch.ingest.reasons): what a user reads never shows an
errno, an exception class or a parser's ``<unknown>:2:0``; the technical detail is
kept beside it."""

from __future__ import annotations

import asyncio
import socket
from datetime import UTC, datetime

import httpx
import pytest

from chipwatch.config import parse_config
from chipwatch.ingest import reasons
from chipwatch.ingest.http import Fetcher
from chipwatch.ingest.parse.feed import parse_feed
from chipwatch.ingest.types import FetchRequest, FetchResult

NOW = datetime(2025, 7, 16, 12, 0, tzinfo=UTC)
LEAKS = ("Errno", "Error", "Exception", "<unknown>", "[SSL", "gaierror")


def _chained(outer: BaseException, inner: BaseException) -> BaseException:
    try:
        try:
            raise inner
        except BaseException as cause:
            raise outer from cause
    except BaseException as exc:
        return exc


def _plain(text: str) -> bool:
    return not any(leak in text for leak in LEAKS)


@pytest.mark.parametrize(
    ("exc", "code", "words"),
    [
        (
            _chained(
                httpx.ConnectError("[Errno -2] Name or service not known"),
                socket.gaierror(-2, "Name or service not known"),
            ),
            reasons.DNS,
            "could not resolve the host name feeds.example",
        ),
        (
            _chained(
                httpx.ConnectError("All connection attempts failed"),
                ConnectionRefusedError(111, "Connect call failed"),
            ),
            reasons.REFUSED,
            "refused the connection",
        ),
        (
            _chained(httpx.ConnectError("boom"), OSError(101, "Network is unreachable")),
            reasons.UNREACHABLE,
            "no network route",
        ),
        (httpx.ConnectTimeout("timed out"), reasons.CONNECT_TIMEOUT, "did not answer within 10s"),
        (httpx.ReadTimeout("timed out"), reasons.TIMEOUT, "stopped sending for 30s"),
        (httpx.RemoteProtocolError("peer closed"), reasons.RESET, "broke off"),
        (httpx.ReadError("[Errno 104] Connection reset by peer"), reasons.RESET, "reset"),
        (
            httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"),
            reasons.TLS,
            "certificate is not trusted",
        ),
        (
            httpx.UnsupportedProtocol("Request URL has an unsupported protocol"),
            reasons.BAD_URL,
            "URL",
        ),
    ],
)
def test_network_errors_are_plain_words_with_the_detail_kept(
    exc: BaseException, code: str, words: str
) -> None:
    reason = reasons.http_failure(exc, "feeds.example", connect_timeout=10, timeout=30)
    assert reason.code == code
    assert words in reason.text and _plain(reason.text), reason.text
    assert type(exc).__name__ in reason.detail  # the technical part is not lost


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"hello, this is a text file\n", "not a feed: plain text"),
        (b"<html><head><title>x</title></head><body>hi</body></html>", "an HTML page"),
        (b"<notafeed><x/></notafeed>", "no RSS, Atom, RDF or JSON Feed found"),
        (b'{"hello": 1}', "JSON that is not a JSON Feed"),
    ],
)
def test_parser_errors_are_plain_words(body: bytes, error: str) -> None:
    parsed = parse_feed(body, {}, "https://feeds.example/x", NOW)
    assert parsed.error is not None and error in parsed.error, parsed.error
    assert _plain(parsed.error)


def test_broken_xml_names_the_line_of_the_document_not_the_parsers() -> None:
    # feedparser writes its own XML declaration above a document without one, so its
    # line numbers are one too many: the reason counts the document's lines.
    body = b"<rss version='2.0'>\n<channel><title>x</ti & tle></channel></rss>"
    parsed = parse_feed(body, {}, "https://feeds.example/x", NOW)
    assert (parsed.warning or "").startswith("broken XML at line 2, column 23:"), parsed.warning
    assert _plain(parsed.warning or "") and "SAXParseException" in (parsed.detail or "")


def test_a_missing_content_type_is_no_warning() -> None:
    body = (
        b"<rss version='2.0'><channel><title>t</title><item><title>a</title>"
        b"<link>https://x.example/a</link></item></channel></rss>"
    )
    assert parse_feed(body, {}, "https://feeds.example/x", NOW).warning is None
    labelled = parse_feed(body, {"content-type": "text/plain"}, "https://feeds.example/x", NOW)
    assert labelled.warning is not None and _plain(labelled.warning)


def test_a_closed_port_is_refused_in_plain_words() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = parse_config("").poll

    async def fetch() -> FetchResult:
        async with Fetcher(config) as fetcher:
            return await fetcher.fetch(FetchRequest(f"http://127.0.0.1:{port}/feed"), now=NOW)

    result = asyncio.run(fetch())
    assert result.failure == reasons.REFUSED
    assert result.error == "could not connect: 127.0.0.1 refused the connection"
    assert "111" in (result.detail or "")
