"""chipwatch feeds: not built yet (issue #3)."""

from __future__ import annotations

from chipwatch.context import Context
from chipwatch.errors import WorkFailed

NOT_BUILT = "chipwatch feeds is not built yet (issue #3); nothing was done"


def run_list(ctx: Context) -> int:
    raise WorkFailed(NOT_BUILT)


def run_add(ctx: Context) -> int:
    raise WorkFailed(NOT_BUILT)


def run_remove(ctx: Context) -> int:
    raise WorkFailed(NOT_BUILT)


def run_import(ctx: Context) -> int:
    raise WorkFailed(NOT_BUILT)


def run_export(ctx: Context) -> int:
    raise WorkFailed(NOT_BUILT)
