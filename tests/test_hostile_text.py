"""Hostile feed text, end to end: feed file → real poll → store → every output.

One feed carries Rich markup, ANSI/OSC sequences (colour, screen clearing, OSC 8
links, OSC 52 clipboard writes), C0/C1 controls, bidi overrides, zero-width characters,
Markdown/HTML/spreadsheet injection and a 1 MB title. After a real ``chipwatch poll``,
the poll's output, every digest format and the monitor must show it inert (nothing a
terminal, browser or spreadsheet would act on) and legible (the words are still there).
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pytest

from chipwatch.config import load_config
from tests.clirun import cli_argv

SEEN_AT = datetime(2025, 7, 16, 13, tzinfo=UTC)
# What must never reach an output: ESC and every other C0 control but tab/newline, DEL,
# C1 controls, bidi embeddings/overrides/isolates, zero-width characters.
ACTIVE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
MARKUP_TITLE = "[bold red]NVIDIA[/] wins [link=https://evil.example]H20[/link] licence"
ITEMS = [
    ("m1", MARKUP_TITLE, "Summary with [blink]markup[/blink] inside."),
    (
        "a1",
        "\x1b[2J\x1b[HScreen wipe \x1b]52;c;cm0gLXJmIH4=\x07clipboard \x1b[31mred\x1b[0m "
        "\x1b]8;;https://evil.example\x1b\\hidden link\x1b]8;;\x1b\\ ASML export rules",
        "Body \x1b[1mbold\x1b[0m text.",
    ),
    ("c1", "Controls\x01\x02\x08 and C1\x85\x9b31m bytes at SMIC", "C0\x07bell"),
    ("b1", "Bidi \u202eevil\u202c and zero\u200bwidth\u2066 TSMC fab", "Plain."),
    (
        "h1",
        "<script>alert(1)</script> **bold** [x](javascript:alert(1)) Intel",
        '=HYPERLINK("http://evil.example","click")',
    ),
    ("e1", "Ends with an open bracket [", "and a backslash \\"),
    ("e2", "Ends with a backslash \\", "[/]"),
    ("big", "Samsung memory " * 70_000, "A one-megabyte title."),
]
LEGIBLE = [
    "NVIDIA",
    "Screen wipe",
    "clipboard",
    "ASML export rules",
    "hidden link",
    "bytes at SMIC",
    "TSMC fab",
    "Intel",
    "Ends with an open bracket [",
    "Ends with a backslash \\",
    "Samsung memory",
]


def hostile_feed() -> bytes:
    from xml.sax.saxutils import escape

    items = "".join(
        f"<item><guid>{guid}</guid><title>{escape(title)}</title>"
        f"<link>https://news.example/{guid}</link><pubDate>Tue, 15 Jul 2025 08:00:00 +0000"
        f"</pubDate><description>{escape(summary)}</description></item>"
        for guid, title, summary in ITEMS
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        "<title>Hostile \x1b[31mWire</title><link>https://news.example/</link>"
        f"<description>d</description>{items}</channel></rss>"
    ).encode()


def cli(tmp: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cli_argv(tmp / "config.toml", tmp / "store.db", *argv),
        capture_output=True,
        text=True,
        timeout=120,
        encoding="utf-8",
        errors="surrogateescape",
    )


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("hostile")
    feed = tmp / "hostile.xml"
    feed.write_bytes(hostile_feed())
    (tmp / "config.toml").write_text(
        f'[[feeds]]\nurl = "{feed.as_uri()}"\nname = "Hostile \\u001b[31m Wire"\n', encoding="utf-8"
    )
    return tmp


@pytest.fixture(scope="module")
def poll_outputs(store: Path) -> dict[str, str]:
    human = cli(store, "poll", "--once", "--now", "2025-07-16T12:00:00Z")
    assert human.returncode == 0, human.stderr
    again = cli(store, "poll", "--once", "--json", "--now", "2025-07-16T13:00:00Z")
    return {"human": human.stdout + human.stderr, "json": again.stdout + again.stderr}


def assert_inert(text: str) -> None:
    found = ACTIVE.search(text)
    assert found is None, f"active character {found.group()!r} at {found.start()}"


def test_poll_output_is_inert(poll_outputs: dict[str, str]) -> None:
    for output in poll_outputs.values():
        assert_inert(output)
        assert "Traceback" not in output


@pytest.mark.parametrize("fmt", ["md", "html", "json", "csv", "atom"])
def test_every_digest_format_is_inert_and_legible(
    store: Path, poll_outputs: dict[str, str], fmt: str
) -> None:
    result = cli(
        store, "digest", "--since", "all", "--format", fmt, "--now", "2025-07-17T00:00:00Z"
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert_inert(out)
    assert len(out) < 200_000  # the 1 MB title was cut
    if fmt in ("md", "csv", "json"):
        text = out.replace("\\", "") if fmt == "md" else out
        for words in ("NVIDIA", "ASML export rules", "TSMC fab", "Samsung memory"):
            assert words in text, words
    check = FORMAT_CHECKS[fmt]
    check(out)


def _check_md(out: str) -> None:
    assert "[bold red]" not in out  # brackets are escaped: \[bold red\]
    # brackets escaped, and the bare URL broken so no renderer autolinks it
    assert "\\[link=https:\\//evil.example\\]H20\\[/link\\]" in out
    # a backslash keeps them literal (tests/test_digest_formats.py renders it to prove so)
    assert not re.search(r"(?<!\\)<script>", out) and "\\<script>" in out
    assert not re.search(r"(?<!\\)\]\(javascript:", out)


def _check_html(out: str) -> None:
    assert "<script" not in out.lower()  # dropped at ingest (HTML to text) or escaped
    assert "[bold red]NVIDIA[/] wins [link=https://evil.example]H20[/link] licence" in out
    hrefs = re.findall(r'href="([^"]*)"', out)
    assert hrefs and all(h.startswith(("https://", "http://", "#")) for h in hrefs), hrefs


def _check_json(out: str) -> None:
    document = json.loads(out)
    titles = [a["title"] for s in document["stories"] for a in s["articles"]]
    assert MARKUP_TITLE in titles  # data stays data: literal, unescaped
    assert max(len(t) for t in titles) <= 500


def _check_csv(out: str) -> None:
    for row in csv.reader(io.StringIO(out)):
        for cell in row:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), cell


def _check_atom(out: str) -> None:
    ET.fromstring(out.encode("utf-8"))  # well-formed XML 1.0: no raw control characters


FORMAT_CHECKS = {
    "md": _check_md,
    "html": _check_html,
    "json": _check_json,
    "csv": _check_csv,
    "atom": _check_atom,
}


def test_the_store_keeps_titles_clean_and_bounded(
    store: Path, poll_outputs: dict[str, str]
) -> None:
    from chipwatch.store.db import open_db

    db = open_db(store / "store.db")
    try:
        titles = [row[0] for row in db.execute("SELECT title FROM articles")]
        summaries = [row[0] for row in db.execute("SELECT summary FROM articles")]
    finally:
        db.close()
    assert len(titles) == len(ITEMS)
    for text in titles + summaries:
        assert_inert(text)
    assert max(len(t) for t in titles) <= 500
    joined = "\n".join(titles)
    for words in LEGIBLE:
        assert words in joined, words


async def test_the_monitor_shows_hostile_titles_literally(
    store: Path, poll_outputs: dict[str, str]
) -> None:
    from chipwatch.tui.app import make_app

    config_path = store / "config.toml"
    app = make_app(
        load_config(config_path),
        config_path,
        store / "store.db",
        clock=lambda: SEEN_AT,
        start_poller=False,
    )
    async with app.run_test(size=(160, 40)) as pilot:
        for _ in range(3):
            await pilot.pause()
            await app.workers.wait_for_complete()
        timeline = app.main_screen.timeline
        shown = [
            "".join(s.text for s in timeline.render_line(y)) for y in range(timeline.size.height)
        ]
        screen_text = "\n".join(shown)
        assert_inert(screen_text)
        stories = [row.title for row in timeline.rows]
        assert any("[bold red]NVIDIA[/]" in title for title in stories), stories
        for index in range(len(timeline.rows)):
            timeline.cursor = index
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert_inert(app.main_screen.detail.plain)
        assert "[bold red]NVIDIA[/]" in screen_text or any(
            "[bold red]NVIDIA[/]" in line for line in shown
        )


LISTINGS = [
    ["feeds", "list"],
    ["feeds", "list", "--json"],
    ["search", "NVIDIA", "--since", "all", "--now", "2025-07-17T00:00:00Z"],
    ["search", "TSMC", "--explain", "--since", "all", "--now", "2025-07-17T00:00:00Z"],
    ["search", "Samsung", "--json", "--since", "all", "--now", "2025-07-17T00:00:00Z"],
    ["watch", "test", "ASML", "--since", "all", "--now", "2025-07-17T00:00:00Z"],
]


@pytest.mark.parametrize(
    "argv", LISTINGS, ids=[" ".join(a[:2]) + str(i) for i, a in enumerate(LISTINGS)]
)
def test_cli_listings_are_inert(store: Path, poll_outputs: dict[str, str], argv: list[str]) -> None:
    result = cli(store, *argv)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert_inert(result.stdout + result.stderr)
    assert len(result.stdout) < 100_000
    if argv[0] in ("search", "watch"):  # the hostile stories are found and shown
        assert argv[1 if argv[0] == "search" else 2] in result.stdout, result.stdout
