"""Mapping the matcher's folded offsets back to the original text, and checking case.

Text is folded by :func:`chipwatch.matchfold.fold_with_map` (shared with the action
grammar); its index map turns folded spans into spans of the text the user sees.
"""

from __future__ import annotations

import unicodedata

from chipwatch.entities.data import strip_latin_accents


def _original_span(index: list[int] | None, start: int, end: int) -> tuple[int, int]:
    if index is None:
        return start, end
    return index[start], index[end - 1] + 1


def case_ok(text: str, index: list[int] | None, start: int, end: int, alias: str) -> bool:
    """A case-sensitive alias must be written as in the dictionary, or in capitals."""
    a, b = _original_span(index, start, end)
    written = unicodedata.normalize("NFKC", text[a:b])
    if written in (alias, alias.upper()):
        return True
    return strip_latin_accents(written) in (
        strip_latin_accents(alias),
        strip_latin_accents(alias.upper()),
    )
