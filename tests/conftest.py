"""Shared fixtures: a real SQLite store in a temp dir and a fixed clock."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests run the same examples on every run (CI must not go red on a new random
# draw); HYPOTHESIS_PROFILE=explore draws fresh examples, to hunt for new failures.
settings.register_profile("deterministic", derandomize=True, database=None)
settings.register_profile("explore", max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))

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
