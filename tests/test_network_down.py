"""A calm first run offline, through the real command line.

"The network is down" is simulated by feeds on ten distinct loopback hosts
(127.0.0.2 … 127.0.0.11) at ports nothing listens on: every connection is refused, no
fetch reaches a server. The definition (pipeline/network.py, docs/ingest.md): at least
two distinct hosts, and not one fetch of the round reached a server. One host that
refuses, however many feeds it serves, is that host's problem, reported per feed.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from tests.clirun import cli_argv
from tests.feedserver import FeedServer

ROOT = Path(__file__).resolve().parent.parent
T0 = "2025-07-16T12:00:00Z"
T1 = "2025-07-16T12:20:00Z"
HOSTS = [f"127.0.0.{n}" for n in range(2, 12)]


def reserve_port(host: str) -> int:
    """A port nothing listens on (bound, then closed): connecting there is refused."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def rss(n: int) -> bytes:
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Fab '
        f"{n}</title><link>https://fab{n}.example/</link><item><title>Fab {n} starts "
        f"a second line</title><link>https://fab{n}.example/a</link>"
        "<pubDate>Wed, 16 Jul 2025 08:00:00 GMT</pubDate></item></channel></rss>"
    ).encode()


def write_config(path: Path, addresses: list[tuple[str, int]]) -> Path:
    lines = ["[poll]", "workers = 1", 'connect_timeout = "5s"', "", "[alerts]"]
    lines += ["feed_failures = 1", ""]  # without the network's alert: ten feed alerts
    for index, (host, port) in enumerate(addresses):
        lines += ["[[feeds]]", f'url = "http://{host}:{port}/feed.xml"']
        if index == 0:
            lines.append('must_not_miss = "1h"')  # silent since created: would alert
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def chipwatch(config: Path, db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        cli_argv(config, db, *args), capture_output=True, text=True, env=env, timeout=120
    )


def alerts(db: Path) -> list[dict[str, Any]]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute("SELECT * FROM alerts ORDER BY id")]


def feeds(db: Path) -> list[dict[str, Any]]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute("SELECT * FROM feeds ORDER BY id")]


def test_offline_first_run_is_one_line_and_one_alert_that_clears_when_back(
    tmp_path: Path,
) -> None:
    addresses = [(host, reserve_port(host)) for host in HOSTS]
    config, db = write_config(tmp_path / "c.toml", addresses), tmp_path / "s.db"

    first = chipwatch(config, db, "poll", "--once", "--now", T0)
    assert first.returncode == 1, first.stderr  # nothing was fetched: the work failed
    assert first.stdout.splitlines() == [
        "network unreachable: 10 feeds could not be reached; nothing was fetched "
        "(every server refused the connection)"
    ]
    assert first.stderr == ""
    [alert] = alerts(db)  # one network alert, no feed-health (failing, silent) alerts
    assert alert["kind"] == "network" and alert["state"] == "new"
    assert alert["title"].startswith("network unreachable: 10 feeds could not be reached")
    # the network's failure is not the feeds': no backoff, tried again within 5 minutes
    for row in feeds(db):
        assert row["error_count"] == 0 and row["next_poll_at"] <= "2025-07-16T12:05:00Z"
        assert row["last_error"].endswith("refused the connection")
        assert "Errno" not in row["last_error"] and "111" in row["last_error_detail"]

    again = chipwatch(config, db, "poll", "--once", "--json", "--now", "2025-07-16T12:06:00Z")
    lines = [json.loads(line) for line in again.stdout.splitlines()]
    [network] = [line for line in lines if line["type"] == "network"]
    assert network["state"] == "unreachable" and network["since"] == T0
    assert network["feeds"] == 10 and network["hosts"] == 10
    assert not [line for line in lines if line["type"] == "alert"]  # same episode: no repeat
    errors = [line for line in lines if line["type"] == "feed_error"]
    assert len(errors) == 10 and all(e["failure"] == "refused" for e in errors)
    assert len(alerts(db)) == 1

    with ExitStack() as stack:  # the network is back: the same addresses answer
        for n, (host, port) in enumerate(addresses):
            server = stack.enter_context(FeedServer(host=host, port=port))
            server.add("/feed.xml", rss(n))
        back = chipwatch(config, db, "poll", "--once", "--now", T1)
    assert back.returncode == 0, back.stdout + back.stderr
    assert back.stdout.splitlines()[0] == (
        "polled 10 feeds: 10 ok, 0 not modified, 0 failed, 0 skipped"
    )
    [alert] = alerts(db)
    assert alert["state"] == "dismissed"  # the one offline state cleared itself
    assert alert["title"] == (
        "network was unreachable from 2025-07-16 12:00 UTC to 2025-07-16 12:20 UTC"
    )


def test_one_host_refusing_is_that_hosts_problem_not_the_network(tmp_path: Path) -> None:
    port = reserve_port("127.0.0.1")
    config = tmp_path / "c.toml"
    write_config(config, [("127.0.0.1", port)])
    text = config.read_text() + "".join(
        f'[[feeds]]\nurl = "http://127.0.0.1:{port}/other{n}.xml"\n\n' for n in range(2)
    )
    config.write_text(text)
    db = tmp_path / "s.db"
    result = chipwatch(config, db, "poll", "--once", "--now", T0)
    out = result.stdout.splitlines()
    assert out[0] == "polled 3 feeds: 0 ok, 0 not modified, 3 failed, 0 skipped"
    assert not any("network unreachable" in line for line in out)
    failed = [line for line in out if line.startswith("  failed ")]
    assert len(failed) == 3 and all(line.endswith("refused the connection") for line in failed)
    kinds = [a["kind"] for a in alerts(db)]
    assert "network" not in kinds and kinds.count("feed") == 3  # feed_failures = 1
