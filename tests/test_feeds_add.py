"""`chipwatch feeds add` checks the feed first, through the real command line against
real HTTP servers on 127.0.0.1: a feed shows its title, language and item count; what is
not a feed is one line and exit 2 (naming the feed an HTML page links to); a feed that
cannot be reached is exit 1, and --no-check adds it unread."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from chipwatch.config import load_config
from tests.clirun import cli_argv
from tests.faultserver import FaultServer, refused_url, rss
from tests.feedserver import FeedServer

ROOT = Path(__file__).resolve().parent.parent
ATOM_FR = Path(__file__).parent / "data" / "feeds" / "atom_fr.xml"


def chipwatch(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        cli_argv(config, config.with_name("s.db"), *args),
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=config.parent,
    )


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text("# mine\n[poll]\nworkers = 1\n", encoding="utf-8")
    return path


def refused(result: subprocess.CompletedProcess[str], code: int, config: Path, before: str):
    """One line on stderr, the exit status, no traceback, the config untouched."""
    assert result.returncode == code, result.stdout + result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert not any(leak in result.stderr for leak in ("Traceback", "Errno", "Exception"))
    assert config.read_text(encoding="utf-8") == before
    return result.stderr.strip()


def test_a_feed_is_fetched_and_shown_then_added(config: Path) -> None:
    with FeedServer() as server:
        url = server.add("/chips.rss", rss("Chip Daily", [("a", "One", "x"), ("b", "Two", "y")]))
        result = chipwatch(config, "feeds", "add", url)
        assert len(server.hits_for("/chips.rss")) == 1  # the same fetcher as a poll
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f'added {url} to {config}: "Chip Daily" · language unknown · 2 items'
    ]
    assert [f.url for f in load_config(config).feeds] == [url]


def test_a_local_feed_shows_its_language(config: Path) -> None:
    result = chipwatch(config, "feeds", "add", str(ATOM_FR))
    assert result.returncode == 0, result.stderr
    assert "· language fr ·" in result.stdout and "items" in result.stdout


def test_a_web_page_is_refused_naming_the_feed_it_links_to(config: Path) -> None:
    page = (
        b"<!doctype html><html><head><title>Chip Daily</title>"
        b'<link rel="alternate" type="application/rss+xml" title="RSS" href="/feed.xml">'
        b"</head><body>news</body></html>"
    )
    before = config.read_text()
    with FeedServer() as server:
        url = server.add("/", page, content_type="text/html; charset=utf-8")
        line = refused(chipwatch(config, "feeds", "add", url), 2, config, before)
        feed = server.url("/feed.xml")
    assert line == (
        f"chipwatch: {url}: not a feed: an HTML page (a web page, not RSS, Atom, RDF or "
        f"JSON Feed); it links to a feed: chipwatch feeds add {feed}"
    )


@pytest.mark.parametrize(
    ("argument", "expected"),
    [
        ("missing.xml", "missing.xml: no such file"),
        ("not a url", "not a url: not an http(s):// or file:// URL, and no such file"),
        ("notes.txt", "notes.txt: not a feed: plain text, not RSS, Atom, RDF or JSON Feed"),
        ("ftp://x.example/feed", "a feed URL must be http(s)://, file:// or a local path"),
    ],
)
def test_what_is_not_a_feed_is_one_line_and_exit_2(
    config: Path, argument: str, expected: str
) -> None:
    (config.parent / "notes.txt").write_text("remember to buy wafers\n", encoding="utf-8")
    before = config.read_text()
    line = refused(chipwatch(config, "feeds", "add", argument), 2, config, before)
    assert expected in line


def test_http_404_is_the_users_mistake_and_a_server_failure_is_not(config: Path) -> None:
    before = config.read_text()
    with FaultServer(datetime.now(UTC)) as server:
        server.body("/gone", b"no", status="404 Not Found", content_type="text/plain")
        server.body("/broken", b"oops", status="500 Internal Server Error")
        missing = refused(chipwatch(config, "feeds", "add", server.url("/gone")), 2, config, before)
        failing = refused(
            chipwatch(config, "feeds", "add", server.url("/broken")), 1, config, before
        )
    assert missing.endswith("HTTP 404 Not Found: no feed at this address")
    assert "HTTP 500" in failing and failing.endswith("or add it unread with --no-check")


def test_an_unreachable_feed_is_exit_1_and_no_check_adds_it(config: Path) -> None:
    url = refused_url()
    before = config.read_text()
    line = refused(chipwatch(config, "feeds", "add", url), 1, config, before)
    assert "refused the connection" in line and "--no-check" in line and "Errno" not in line
    added = chipwatch(config, "feeds", "add", "--no-check", url)
    assert added.returncode == 0
    assert added.stdout.strip() == f"added {url} to {config} (not fetched: --no-check)"
    assert [f.url for f in load_config(config).feeds] == [url]
