"""A feed's display name in SQL: the store's twin of :func:`chipwatch.model.feed_label`
(its configured name, else its own title, else its URL; a test holds the two together).
Every query that names a feed uses it."""

from __future__ import annotations


def feed_label_sql(table: str = "f") -> str:
    """The display name of the ``feeds`` row called ``table`` in the query."""
    return f"COALESCE(NULLIF({table}.name, ''), NULLIF({table}.title, ''), {table}.url)"


FEED_LABEL_SQL = feed_label_sql("f")
