"""The first run, through the real command line: the one line saying where the default
config was created (once, on stderr), by the one process that created it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from chipwatch.config import default_config_text

ROOT = Path(__file__).resolve().parent.parent


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHIPWATCH_")}
    env.update(XDG_CONFIG_HOME=str(home / "config"), XDG_DATA_HOME=str(home / "data"))
    env.update(XDG_CACHE_HOME=str(home / "cache"))  # built data: never the real home
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "chipwatch", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_first_run_says_once_where_the_default_config_was_created(tmp_path: Path) -> None:
    created = tmp_path / "config" / "chipwatch" / "config.toml"
    first = run(tmp_path, "watch", "list")
    assert first.stderr.splitlines()[0] == (
        f"chipwatch: created the default config at {created}; edit it, or add a feed "
        "with `chipwatch feeds add URL`"
    )
    assert created.read_text(encoding="utf-8") == default_config_text()
    second = run(tmp_path, "watch", "list")
    assert "created the default config" not in second.stderr


def test_an_explicit_config_is_never_announced(tmp_path: Path) -> None:
    config = tmp_path / "mine.toml"
    config.write_text("", encoding="utf-8")
    result = run(tmp_path, "--config", str(config), "watch", "list")
    assert "created" not in result.stderr
    assert not (tmp_path / "config").exists()
