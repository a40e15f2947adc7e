"""chipwatch watch: not built yet (issue #6)."""

from __future__ import annotations

from chipwatch.context import Context
from chipwatch.errors import WorkFailed

NOT_BUILT = "chipwatch watch is not built yet (issue #6); nothing was done"


def run_list(ctx: Context) -> int:
    raise WorkFailed(NOT_BUILT)


def run_add(ctx: Context) -> int:
    raise WorkFailed(NOT_BUILT)


def run_remove(ctx: Context) -> int:
    raise WorkFailed(NOT_BUILT)


def run_test(ctx: Context) -> int:
    raise WorkFailed(NOT_BUILT)
