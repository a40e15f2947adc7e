"""The lxml fast path: feedparser's result for well-formed RSS/Atom, ~10x faster.

The only code that touches feedparser's internals (its encoding detection, its parse
state and handlers, re-enacted); anything it does not re-enact exactly is left to
feedparser (see :mod:`.parse`). Pinned to feedparser 6.0 in pyproject.toml."""
