"""The one config editor: adding and removing feeds and watches in the user's file.

The command line (``feeds add/remove/import``, ``watch add/remove``) and the monitor's
feeds and watches screens call these same functions, so they accept and refuse the
same things: a feed URL is normalized the same way (a local path made absolute), a
feed already configured (the same URL, or the same file by another spelling) or a
watch name already used is refused the same way.

Every edit goes through :func:`edit_config`: tomlkit keeps the user's comments and
layout, the result is validated like any config (an edit that would break the file is
refused and the file left untouched) and written atomically. A new table is placed
right after the last one of its kind, before the comments that introduce the next
section; a removed table hands its trailing comments to the one before it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import AoT, Comment, Table, Whitespace

from chipwatch.config.load import parse_config
from chipwatch.config.paths import default_config_text, is_local, local_path
from chipwatch.config.schema import ConfigError


class DuplicateFeed(ConfigError):
    """The feed is already configured (the command line says so and succeeds)."""


class DuplicateWatch(ConfigError):
    """A watch of that name already exists."""


@contextmanager
def edit_config(path: Path | str) -> Iterator[Any]:
    """Edit the user's config with tomlkit, keeping comments and layout.

    Yields the tomlkit document; on success the result is validated and written
    atomically (a temporary file renamed over the original). Raises ConfigError if the
    edit would make the file invalid, leaving the file untouched.
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8-sig") if path.exists() else default_config_text()
    try:
        document = tomlkit.parse(text)
    except tomlkit.exceptions.ParseError as exc:
        raise ConfigError(f"{path}:{exc.line}:{exc.col}: invalid TOML: {exc}") from exc
    yield document
    new_text = tomlkit.dumps(document)
    parse_config(new_text, path=path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(new_text, encoding="utf-8")
    os.replace(tmp, path)


# --------------------------------------------------------------------------- feeds


def add_feed(config_path: Path, url: str, name: str = "", tags: Iterable[str] = ()) -> str:
    """Add one ``[[feeds]]`` table; returns its URL as written (see
    :func:`normalize_feed_url`). A feed already configured is a :class:`DuplicateFeed`."""
    written = normalize_feed_url(url)
    if not written:
        raise ConfigError("a feed needs a URL")
    feed = {"url": written, "name": name.strip(), "tags": list(tags)}
    _added, duplicates = add_feeds(config_path, [feed])
    if duplicates:
        raise DuplicateFeed(f"{config_path}: feed {written} is already configured")
    return written


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


def remove_feed(config_path: Path, *urls: str) -> str | None:
    """Remove the first ``[[feeds]]`` whose url is one of ``urls`` (as given or as
    :func:`normalize_feed_url` writes it); returns it, or None."""
    wanted = set(urls) | {normalize_feed_url(url) for url in urls}
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


def _pop_trailing(table: Table) -> list[tuple[Any, Any]]:
    body = table.value.body
    trailing: list[tuple[Any, Any]] = []
    while body and body[-1][0] is None:
        trailing.insert(0, body.pop())
    return trailing


def _move_trailing(table: Table, previous: Table | None) -> None:
    """Keep the comments after a removed table (they introduce the next section)."""
    trailing = _pop_trailing(table)
    if previous is not None and trailing:
        _pop_trailing(previous)
        previous.value.body.extend(trailing)


# --------------------------------------------------------------------------- watches


def add_watch(
    config_path: Path,
    name: str,
    query: str,
    notify: Iterable[str] = (),
    webhook: str | None = None,
) -> None:
    """Add one ``[[watch]]`` table (its query is checked by the config's validation,
    its entities by the caller's tagger). A name already used is a :class:`DuplicateWatch`."""
    name, query = name.strip(), query.strip()
    if not name or not query:
        raise ConfigError("a watch needs a name and a query")
    with edit_config(config_path) as document:
        if name in [watch_name(table) for table in watch_tables(document)]:
            raise DuplicateWatch(f"{config_path}: a watch named {name!r} already exists")
        append_watch(document, new_watch_table(name, query, list(notify), webhook))


def replace_watch(
    config_path: Path,
    name: str,
    query: str,
    notify: Iterable[str] | None = None,
    webhook: str | None = None,
) -> str | None:
    """Give the watch called ``name`` a new query, in place: its position, comments and
    other keys stay (a spike watch becomes a query watch). ``notify``/``webhook``
    replace its channels when given, else they are kept. Returns the query (or spike
    entity) it had; None, with the file untouched, when there is no such watch."""
    name, query = name.strip(), query.strip()
    if not name or not query:
        raise ConfigError("a watch needs a name and a query")
    with edit_config(config_path) as document:
        tables = {watch_name(table): table for table in watch_tables(document)}
        table = tables.get(name)
        if table is None:
            return None
        before = str(table.get("query") or f"@{table.get('entity')} spike")
        for key in SPIKE_KEYS:
            table.pop(key, None)
        if "name" not in table:  # its name was its query: keep the name it is known by
            table["name"] = name
        literal = "'" not in query and "\n" not in query
        table["query"] = tomlkit.string(query, literal=literal)
        if notify is not None:
            _set_or_drop(table, "notify", list(notify))
            _set_or_drop(table, "webhook", webhook)
    return before


# The keys that make a watch a spike watch (config.schema), dropped when it gets a query.
SPIKE_KEYS = ("kind", "entity", "factor", "min_stories")


def _set_or_drop(table: Table, key: str, value: Any) -> None:
    if value:
        table[key] = value
    else:
        table.pop(key, None)


def remove_watch(config_path: Path, name: str) -> bool:
    """Remove the watch called ``name``; False (the file untouched) when there is none."""
    with edit_config(config_path) as document:
        names = [watch_name(table) for table in watch_tables(document)]
        if name not in names:
            return False
        remove_watch_table(document, names.index(name))
    return True


def watch_tables(document: Any) -> list[Table]:
    """The ``[[watch]]`` tables of a document (an empty list when there are none)."""
    value = document.get("watch")
    return list(value) if isinstance(value, AoT) else []


def watch_name(table: Any) -> str:
    """A watch table's name as the config loader defaults it."""
    return str(table.get("name") or table.get("query") or f"{table.get('entity')} spike")


def new_watch_table(name: str, query: str, notify: list[str], webhook: str | None) -> Table:
    """A ``[[watch]]`` table; the query is a literal string when it can be (no escapes)."""
    table = tomlkit.table()
    table["name"] = name
    literal = "'" not in query and "\n" not in query
    table["query"] = tomlkit.string(query, literal=literal)
    if notify:
        table["notify"] = notify
    if webhook:
        table["webhook"] = webhook
    return table


def append_watch(document: Any, table: Table) -> None:
    """Add ``table`` after the last ``[[watch]]``, moving that one's trailing comments."""
    aot = document.get("watch")
    if not isinstance(aot, AoT) or len(aot) == 0:
        document.add(tomlkit.nl())
        document.append("watch", tomlkit.aot())
        aot = document["watch"]
        aot.append(table)
        return
    last = aot[-1]
    trailing = _take_trailing(last)
    if trailing and isinstance(trailing[0], Whitespace):
        last.value.body.append((None, trailing.pop(0)))
    else:
        last.value.body.append((None, Whitespace("\n")))
    if trailing:
        table.value.body.append((None, Whitespace("\n")))
        table.value.body.extend((None, item) for item in trailing)
    aot.append(table)


def remove_watch_table(document: Any, index: int) -> None:
    """Remove the ``index``-th ``[[watch]]``; its trailing comments stay in place."""
    aot = document["watch"]
    trailing = _take_trailing(aot[index])
    if index > 0:
        previous = aot[index - 1].value.body
        if trailing and isinstance(trailing[0], Whitespace):
            while previous and previous[-1][0] is None and isinstance(previous[-1][1], Whitespace):
                previous.pop()
        previous.extend((None, item) for item in trailing)
        del aot[index]
        return
    if len(aot) > 1:
        del aot[index]
        return  # lines between the first and second watch described the first
    position = _body_index(document, "watch")
    while trailing and isinstance(trailing[0], Whitespace):
        trailing.pop(0)
    document.remove("watch")
    for offset, item in enumerate(trailing):
        document.body.insert(position + offset, (None, item))


def _take_trailing(table: Table) -> list[Any]:
    """Detach the comments and blank lines after a table's last key."""
    body = table.value.body
    cut = len(body)
    while (
        cut > 0 and body[cut - 1][0] is None and isinstance(body[cut - 1][1], Comment | Whitespace)
    ):
        cut -= 1
    trailing = [item for _, item in body[cut:]]
    del body[cut:]
    return trailing


def _body_index(document: Any, key: str) -> int:
    for index, (name, _item) in enumerate(document.body):
        if name is not None and name.key == key:
            return index
    return len(document.body)
