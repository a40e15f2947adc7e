"""chipwatch search: not built yet (issue #6)."""

from __future__ import annotations

from chipwatch.context import Context
from chipwatch.errors import WorkFailed

NOT_BUILT = "chipwatch search is not built yet (issue #6); nothing was done"


def run(ctx: Context) -> int:
    raise WorkFailed(NOT_BUILT)
