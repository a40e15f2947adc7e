"""Data built from the package's own files, kept on disk between runs.

The tagger's tables, the parsed built-in TOML files and the action grammar's words
took ~0.3 s of CPU to build, the same every time for the same inputs: every first
import paid it before parsing its first feed. A build is kept here with
:mod:`marshal` (plain values only: loading one runs no code, unlike pickle) in
``$CHIPWATCH_CACHE``, else ``chipwatch/built`` in the user cache folder (platformdirs:
``$XDG_CACHE_HOME`` or ``~/.cache`` on Linux), named by a key that hashes everything
it derives from: the Python version, the bytes of the data files and of the modules
that build it, and what else the caller names (:func:`build_key`). A file that is
missing, unreadable, truncated, corrupt (a hash of its content heads it), of another
key or of another shape is built again as before, and replaced: nothing ever fails
over the cache. Each kind keeps its :data:`KEEP` newest files (a changed input makes
a new key; the oldest goes). Deleting the folder is always safe.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

# The package's files every builder imports, whatever it builds: the package itself,
# its config and model and what they import (tests/test_builtcache.py checks that each
# builder's sources, these and its own, cover every module it imports).
BASE_SOURCES = (
    "__init__.py",
    "config",
    "alerts/__init__.py",
    "alerts/channels",
    "alerts/events.py",
    "clustering/__init__.py",
    "clustering/signals.py",
    "query/__init__.py",
    "query/grammar.py",
    "builtcache.py",
    "errors.py",
    "matchfold.py",
    "model.py",
    "textsafe.py",
    "timeutil.py",
    "words.py",
)
KEEP = 4  # files kept of each kind (a user with two configs does not rebuild in turn)
_DIGEST = 16  # bytes of the payload's hash heading the file
_PACKAGE = Path(__file__).resolve().parent


def cache_dir() -> Path:
    """``$CHIPWATCH_CACHE``, else ``chipwatch/built`` in the user cache folder."""
    folder = os.environ.get("CHIPWATCH_CACHE")
    if folder:
        return Path(folder).expanduser()
    from platformdirs import user_cache_dir  # here: ~4 ms, and most commands build nothing

    return Path(user_cache_dir("chipwatch", appauthor=False)) / "built"


def build_key(parts: Iterable[bytes | str], files: Iterable[str] = ()) -> str | None:
    """A hash of ``parts``, the bytes of ``files`` (paths in the package: a file, or a
    folder for its ``.py`` and ``.toml`` files) and the Python version; None when a
    file cannot be read (a zipped install): nothing is kept then."""
    digest = hashlib.blake2b(digest_size=16)
    for part in (sys.version, str(marshal.version), *parts):
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "little") + data)
    try:
        for path in _expanded(files):
            data = path.read_bytes()
            digest.update(str(path.relative_to(_PACKAGE)).encode() + b"\0")
            digest.update(len(data).to_bytes(8, "little") + data)
    except OSError:
        return None
    return digest.hexdigest()


def _expanded(files: Iterable[str]) -> list[Path]:
    found: list[Path] = []
    for name in files:
        path = _PACKAGE / name
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.suffix in (".py", ".toml"))
        else:
            found.append(path)
    return found


def cached(
    kind: str, built_key: str | None, build: Callable[[], T], valid: Callable[[T], bool]
) -> T:
    """The value stored for ``kind`` under ``built_key``, when ``valid`` says it has the
    expected shape; else ``build()``, stored for the next run (when marshal can). No
    key: ``build()``, kept not."""
    if built_key is None:
        return build()
    found = load(kind, built_key)
    if found is not None:
        try:
            if valid(found):  # type: ignore[arg-type]
                return found  # type: ignore[return-value]
        except Exception:  # a foreign shape: build
            pass
    value = build()
    store(kind, built_key, value)
    return value


def parsed_toml(kind: str, text: str) -> dict[str, Any]:
    """``tomllib.loads(text)``, kept under ``kind`` (a TOML error raises as it does)."""

    def parse() -> dict[str, Any]:
        import tomllib

        return tomllib.loads(text)

    return cached(kind, build_key([text]), parse, lambda data: isinstance(data, dict))


def load(kind: str, built_key: str) -> object | None:
    """The stored value, or None (missing, unreadable, corrupt, another key)."""
    try:
        data = (cache_dir() / _name(kind, built_key)).read_bytes()
        if hashlib.blake2b(data[_DIGEST:], digest_size=_DIGEST).digest() != data[:_DIGEST]:
            return None
        stored_key, value = marshal.loads(data[_DIGEST:])
    except Exception:  # OSError, EOFError, ValueError, TypeError: build instead
        return None
    return value if stored_key == built_key else None


def store(kind: str, built_key: str, value: object) -> None:
    """Write ``value`` whole (a temporary file renamed into place), then drop the
    oldest files of ``kind`` beyond :data:`KEEP`. Any failure leaves it unstored."""
    try:
        payload = marshal.dumps((built_key, value))  # type: ignore[arg-type]  # ValueError if not plain
        folder = cache_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / _name(kind, built_key)
        temp = folder / f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp"
        try:
            temp.write_bytes(hashlib.blake2b(payload, digest_size=_DIGEST).digest() + payload)
            os.replace(temp, path)
        finally:
            temp.unlink(missing_ok=True)
        _bound(folder, kind, path)
    except (OSError, ValueError):  # unwritable, or a value marshal cannot hold
        return


def _bound(folder: Path, kind: str, current: Path) -> None:
    """Keep ``current`` and the newest others of ``kind``, :data:`KEEP` in all."""
    files = []
    for path in folder.glob(f"{kind}-*.marshal"):
        if path == current or "-" in path.name[len(kind) + 1 :]:  # "tagger-names-*"
            continue
        try:
            files.append((path.stat().st_mtime_ns, path))
        except OSError:  # removed by another process meanwhile
            continue
    for _, path in sorted(files, reverse=True)[KEEP - 1 :]:
        path.unlink(missing_ok=True)


def _name(kind: str, built_key: str) -> str:
    return f"{kind}-{built_key}.marshal"
