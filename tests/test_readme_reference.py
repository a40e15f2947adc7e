"""The README's command reference names every command and option the parser has: it
said `feeds remove URL` after remove took a name or a number, and knew no --no-check."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from chipwatch.cli import build_parser

README = Path(__file__).resolve().parent.parent / "README.md"


def reference_block() -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Command reference") :]
    return section[section.index("```") + 3 : section.index("```", section.index("```") + 3)]


def options(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """(command path, its spellings) for every option of every (sub)command."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from options(sub, (*path, name))
        elif action.option_strings and not isinstance(
            action, argparse._HelpAction | argparse._VersionAction
        ):
            yield path, action.option_strings


def test_readme_command_reference_names_every_option_of_every_command() -> None:
    block = reference_block()
    missing = []
    for path, flags in options(build_parser()):
        lines = [line for line in block.splitlines() if not path or path[-1] in line]
        lines += [line for line in block.splitlines() if line.startswith(" ")]  # continued
        if not any(re.search(rf"{re.escape(f)}\b", line) for line in lines for f in flags):
            missing.append(f"{' '.join(path)} {flags[-1]}")
    assert not missing
    assert "remove URL|NAME|N" in block
