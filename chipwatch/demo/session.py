"""One run of the demo: a temporary directory with a demo config and store, and the
feed server. Closing it (also at interpreter exit, via an atexit guard) stops the
server and removes every file it made; the user's own config and store are never used,
nor the user's cache folder (built data goes to the directory too: ``$CHIPWATCH_CACHE``).
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
from datetime import timedelta
from importlib import resources
from pathlib import Path
from string import Template

from chipwatch.demo.content import ANCHOR, Outlet, replay_length
from chipwatch.demo.server import Clock, DemoServer, ReplayClock

BASE_INTERVAL = 4.0  # seconds between polls of a feed at speed 1
MIN_INTERVAL = 1.0  # never poll the demo feeds more often than this, whatever the speed
MAX_SPEED = 1000.0
FAILING_FEED_MUST_NOT_MISS = "1h"


def poll_interval(speed: float) -> float:
    """Seconds between polls of one feed: shorter at higher speeds, never below 1 s."""
    return max(MIN_INTERVAL, BASE_INTERVAL / speed)


def replay_seconds(speed: float) -> float:
    """Wall-clock seconds until the last article is released at ``speed``."""
    return replay_length() / speed


class DemoSession:
    """Temporary config, store and feed server for one demo run.

    Use as a context manager, or call :meth:`start` and :meth:`close` (idempotent).
    """

    def __init__(
        self, *, speed: float = 1.0, parent: Path | None = None, clock: Clock | None = None
    ) -> None:
        if not 0 < speed <= MAX_SPEED:
            raise ValueError(f"speed must be greater than 0 and at most {MAX_SPEED:g}")
        self.speed = speed
        self._parent = parent
        self._given_clock = clock  # tests inject one; the demo replays the real clock
        self.directory: Path | None = None
        self.server: DemoServer | None = None
        self.clock: Clock | None = None
        self._cache_before: str | None = None

    @property
    def config_path(self) -> Path:
        assert self.directory is not None, "start() the session first"
        return self.directory / "config.toml"

    @property
    def db_path(self) -> Path:
        assert self.directory is not None, "start() the session first"
        return self.directory / "chipwatch.db"

    def start(self) -> DemoSession:
        """Make the temporary directory, start the server, write the config."""
        atexit.register(self.close)
        self.directory = Path(tempfile.mkdtemp(prefix="chipwatch-demo-", dir=self._parent))
        self._cache_before = os.environ.get("CHIPWATCH_CACHE")
        os.environ["CHIPWATCH_CACHE"] = str(self.directory / "built")  # and the poller's
        self.clock = self._given_clock or ReplayClock(speed=self.speed)
        self.server = DemoServer(self.clock).start()
        self.config_path.write_text(self.config_text(), encoding="utf-8")
        return self

    def config_text(self) -> str:
        """The demo config: feeds on this session's server, watches, short intervals."""
        assert self.server is not None, "start() the session first"
        template = resources.files("chipwatch.demo").joinpath("config_template.toml")
        feeds = "\n".join(self._feed_table(o) for o in self.server.site.outlets)
        return Template(template.read_text(encoding="utf-8")).substitute(
            anchor=ANCHOR.strftime("%d %B %Y %H:%M UTC"),
            speed=f"{self.speed:g}",
            interval=f"{poll_interval(self.speed):g}s",
            feeds=feeds,
        )

    def _feed_table(self, outlet: Outlet) -> str:
        assert self.server is not None
        lines = [
            "[[feeds]]",
            f"name = {_toml_string(outlet.name)}",
            f"url = {_toml_string(self.server.feed_url(outlet))}",
            f"tags = [{_toml_string('demo')}, {_toml_string(outlet.lang)}]",
        ]
        if outlet.fails_after is not None:
            when = timedelta(seconds=outlet.fails_after / self.speed)
            lines.insert(0, f"# Fails on purpose {when.total_seconds():g}s into the demo.")
            lines.append(f'must_not_miss = "{FAILING_FEED_MUST_NOT_MISS}"')
        return "\n".join(lines) + "\n"

    def poll_command(self, *, json_lines: bool) -> list[str]:
        """``chipwatch poll`` on this session, in a child that dies with the demo."""
        from chipwatch.demo import child

        args = ["--config", str(self.config_path), "--db", str(self.db_path), "poll"]
        return child.command(self.config_path.parent, [*args, "--json"] if json_lines else args)

    def finished(self) -> bool:
        """Whether every article has been released."""
        assert self.clock is not None, "start() the session first"
        return self.clock.elapsed() >= replay_length()

    def close(self) -> None:
        """Stop the server and remove the temporary files (safe to call twice)."""
        if self.server is not None:
            self.server.stop()
            self.server = None
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None
            if self._cache_before is None:
                os.environ.pop("CHIPWATCH_CACHE", None)
            else:
                os.environ["CHIPWATCH_CACHE"] = self._cache_before
        atexit.unregister(self.close)

    def __enter__(self) -> DemoSession:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


def _toml_string(text: str) -> str:
    """A TOML basic string (JSON's escapes are valid TOML)."""
    return json.dumps(text, ensure_ascii=False)
