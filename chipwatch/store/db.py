"""Opening the store: the only place a SQLite connection is made.

WAL lets the monitor read while ``chipwatch poll`` writes; a long busy timeout plus
``BEGIN IMMEDIATE`` for every write transaction means writers queue instead of
failing with "database is locked". A connection belongs to the thread that opened it.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import os
import re
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from chipwatch.errors import WorkFailed

if TYPE_CHECKING:  # imported where used: the monitor's reads do without sqlite_utils
    from typing import TypeAlias

    from sqlite_utils import Database

    # What the reads shared with the monitor take: sqlite_utils' Database, or the plain
    # sqlite3 connection of the monitor's reader (:func:`open_reader`); both execute().
    AnyConnection: TypeAlias = Database | sqlite3.Connection

BUSY_TIMEOUT_MS = 60_000
T = TypeVar("T")
D = TypeVar("D", "Database", sqlite3.Connection)
_SAVEPOINTS = itertools.count(1)


class StoreError(WorkFailed):
    """The store cannot be used. ``str()`` is the one line shown to the user."""


class StoreMissing(StoreError):
    """A command that only reads found no store: it creates none (exit 1)."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"no store at {path}: run `chipwatch poll` first, or check --db")


def open_db(
    path: Path | str, *, migrate: bool = True, readonly: bool = False, create: bool = True
) -> Database:
    """Open (creating if needed) the store at ``path`` and bring its schema up to date.

    ``create=False`` is for commands that only read (search, digest, listings): a
    missing store is :class:`StoreMissing`, and no file or folder is made.
    Raises :class:`StoreError` for a corrupt file, a store written by a newer chipwatch,
    or a location that cannot be written.
    """
    from sqlite_utils import Database

    from chipwatch.store import migrations

    path = Path(path)
    if not create and not path.exists():
        raise StoreMissing(path)
    if not readonly and create:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise folder_error(path, exc) from exc
    try:
        conn = _connect(path, readonly=readonly, create=create)
        db = Database(conn, execute_plugins=False)
        _configure(conn, readonly=readonly)
        _check_version(db, path)
        if migrate and not readonly:
            with _translate_errors(path):
                migrations.apply_pending(db)
    except sqlite3.DatabaseError as exc:
        raise StoreError(_describe(path, exc)) from exc
    return db


def _connect(path: Path, *, readonly: bool, create: bool = True) -> sqlite3.Connection:
    if readonly or not create:  # mode=rw opens an existing file only: never creates one
        try:
            uri = f"{path.resolve().as_uri()}?mode={'ro' if readonly else 'rw'}"
        except OSError as exc:  # resolving failed: a loop of links, a folder we may not read
            raise StoreError(f"{path}: cannot open the store: {exc.strerror}") from exc
        try:
            return sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
        except sqlite3.OperationalError:
            if not path.exists():  # deleted between the check and the open
                raise StoreMissing(path) from None
            raise
    return sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)


def _configure(conn: sqlite3.Connection, *, readonly: bool) -> None:
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    # Reading the header first turns a non-database file into a clear error here.
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    if not readonly:
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode.lower() != "wal" and str(conn) != ":memory:":
            conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA temp_store = MEMORY")


def _check_version(db: Database, path: Path) -> None:
    from chipwatch.store.migrations import MIGRATION_SET, known_migration_names, migrations

    table = migrations.migrations_table
    if not db[table].exists():
        return
    rows = db.execute(f"SELECT name FROM [{table}] WHERE migration_set = ?", [MIGRATION_SET])
    unknown = {row[0] for row in rows} - known_migration_names()
    if unknown:
        raise StoreError(
            f"{path}: this store was written by a newer chipwatch (schema "
            f"{', '.join(sorted(unknown))}); upgrade chipwatch or use another --db"
        )


