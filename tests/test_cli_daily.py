"""Daily use on the command line (session 27, branch daily): what a new user found
missing after a morning with chipwatch (docs/reliability.md "Session 27, branch daily")."""

from __future__ import annotations

import tomllib

from chipwatch.cli import main

CONFIG = """\
# my watches
[[watch]]
name = "H20"
query = '@H20'
notify = ["bell"]
# the next one watches licences

[[watch]]
kind = "spike"
entity = "NVIDIA"
factor = 4.0
"""


def _run(tmp_path, *argv: str) -> int:
    return main(["--config", str(tmp_path / "config.toml"), "--db", str(tmp_path / "s.db"), *argv])


def test_a_watch_could_not_be_edited_only_removed_and_added_again(tmp_path, capsys) -> None:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG)
    status = _run(tmp_path, "watch", "add", "@H20 AND licence~", "--name", "H20", "--replace")
    out = capsys.readouterr().out
    assert status == 0
    assert "'@H20' -> '@H20 AND licence~'" in out
    text = config.read_text()
    assert "# my watches" in text and "# the next one watches licences" in text
    watches = tomllib.loads(text)["watch"]
    assert watches[0] == {"name": "H20", "query": "@H20 AND licence~", "notify": ["bell"]}
    assert watches[1]["entity"] == "NVIDIA"  # the other watch untouched, in its place


def test_replace_gives_a_spike_watch_a_query_and_new_channels(tmp_path, capsys) -> None:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG)
    status = _run(
        tmp_path,
        "watch",
        "add",
        "@NVIDIA AND curb~",
        "--name",
        "NVIDIA spike",
        "--replace",
        "--notify",
        "desktop",
    )
    assert status == 0, capsys.readouterr().err
    watches = tomllib.loads(config.read_text())["watch"]
    assert watches[1] == {
        "name": "NVIDIA spike",
        "query": "@NVIDIA AND curb~",
        "notify": ["desktop"],
    }


def test_a_taken_name_without_replace_is_refused_and_says_how_to_replace(tmp_path, capsys) -> None:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG)
    status = _run(tmp_path, "watch", "add", "@H20 AND licence~", "--name", "H20")
    err = capsys.readouterr().err
    assert status == 2
    assert "already exists" in err and "--replace" in err
    assert config.read_text() == CONFIG


def test_replace_of_a_watch_that_does_not_exist_adds_it(tmp_path, capsys) -> None:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG)
    status = _run(tmp_path, "watch", "add", "@SMIC", "--name", "SMIC", "--replace")
    assert status == 0
    assert "added watch 'SMIC'" in capsys.readouterr().out
    assert [w.get("name") for w in tomllib.loads(config.read_text())["watch"]][-1] == "SMIC"


def test_a_bad_query_with_replace_leaves_the_watch_as_it_was(tmp_path, capsys) -> None:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG)
    status = _run(tmp_path, "watch", "add", "(@H20 OR", "--name", "H20", "--replace")
    assert status == 2
    assert "column" in capsys.readouterr().err
    assert config.read_text() == CONFIG
