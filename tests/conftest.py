"""Shared fixtures: a real SQLite store in a temp dir, a fixed clock, and the monitor's
tests run with and without ``NO_COLOR``."""

from __future__ import annotations

import inspect
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests run the same examples on every run (CI must not go red on a new random
# draw); HYPOTHESIS_PROFILE=explore draws fresh examples, to hunt for new failures.
# No deadline in either: an example's wall-clock time on a busy 2-core machine says
# nothing about the property (a slow first example failed a run under load 18).
settings.register_profile("deterministic", derandomize=True, database=None, deadline=None)
settings.register_profile("explore", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
DATA = Path(__file__).resolve().parent / "data"
FIXED_NOW = datetime(2025, 7, 16, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True, scope="session")
def built_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Built data (:mod:`chipwatch.builtcache`) goes to a temp folder, for this process
    and the commands it runs: tests never write to the real home."""
    folder = tmp_path_factory.mktemp("built")
    before = os.environ.get("CHIPWATCH_CACHE")
    os.environ["CHIPWATCH_CACHE"] = str(folder)
    yield folder
    if before is None:
        os.environ.pop("CHIPWATCH_CACHE", None)
    else:
        os.environ["CHIPWATCH_CACHE"] = before


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


# The monitor under both colour settings (no-color.org): every test in tests/test_tui*.py
# that runs the app (a Pilot coroutine, a snapshot, or one marked `monitor`) runs once in
# colour and once with NO_COLOR set. Textual reads NO_COLOR when an App is created (and
# removes it from the environment), so the variable is set before the test builds one.
COLOR_MODES = ("color", "no_color")


def _runs_the_monitor(metafunc: pytest.Metafunc) -> bool:
    if not metafunc.module.__name__.rsplit(".", 1)[-1].startswith("test_tui"):
        return False
    return (
        inspect.iscoroutinefunction(metafunc.function)
        or "snap_compare" in metafunc.fixturenames
        or metafunc.definition.get_closest_marker("monitor") is not None
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if _runs_the_monitor(metafunc):
        metafunc.parametrize("monitor_colors", COLOR_MODES, indirect=True)


@pytest.fixture(autouse=True)
def monitor_colors(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """``"no_color"`` (NO_COLOR=1 in the environment) or ``"color"`` (NO_COLOR unset,
    whatever the developer's shell has): autouse, so it is set before any app fixture."""
    mode = getattr(request, "param", "color")
    if mode == "no_color":
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    return mode
