"""Users extend the dictionary in config.toml: new entities, aliases, gates, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from chipwatch.config import ConfigError, parse_config
from chipwatch.entities.tagger import build_tagger

USER_TABLES = """
[entities.NVIDIA]
aliases = ["Team Green"]

[entities."Lisuan Tech"]
kind = "company"
aliases = ["砺算科技", "Lisuan"]

[entities.G100]
kind = "chip"
parent = "Lisuan Tech"
aliases = ["Lisuan G100"]
requires = ["Lisuan Tech", "chip"]

[entities.H20]
aliases = ["Hopper 20"]
requires = ["NVIDIA"]
"""


def config(text: str, tmp_path: Path):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return parse_config(text, path=path)


def test_user_aliases_extend_builtin_entities(tmp_path: Path) -> None:
    tagger = build_tagger(config(USER_TABLES, tmp_path))
    assert [(m.entity, m.text) for m in tagger.tag("Team Green ships more")] == [
        ("NVIDIA", "Team Green")
    ]
    assert tagger.resolve("team green").name == "NVIDIA"
    # the built-in aliases are still there
    assert tagger.resolve("英伟达").name == "NVIDIA"


def test_user_entities_are_new_entities_with_parents(tmp_path: Path) -> None:
    tagger = build_tagger(config(USER_TABLES, tmp_path))
    assert tagger.entities["Lisuan Tech"].kind == "company"
    assert tagger.descendants("Lisuan Tech") == {"Lisuan Tech", "G100"}
    found = [(m.entity, m.text) for m in tagger.tag("砺算科技发布G100显卡")]
    assert found == [("Lisuan Tech", "砺算科技"), ("G100", "G100")]


def test_user_requires_gates_the_users_aliases(tmp_path: Path) -> None:
    tagger = build_tagger(config(USER_TABLES, tmp_path))
    assert tagger.tag("The G100 tractor is green") == []
    assert tagger.tag("Hopper 20 is a bus route") == []
    assert [m.entity for m in tagger.tag("Nvidia calls it Hopper 20")] == ["NVIDIA", "H20"]
    # the built-in, ungated alias of H20 is not gated by the user's table
    assert [m.entity for m in tagger.tag("The H20 alone")] == ["H20"]


def test_taggers_are_cached_per_distinct_user_tables(tmp_path: Path) -> None:
    first = build_tagger(config(USER_TABLES, tmp_path))
    assert build_tagger(config(USER_TABLES, tmp_path)) is first
    assert build_tagger() is build_tagger(None)
    assert build_tagger() is not first


@pytest.mark.parametrize(
    ("tables", "message"),
    [
        ('[entities.Zhonghao]\naliases = ["中昊芯英"]\n', "entities.Zhonghao: 'kind' is required"),
        (
            '[entities.Zhonghao]\nkind = "company"\nrequires = ["Atlantis"]\n',
            "entities.Zhonghao.requires: 'Atlantis' is neither an entity nor a kind",
        ),
        (
            '[entities.Zhonghao]\nkind = "company"\nparent = "Atlantis"\n',
            "entities.Zhonghao.parent: unknown entity 'Atlantis'",
        ),
    ],
)
def test_inconsistent_user_tables_name_the_key(tmp_path: Path, tables: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        build_tagger(config(tables, tmp_path))
    assert message in str(caught.value)
    assert str(tmp_path / "config.toml") in str(caught.value)


def test_user_references_may_use_any_case_or_alias(tmp_path: Path) -> None:
    tables = (
        '[entities."Team Green Card"]\nkind = "chip"\nparent = "nvidia"\n'
        'aliases = ["TGC"]\nrequires = ["英伟达"]\n'
    )
    tagger = build_tagger(config(tables, tmp_path))
    assert tagger.entities["Team Green Card"].parent == "NVIDIA"
    assert [m.entity for m in tagger.tag("Nvidia ships the TGC")] == ["NVIDIA", "Team Green Card"]
    assert tagger.tag("The TGC ships") == []
