"""What bit a new user on the command line (session 26, branch newuser): help cut
mid-word by an 80-column terminal, errors that did not say what to do."""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import subprocess

import pytest

from chipwatch.cli import build_parser
from chipwatch.commands.poll import WAITING_LINE
from tests.clirun import cli_argv
from tests.test_cli import _all_parsers
from tests.test_poll_cli import DATA, ROOT, write_config


@pytest.mark.parametrize("columns", [80, 100])
def test_help_descriptions_were_cut_mid_word_by_an_80_column_terminal(
    monkeypatch, columns: int
) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    too_long = []
    for name, parser in _all_parsers(build_parser()):
        too_long += [
            f"{name}: {line}" for line in parser.format_help().splitlines() if len(line) > columns
        ]
    assert too_long == []


def test_help_wrapping_keeps_the_words_and_the_hand_made_lines(monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    parsers = dict(_all_parsers(build_parser()))
    demo = " ".join(parsers["chipwatch demo"].format_help().split())
    assert "quitting removes everything the demo made." in demo
    top = parsers["chipwatch"].format_help()
    assert "\nRun with no command to open the live monitor.\n" in top
    assert "\nstore:  --db, else $CHIPWATCH_DB, else the user data dir\n" in top
    assert "\nconfig: --config, else $CHIPWATCH_CONFIG, else the user config dir" in top


def test_a_mistyped_duration_was_told_only_about_iso_dates() -> None:
    from chipwatch.context import Context
    from chipwatch.errors import UserError

    ctx = Context(args=argparse.Namespace(config=None, db=None, now="2025-07-16T12:00Z"))
    for typed in ("3x", "2 days", "7dd"):
        with pytest.raises(UserError) as info:
            ctx.window_start("--since", typed)
        message = str(info.value)
        assert message.startswith(f"--since: not a window: {typed!r}")
        assert "90m, 24h or 7d" in message and "ISO date" in message and "all" in message


def test_config_file_not_found_did_not_say_what_to_do(tmp_path, capsys) -> None:
    from chipwatch.cli import main

    missing = tmp_path / "nope.toml"
    status = main(["--config", str(missing), "watch", "list"])
    err = capsys.readouterr().err
    assert status == 2
    assert f"{missing}: config file not found" in err  # the old words, extended
    assert "check --config and $CHIPWATCH_CONFIG" in err
    assert len(err.strip().splitlines()) == 1


def test_ctrl_c_of_the_forever_poller_ended_without_a_word(tmp_path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_bytes((DATA / "rss_basic.xml").read_bytes())
    config = write_config(tmp_path / "config.toml", [str(feed)])
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        cli_argv(config, tmp_path / "s.db", "poll"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stderr is not None
        started = proc.stderr.readline()
        assert "Ctrl-C stops" in started
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.rstrip("\n") == WAITING_LINE  # a first import: stories at the round's end
        assert proc.stdout.readline().startswith("story ")  # a round ended: it runs on
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 0
        rest = proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "chipwatch: stopped; what was fetched is kept" in rest
    assert "Traceback" not in rest


def test_an_unquoted_dotted_keymap_id_was_called_not_a_string_table(tmp_path, capsys) -> None:
    from chipwatch.cli import main

    config = tmp_path / "config.toml"
    config.write_text('[ui.keymap]\nrefresh = "ctrl+r"\nreader.open = "O"\n')
    status = main(["--config", str(config), "--db", str(tmp_path / "s.db"), "watch", "list"])
    err = capsys.readouterr().err.strip()
    assert status == 2
    assert err.endswith(
        'ui.keymap: an id with a dot must be quoted: "reader.open" = "key", not reader.open = …'
    )
    assert len(err.splitlines()) == 1


def test_an_unclosed_paren_in_a_watch_said_at_column_twice(tmp_path, capsys) -> None:
    from chipwatch.cli import main

    config = tmp_path / "config.toml"
    config.write_text('[[watch]]\nname = "H20"\nquery = "(@H20 OR h20"\n')
    status = main(["--config", str(config), "--db", str(tmp_path / "s.db"), "watch", "list"])
    err = capsys.readouterr().err.strip()
    assert status == 2
    assert err.endswith(
        """watch[0].query: missing ")" to close the "(" at column 1, in '(@H20 OR h20'"""
    )
    assert err.count("column") == 1


def test_a_first_poll_cut_by_ctrl_c_left_stored_articles_that_search_could_not_find(
    tmp_path,
) -> None:
    from tests.feedserver import FeedServer
    from tests.waiting import wait_for

    db = tmp_path / "s.db"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with FeedServer() as server:
        fast = server.add("/fast.xml", (DATA / "rss_basic.xml").read_bytes())
        slow = server.add("/slow.xml", (DATA / "rss_basic.xml").read_bytes(), drip=0.5)
        config = write_config(tmp_path / "config.toml", [fast, slow])
        # the drip must outlast a loaded machine's wait for the fast feed: no round end
        config.write_text(config.read_text().replace('timeout = "10s"', 'timeout = "300s"'))
        proc = subprocess.Popen(
            cli_argv(config, db, "poll", "--once"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        try:

            def stored() -> bool:
                # read-only and forgiving: the poller may still be creating the store
                # (open_reader would migrate a half-made one under it)
                try:
                    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
                    try:
                        return conn.execute("SELECT count(*) FROM articles").fetchone()[0] > 0
                    finally:
                        conn.close()
                except sqlite3.Error:
                    return False

            wait_for(stored, "the fast feed's articles stored")
            proc.send_signal(signal.SIGINT)
            out, _ = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert proc.returncode == 130
    assert "interrupted: feeds not yet written were left for the next poll" in out
    assert "articles not yet in a story are grouped into stories by the next poll" in out
    search = subprocess.run(
        cli_argv(config, db, "search", "Arizona"), capture_output=True, text=True, env=env
    )
    assert search.returncode == 0
    assert "no stories match 'Arizona'" in search.stderr
    assert "the next `chipwatch poll` groups them" in search.stderr


def test_a_bad_webhook_on_the_command_line_was_blamed_on_a_config_line(tmp_path, capsys) -> None:
    from chipwatch.cli import main

    config = tmp_path / "config.toml"
    text = '# mine\n[[watch]]\nname = "H20"\nquery = "@H20"\n'
    config.write_text(text)
    args = ["--config", str(config), "--db", str(tmp_path / "s.db")]
    status = main([*args, "watch", "add", "@TSMC", "--webhook", "ftp://hooks.example/x"])
    err = capsys.readouterr().err.strip()
    assert status == 2
    assert err == "chipwatch: --webhook: must be an http(s):// URL, not 'ftp://hooks.example/x'"
    assert config.read_text() == text


def test_feeds_list_called_a_healthy_304_not_modified_where_the_monitor_says_unchanged(
    tmp_path, capsys
) -> None:
    import json

    from chipwatch.cli import main

    feed = tmp_path / "feed.xml"
    feed.write_bytes((DATA / "rss_basic.xml").read_bytes())
    config = write_config(tmp_path / "config.toml", [str(feed)])
    args = ["--config", str(config), "--db", str(tmp_path / "s.db")]
    assert main([*args, "poll", "--once", "--now", "2025-07-16T12:00Z"]) == 0
    assert main([*args, "poll", "--once", "--now", "2025-07-16T14:00Z"]) == 0
    capsys.readouterr()
    assert main([*args, "feeds", "list", "--json"]) == 0
    data = json.loads(capsys.readouterr().out.splitlines()[0])  # JSON lines
    assert data["status"] == "not_modified"  # the stored name, for scripts
    assert main([*args, "feeds", "list"]) == 0
    table = capsys.readouterr().out
    assert "unchanged" in table and "not_modified" not in table
