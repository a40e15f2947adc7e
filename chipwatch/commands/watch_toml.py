"""Adding and removing ``[[watch]]`` tables in a tomlkit document, keeping comments.

tomlkit files the comments and blank lines that follow a table's keys under that table,
so the commented-out examples and section banners after the last ``[[watch]]`` belong
to it. A new watch is placed after the last one's keys and those trailing lines move
below it; a removed watch hands its trailing lines to the table before it.
"""

from __future__ import annotations

from typing import Any

import tomlkit
from tomlkit.items import AoT, Comment, Table, Whitespace


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


def remove_watch(document: Any, index: int) -> None:
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
