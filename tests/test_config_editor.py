"""The one config editor: the command line and the monitor accept and refuse the same."""

from __future__ import annotations

from pathlib import Path

import pytest

from chipwatch.config import load_config
from chipwatch.config.editor import (
    DuplicateFeed,
    DuplicateWatch,
    add_feed,
    add_watch,
    remove_feed,
    remove_watch,
)


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text('# mine\n[[watch]]\nquery = "h20"\n', encoding="utf-8")
    return path


def test_a_relative_feed_path_is_written_absolute_and_another_spelling_is_a_duplicate(
    config_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    written = add_feed(config_path, "feeds/wire.xml", "Wire")
    assert written == str(tmp_path / "feeds" / "wire.xml")
    assert [f.url for f in load_config(config_path).feeds] == [written]
    with pytest.raises(DuplicateFeed):
        add_feed(config_path, (tmp_path / "feeds" / "wire.xml").as_uri())
    assert remove_feed(config_path, "feeds/wire.xml") == written
    assert load_config(config_path).feeds == ()
    assert config_path.read_text(encoding="utf-8").startswith("# mine")


def test_a_watch_named_by_its_query_counts_as_taken(config_path: Path) -> None:
    with pytest.raises(DuplicateWatch):
        add_watch(config_path, "h20", "@H20")
    add_watch(config_path, "H20 licences", "@H20 AND licence~", ["bell"])
    assert [w.name for w in load_config(config_path).watches] == ["h20", "H20 licences"]
    assert remove_watch(config_path, "h20") and not remove_watch(config_path, "h20")
    assert [w.notify for w in load_config(config_path).watches] == [("bell",)]
