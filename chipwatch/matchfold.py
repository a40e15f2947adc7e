"""The folded form text is matched in, shared by the entity tagger and the action grammar.

Both compare NFKC + lower-case text, and both report spans in the text the user sees,
so they fold the same way: most text keeps its length when folded and offsets are
shared; when it does not (ligatures, combining marks, "İ"), an index map gives each
folded character's offset in the original. Defined once, here, so an entity's span and
an action's object found in one article always agree on where a word is.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache


def fold(text: str) -> str:
    """The form words are compared in: NFKC, then lower case (length-stable for most text)."""
    return unicodedata.normalize("NFKC", text).lower()


def fold_with_map(text: str) -> tuple[str, list[int] | None]:
    """Folded text and, when folding changed lengths, each folded char's original offset
    (with ``len(text)`` appended, so an end offset maps too).

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