def open_reader(path: Path | str) -> sqlite3.Connection:
    """A plain ``sqlite3`` connection to the store, for the monitor's reads (and its
    reader-state writes: read, pinned, alert state), opened like :func:`open_db`.

    The checks are :func:`open_db`'s: a corrupt file is a :class:`StoreError`, and a
    store whose applied migrations are not exactly the ones this chipwatch declares goes
    through :func:`open_db` first (a newer store is refused, an older one migrated).
    The common case, an up-to-date store, needs no sqlite_utils: importing it was ~35 ms
    of the monitor's first paint."""
    path = Path(path)
    if not path.exists():
        open_db(path).close()  # created, and its schema made, the usual way
    with _translate_errors(path):
        conn = _connect(path, readonly=False)
        try:
            _configure(conn, readonly=False)
            declared = _declared_migrations()
            current = declared is not None and _applied_migrations(conn) == declared
        except BaseException:
            conn.close()
            raise
    if not current:
        conn.close()
        open_db(path).close()
        with _translate_errors(path):
            conn = _connect(path, readonly=False)
            _configure(conn, readonly=False)
    return conn


def open_writer(path: Path | str) -> sqlite3.Connection:
    """The poller's connection: :func:`open_reader`'s plain connection, set up as
    sqlite_utils sets up its own (``recursive_triggers``), so that wrapping it in a
    ``Database`` later (``Database(conn, execute_plugins=False)``, only when a feed
    brings articles) changes nothing. An unchanged poll (all 304) writes its feed rows
    on it and never imports sqlite_utils (with click and pluggy: ~0.1 s of CPU)."""
    conn = open_reader(path)
    with _translate_errors(Path(path)):
        conn.execute("PRAGMA recursive_triggers = ON")
    return conn


@contextmanager
def reader_transaction(conn: sqlite3.Connection, path: Path | str) -> Iterator[sqlite3.Connection]:
    """:func:`write_transaction` for a plain connection from :func:`open_reader`: the write
    lock up front, a rollback on any error, and SQLite's errors as :class:`StoreError`."""
    with _translate_errors(Path(path)):
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")


_MIGRATION_SET = re.compile(r'^MIGRATION_SET = "([^"]+)"$', re.MULTILINE)
_MIGRATION = re.compile(r"^@migrations\(\)\ndef (\w+)\(", re.MULTILINE)


@cache
def _declared_migrations() -> tuple[str, frozenset[str]] | None:
    """(migration set, names) as ``migrations.py`` declares them, read from its source
    (importing it imports sqlite_utils). Only used to accept an up-to-date store quickly:
    a name it missed makes :func:`open_reader` take the full :func:`open_db` path."""
    try:
        source = Path(__file__).with_name("migrations.py").read_text(encoding="utf-8")
    except OSError:
        return None
    found = _MIGRATION_SET.search(source)
    names = frozenset(_MIGRATION.findall(source))
    return (found.group(1), names) if found and names else None


def _applied_migrations(conn: sqlite3.Connection) -> tuple[str, frozenset[str]] | None:
    """(migration set, names) applied to the store; None without a migrations table."""
    declared = _declared_migrations()
    table = "_sqlite_migrations"
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [table]
    ).fetchone()
    if declared is None or exists is None:
        return None
    rows = conn.execute(f"SELECT name FROM [{table}] WHERE migration_set = ?", [declared[0]])
    return declared[0], frozenset(row[0] for row in rows)


@contextmanager
def _translate_errors(path: Path) -> Iterator[None]:
    try:
        yield
    except sqlite3.DatabaseError as exc:
        raise StoreError(_describe(path, exc)) from exc


def _describe(path: Path, exc: sqlite3.DatabaseError) -> str:
    text = str(exc)
    if "file is not a database" in text or "malformed" in text:
        return f"{path}: the store is corrupt or not a chipwatch database ({text})"
    if "readonly" in text or "read-only" in text:
        return f"{path}: the store is read-only ({text})"
    if "unable to open" in text:
        if _read_only_location(path):
            return (
                f"{path}: the store's folder is read-only; chipwatch needs to write the "
                f"store and its -wal/-shm files there ({text})"
            )
        return f"{path}: cannot open the store ({text})"
    if "disk is full" in text or "full" in text:
        return f"{path}: the disk is full ({text})"
    return f"{path}: store error: {text}"


def folder_error(path: Path, exc: OSError) -> StoreError:
    """The one line for a store location where a file cannot be made (the store's folder,
    or the poll lock beside the store): the same words as SQLite's own failures."""
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return StoreError(
            f"{path}: the store's folder is read-only; chipwatch needs to write the store "
            f"and its -wal/-shm files there ({exc.strerror})"
        )
    return StoreError(f"{path}: cannot create the store's folder: {exc.strerror}")


