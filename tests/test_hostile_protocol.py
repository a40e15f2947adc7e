"""Hostile protocol values (issue 15, item 4), against real servers on 127.0.0.1.

Before: a non-ASCII ETag or Last-Modified was stored and every later poll of the feed
failed with UnicodeEncodeError, for ever; ``Cache-Control: max-age=`` with 20 digits
raised OverflowError on every poll (the timedelta was built before the cap), with 5000
digits or ``max-age=²`` the fetch failed; a 5000-digit Retry-After leaked Python's
int-digits message. Now what cannot be parsed is ignored, numbers are capped before
they are converted, and a validator that could not be sent back is never stored.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from chipwatch.cli import main
from chipwatch.config import PollConfig
from chipwatch.ingest.http import Fetcher
from chipwatch.ingest.parse.feed import parse_feed
from chipwatch.ingest.schedule import MAX_RETRY_AFTER_S, after_success, bounded_int
from chipwatch.ingest.types import FetchKind, FetchRequest
from tests.faultserver import FaultServer, rss
from tests.feedserver import FeedServer

NOW = datetime(2025, 7, 16, 12, 0, tzinfo=UTC)
FEED = rss("Protocol", [("p1", "TSMC adds a fab", "More wafers.")])
CONFIG = PollConfig(timeout=5.0, connect_timeout=2.0)


def latin1(text: str) -> str:
    """``text``'s UTF-8 bytes as the str FaultServer writes byte for byte."""
    return text.encode("utf-8").decode("latin-1")


async def fetch(url: str, **request: object):
    async with Fetcher(CONFIG) as fetcher:
        return await fetcher.fetch(FetchRequest(url, **request), now=NOW)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "headers",
    [
        {"etag": latin1('"café-v1"')},
        {"last-modified": latin1("Tue, 15 Jul 2025 08:00:00 GMT ☃")},
        {"etag": '"caf\xe9"', "last-modified": "Tue, 15 Jul 2025 08:00:00 G\xc9T"},
    ],
    ids=["utf8-etag", "utf8-last-modified", "latin1-both"],
)
async def test_non_ascii_validator_is_never_kept(headers: dict[str, str]) -> None:
    with FaultServer(NOW) as server:
        server.body("/f.xml", FEED, extra=headers)
        result = await fetch(server.url("/f.xml"))
    assert result.kind == FetchKind.OK
    assert result.etag is None and result.last_modified is None
    assert "etag" not in result.headers and "last-modified" not in result.headers


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("max-age=" + "9" * 20, 365 * 86400),
        ("max-age=" + "9" * 5000, 365 * 86400),
        ("max-age=²", None),
        ("public, max-age=600", 600),
    ],
    ids=["20-digits", "5000-digits", "superscript-two", "plain"],
)
async def test_huge_or_unicode_max_age_neither_fails_the_fetch_nor_overflows(
    value: str, expected: int | None
) -> None:
    with FaultServer(NOW) as server:
        server.body("/f.xml", FEED, extra={"cache-control": value})
        result = await fetch(server.url("/f.xml"))
    assert result.kind == FetchKind.OK, result.error
    assert result.max_age_s == expected
    plan = after_success(NOW, timedelta(minutes=15), None, result.max_age_s)
    assert plan.next_poll_at is not None and plan.next_poll_at <= NOW + timedelta(days=1)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("9" * 5000, MAX_RETRY_AFTER_S), ("9" * 20, MAX_RETRY_AFTER_S), ("²", None)],
    ids=["5000-digits", "20-digits", "superscript-two"],
)
async def test_5000_digit_retry_after_is_capped_not_a_python_error(
    value: str, expected: float | None
) -> None:
    with FaultServer(NOW) as server:
        server.body("/f.xml", b"", status="429 Too Many Requests", extra={"retry-after": value})
        result = await fetch(server.url("/f.xml"))
    assert result.kind == FetchKind.ERROR
    assert result.error is not None and result.error.startswith("HTTP 429"), result.error
    assert "digits" not in result.error and "int" not in result.error
    assert result.retry_after_s == expected


