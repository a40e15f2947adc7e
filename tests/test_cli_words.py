"""The command line's words, through the real `chipwatch`: counts in the singular when
there is one, and a line after every file written (stdout stays the data)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.clirun import cli_argv

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data" / "feeds"
NOW = "2025-07-16T12:00:00Z"
ONE_ITEM = (
    '<?xml version="1.0"?><rss version="2.0"><channel><title>Solo</title>'
    "<link>https://solo.example/</link><item><title>Solo fab opens a second line</title>"
    "<link>https://solo.example/a</link><pubDate>Wed, 16 Jul 2025 08:00:00 GMT</pubDate>"
    "</item></channel></rss>"
)


def chipwatch(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        cli_argv(tmp / "config.toml", tmp / "s.db", *args),
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def one_feed(tmp: Path) -> None:
    feed = tmp / "solo.xml"
    feed.write_text(ONE_ITEM, encoding="utf-8")
    (tmp / "config.toml").write_text(
        f'[poll]\nworkers = 1\n\n[[feeds]]\nurl = "{feed}"\n', encoding="utf-8"
    )


def test_one_of_everything_is_said_in_the_singular(tmp_path: Path) -> None:
    one_feed(tmp_path)
    result = chipwatch(tmp_path, "poll", "--once", "--now", NOW)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "polled 1 feed: 1 ok, 0 not modified, 0 failed, 0 skipped"
    assert lines[1] == "new: 1 article, 1 story, 0 alerts"
    search = chipwatch(tmp_path, "search", "fab", "--now", NOW)
    assert "1 outlet: Solo" in search.stdout


def test_digest_o_says_what_it_wrote_on_stderr(tmp_path: Path) -> None:
    one_feed(tmp_path)
    chipwatch(tmp_path, "poll", "--once", "--now", NOW)
    target = tmp_path / "brief.md"
    result = chipwatch(tmp_path, "digest", "--now", NOW, "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr.splitlines() == [f"wrote 1 story to {target}"]
    assert target.read_text(encoding="utf-8").startswith("# chipwatch digest")


def test_feeds_export_o_says_what_it_wrote(tmp_path: Path) -> None:
    one_feed(tmp_path)
    target = tmp_path / "feeds.opml"
    result = chipwatch(tmp_path, "feeds", "export", "-o", str(target))
    assert result.returncode == 0 and result.stdout == ""
    assert result.stderr.splitlines() == [f"wrote 1 feed to {target}"]
