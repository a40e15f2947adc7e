"""Hostile user input through the real ``chipwatch`` command line: queries nested or
long past reason, OPML nested 1,000 deep, config numbers that overflow or are not
numbers, control characters in a URL, a UTF-8 BOM. Each is one line (a query error adds
the query and a caret) and exit 2, never a traceback; what is legal keeps working.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from chipwatch.config import parse_config
from chipwatch.config.checks import BOUNDS
from chipwatch.query.grammar import MAX_DEPTH, MAX_TERMS
from chipwatch.query.match import parse_query
from chipwatch.store.db import open_db
from chipwatch.store.search import matching_articles
from tests.clirun import cli_argv

ROOT = Path(__file__).resolve().parent.parent
FEED = Path(__file__).parent / "data" / "feeds" / "rss_basic.xml"
NOW = "2025-07-16T12:00:00Z"


def chipwatch(config: Path, db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        cli_argv(config, db, *args), capture_output=True, text=True, env=env, timeout=120
    )


def assert_user_error(result: subprocess.CompletedProcess[str], *words: str) -> str:
    """Exit 2, no traceback, and the first line of stderr holds ``words``."""
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "Error:" not in result.stderr, result.stderr
    first = result.stderr.splitlines()[0]
    for word in words:
        assert word in first, result.stderr
    return first


@pytest.fixture
def empty_config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text("", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def polled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A config with one local feed and a store holding its three stories."""
    folder = tmp_path_factory.mktemp("polled")
    config = folder / "config.toml"
    config.write_text(f'[poll]\nworkers = 1\n\n[[feeds]]\nurl = "{FEED}"\n', encoding="utf-8")
    db = folder / "s.db"
    assert chipwatch(config, db, "poll", "--once", "--now", NOW).returncode == 0
    return config, db


# --------------------------------------------------------------------------- queries

DEEP = "(" * 200 + "H20" + ")" * 200


@pytest.mark.parametrize(
    "argv",
    [
        ["search", DEEP],
        ["watch", "add", DEEP],
        ["watch", "test", DEEP, "--now", NOW],
        ["digest", "--query", DEEP, "--now", NOW],
    ],
    ids=["search", "watch-add", "watch-test", "digest"],
)
def test_200_nested_parentheses_are_a_query_error_not_a_recursion_traceback(
    tmp_path: Path, empty_config: Path, argv: list[str]
) -> None:
    db = tmp_path / "s.db"
    result = chipwatch(empty_config, db, *argv)
    first = assert_user_error(result, "query:", "too deeply nested", f"column {MAX_DEPTH + 1}")
    assert first.startswith("chipwatch: query:")
    shown, caret = result.stderr.splitlines()[1:3]
    assert len(shown) < 90  # a long query is shown around its column, not whole
    assert shown[caret.index("^")] == "("
    assert empty_config.read_text() == ""  # watch add wrote nothing
    assert not db.exists()


@pytest.mark.parametrize(
    "argv", [["feeds", "list"], ["watch", "list"], ["poll", "--once"], ["search", "x"]]
)
def test_a_watch_with_250_parentheses_in_the_config_is_one_line_not_a_traceback(
    tmp_path: Path, argv: list[str]
) -> None:
    config = tmp_path / "config.toml"
    query = "(" * 250 + "x" + ")" * 250
    config.write_text(f'[[watch]]\nname = "deep"\nquery = "{query}"\n', encoding="utf-8")
    result = chipwatch(config, tmp_path / "s.db", *argv)
    first = assert_user_error(result, f"{config}:3", "watch[0].query", "too deeply nested")
    assert len(result.stderr.splitlines()) == 1 and len(first) < 250


def test_60_nots_are_folded_not_a_store_error(polled: tuple[Path, Path]) -> None:
    config, db = polled
    even = chipwatch(config, db, "search", "NOT " * 60 + "foundry", "--json")
    odd = chipwatch(config, db, "search", "NOT " * 61 + "foundry", "--json")
    assert even.returncode == 0 and odd.returncode == 0, even.stderr + odd.stderr
    even_titles = [json.loads(line)["title"] for line in even.stdout.splitlines()]
    odd_titles = [json.loads(line)["title"] for line in odd.stdout.splitlines()]
    assert even_titles == ["Foundry adds a second 3 nm line in Arizona"]
    assert len(odd_titles) == 2 and even_titles[0] not in odd_titles


