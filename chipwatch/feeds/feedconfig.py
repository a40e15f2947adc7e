"""Adding and removing ``[[feeds]]`` tables in the user's config, keeping its layout.

Edits go through :func:`chipwatch.config.edit_config` (tomlkit: comments kept, the
result validated, written atomically). A new table is placed right after the last
``[[feeds]]`` table, before the comments that introduce the next section.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import AoT, Table, Whitespace

from chipwatch.config import ConfigError, edit_config
from chipwatch.feeds.localfile import is_local, local_path


def normalize_feed_url(url: str) -> str:
    """A URL as it will be written: local paths made absolute (the poller may run elsewhere)."""
    url = url.strip()
    if "://" in url:
        scheme = url.split("://", 1)[0].lower()
        if scheme not in ("http", "https", "file"):
            raise ConfigError(f"{url}: a feed URL must be http(s)://, file:// or a local path")
        return url
    if is_local(url):
        return str(local_path(url).resolve())
    return url


def same_feed_key(url: str) -> str:
    """Compare feeds by URL, a local file by its resolved path (path or file:// alike)."""
    if is_local(url):
        return "file:" + str(local_path(url).expanduser().resolve())
    return url.strip()


def add_feeds(config_path: Path, feeds: Iterable[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """Append feeds (dicts with url, and name/tags when set); returns (added, duplicates)."""
    added: list[str] = []
    duplicates: list[str] = []
    with edit_config(config_path) as document:
        array = _feeds_array(document)
        known = {same_feed_key(str(table.get("url", ""))) for table in array}
        for feed in feeds:
            if same_feed_key(feed["url"]) in known:
                duplicates.append(feed["url"])
                continue
            known.add(same_feed_key(feed["url"]))
            _append(array, _table(feed))
            added.append(feed["url"])
    return added, duplicates


def remove_feed(config_path: Path, urls: Iterable[str]) -> str | None:
    """Remove the first ``[[feeds]]`` whose url is one of ``urls``; returns it, or None."""
    wanted = set(urls)
    with edit_config(config_path) as document:
        array = document.get("feeds")
        if not isinstance(array, AoT):
            return None
        for index, table in enumerate(array):
            if str(table.get("url", "")) in wanted:
                removed = str(table["url"])
                if len(array) == 1:
                    _move_trailing(table, _table_before(document, "feeds"))
                    del document["feeds"]
                else:
                    _move_trailing(table, array[index - 1] if index > 0 else None)
                    del array[index]
                return removed
    return None


def _table_before(document: Any, key: str) -> Table | None:
    """The table written just above ``key`` in the document (to keep trailing comments)."""
    previous = None
    for name, item in document.body:
        if name is not None and name.key == key:
            return previous if isinstance(previous, Table) else None
        if isinstance(item, Table):
            previous = item
    return None


def _feeds_array(document: Any) -> AoT:
    array = document.get("feeds")
    if array is None:
        array = tomlkit.aot()
        document.append("feeds", array)
    if not isinstance(array, AoT):
        raise ConfigError("feeds: must be an array of tables, written [[feeds]]")
    return array


def _table(feed: dict[str, Any]) -> Table:
    table = tomlkit.table()
    if feed.get("name"):
        table["name"] = feed["name"]
    table["url"] = feed["url"]
    if feed.get("tags"):
        table["tags"] = list(feed["tags"])
    return table


def _append(array: AoT, table: Table) -> None:
    """Append after the last table, moving its trailing comments below the new one."""
    if len(array):
        last = array[-1]
        trailing = _pop_trailing(last)
        if trailing and isinstance(trailing[0][1], Whitespace):
            last.value.body.append(trailing.pop(0))
        array.append(table)
        if trailing:
            table.value.body.append((None, Whitespace("\n")))
            table.value.body.extend(trailing)
    else:
        array.append(table)


def _pop_trailing(table: Table) -> list[tuple[None, Any]]:
    body = table.value.body
    trailing: list[tuple[None, Any]] = []
    while body and body[-1][0] is None:
        trailing.insert(0, body.pop())
    return trailing


def _move_trailing(table: Table, previous: Table | None) -> None:
    """Keep the comments after a removed table (they introduce the next section)."""
    trailing = _pop_trailing(table)
    if previous is not None and trailing:
        _pop_trailing(previous)
        previous.value.body.extend(trailing)
