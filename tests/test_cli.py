"""The command-line contract: commands, options, help text, exit codes, import fence."""

from __future__ import annotations

import argparse
import ast
import subprocess
import sys
from pathlib import Path

import pytest

from chipwatch import __version__
from chipwatch.cli import HANDLERS, build_parser, main

PACKAGE = Path(__file__).resolve().parent.parent / "chipwatch"
CONTRACT = ["demo", "poll", "feeds", "watch", "entities", "search", "digest"]


def _subparsers(parser: argparse.ArgumentParser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            yield from action.choices.items()


def _all_parsers(parser: argparse.ArgumentParser, prefix: str = "chipwatch"):
    yield prefix, parser
    for name, sub in _subparsers(parser):
        yield from _all_parsers(sub, f"{prefix} {name}")


def test_help_lists_every_command(capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for command in CONTRACT:
        assert f"    {command} " in out


def test_every_option_and_command_has_help_text() -> None:
    missing = []
    for name, parser in _all_parsers(build_parser()):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                missing += [f"{name} {c.dest}" for c in action._choices_actions if not c.help]
            elif not action.help:
                missing.append(f"{name} {'/'.join(action.option_strings) or action.dest}")
    assert missing == []


def test_contract_subcommands_exist() -> None:
    parsers = dict(_all_parsers(build_parser()))
    expected = [
        "feeds list",
        "feeds add",
        "feeds remove",
        "feeds import",
        "feeds export",
        "watch list",
        "watch add",
        "watch remove",
        "watch test",
        "entities list",
        "entities test",
    ]
    for name in expected:
        assert f"chipwatch {name}" in parsers
    leaves = [p for p in parsers.values() if not list(_subparsers(p))]
    assert {p.get_default("handler") for p in leaves} <= set(HANDLERS)


def test_version(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == f"chipwatch {__version__}"


def test_bad_usage_exits_2(capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["digest", "--format", "docx"])
    assert info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_bad_window_is_a_user_error(tmp_path: Path) -> None:
    from chipwatch.context import Context
    from chipwatch.errors import UserError

    ctx = Context(args=argparse.Namespace(config=None, db=None, now="2025-07-16T12:00Z"))
    assert ctx.window_start("--since", "7d").isoformat() == "2025-07-09T12:00:00+00:00"
    assert ctx.window_start("--since", "all") is None
    with pytest.raises(UserError, match=r"--since: not a window: .last tuesday. \(a duration"):
        ctx.window_start("--since", "last tuesday")


def test_help_does_not_import_textual() -> None:
    code = (
        "import sys; from chipwatch.cli import build_parser; build_parser().format_help(); "
        "print('textual' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", ["feeds", "store"])
def test_core_layers_never_import_textual_or_the_tui(layer: str) -> None:
    offenders = []
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        for name in _imports(path):
            if name.split(".")[0] in {"textual", "rich"} or name.startswith("chipwatch.tui"):
                offenders.append(f"{path.relative_to(PACKAGE)}: {name}")
    assert offenders == []


def test_core_layers_import_without_textual_loaded() -> None:
    modules = [
        f"chipwatch.{layer}.{p.stem}"
        for layer in ("feeds", "store")
        for p in sorted((PACKAGE / layer).glob("*.py"))
        if p.stem != "__init__"
    ]
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
