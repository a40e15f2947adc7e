"""Where things live: the config and the store (``--config``/``--db``, then the
environment, then the user's config and data folders; the config is created there from
the shipped default on first run), and the file a local feed URL names."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from chipwatch.config.schema import ConfigError
from chipwatch.errors import UserError


def default_config_text() -> str:
    """The shipped, documented default config."""
    from importlib import resources  # here: with tempfile, ~5 ms that most runs never use

    return resources.files("chipwatch").joinpath("config.toml").read_text(encoding="utf-8")


def user_config_path() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir("chipwatch", appauthor=False)) / "config.toml"


def user_db_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("chipwatch", appauthor=False)) / "chipwatch.db"


def resolve_config_path(
    cli_value: str | None, *, created: Callable[[Path], None] | None = None
) -> Path:
    """``--config`` > ``$CHIPWATCH_CONFIG`` > the user config dir (created on first run;
    ``created(path)`` is called then, by the one process that made it)."""
    if cli_value:
        return Path(cli_value).expanduser()
    env = os.environ.get("CHIPWATCH_CONFIG")
    if env:
        return Path(env).expanduser()
    path = user_config_path()
    if not path.exists() and _create_default(path) and created is not None:
        created(path)
    return path


def _create_default(path: Path) -> bool:
    """Write the shipped default at ``path`` whole, unless another process just did:
    a complete temporary file hard-linked into place (never half a file, never two
    creators). True when this call created it."""
    import tempfile  # here: every command imports this module, a first run only writes

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=".config.", suffix=".toml", dir=path.parent)
    except OSError as exc:  # e.g. $XDG_CONFIG_HOME names a file
        raise ConfigError(
            f"{path}: cannot create the default config ({exc.strerror}); "
            "check $XDG_CONFIG_HOME, or pass --config FILE"
        ) from exc
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(default_config_text())
        os.link(temp, path)
        return True
    except FileExistsError:
        return False
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot create the default config ({exc.strerror}); pass --config FILE"
        ) from exc
    finally:
        Path(temp).unlink(missing_ok=True)


def resolve_db_path(cli_value: str | None) -> Path:
    """``--db`` > ``$CHIPWATCH_DB`` > the user data dir. A path under a file (not a
    folder) is a :class:`UserError` naming where it came from."""
    if cli_value:
        return _store_location(Path(cli_value).expanduser(), "--db")
    env = os.environ.get("CHIPWATCH_DB")
    if env:
        return _store_location(Path(env).expanduser(), "$CHIPWATCH_DB")
    return _store_location(user_db_path(), "$XDG_DATA_HOME, or pass --db")


def _store_location(path: Path, source: str) -> Path:
    """``path``, unless the nearest existing folder above it is a file."""
    for parent in path.parents:
        if parent.exists():
            if parent.is_dir():
                return path
            raise UserError(
                f"{path}: cannot keep the store there: {parent} is a file, not a folder; "
                f"check {source}"
            )
    return path


def is_local(url: str) -> bool:
    """True for ``file://`` URLs and anything that is not an http(s) URL."""
    lowered = url.lower()
    return lowered.startswith("file:") or "://" not in lowered


def local_path(url: str) -> Path:
    """The filesystem path a ``file://`` URL or local path names."""
    if url.lower().startswith("file:"):
        from urllib.request import url2pathname  # brings http.client and email: not at startup

        parts = urlsplit(url)
        return Path(url2pathname(unquote(parts.path)))
    return Path(url).expanduser()
