"""How an action class is said in an explanation ("licences granted")."""

from __future__ import annotations

import importlib
from functools import lru_cache


@lru_cache(maxsize=1)
def _labels() -> dict[str, str]:
    """Labels from the action table when there is one, else none."""
    try:
        actions = importlib.import_module("chipwatch.clustering.actions")
    except ImportError:  # the action table is not part of this build
        return {}
    return dict(actions.action_labels())


def action_label(cls: str) -> str:
    """The words for an action class: its table label, else its id made readable."""
    label = _labels().get(cls)
    if label:
        return label
    family, _, outcome = cls.partition(".")
    return f"{family} {outcome}".replace("_", " ").strip()