def test_1000_terms_joined_by_or_are_searched_not_a_store_error(
    polled: tuple[Path, Path],
) -> None:
    config, db = polled
    fillers = [f"zq{i}" for i in range(MAX_TERMS - 1)]
    either = chipwatch(config, db, "search", " OR ".join([*fillers, "licence"]), "--json")
    assert either.returncode == 0, either.stderr
    titles = [json.loads(line)["title"] for line in either.stdout.splitlines()]
    assert titles == ["Regulators publish a revised licence checklist"]
    every = chipwatch(config, db, "watch", "test", " ".join([*fillers, "licence"]), "--now", NOW)
    assert every.returncode == 0 and every.stdout.startswith("0 stories"), every.stderr


def test_1001_terms_are_a_query_error_at_the_term_past_the_limit(
    polled: tuple[Path, Path],
) -> None:
    config, db = polled
    words = [f"w{i}" for i in range(MAX_TERMS + 1)]
    query = " OR ".join(words)
    result = chipwatch(config, db, "search", query)
    column = query.index(words[-1]) + 1
    assert_user_error(result, "too many terms", f"column {column}")
    shown, caret = result.stderr.splitlines()[1:3]
    assert shown.strip().endswith(words[-1]) and shown[caret.index("^") :] == words[-1]


def _nested(depth: int, per_level: int, operators: tuple[str, str]) -> str:
    """A query ``depth`` parentheses deep, ``per_level`` terms beside each group, the
    group first (SQLite nests the first operand of a chain deepest), NOT on each."""
    counter = iter(range(10**6))

    def level(k: int) -> str:
        words = [f"w{next(counter)}" for _ in range(per_level)]
        if k == depth:
            return f" {operators[k % 2]} ".join(words)
        return f" {operators[k % 2]} ".join([f"-({level(k + 1)})", *words])

    return level(0)


@pytest.mark.parametrize("operators", [("OR", "AND"), ("OR", "OR"), ("AND", "AND")])
def test_a_query_at_the_nesting_and_size_limits_compiles_in_sqlite(
    db_path: Path, operators: tuple[str, str]
) -> None:
    per_level = MAX_TERMS // (MAX_DEPTH + 1)
    query = parse_query(_nested(MAX_DEPTH, per_level, operators))
    db = open_db(db_path)
    try:
        assert matching_articles(db, query) == {}  # no "parser stack overflow", no depth error
    finally:
        db.close()


# --------------------------------------------------------------------------- OPML


def test_an_opml_file_nested_1000_deep_imports_without_a_recursion_error(
    tmp_path: Path, empty_config: Path
) -> None:
    folders = "".join(f'<outline text="folder {i}">' for i in range(1000))
    opml = tmp_path / "deep.opml"
    opml.write_text(
        f'<?xml version="1.0"?><opml version="2.0"><head/><body>{folders}'
        '<outline text="Deep feed" type="rss" xmlUrl="https://deep.example/feed"/>'
        f"{'</outline>' * 1000}</body></opml>",
        encoding="utf-8",
    )
    result = chipwatch(empty_config, tmp_path / "s.db", "feeds", "import", str(opml))
    assert result.returncode == 0, result.stderr
    assert "imported 1 feed from" in result.stdout
    (feed,) = parse_config(empty_config.read_text()).feeds
    assert feed.url == "https://deep.example/feed"
    assert feed.tags == tuple(f"folder {i}" for i in range(8))  # the outermost folders


# --------------------------------------------------------------------------- config values

DURATION_KEYS = [
    ("[poll]", "interval"),
    ("[poll]", "timeout"),
    ("[poll]", "connect_timeout"),
    ("[alerts]", "webhook_timeout"),
    ("[alerts]", "webhook_backoff"),
    ("[cluster]", "window"),
    ('[[feeds]]\nurl = "https://a.example/f"', "interval"),
    ('[[feeds]]\nurl = "https://a.example/f"', "must_not_miss"),
]
HUGE = ["inf", "1e308", '"99999999999999d"', "nan", "-inf"]


