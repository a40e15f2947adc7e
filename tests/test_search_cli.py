"""chipwatch search through the real CLI entry point, over a real store."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlite_utils import Database
from test_query_match import small_tagger
from test_query_search import Archive

from chipwatch.cli import main


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text('[ui]\nlanguages = ["en", "fr"]\n')
    return path


@pytest.fixture
def stories(db: Database, now: datetime) -> dict[str, int]:
    archive = Archive(db, small_tagger(), now)
    h20 = archive.story(now)
    archive.article(h20, "Nvidia may sell H20 chips in China", feed="Wire")
    archive.article(
        h20,
        "Licences H20 : Nvidia peut revendre",
        feed="Le Monde",
        lang="fr",
        summary="Les licences d'exportation sont accordées.",
    )
    earlier = now - timedelta(days=3)
    ascend = archive.story(earlier)
    archive.article(
        ascend, "Huawei \x1b[31mAscend\x1b[0m 910C ships\u202e", feed="Caixin", published=earlier
    )
    return {"h20": h20, "ascend": ascend}


def run(config_path: Path, db_path: Path, *args: str) -> int:
    return main(["--config", str(config_path), "--db", str(db_path), "search", *args])


def test_search_prints_time_headline_outlets_and_languages(
    config_path: Path, db_path: Path, stories: dict[str, int], capsys
) -> None:
    assert run(config_path, db_path, "licence~") == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "2025-07-16 12:00  Nvidia may sell H20 chips in China",
        f"    #{stories['h20']} · 2 outlets: Wire, Le Monde · en,fr",
    ]


def test_search_by_entity_alias_in_another_script(
    config_path: Path, db_path: Path, stories: dict[str, int], capsys
) -> None:
    assert run(config_path, db_path, "@英伟达") == 0
    assert "Nvidia may sell H20" in capsys.readouterr().out


def test_feed_text_is_cleaned(
    config_path: Path, db_path: Path, stories: dict[str, int], capsys
) -> None:
    assert run(config_path, db_path, "910C") == 0
    out = capsys.readouterr().out
    assert "Huawei Ascend 910C ships" in out
    assert "\x1b" not in out and "\u202e" not in out


def test_syntax_error_exits_2_with_a_caret(config_path: Path, db_path: Path, capsys) -> None:
    assert run(config_path, db_path, "(@H20 AND") == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("chipwatch: query: expected a term after 'AND'")
    assert err[1:] == ["  (@H20 AND", "           ^"]


def test_json_lines(config_path: Path, db_path: Path, stories: dict[str, int], capsys) -> None:
    assert run(config_path, db_path, "@H20 OR @Huawei", "--json") == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["id"] for line in lines] == [stories["h20"], stories["ascend"]]
    first = lines[0]
    assert first["outlets"] == 2 and first["sources"] == ["Wire", "Le Monde"]
    assert first["languages"] == ["en", "fr"]
    assert [a["matched"] for a in first["articles"]] == [True, True]
    assert lines[1]["title"] == "Huawei Ascend 910C ships"


def test_since_and_limit(config_path: Path, db_path: Path, stories: dict[str, int], capsys) -> None:
    now = "--now=2025-07-16T12:00:00Z"
    assert run(config_path, db_path, "@Huawei OR @NVIDIA", "--since", "24h", now) == 0
    out = capsys.readouterr().out
    assert "Nvidia" in out and "Huawei" not in out
    assert run(config_path, db_path, "@Huawei OR @NVIDIA", "--limit", "1") == 0
    captured = capsys.readouterr()
    assert "Huawei" not in captured.out
    assert "1 more story matches; raise --limit" in captured.err


def test_nothing_found_says_so(
    config_path: Path, db_path: Path, stories: dict[str, int], capsys
) -> None:
    assert run(config_path, db_path, "quantum", "--since", "7d") == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "no stories match 'quantum' since 7d (try --since all)" in captured.err


def test_explain_marks_matching_articles(
    config_path: Path, db_path: Path, stories: dict[str, int], capsys
) -> None:
    assert run(config_path, db_path, "revendre", "--explain") == 0
    out = capsys.readouterr().out.splitlines()
    marked = [line for line in out if line.startswith("      ")]
    assert marked[0].startswith("        a1 2025-07-16 12:00  Wire: Nvidia may sell")
    assert marked[2].startswith("      * a2 2025-07-16 12:00  Le Monde: Licences H20")


def test_bad_options(config_path: Path, db_path: Path, capsys) -> None:
    assert run(config_path, db_path, "h20", "--since", "yesterday") == 2
    assert "--since" in capsys.readouterr().err
    assert run(config_path, db_path, "h20", "--limit", "0") == 2
    assert "--limit: must be 1 or more" in capsys.readouterr().err
