"""chipwatch poll: not built yet (issue #3)."""

from __future__ import annotations

from chipwatch.context import Context
from chipwatch.errors import WorkFailed

NOT_BUILT = "chipwatch poll is not built yet (issue #3); nothing was done"


def run(ctx: Context) -> int:
    raise WorkFailed(NOT_BUILT)
