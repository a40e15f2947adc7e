"""chipwatch demo: not built yet (issue #9)."""

from __future__ import annotations

from chipwatch.context import Context
from chipwatch.errors import WorkFailed

NOT_BUILT = "chipwatch demo is not built yet (issue #9); nothing was done"


def run(ctx: Context) -> int:
    raise WorkFailed(NOT_BUILT)
