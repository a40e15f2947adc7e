"""Hostile XML: entity expansion and external entities neither expand nor read files.

feedparser's strict mode is a SAX parser (expat). Before parsing, feedparser replaces
the document's DOCTYPE and keeps only entities whose value is plain text (no ``&``,
no ``<``, no SYSTEM/PUBLIC); expat is run with external general entities off, and
expat ≥ 2.4 also refuses runaway amplification. These tests prove it through
chipwatch's real parse path (``parse_feed``) and a real ``chipwatch poll``, and that
no DTD is ever fetched from the network.
"""

from __future__ import annotations

import subprocess
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from chipwatch.ingest.parse.feed import parse_feed
from chipwatch.store.db import open_db
from tests.clirun import cli_argv

NOW = datetime(2025, 7, 16, 12, 0, tzinfo=UTC)
SECRET = "TOP-SECRET-MARKER-5f1c"


def billion_laughs(levels: int = 10) -> bytes:
    entities = ['<!ENTITY lol0 "lol">']
    entities += [
        f'<!ENTITY lol{n} "{"".join(f"&lol{n - 1};" for _ in range(10))}">'
        for n in range(1, levels)
    ]
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE rss [\n' + "\n".join(entities) + "\n]>\n"
        '<rss version="2.0"><channel><title>Laughs</title><link>https://x.example/</link>'
        f"<item><title>Boom &lol{levels - 1};</title><guid>b1</guid>"
        "<description>after the bomb</description></item>"
        "<item><title>A normal headline</title><guid>b2</guid></item></channel></rss>"
    ).encode()


def external_entity(target: str) -> bytes:
    return (
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{target}">]>\n'
        '<rss version="2.0"><channel><title>Leak &xxe;</title><link>https://x.example/</link>'
        "<item><title>Secret: &xxe;</title><guid>x1</guid>"
        "<description>&xxe;</description></item></channel></rss>"
    ).encode()


def parameter_entity_dtd(url: str) -> bytes:
    return (
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE rss [<!ENTITY % remote SYSTEM "{url}"> %remote;]>\n'
        '<rss version="2.0"><channel><title>Param</title><link>https://x.example/</link>'
        "<item><title>Harmless title</title><guid>p1</guid></item></channel></rss>"
    ).encode()


def all_text(parsed) -> str:
    return "\n".join(f"{a.title}\n{a.summary}\n{a.url}" for a in parsed.articles)


@pytest.mark.timeout(60)
def test_billion_laughs_does_not_expand() -> None:
    parsed = parse_feed(billion_laughs(), {}, "https://x.example/feed", NOW)
    text = all_text(parsed)
    assert "lol" * 100 not in text
    assert len(text) < 10_000
    # the rest of the feed is not lost with the bomb; the reference stays literal text
    assert [a.title for a in parsed.articles] == ["Boom &lol9;", "A normal headline"]


@pytest.mark.timeout(60)
def test_a_deeper_bomb_with_a_content_type_for_the_loose_parser_is_inert() -> None:
    body = billion_laughs(12).replace(b'<?xml version="1.0"?>', b"")
    parsed = parse_feed(body, {"content-type": "text/html"}, "https://x.example/feed", NOW)
    assert "lol" * 100 not in all_text(parsed)


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET, encoding="utf-8")
    return path


def test_an_external_entity_does_not_read_a_local_file(secret_file: Path) -> None:
    for target in (secret_file.as_uri(), str(secret_file)):
        parsed = parse_feed(external_entity(target), {}, "https://x.example/feed", NOW)
        assert SECRET not in all_text(parsed)
        assert [a.title for a in parsed.articles] == ["Secret: &xxe;"]


class _CountingHandler(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:
        type(self).hits.append(self.path)
        body = f'<!ENTITY leak "{SECRET}">'.encode()
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def dtd_server():
    _CountingHandler.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _CountingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_no_external_dtd_or_entity_is_fetched(dtd_server: ThreadingHTTPServer) -> None:
    url = f"http://127.0.0.1:{dtd_server.server_address[1]}/evil.dtd"
    for body in (parameter_entity_dtd(url), external_entity(url)):
        parsed = parse_feed(body, {}, "https://x.example/feed", NOW)
        assert SECRET not in all_text(parsed)
    assert _CountingHandler.hits == []


def test_a_real_poll_of_hostile_feeds_stores_nothing_secret(
    tmp_path: Path, secret_file: Path
) -> None:
    feeds = {
        "laughs.xml": billion_laughs(),
        "xxe.xml": external_entity(secret_file.as_uri()),
        "xxe-path.xml": external_entity(str(secret_file)),
    }
    for name, body in feeds.items():
        (tmp_path / name).write_bytes(body)
    config = tmp_path / "config.toml"
    config.write_text(
        "".join(f'[[feeds]]\nurl = "{(tmp_path / n).as_uri()}"\n\n' for n in feeds),
        encoding="utf-8",
    )
    db_path = tmp_path / "store.db"
    result = subprocess.run(
        cli_argv(config, db_path, "poll", "--once", "--json", "--now", "2025-07-16T12:00:00Z"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in result.stderr
    assert SECRET not in result.stdout and "lol" * 100 not in result.stdout
    db = open_db(db_path)
    try:
        dump = "\n".join(
            str(row)
            for row in db.execute(
                "SELECT title, summary, url FROM articles UNION ALL "
                "SELECT title, coalesce(last_error, ''), url FROM feeds"
            )
        )
    finally:
        db.close()
    assert SECRET not in dump
    assert "lol" * 100 not in dump
