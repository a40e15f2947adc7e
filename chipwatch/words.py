"""Words for people: counted nouns. Every count the command line, digests and alerts
print goes through :func:`plural`, so no output says "1 feeds" or "1 fetches"."""

from __future__ import annotations

# Nouns whose plural is not the word plus "s".
_IRREGULAR = {"story": "stories", "entity": "entities", "fetch": "fetches", "match": "matches",
              "watch": "watches", "alias": "aliases", "query": "queries", "category": "categories"}  # fmt: skip


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 story``, ``2 stories``, ``0 feeds``."""
    return f"{count} {noun(count, word, many)}"


def noun(count: int, word: str, many: str | None = None) -> str:
    """The noun alone: ``story`` for 1, ``stories`` otherwise."""
    if count == 1:
        return word
    return many or _IRREGULAR.get(word) or word + "s"


# A feed's fetch status as people read it: 304 Not Modified is a healthy fetch, and the
# stored name (kept in --json and the store) read as a fault in `feeds list`'s table.
STATUS_WORDS = {"not_modified": "unchanged"}


def status_word(status: str) -> str:
    """``not_modified`` → ``unchanged``; other statuses as stored."""
    return STATUS_WORDS.get(status, status)
