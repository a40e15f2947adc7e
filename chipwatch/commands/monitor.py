"""the live monitor: not built yet (issue #8)."""

from __future__ import annotations

from chipwatch.context import Context
from chipwatch.errors import WorkFailed

NOT_BUILT = "the live monitor is not built yet (issue #8); nothing was done"


def run(ctx: Context) -> int:
    raise WorkFailed(NOT_BUILT)
