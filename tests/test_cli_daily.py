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


def test_a_first_round_said_nothing_until_its_slowest_feed_had_answered(tmp_path) -> None:
    """Forever mode: a first import's stories are made when the round's last feed has
    answered; the user saw only "polling 2 feeds" meanwhile (a slow feed: 30 s)."""
    import os
    import signal
    import subprocess
    import threading

    from chipwatch.commands.poll import WAITING_LINE
    from tests.clirun import cli_argv
    from tests.feedserver import FeedServer
    from tests.test_poll_cli import DATA, ROOT, write_config
    from tests.waiting import wait_for

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    body = (DATA / "rss_basic.xml").read_bytes()
    with FeedServer() as server:
        fast = server.add("/fast.xml", body)
        slow = server.add("/slow.xml", body, drip=0.5)  # minutes: outlasts the test
        config = write_config(tmp_path / "config.toml", [fast, slow])
        config.write_text(config.read_text().replace('timeout = "10s"', 'timeout = "300s"'))
        proc = subprocess.Popen(
            cli_argv(config, tmp_path / "s.db", "poll"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.extend(proc.stdout or ()), daemon=True)
        reader.start()
        try:
            wait_for(lambda: lines, "the poller's first line while the slow feed drips")
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=60)
            err = proc.stderr.read() if proc.stderr else ""
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        reader.join(timeout=30)
    assert lines[0].rstrip("\n") == WAITING_LINE
    assert [line.rstrip("\n") for line in lines].count(WAITING_LINE) == 1
    assert "chipwatch: stopped" in err


def test_one_licence_mention_listed_all_18_names_of_its_gate(tmp_path, capsys) -> None:
    from chipwatch.entities.match import GATE_NAMES_SHOWN, gate_text

    (tmp_path / "config.toml").write_text("")
    status = _run(tmp_path, "entities", "test", "Nvidia got its licence for the chips")
    out = capsys.readouterr().out
    assert status == 0
    rule = next(line for line in out.splitlines() if '"licence"' in line)
    assert "more; found NVIDIA)" in rule
    assert rule.count(" or ") == 1 and rule.count(",") == 2  # three names, then a count
    assert gate_text(["NVIDIA", "chip"]) == " (requires NVIDIA or chip"  # short: all shown
    names = [f"n{i}" for i in range(GATE_NAMES_SHOWN + 1)]
    assert gate_text(names) == f" (requires n0, n1, n2 or {len(names) - 3} more"
