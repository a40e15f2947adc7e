"""Following merged stories: ONE rule, in Python and in SQL.

A merged story keeps its row with ``merged_into`` set, so links to it (alerts, a digest
read earlier) still lead to the story it became. Every writer points a merged story
straight at a live one (a merge re-points the stories merged into its source; a story an
edit emptied re-points those merged into it), so one hop is enough in SQL; the Python
side follows a chain an older store may hold. No sqlite_utils here: the monitor's
reads use it on their plain sqlite3 connection.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chipwatch.store.db import AnyConnection

_MAX_MERGE_HOPS = 64

# The live story of an article (``a``) joined with its story (``s``).
LIVE_STORY_SQL = "COALESCE(s.merged_into, a.story_id)"


def resolve_story_id(db: AnyConnection, story_id: int) -> int:
    """Follow ``merged_into`` to the story a merged one became."""
    current = story_id
    for _ in range(_MAX_MERGE_HOPS):
        row = db.execute("SELECT merged_into FROM stories WHERE id = ?", [current]).fetchone()
        if row is None or row[0] is None:
            return current
        current = int(row[0])
    return current


def live_story_id(db: AnyConnection, story_id: int) -> int | None:
    """The story ``story_id`` is now (following merges), or None when its row is gone."""
    row = db.execute("SELECT merged_into FROM stories WHERE id = ?", [story_id]).fetchone()
    if row is None:
        return None
    return story_id if row[0] is None else resolve_story_id(db, story_id)
