"""Folding text for the matcher, and mapping folded offsets back to the original.

The matcher compares NFKC + lower-case text. Most text keeps its length when folded,
so offsets are shared; when it does not (ligatures, combining marks, "İ"), an index
map gives each folded character's offset in the original, so spans always slice the
text the user sees.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from chipwatch.entities.data import fold, strip_latin_accents


def fold_with_map(text: str) -> tuple[str, list[int] | None]:
    """Folded text and, when folding changed lengths, each folded char's original offset.

    Three speeds: NFKC text whose lower case keeps its length (most Latin text) is
    lowered in C; text whose characters each fold to one character (full-width forms,
    CJK punctuation, no-break spaces) goes through one ``str.translate``; only text with
    ligatures or combining marks pays for a per-character loop and an index map.
    """
    if text.isascii():
        return text.lower(), None
    if unicodedata.is_normalized("NFKC", text):
        lowered = text.lower()
        if len(lowered) == len(text):
            return lowered, None
    folded = text.translate(_ONE_TO_ONE)
    if _IRREGULAR not in folded:
        return folded, None
    pieces: list[str] = []
    index: list[int] = []
    for offset, char in enumerate(text):
        piece = _fold_char(char)
        pieces.append(piece)
        index.extend([offset] * len(piece))
    index.append(len(text))
    return "".join(pieces), index


_IRREGULAR = "\x00"


class _OneToOne(dict[int, str]):
    """``str.translate`` table: a character's fold when it is one character, else a marker.

    Filled lazily: each distinct character is folded once per process.
    """

    def __missing__(self, code: int) -> str:
        folded = _fold_char(chr(code))
        value = folded if len(folded) == 1 and code else _IRREGULAR
        self[code] = value
        return value


_ONE_TO_ONE = _OneToOne()


@lru_cache(maxsize=8192)
def _fold_char(char: str) -> str:
    """One character folded; lone combining marks vanish (``e`` + acute → ``e``)."""
    if unicodedata.combining(char):
        return ""
    return fold(char)


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
