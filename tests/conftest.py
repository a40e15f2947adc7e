"""Shared fixtures: a real SQLite store in a temp dir and a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
DATA = Path(__file__).resolve().parent / "data"
FIXED_NOW = datetime(2025, 7, 16, 12, 0, tzinfo=UTC)


@pytest.fixture
def now() -> datetime:
    """A fixed clock: tests never read the real time."""
    return FIXED_NOW


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "chipwatch.db"


@pytest.fixture
def db(db_path: Path):
    """A migrated store in a real SQLite file."""
    from chipwatch.store.db import open_db

    database = open_db(db_path)
    yield database
    database.close()
