"""A feed is named by one rule everywhere: its name, else its own title, else its URL."""

from __future__ import annotations

import itertools
import sqlite3

from chipwatch.model import feed_label
from chipwatch.store.feed_label import FEED_LABEL_SQL


def test_the_sql_rule_and_the_python_rule_agree() -> None:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE feeds (id INTEGER PRIMARY KEY, url TEXT, name TEXT, title TEXT)")
    cases = list(itertools.product(["", None, "Wire"], ["", None, "Wire (EN)"]))
    for index, (name, title) in enumerate(cases):
        db.execute("INSERT INTO feeds VALUES (?, ?, ?, ?)", [index, f"u{index}", name, title])
    rows = db.execute(f"SELECT f.id, {FEED_LABEL_SQL} FROM feeds f ORDER BY f.id").fetchall()
    expected = [(i, feed_label(name, title, f"u{i}")) for i, (name, title) in enumerate(cases)]
    assert rows == expected
    assert feed_label("", "", "https://x.example/feed") == "https://x.example/feed"
