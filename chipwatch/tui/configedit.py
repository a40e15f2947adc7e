"""Config edits made from the monitor (add/remove a feed or a watch).

They go through :func:`chipwatch.config.edit_config`, so the user's comments and layout
are kept and an edit that would make the file invalid is refused with a clear message."""

from __future__ import annotations

from pathlib import Path

from chipwatch.config import ConfigError, edit_config


def _array(document, key: str):
    import tomlkit

    if key not in document:
        document.append(key, tomlkit.aot())
    return document[key]


def add_feed(path: Path, url: str, name: str = "") -> None:
    """Append a ``[[feeds]]`` entry; a URL already configured is an error."""
    import tomlkit

    url = url.strip()
    if not url:
        raise ConfigError("a feed needs a URL")
    with edit_config(path) as document:
        feeds = _array(document, "feeds")
        if any(str(f.get("url", "")) == url for f in feeds):
            raise ConfigError(f"{path}: feed {url} is already configured")
        table = tomlkit.table()
        table.add("url", url)
        if name.strip():
            table.add("name", name.strip())
        table.add(tomlkit.nl())
        feeds.append(table)


def remove_feed(path: Path, url: str) -> bool:
    """Remove the ``[[feeds]]`` entry with ``url``; False if there was none."""
    with edit_config(path) as document:
        feeds = _array(document, "feeds")
        for index, feed in enumerate(feeds):
            if str(feed.get("url", "")) == url:
                del feeds[index]
                return True
    return False


def add_watch(path: Path, name: str, query: str) -> None:
    """Append a ``[[watch]]`` entry; names are unique."""
    import tomlkit

    name, query = name.strip(), query.strip()
    if not name or not query:
        raise ConfigError("a watch needs a name and a query")
    with edit_config(path) as document:
        watches = _array(document, "watch")
        if any(str(w.get("name", "")) == name for w in watches):
            raise ConfigError(f"{path}: a watch named {name!r} already exists")
        table = tomlkit.table()
        table.add("name", name)
        table.add("query", query)
        table.add(tomlkit.nl())
        watches.append(table)


def remove_watch(path: Path, name: str) -> bool:
    """Remove the ``[[watch]]`` entry called ``name``; False if there was none."""
    with edit_config(path) as document:
        watches = _array(document, "watch")
        for index, watch in enumerate(watches):
            if str(watch.get("name", "")) == name:
                del watches[index]
                return True
    return False
