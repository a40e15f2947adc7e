"""The signals of "these two articles tell the same event": ONE table of their names,
default weights and meaning.

The config's ``[cluster.weights]`` keys are these names (``config.toml`` and
docs/clustering.md show the same defaults; a test holds them to this table). How each
signal is measured is :func:`chipwatch.clustering.scoring.score_pair`. This module
imports nothing: the config's loader reads it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple


class Signal(NamedTuple):
    """One weighted signal: its default weight and what it measures."""

    default: float
    doc: str


SIGNALS: dict[str, Signal] = {
    "title": Signal(0.30, "title likeness (rapidfuzz), entity names masked; same language only"),
    "words": Signal(0.25, "shared content words of title and summary, rare ones count more"),
    "entities": Signal(0.35, "shared entities, weighted by kind and rarity"),
    "time": Signal(0.10, "published close together (soft decay, slack for imprecise dates)"),
    "numbers": Signal(0.25, "bonus: shared amounts, percentages and counts, across locales"),
    "names": Signal(0.20, "bonus: shared name-like words the tagger does not know"),
    "action": Signal(0.20, "bonus: both report the same action (licences granted, sales halted)"),
    "conflict": Signal(0.35, "penalty: they report conflicting actions (granted vs revoked)"),
    "same_feed": Signal(0.10, "penalty: one outlet's repeat (same feed and wire, no aggregator)"),
}
DEFAULT_WEIGHTS: dict[str, float] = {name: signal.default for name, signal in SIGNALS.items()}


def merged_weights(overrides: Mapping[str, float]) -> dict[str, float]:
    """The defaults with the user's ``[cluster.weights]`` applied."""
    return {**DEFAULT_WEIGHTS, **{k: float(v) for k, v in overrides.items()}}