@pytest.mark.parametrize(
    ("text", "cap", "expected"),
    [
        ("600", 86400, 600),
        (" 600 ", 86400, 600),
        ("9" * 19, 86400, 86400),
        ("9" * 5000, 86400, 86400),
        ("²", 86400, None),
        ("٣٠٠", 86400, None),  # Arabic-Indic digits: isdigit() is true, HTTP has none
        ("-5", 86400, None),
        ("1e9", 86400, None),
        ("", 86400, None),
        (None, 86400, None),
    ],
)
def test_bounded_int_caps_before_converting(text: object, cap: int, expected: int | None) -> None:
    assert bounded_int(text, cap) == expected


@pytest.mark.parametrize("ttl", ["²", "9" * 5000, "9" * 20])
@pytest.mark.parametrize("fast", [True, False], ids=["lxml", "feedparser"])
def test_hostile_ttl_does_not_fail_the_feed(ttl: str, fast: bool) -> None:
    body = FEED.replace(b"<description>d</description>", f"<ttl>{ttl}</ttl>".encode())
    parsed = parse_feed(
        body, {"content-type": "application/rss+xml"}, "https://p.example/", NOW, fast=fast
    )
    assert parsed.ok and len(parsed.articles) == 1, parsed.error
    assert parsed.min_interval_s in (None, 86400)


# ------------------------------------------------------------------- real polls


def feed_lines(capsys: pytest.CaptureFixture[str]) -> list[dict]:
    out = capsys.readouterr().out
    return [e for e in map(json.loads, out.splitlines()) if e["type"] == "feed"]


def run_poll(tmp_path: Path, url: str, now: datetime) -> int:
    config = tmp_path / "config.toml"
    config.write_text(f'[poll]\nworkers = 1\n\n[[feeds]]\nurl = "{url}"\n', encoding="utf-8")
    db = tmp_path / "s.db"
    return main(
        [
            "--config",
            str(config),
            "--db",
            str(db),
            "poll",
            "--once",
            "--json",
            "--now",
            now.isoformat(),
        ]
    )


def stored_validators(tmp_path: Path) -> tuple[str | None, str | None]:
    with sqlite3.connect(tmp_path / "s.db") as conn:
        return conn.execute("SELECT etag, last_modified FROM feeds").fetchone()


def test_non_ascii_etag_no_longer_fails_every_later_poll(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with FeedServer() as server:
        url = server.add(
            "/f.xml", FEED, etag='"caf\xe9"', last_modified="Tue, 15 Jul 2025 08:00:00 G\xc9T"
        )
        for round_ in range(3):
            assert run_poll(tmp_path, url, NOW + timedelta(hours=round_)) == 0
            (line,) = feed_lines(capsys)
            assert line["status"] in ("ok", "unchanged") and "error" not in line, line
        assert stored_validators(tmp_path) == (None, None)
        assert all("if-none-match" not in hit.headers for hit in server.hits_for("/f.xml"))


def test_bad_validator_stored_by_an_older_chipwatch_is_dropped_not_sent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with FeedServer() as server:
        url = server.add("/f.xml", FEED, etag='"v1"')
        assert run_poll(tmp_path, url, NOW) == 0
        with sqlite3.connect(tmp_path / "s.db") as conn:
            conn.execute("UPDATE feeds SET etag = ?, last_modified = ?", ('"café"', "Tue ☃"))
        capsys.readouterr()
        server.clear_hits()
        assert run_poll(tmp_path, url, NOW + timedelta(hours=1)) == 0
        (line,) = feed_lines(capsys)
        assert line["status"] == "unchanged" and "error" not in line, line  # same body
        (hit,) = server.hits_for("/f.xml")
        assert "if-none-match" not in hit.headers and "if-modified-since" not in hit.headers
        # The store healed: the server's own ETag replaced it, the bad date is gone.
        assert stored_validators(tmp_path) == ('"v1"', None)
        assert run_poll(tmp_path, url, NOW + timedelta(hours=2)) == 0
        (line,) = feed_lines(capsys)
        assert line["status"] == "not_modified", line
