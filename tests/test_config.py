"""Config loading: the shipped default, resolution order, errors and warnings."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from chipwatch import config as cfg
from chipwatch.cli import main
from chipwatch.config import ConfigError, load_config, parse_config, paths
from chipwatch.config.editor import edit_config

ROOT = Path(__file__).resolve().parent.parent


def test_shipped_default_is_the_repo_copy_and_valid() -> None:
    assert cfg.default_config_text() == (ROOT / "config.toml").read_text(encoding="utf-8")
    config = parse_config(cfg.default_config_text())
    assert config.warnings == ()
    assert len(config.feeds) >= 8
    assert any("federalregister.gov" in feed.url for feed in config.feeds)
    assert {w.name for w in config.watches} >= {"H20 exports"}
    assert config.poll.interval == timedelta(minutes=15)
    assert config.cluster.window == timedelta(hours=72)


def test_broken_table_header_names_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[poll]\ninterval = '5m'\n\n[[feeds]\nurl = 'x'\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(f"{path}:4:")
    assert "invalid TOML" in message
    assert "\n" not in message


def test_cli_exits_2_with_one_line_for_broken_config(tmp_path: Path, capsys) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[poll\nconcurrency = 3\n", encoding="utf-8")
    import argparse

    from chipwatch.context import Context

    ctx = Context(args=argparse.Namespace(config=str(path), db=str(tmp_path / "x.db")))
    with pytest.raises(ConfigError):
        _ = ctx.config
    code = main(["--config", str(path), "--db", str(tmp_path / "x.db"), "feeds", "list"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1
    assert f"{path}:1:" in err[0]
    assert "Traceback" not in err[0]


def test_misspelt_key_warns_and_suggests(tmp_path: Path) -> None:
    config = parse_config("[poll]\nconcurency = 3\n", path=tmp_path / "c.toml")
    assert len(config.warnings) == 1
    warning = config.warnings[0]
    assert "c.toml:2" in warning
    assert "poll.concurency" in warning
    assert "did you mean 'concurrency'" in warning
    assert config.poll.concurrency == cfg.PollConfig().concurrency


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[poll]\nconcurrency = 'many'\n", ":2: poll.concurrency: must be a whole number"),
        ("[poll]\nconcurrency = 0\n", ":2: poll.concurrency: must be from 1 to 512"),
        ("[poll]\ninterval = 'soon'\n", ":2: poll.interval: not a duration"),
        ("[poll]\nmax_bytes = '12 parsecs'\n", ":2: poll.max_bytes: must be a size"),
        ("[[feeds]]\nname = 'x'\n", ":1: feeds[0]: missing required key 'url'"),
        ("[[feeds]]\nurl = 'ftp://x'\n", ":2: feeds[0].url: must be an http(s)://"),
        (
            "[[feeds]]\nurl = 'a'\n[[feeds]]\nurl = 'b'\nenabled = 'yes'\n",
            ":5: feeds[1].enabled: must be true or false",
        ),
        ("[[watch]]\nname = 'w'\n", ":1: watch[0]: a query watch needs a 'query'"),
        ("[[watch]]\nquery = 'x'\nnotify = ['pager']\n", ":3: watch[0].notify: unknown notifier"),
        ("[[watch]]\nkind = 'spike'\n", ":1: watch[0]: a spike watch needs an 'entity'"),
        ("[cluster]\nthreshold = 2\n", ":2: cluster.threshold: must be from 0 to 1"),
        ("[entities.Foo]\nkind = 'fruit'\n", ":2: entities.Foo.kind: must be one of chip"),
        ("[ui]\nlanguages = ['English']\n", ":2: ui.languages: 'English' is not a language"),
        ("poll = 3\n", ": poll: must be a table"),
    ],
)
def test_bad_values_name_line_key_and_what_is_allowed(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(text, path=Path("conf.toml"))
    assert expected in str(info.value)
    assert str(info.value).startswith("conf.toml")


def test_resolution_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHIPWATCH_CONFIG", str(tmp_path / "env.toml"))
    monkeypatch.setenv("CHIPWATCH_DB", str(tmp_path / "env.db"))
    assert cfg.resolve_config_path(str(tmp_path / "cli.toml")) == tmp_path / "cli.toml"
    assert cfg.resolve_config_path(None) == tmp_path / "env.toml"
    assert cfg.resolve_db_path(None) == tmp_path / "env.db"
    assert cfg.resolve_db_path(str(tmp_path / "cli.db")) == tmp_path / "cli.db"


def test_first_run_creates_user_config_from_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CHIPWATCH_CONFIG", raising=False)
    target = tmp_path / "user" / "config.toml"
    monkeypatch.setattr(paths, "user_config_path", lambda: target)
    assert cfg.resolve_config_path(None) == target
    assert target.read_text(encoding="utf-8") == cfg.default_config_text()


def test_edit_config_keeps_comments_and_refuses_invalid_results(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("# my feeds\n[poll]\ninterval = '5m'  # fast\n", encoding="utf-8")
    with edit_config(path) as doc:
        doc["poll"]["concurrency"] = 4
    text = path.read_text(encoding="utf-8")
    assert "# my feeds" in text and "# fast" in text and "concurrency = 4" in text
    with pytest.raises(ConfigError), edit_config(path) as doc:
        doc["poll"]["concurrency"] = -1
    assert path.read_text(encoding="utf-8") == text
