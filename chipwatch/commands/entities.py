"""chipwatch entities: not built yet (issue #4)."""

from __future__ import annotations

from chipwatch.context import Context
from chipwatch.errors import WorkFailed

NOT_BUILT = "chipwatch entities is not built yet (issue #4); nothing was done"


def run_list(ctx: Context) -> int:
    raise WorkFailed(NOT_BUILT)


def run_test(ctx: Context) -> int:
    raise WorkFailed(NOT_BUILT)
