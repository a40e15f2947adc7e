"""The clustering signals are one table: the config, config.toml and the docs follow it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chipwatch.clustering.signals import DEFAULT_WEIGHTS, SIGNALS, merged_weights
from chipwatch.config import ConfigError, parse_config

ROOT = Path(__file__).resolve().parent.parent


def test_config_toml_shows_every_signal_with_its_default() -> None:
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    block = text[text.index("# [cluster.weights]") :].split("\n\n")[0]
    shown = dict(re.findall(r"^# (\w+) = ([0-9.]+)", block, flags=re.M))
    assert {name: float(value) for name, value in shown.items()} == DEFAULT_WEIGHTS


def test_the_clustering_doc_shows_every_signal_with_its_default() -> None:
    text = (ROOT / "docs" / "clustering.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `(\w+)` \|.*\| ([0-9.]+) \|$", text, flags=re.M))
    assert {name: float(rows[name]) for name in SIGNALS} == DEFAULT_WEIGHTS


def test_cluster_weights_accept_exactly_the_signal_names() -> None:
    config = parse_config("[cluster.weights]\ntitle = 0.5\n")
    assert merged_weights(config.cluster.weights) == {**DEFAULT_WEIGHTS, "title": 0.5}
    warned = parse_config("[cluster.weights]\ntitel = 0.5\n").warnings
    assert len(warned) == 1 and "did you mean 'title'" in warned[0]
    with pytest.raises(ConfigError):
        parse_config("[cluster.weights]\nwords = 11\n")