def store_identity(path: Path | str) -> tuple[int, int]:
    """(device, inode) of the store file: what a long-running writer holds open."""
    stat = os.stat(path)
    return stat.st_dev, stat.st_ino


def store_changed(path: Path | str, identity: tuple[int, int]) -> str | None:
    """How the file at ``path`` stopped being the store opened as ``identity``
    (``"deleted or moved away"``, ``"replaced"``); None while it still is."""
    try:
        return None if store_identity(path) == identity else "replaced"
    except FileNotFoundError:
        return "deleted or moved away"


def check_same_store(path: Path | str, identity: tuple[int, int]) -> None:
    """Raise :class:`StoreError` when the store file was deleted or replaced under a
    running writer, whose writes would go on into the old file and be lost with it."""
    try:
        change = store_changed(path, identity)
    except OSError as exc:
        raise StoreError(f"{path}: the store file cannot be checked: {exc.strerror}") from exc
    if change is not None:
        raise StoreError(
            f"{path}: the store file was {change} while chipwatch was writing it; "
            "stopped (start `chipwatch poll` again to use what is there now)"
        )


class StoreWatch:
    """Which file a long-lived writer (the poller) opened as its store, checked before
    each of its writes: a store deleted or replaced under it stops it with a
    :class:`StoreError` (exit 1) instead of every later article going into a file
    nobody will read again. One ``stat`` a write: a few microseconds."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.identity: tuple[int, int] | None = None

    def opened(self) -> None:
        """Call right after opening the store."""
        self.identity = store_identity(self.path)

    def run(self, function: Callable[..., T], *args: Any) -> T:
        """``function(*args)``, once the store file is still the one opened."""
        if self.identity is not None:
            check_same_store(self.path, self.identity)
        return function(*args)

    def release(self, db: AnyConnection) -> None:
        """Before closing ``db``: when its file was deleted or replaced, copy the
        write-ahead log into that old file and empty the log. SQLite skips its own
        closing checkpoint for a moved file and leaves the log at the path, where the
        next store opened there would replay those pages into itself (and a renamed
        store would lose them)."""
        if self.identity is None:
            return
        try:
            moved = store_changed(self.path, self.identity) is not None
        except OSError:
            moved = True  # cannot tell: the checkpoint is harmless on the right file too
        if moved:
            with contextlib.suppress(sqlite3.Error):
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()


def _read_only_location(path: Path) -> bool:
    """Whether the store's folder (or file) cannot be written: a read-only mount or mode."""
    folder = path.parent if str(path.parent) else Path(".")
    if not os.access(folder, os.W_OK):
        return True
    return path.exists() and not os.access(path, os.W_OK)


def plain(db: AnyConnection) -> sqlite3.Connection:
    """The ``sqlite3`` connection under ``db`` (itself, when it is one)."""
    return db if isinstance(db, sqlite3.Connection) else db.conn


def dict_rows(db: AnyConnection, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """The rows of a ``SELECT`` as dicts keyed by column name (sqlite_utils' ``query``),
    on either kind of connection."""
    cursor = plain(db).execute(sql, params)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


@contextmanager
def write_transaction(db: D) -> Iterator[D]:
    """One write transaction, taking the write lock up front (``BEGIN IMMEDIATE``).

    A deferred transaction that reads then writes can fail with "database is locked"
    when another process wrote in between; taking the lock first makes it wait instead.
    Nested use becomes a savepoint. ``db``: sqlite_utils' Database or the plain
    connection under it (:func:`open_writer`).
    """
    conn = plain(db)
    if conn.in_transaction:
        savepoint = f"chipwatch_{next(_SAVEPOINTS)}"
        conn.execute(f"SAVEPOINT {savepoint}")
        try:
            yield db
        except BaseException:
            # A RAISE(ROLLBACK) trigger can end the whole transaction, savepoints included.
            if conn.in_transaction:
                conn.execute(f"ROLLBACK TO SAVEPOINT {savepoint}")
                conn.execute(f"RELEASE SAVEPOINT {savepoint}")
            raise
        conn.execute(f"RELEASE SAVEPOINT {savepoint}")
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")
