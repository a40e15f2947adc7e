"""Malformed configs and queries: one clear message naming the location, exit 2.

Each case runs the real command line (``chipwatch.cli.main``) and checks the exit
status, that stderr holds one message (a query error adds the query and a caret
under the column), no traceback, and the file:line (or column) and key it names.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from chipwatch.cli import main
from chipwatch.store.db import open_db

NOW = "2025-07-17T00:00:00Z"

# (id, config text, words the message must contain; "{path}" is the config's path)
BAD_CONFIGS: list[tuple[str, str, tuple[str, ...]]] = [
    ("unclosed-table", '[poll\ninterval = "15m"\n', ("{path}:1:", "invalid TOML")),
    ("duplicate-key", '[poll]\ninterval = "1m"\ninterval = "2m"\n', ("{path}:3:", "invalid TOML")),
    ("bare-string", "[poll]\nuser_agent = chipwatch\n", ("{path}:2:", "invalid TOML")),
    ("interval-word", '[poll]\ninterval = "soon"\n', ("{path}:2", "poll.interval")),
    (  # the line of [ui.keymap], not of [ui] three lines above it
        "keymap-value-not-a-string-in-its-own-table",
        '[ui]\nwindow = "7d"\n\n[ui.keymap]\nrefresh = 5\n',
        ("{path}:4:", "ui.keymap"),
    ),
    ("interval-negative", '[poll]\ninterval = "-5m"\n', ("{path}:2", "poll.interval")),
    ("concurrency-zero", "[poll]\nconcurrency = 0\n", ("{path}:2", "poll.concurrency", "0")),
    ("concurrency-text", '[poll]\nconcurrency = "many"\n', ("{path}:2", "poll.concurrency")),
    ("max-bytes-unit", '[poll]\nmax_bytes = "20 parsecs"\n', ("{path}:2", "poll.max_bytes")),
    ("timeout-bool", "[poll]\ntimeout = true\n", ("{path}:2", "poll.timeout")),
    ("poll-not-table", 'poll = "fast"\n', ("{path}:1", "poll", "table")),
    ("feed-without-url", '[[feeds]]\nname = "Wire"\n', ("{path}:1", "feeds[0]", "url")),
    (
        "feed-ftp-url",
        '[[feeds]]\nurl = "ftp://files.example/feed"\n',
        ("{path}:2", "feeds[0].url", "ftp://"),
    ),
    (
        "feed-tags-string",
        '[[feeds]]\nurl = "https://a.example/rss"\ntags = "policy"\n',
        ("{path}:3", "feeds[0].tags", "list"),
    ),
    (
        "feed-enabled-text",
        '[[feeds]]\nurl = "https://a.example/rss"\nenabled = "yes"\n',
        ("{path}:3", "feeds[0].enabled"),
    ),
    (
        "second-feed-interval",
        '[[feeds]]\nurl = "https://a.example/rss"\n\n[[feeds]]\nurl = "https://b.example/rss"\n'
        'interval = "often"\n',
        ("{path}:6", "feeds[1].interval"),
    ),
    ("feeds-not-array", 'feeds = "https://a.example/rss"\n', ("{path}:1", "feeds", "[[feeds]]")),
    ("watch-without-query", '[[watch]]\nname = "chips"\n', ("{path}:1", "watch[0]", "query")),
    (
        "watch-bad-query",
        '[[watch]]\nname = "h20"\nquery = "(H20 AND licence"\n',
        ("{path}:3", "watch[0]", "column"),
    ),
    (
        "watch-unknown-notifier",
        '[[watch]]\nquery = "H20"\nnotify = ["pigeon"]\n',
        ("{path}:3", "watch[0].notify", "pigeon"),
    ),
    (
        "watch-webhook-missing",
        '[[watch]]\nquery = "H20"\nnotify = ["webhook"]\n',
        ("{path}:3", "watch[0].notify", "webhook"),
    ),
    (
        "watch-webhook-scheme",
        '[[watch]]\nquery = "H20"\nwebhook = "ftp://hooks.example"\n',
        ("{path}:3", "watch[0].webhook"),
    ),
    (
        "watch-duplicate-name",
        '[[watch]]\nname = "x"\nquery = "H20"\n\n[[watch]]\nname = "x"\nquery = "H100"\n',
        ("{path}:6", "watch[1].name", "duplicate"),
    ),
    ("cluster-threshold", "[cluster]\nthreshold = 1.5\n", ("{path}:2", "cluster.threshold")),
    ("cluster-window", '[cluster]\nwindow = "forever"\n', ("{path}:2", "cluster.window")),
    (
        "entity-kind",
        '[entities.Widget]\nkind = "gadget"\n',
        ("{path}:2", "entities.Widget.kind", "gadget"),
    ),
    ("entity-not-table", 'entities = { Widget = "chip" }\n', ("{path}:1", "entities.Widget")),
    ("ui-language", '[ui]\nlanguages = ["english"]\n', ("{path}:2", "ui.languages", "english")),
    ("alerts-failures", "[alerts]\nfeed_failures = 0\n", ("{path}:2", "alerts.feed_failures")),
]

BAD_QUERIES: list[tuple[str, str]] = [
    ("(H20", "column 5"),
    ("H20 AND", "column 8"),
    ('"unclosed phrase', "column 1"),
    ("@", "column 2"),
    ("title:", "column 7"),
    ("OR H20", "column 1"),
    ("H20 )", "column 5"),
    ("kind:gizmo", "column 6"),
    ("foo:bar", "column 1"),
    ("~", "column 1"),
]


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    return code, capsys.readouterr().err


def digest_args(config: Path, tmp_path: Path, *extra: str) -> list[str]:
    return [
        "--config",
        str(config),
        "--db",
        str(tmp_path / "store.db"),
        "digest",
        "--now",
        NOW,
        *extra,
    ]


@pytest.mark.parametrize(
    ("text", "words"), [case[1:] for case in BAD_CONFIGS], ids=[case[0] for case in BAD_CONFIGS]
)
def test_a_malformed_config_names_its_location_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, words: tuple[str, ...]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(text, encoding="utf-8")
    code, err = run(digest_args(config, tmp_path), capsys)
    assert code == 2, err
    lines = [line for line in err.splitlines() if not line.startswith("chipwatch: warning")]
    assert lines and lines[0].startswith("chipwatch: "), err
    assert "Traceback" not in err
    for word in words:
        assert word.format(path=config) in lines[0], err
    assert not (tmp_path / "store.db").exists()  # nothing was touched


def test_there_are_at_least_twenty_cases() -> None:
    assert len(BAD_CONFIGS) + len(BAD_QUERIES) >= 20


def test_a_config_that_is_not_utf8_names_the_byte(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_bytes(b'[poll]\nuser_agent = "caf\xe9"\n')
    code, err = run(digest_args(config, tmp_path), capsys)
    assert code == 2
    assert str(config) in err and "UTF-8" in err and "byte 24" in err


def test_a_missing_config_file_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "nowhere.toml"
    code, err = run(digest_args(config, tmp_path), capsys)
    assert code == 2
    assert f"{config}: config file not found" in err


def test_a_folder_given_as_config_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = run(digest_args(tmp_path, tmp_path), capsys)
    assert code == 2
    assert str(tmp_path) in err and "Traceback" not in err


def test_an_unknown_key_is_a_warning_with_a_suggestion(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[poll]\nintervall = "5m"\n', encoding="utf-8")
    open_db(tmp_path / "store.db").close()  # digest reads a store; it never makes one
    code, err = run(digest_args(config, tmp_path, "--format", "json"), capsys)
    assert code == 0
    assert f"{config}:2" in err and "did you mean 'interval'" in err


@pytest.mark.parametrize(("query", "column"), BAD_QUERIES, ids=[q for q, _ in BAD_QUERIES])
def test_a_malformed_query_shows_its_column_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], query: str, column: str
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("", encoding="utf-8")
    code, err = run(digest_args(config, tmp_path, "--query", query), capsys)
    assert code == 2, err
    assert "Traceback" not in err
    first, *rest = err.splitlines()
    assert first.startswith("chipwatch: query:") and column in first, err
    # the query is echoed with a caret under the column
    number = int(column.split()[-1])
    assert rest[0].strip() == query.strip()
    assert rest[1].index("^") - rest[0].index(query[0]) == number - 1


@pytest.mark.parametrize("window", ["yesterday", "7 days", "3 weeks ago", "2025-13-01"])
def test_a_malformed_window_names_the_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], window: str
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("", encoding="utf-8")
    code, err = run(digest_args(config, tmp_path, "--since", window), capsys)
    assert code == 2
    assert err.startswith("chipwatch: --since") and "Traceback" not in err
