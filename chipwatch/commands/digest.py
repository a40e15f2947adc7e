"""chipwatch digest: not built yet (issue #7)."""

from __future__ import annotations

from chipwatch.context import Context
from chipwatch.errors import WorkFailed

NOT_BUILT = "chipwatch digest is not built yet (issue #7); nothing was done"


def run(ctx: Context) -> int:
    raise WorkFailed(NOT_BUILT)
