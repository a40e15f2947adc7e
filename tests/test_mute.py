"""Mute rules (issue 19, item 4): `[[mute]]` queries in the config are checked like watch
queries, and a story a mute rule matches raises no alert when polling."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from test_notify import Hook

from chipwatch.cli import main
from chipwatch.config import parse_config
from chipwatch.query.match import feed_term, parse_query
from chipwatch.store.alerts import list_alerts
from chipwatch.store.db import open_db

# the alert tests' five outlets and their clock: one definition
from tests.test_alerts_poll import DATA, NOW, OUTLETS


@pytest.fixture
def hook():
    receiver = Hook(200)
    yield receiver
    receiver.close()


def write_config(tmp_path: Path, hook: Hook, mute: str) -> Path:
    lines = ["[poll]", "workers = 1", ""]
    for name, outlet in OUTLETS.items():
        shutil.copy(DATA / name, tmp_path / name)
        lines += ["[[feeds]]", f'name = "{outlet}"', f'url = "{tmp_path / name}"', ""]
    lines += [
        "[[watch]]",
        'name = "H20"',
        "query = '@H20 OR H20'",
        'notify = ["webhook"]',
        f'webhook = "{hook.url}"',
        "",
        mute,
    ]
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def poll(config_path: Path, db_path: Path, capsys) -> list[dict]:
    args = ["--config", str(config_path), "--db", str(db_path), "poll", "--once", "--json"]
    code = main([*args, "--now", NOW])
    assert code == 0, capsys.readouterr().err
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]


def test_a_muted_story_raises_no_alert_and_posts_no_webhook(
    tmp_path: Path, db_path: Path, hook: Hook, capsys
) -> None:
    config = write_config(tmp_path, hook, "[[mute]]\nquery = '@NVIDIA'")
    events = poll(config, db_path, capsys)
    assert len([e for e in events if e["type"] == "article"]) == 6  # stored, only hidden
    assert not [e for e in events if e["type"] == "alert"]
    assert list_alerts(open_db(db_path)) == [] and hook.bodies == []


def test_a_story_muted_by_one_outlet_keeps_no_live_alert(
    tmp_path: Path, db_path: Path, hook: Hook, capsys
) -> None:
    """One article of the story matches the mute (its feed): the story is muted, whichever
    feed was written first; an alert raised before that article came is dismissed."""
    config = write_config(tmp_path, hook, "[[mute]]\nquery = 'feed:\"Les Puces\"'")
    poll(config, db_path, capsys)
    assert [a for a in list_alerts(open_db(db_path)) if a.state != "dismissed"] == []
    again = poll(config, db_path, capsys)
    assert not [e for e in again if e["type"] == "alert"]


def test_a_mute_rule_that_matches_nothing_changes_nothing(
    tmp_path: Path, db_path: Path, hook: Hook, capsys
) -> None:
    config = write_config(tmp_path, hook, "[[mute]]\nquery = 'feed:\"Nobody\"'")
    raised = [e for e in poll(config, db_path, capsys) if e["type"] == "alert" and e["created"]]
    assert len(raised) == 1 and len(hook.bodies) == 1


# --------------------------------------------------------------------------- config


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        (
            '[[mute]]\nname = "ads"\nquery = "(sponsored OR"\n',
            ":3: mute[0].query: expected a term after 'OR', found the end of the query "
            "at column 14 of '(sponsored OR'",
        ),
        ('[[mute]]\nname = "ads"\n', ":1: mute[0]: a mute rule needs a 'query'"),
        ('[[mute]]\nquery = ""\n', ":2: mute[0].query:"),
        ("[[mute]]\nquery = 3\n", ":2: mute[0].query:"),
        ('mute = "x"\n', ": mute: must be an array of tables, written [[mute]]"),
    ],
    ids=["bad-query", "no-query", "empty-query", "not-a-string", "not-a-table"],
)
def test_a_bad_mute_rule_names_file_line_and_key_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, wanted: str
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(text, encoding="utf-8")
    args = ["--config", str(config), "--db", str(tmp_path / "x.db"), "watch", "list"]
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"chipwatch: {config}"), err
    assert wanted in err[0], err


def test_mute_rules_join_into_one_query() -> None:
    config = parse_config('[[mute]]\nquery = "@TSMC"\n\n[[mute]]\nquery = "lang:ja -@Sony"\n')
    assert [m.query for m in config.mutes] == ["@TSMC", "lang:ja -@Sony"]
    assert config.mute_query == "(@TSMC) OR (lang:ja -@Sony)"
    parse_query(config.mute_query)


def test_an_unknown_mute_key_is_a_warning_with_a_suggestion() -> None:
    config = parse_config('[[mute]]\nquery = "x"\nqeury = "y"\n')
    assert any("mute[0].qeury" in w and "'query'" in w for w in config.warnings)


# --------------------------------------------------------------------------- feed_term


def test_feed_term_names_the_feed_when_that_selects_it_alone() -> None:
    feeds = [
        ("Wire East", "https://wire-east.example/rss"),
        ("Wire", "https://wire.example/rss"),
        ("Reuters", "https://r.example/a"),
        ('The "Q"', "https://q.example/"),
    ]
    assert feed_term("Wire East", feeds[0][1], feeds) == 'feed:"Wire East"'
    # "Wire" is inside "Wire East" (and its URL): the URL selects it alone
    assert feed_term("Wire", feeds[1][1], feeds) == 'feed:"https://wire.example/rss"'
    assert feed_term("Reuters", feeds[2][1], feeds) == "feed:Reuters"
    assert feed_term('The "Q"', feeds[3][1], feeds) == 'feed:"https://q.example/"'
    for name, url in feeds:
        parse_query(feed_term(name, url, feeds))
