"""Migrations run their scripts statement by statement, found at the semicolons
(chipwatch.store.migrations.statements): the same statements as sqlite_utils finds,
and the same schema."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlite_utils import Database
from sqlite_utils.db import _iter_complete_sql_statements

from chipwatch.store import migrations
from chipwatch.store.db import open_db

TRICKY = [
    "CREATE TABLE t (a TEXT DEFAULT ';');\nCREATE TABLE u (b);",
    "CREATE TABLE t (a); -- a comment; with a semicolon\nCREATE TABLE u (b);\n",
    "CREATE TABLE t (a); /* a; block; */ CREATE TABLE u (b)",
    "CREATE TRIGGER g AFTER INSERT ON t BEGIN\n  INSERT INTO u VALUES (1);\n"
    "  DELETE FROM u WHERE b = ';';\nEND;\nCREATE INDEX i ON t (a);",
    ";;  SELECT 1;;",
    "   ",
    "SELECT 'it''s; fine'; SELECT \"a;b\" FROM t",
]


@pytest.mark.parametrize("sql", TRICKY)
def test_statements_are_the_ones_sqlite_utils_finds(sql: str) -> None:
    assert list(migrations.statements(sql)) == list(_iter_complete_sql_statements(sql))


def test_every_migration_script_splits_as_sqlite_utils_splits_it() -> None:
    scripts: list[str] = []

    class Recording(Database):
        def executescript(self, sql: str) -> sqlite3.Cursor:
            scripts.append(sql)
            return super().executescript(sql)

    migrations.migrations.apply(Recording(sqlite3.connect(":memory:"), execute_plugins=False))
    assert len(scripts) >= 6
    for sql in scripts:
        assert list(migrations.statements(sql)) == list(_iter_complete_sql_statements(sql))


def test_a_store_made_with_the_fast_scripts_has_the_same_schema(tmp_path: Path) -> None:
    plain = Database(sqlite3.connect(tmp_path / "plain.db"), execute_plugins=False)
    migrations.migrations.apply(plain)
    made = open_db(tmp_path / "made.db")
    schema = "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
    assert made.execute(schema).fetchall() == plain.execute(schema).fetchall()
    names = "SELECT name FROM _sqlite_migrations ORDER BY name"
    assert made.execute(names).fetchall() == plain.execute(names).fetchall()
