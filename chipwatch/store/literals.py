"""Values the monitor's reads put into SQL text or read back from JSON columns.

Only integers are ever written into a statement (an ``IN (...)`` list of ids, each
through ``int()``): feed text always goes through parameters."""

from __future__ import annotations

import json
from collections.abc import Iterable


def id_list(ids: Iterable[int]) -> str:
    """``1,2,3`` for an ``IN (...)`` clause; ``-1`` (no id) when there are none."""
    return ",".join(str(int(i)) for i in ids) or "-1"


def json_list(text: str | None) -> list[str]:
    """A JSON list column as strings; [] when it is empty or not a list."""
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []
