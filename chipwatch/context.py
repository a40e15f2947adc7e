"""What a command needs: its arguments, the resolved config and store, and the time."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import IO, TYPE_CHECKING

from chipwatch.config import Config, load_config, resolve_config_path, resolve_db_path
from chipwatch.errors import UserError
from chipwatch.timeutil import TimeParseError, parse_time, parse_window, utcnow

if TYPE_CHECKING:
    from sqlite_utils import Database


@dataclass
class Context:
    """Built once per command run by the CLI; tests build their own."""

    args: argparse.Namespace = field(default_factory=argparse.Namespace)
    stdout: IO[str] = field(default_factory=lambda: sys.stdout)
    stderr: IO[str] = field(default_factory=lambda: sys.stderr)
    fixed_now: datetime | None = None

    @cached_property
    def config_path(self) -> Path:
        return resolve_config_path(getattr(self.args, "config", None), created=self._first_run)

    def _first_run(self, path: Path) -> None:
        """One line, once: the run that made the user's config says where it is."""
        self.err(
            f"chipwatch: created the default config at {path}; edit it, or add a feed with "
            "`chipwatch feeds add URL`"
        )

    @cached_property
    def db_path(self) -> Path:
        return resolve_db_path(getattr(self.args, "db", None))

    @cached_property
    def config(self) -> Config:
        """The validated config; its warnings go to stderr once."""
        config = load_config(self.config_path)
        for warning in config.warnings:
            print(f"chipwatch: warning: {warning}", file=self.stderr)
        return config

    @cached_property
    def now(self) -> datetime:
        """``--now`` when given (reproducible runs), else the clock, read once."""
        if self.fixed_now is not None:
            return self.fixed_now
        raw = getattr(self.args, "now", None)
        if raw:
            try:
                return parse_time(raw)
            except TimeParseError as exc:
                raise UserError(f"--now: {exc}") from exc
        return utcnow()

    def window_start(self, option: str, value: str) -> datetime | None:
        """Parse a window option (``--since``), naming the option on error."""
        try:
            return parse_window(value, now=self.now)
        except TimeParseError as exc:
            raise UserError(f"{option}: {exc}") from exc

    def open_db(self, *, create: bool = True) -> Database:
        """The store. Commands that only read pass ``create=False``: a missing store is
        then one line, exit 1 (``StoreMissing``), and nothing is created."""
        from chipwatch.store.db import open_db

        return open_db(self.db_path, create=create)

    def out(self, text: str = "") -> None:
        print(text, file=self.stdout)

    def err(self, text: str) -> None:
        print(text, file=self.stderr)
