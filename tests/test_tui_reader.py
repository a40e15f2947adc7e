"""The monitor's plain-sqlite3 reader (store.db.open_reader): the same refusals and
migrations as open_db, without importing sqlite_utils for an up-to-date store."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from chipwatch.store import db as store_db
from chipwatch.store.db import StoreError, open_db, open_reader
from chipwatch.store.migrations import MIGRATION_SET, known_migration_names


def applied(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations")}
    finally:
        conn.close()


def test_the_declared_migrations_are_the_registered_ones() -> None:
    assert store_db._declared_migrations() == (MIGRATION_SET, frozenset(known_migration_names()))


def test_an_up_to_date_store_opens_without_sqlite_utils(db_path: Path) -> None:
    open_db(db_path).close()
    script = (
        "import sys\n"
        "from chipwatch.store.db import open_reader\n"
        f"conn = open_reader({str(db_path)!r})\n"
        "print(conn.execute('SELECT count(*) FROM stories').fetchone()[0],"
        " 'sqlite_utils' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["0", "False"]


def test_a_missing_store_is_created_with_its_schema(tmp_path: Path) -> None:
    path = tmp_path / "new" / "store.db"
    conn = open_reader(path)
    try:
        assert conn.execute("SELECT count(*) FROM articles").fetchone() == (0,)
    finally:
        conn.close()
    assert applied(path) == known_migration_names()


def test_an_older_store_is_migrated_first(db_path: Path) -> None:
    from sqlite_utils import Database

    from chipwatch.store.migrations import migrations

    names = sorted(known_migration_names())
    old = Database(db_path)
    migrations.apply(old, stop_before=names[1])  # a store from the first release
    old.close()
    assert applied(db_path) == {names[0]}
    open_reader(db_path).close()
    assert applied(db_path) == set(names)


def test_a_newer_store_is_refused(db_path: Path) -> None:
    open_db(db_path).close()
    conn = sqlite3.connect(db_path)
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES (?, ?, ?)",
        [MIGRATION_SET, "m999_from_the_future", "2030-01-01"],
    )
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="written by a newer chipwatch"):
        open_reader(db_path)


def test_a_corrupt_store_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    path.write_bytes(b"not a database at all " * 300)
    with pytest.raises(StoreError, match="corrupt or not a chipwatch database"):
        open_reader(path)


def test_without_the_declared_migrations_every_open_is_fully_checked(
    db_path: Path, monkeypatch
) -> None:
    open_db(db_path).close()
    monkeypatch.setattr(store_db, "_declared_migrations", lambda: None)
    calls: list[Path] = []
    real_open_db = store_db.open_db

    def counting(path, **kwargs):
        calls.append(Path(path))
        return real_open_db(path, **kwargs)

    monkeypatch.setattr(store_db, "open_db", counting)
    open_reader(db_path).close()
    assert calls == [db_path]
