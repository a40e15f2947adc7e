"""`chipwatch entities test` and `chipwatch entities list`, through the real CLI."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from chipwatch.cli import main
from chipwatch.config import default_config_text
from chipwatch.entities.tagger import build_tagger
from chipwatch.store.db import open_db, write_transaction
from chipwatch.store.tags import save_matches

FIXTURE = Path(__file__).parent / "data" / "entities" / "h20-reprise-fr.txt"
# The facts of the July 2025 H20 resumption that the retelling must surface.
EXPECTED = {
    "NVIDIA",
    "H20",
    "AMD",
    "MI308",
    "H800",
    "RTX Pro 6000",
    "DeepSeek",
    "China",
    "United States",
    "export controls",
}


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(default_config_text(), encoding="utf-8")
    return path


def run(config_path: Path, db_path: Path, *argv: str) -> int:
    return main(["--config", str(config_path), "--db", str(db_path), *argv])


def test_french_retelling_lists_every_expected_entity_with_spans(
    config_path: Path,
    db_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = FIXTURE.read_text(encoding="utf-8")
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    assert run(config_path, db_path, "entities", "test", "-", "--json") == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {row["entity"] for row in rows} >= EXPECTED
    for row in rows:
        assert text[row["start"] : row["end"]] == row["text"]
    h20 = [row for row in rows if row["entity"] == "H20"]
    assert {row["text"] for row in h20} == {"H20", "H2O"}
    misspelt = next(row for row in h20 if row["text"] == "H2O")
    assert misspelt["start"] == text.index("H2O") and "requires" in misspelt["rule"]
    assert not db_path.exists()  # testing the tagger never creates a store


def test_test_prints_a_readable_table(
    config_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(config_path, db_path, "entities", "test", "Nvidia H20 et la MI308 d'AMD") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["SPAN", "ENTITY", "KIND", "TEXT", "RULE"]
    assert out[1].split()[:4] == ["0-6", "NVIDIA", "company", "Nvidia"]
    assert out[2].split()[:4] == ["7-10", "H20", "chip", "H20"]
    assert out[-1] == "4 matches of 4 entities: NVIDIA, H20, MI308, AMD"


def test_test_without_entities(
    config_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(config_path, db_path, "entities", "test", "A glass of H2O") == 0
    assert capsys.readouterr().out.strip() == "no entities found"


def test_test_keeps_terminal_escapes_out_of_the_table(
    config_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(config_path, db_path, "entities", "test", "Nvidia\x1b[31m H20") == 0
    assert "\x1b" not in capsys.readouterr().out


def test_list_shows_counts_from_the_store(
    config_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = open_db(db_path)
    with write_transaction(db):
        db.execute(
            "INSERT INTO feeds (url, created_at) VALUES ('file://f.xml', '2025-07-15T00:00:00Z')"
        )
        for key in ("a", "b"):
            article = db.execute(
                "INSERT INTO articles (key, feed_id, published, fetched_at, updated_at) "
                "VALUES (?, 1, '2025-07-15T08:00:00Z', '2025-07-15T08:00:00Z', "
                "'2025-07-15T08:00:00Z')",
                [key],
            ).lastrowid
            save_matches(db, article, build_tagger().tag("Nvidia H20"))
    db.close()
    assert run(config_path, db_path, "entities", "list", "--kind", "chip") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        "ENTITY",
        "KIND",
        "PARENT",
        "ALIASES",
        "MENTIONS",
        "ARTICLES",
        "STORIES",
    ]
    h20 = next(line.split() for line in lines if line.startswith("H20 "))
    assert h20[:3] == ["H20", "chip", "Hopper"] and h20[-3:] == ["2", "2", "0"]
    assert not any(line.startswith(("NVIDIA ", "China ")) for line in lines)  # --kind chip
    assert lines[-1].endswith("1 mentioned in the store")


def test_list_json_includes_user_entities(
    config_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config_path.write_text(
        default_config_text() + '\n[entities."Lisuan Tech"]\n'
        'kind = "company"\naliases = ["砺算科技"]\n',
        encoding="utf-8",
    )
    open_db(db_path).close()  # an empty store: every count is 0
    assert run(config_path, db_path, "entities", "list", "--kind", "company", "--json") == 0
    rows = {row["name"]: row for row in map(json.loads, capsys.readouterr().out.splitlines())}
    assert rows["Lisuan Tech"]["aliases"] == ["Lisuan Tech", "砺算科技"]
    assert rows["NVIDIA"]["articles"] == 0


def test_bad_user_table_is_one_line_and_exit_2(
    config_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config_path.write_text(
        default_config_text() + '\n[entities.Zhonghao]\naliases = ["x"]\n', encoding="utf-8"
    )
    assert run(config_path, db_path, "entities", "test", "x") == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "entities.Zhonghao" in err and "kind" in err


def test_every_option_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["entities", "list", "--help"], ["entities", "test", "--help"]):
        with pytest.raises(SystemExit):
            main(argv)
        out = capsys.readouterr().out
        assert "--json" in out


SEEDS = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds"


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not present")
def test_the_two_seed_reports_together_carry_every_expected_entity() -> None:
    tagger = build_tagger()
    found: set[str] = set()
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        matches = tagger.tag(text)
        assert all(text[m.start : m.end] == m.text for m in matches)
        found |= {m.entity for m in matches}
    assert found >= EXPECTED | {"export licence"}