@pytest.mark.parametrize("value", HUGE)
@pytest.mark.parametrize(("table", "key"), DURATION_KEYS, ids=[k for _, k in DURATION_KEYS])
def test_a_duration_key_set_to_inf_or_1e308_is_one_line_not_an_overflow_traceback(
    tmp_path: Path, table: str, key: str, value: str
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f"{table}\n{key} = {value}\n", encoding="utf-8")
    line = table.count("\n") + 2
    result = chipwatch(config, tmp_path / "s.db", "poll", "--once")
    assert_user_error(result, f"{config}:{line}", f".{key}:")
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[poll]\nmax_bytes = 9223372036854775807\n", ("poll.max_bytes", "1GiB")),
        ('[poll]\nmax_bytes = "99999999999999999999GB"\n', ("poll.max_bytes", "1GiB")),
        (f'[poll]\nmax_bytes = "{"9" * 5000}KB"\n', ("poll.max_bytes", "…")),
        ("[poll]\ntimeout = nan\n", ("poll.timeout", "finite")),
        ("[alerts]\nspike_factor = nan\n", ("alerts.spike_factor", "finite")),
        ("[alerts]\nspike_factor = inf\n", ("alerts.spike_factor", "finite")),
        ("[alerts]\nspike_factor = 1e300\n", ("alerts.spike_factor", "1000")),
        ("[cluster.weights]\ntitle = nan\n", ("cluster.weights.title", "finite")),
        ("[cluster.weights]\nnumbers = 1e308\n", ("cluster.weights.numbers", "10")),
        ("[cluster]\nthreshold = nan\n", ("cluster.threshold", "finite")),
        ('[ui]\nwindow = "99999999999999d"\n', ("ui.window", "365d")),
        (
            '[[watch]]\nkind = "spike"\nentity = "NVIDIA"\nfactor = nan\n',
            ("watch[0].factor", "finite"),
        ),
    ],
    ids=[
        "max_bytes-int64",
        "max_bytes-1e20GB",
        "max_bytes-5000-digits",
        "timeout-nan",
        "spike_factor-nan",
        "spike_factor-inf",
        "spike_factor-1e300",
        "weight-nan",
        "weight-1e308",
        "threshold-nan",
        "ui-window-huge",
        "watch-factor-nan",
    ],
)
def test_nan_or_an_out_of_range_number_is_refused_with_the_key(
    tmp_path: Path, text: str, words: tuple[str, ...]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(text, encoding="utf-8")
    result = chipwatch(config, tmp_path / "s.db", "feeds", "list")
    first = assert_user_error(result, f"{config}:", *words)
    assert len(first) < 300


def test_a_nul_in_a_feed_url_is_one_line_not_a_poll_crash(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[[feeds]]\nurl = "https://a.example/f\\u0000eed"\n', encoding="utf-8")
    result = chipwatch(config, tmp_path / "s.db", "poll", "--once")
    assert_user_error(result, f"{config}:2", "feeds[0].url", "U+0000")
    assert not (tmp_path / "s.db").exists()


def test_a_config_with_a_utf8_bom_is_read_not_invalid_toml(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_bytes(b'\xef\xbb\xbf[[feeds]]\nname = "Wafer"\nurl = "' + bytes(FEED) + b'"\n')
    db = tmp_path / "s.db"
    result = chipwatch(config, db, "poll", "--once", "--now", NOW)
    assert result.returncode == 0, result.stderr
    assert "1 ok" in result.stdout
    added = chipwatch(config, db, "watch", "add", "licence~")
    assert added.returncode == 0, added.stderr
    assert [w.query for w in parse_config(config.read_text("utf-8-sig")).watches] == ["licence~"]


def test_a_window_of_99999999999999d_is_one_line_not_an_overflow(
    polled: tuple[Path, Path],
) -> None:
    config, db = polled
    result = chipwatch(config, db, "search", "foundry", "--since", "99999999999999d")
    assert_user_error(result, "--since", "too long")


def test_every_bound_is_enforced_at_its_edge_and_documented_in_config_toml() -> None:
    edges = {
        "duration": ('[poll]\ninterval = "365d"\n', '[poll]\ninterval = "366d"\n'),
        "timeout": ('[poll]\ntimeout = "1h"\n', "[poll]\ntimeout = 3601\n"),
        "size": ('[poll]\nmax_bytes = "1GiB"\n', "[poll]\nmax_bytes = 1073741825\n"),
        "factor": ("[alerts]\nspike_factor = 1000\n", "[alerts]\nspike_factor = 1000.5\n"),
        "weight": ("[cluster.weights]\ntitle = 10\n", "[cluster.weights]\ntitle = 10.01\n"),
        "fraction": ("[cluster]\nthreshold = 1\n", "[cluster]\nthreshold = 1.01\n"),
    }
    assert set(edges) == set(BOUNDS)
    shipped = (ROOT / "config.toml").read_text(encoding="utf-8")
    for kind, (inside, outside) in edges.items():
        parse_config(inside)
        with pytest.raises(Exception, match=BOUNDS[kind].written):
            parse_config(outside)
        assert BOUNDS[kind].written in shipped, kind
