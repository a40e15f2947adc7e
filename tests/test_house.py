"""The house's rules that lint-imports and mypy cannot see (docs/ARCHITECTURE.md).

"All SQL lives in store/": the entity-tagging merge brought a recursive SELECT into
query/entities.py, and nothing noticed. These tests read the package's source (string
literals and f-strings) and name every SQL statement written outside store/.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import chipwatch

PACKAGE = Path(chipwatch.__file__).resolve().parent

# The start of a statement, as the store writes them (keywords in capitals).
_SQL = re.compile(
    r"\bSELECT\s.+?\sFROM\b|\bINSERT\s+(?:OR\s+\w+\s+)?INTO\b|\bUPDATE\s+\w+\s+SET\b"
    r"|\bDELETE\s+FROM\b|\bCREATE\s+(?:TEMP\s+|VIRTUAL\s+)?(?:TABLE|INDEX|TRIGGER|VIEW)\b"
    r"|\bWITH\s+RECURSIVE\b|\bPRAGMA\s+\w+",
    re.S,
)


def sql_literals(source: str) -> list[tuple[int, str]]:
    """(line, text) of each string literal or f-string in ``source`` holding SQL."""
    nodes = list(ast.walk(ast.parse(source)))
    parts = {id(v) for n in nodes if isinstance(n, ast.JoinedStr) for v in n.values}
    found = []
    for node in nodes:
        if isinstance(node, ast.JoinedStr):  # an f-string: its literal parts, joined
            text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) in parts:
                continue
            text = node.value
        else:
            continue
        if _SQL.search(text):
            found.append((node.lineno, text))
    return sorted(found)


def test_the_sql_finder_sees_the_statement_that_slipped_into_query():
    source = (
        "def entity_sql(values):\n"
        "    below = (\n"
        '        f"WITH RECURSIVE below(name) AS (VALUES {values} UNION "\n'
        '        "SELECT x.name FROM entities x JOIN below b ON x.parent = b.name)"\n'
        "    )\n"
        '    return f"a.id IN (SELECT article_id FROM article_entities WHERE entity IN ({below}))"\n'
    )
    assert [line for line, _ in sql_literals(source)] == [3, 6]
    assert sql_literals('"""Select a feed from the list."""\nx = "update the set"\n') == []


def test_no_sql_statement_outside_store():
    outside = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: {text.strip()[:60]!r}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.relative_to(PACKAGE).parts[0] != "store"
        for line, text in sql_literals(path.read_text("utf-8"))
    ]
    assert outside == [], "SQL belongs in chipwatch/store/:\n" + "\n".join(outside)


# "Modules under ~400 lines" (docs/ARCHITECTURE.md): the one place the number is kept.
MAX_MODULE_LINES = 400


def test_no_module_of_the_package_is_longer_than_the_house_allows():
    """Seven modules had grown past 400 lines unnoticed (the main screen to 479) while
    the rule was only written down: a long module is split by what its parts do."""
    long = {
        str(path.relative_to(PACKAGE)): count
        for path in sorted(PACKAGE.rglob("*.py"))
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}, f"split these modules (at most {MAX_MODULE_LINES} lines): {long}"
