"""Errors that reach the user as one line and an exit status, never a traceback."""

from __future__ import annotations


class UserError(Exception):
    """The user's input is wrong (usage, config, query): exit status 2."""

    exit_code = 2


class WorkFailed(Exception):
    """The work could not be done (network, store, not built): exit status 1."""

    exit_code = 1
