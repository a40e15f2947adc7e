"""How an action class is said in an explanation ("licences granted")."""

from __future__ import annotations

from chipwatch.clustering.actions import label


def action_label(cls: str) -> str:
    """The words for an action class: its table label, else its id made readable."""
    try:
        return label(cls)
    except KeyError:  # an explanation stored by a version with another table
        family, _, outcome = cls.partition(".")
        return f"{family} {outcome}".replace("_", " ").strip()
