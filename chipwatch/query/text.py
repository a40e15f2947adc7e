"""Text folding for queries: case-, accent- and width-insensitive words, a light
multilingual stemmer and fuzzy word comparison.

Feed text and query text go through the same :func:`fold`, so ``ＬＩＣＥＮＣＥ``,
``Licence`` and ``licencé`` all become ``licence`` (and then ``licenc`` for ``~``).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Scripts written without spaces between words: a query word in them matches as a
# substring, since neither we nor FTS5's unicode61 tokenizer can split their words.
UNSPACED = (
    "\u0e00-\u0e7f"  # Thai
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # CJK ideographs
    "\uac00-\ud7af"  # Hangul syllables (particles attach to words)
)
_UNSPACED_RE = re.compile(f"[{UNSPACED}]")
# A token is a run of unspaced-script characters, or a run of other letters and digits.
_TOKEN = re.compile(f"[{UNSPACED}]+|[^\\W_{UNSPACED}]+")


SHORT_TEXT = 300  # feed names, titles and query words repeat: cache them, not summaries


def fold(text: str) -> str:
    """NFKC (width, ligatures), case-fold, strip accents: the form every comparison uses."""
    return _fold_cached(text) if len(text) <= SHORT_TEXT else _fold(text)


@lru_cache(maxsize=32768)
def _fold_cached(text: str) -> str:
    return _fold(text)


def _fold(text: str) -> str:
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKC", text).casefold()
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped)


def tokens(text: str) -> list[str]:
    """The folded words of ``text``, in order."""
    return _TOKEN.findall(fold(text))


def is_unspaced(text: str) -> bool:
    """True when ``text`` contains characters of a script written without spaces."""
    return bool(_UNSPACED_RE.search(text))


# Inflectional endings of English, French, Spanish, Italian, Portuguese and German,
# longest first. Stems keep at least MIN_STEM characters so short words stay whole.
_SUFFIXES = tuple(
    sorted(
        {
            "aciones",
            "ations",
            "ation",
            "acion",
            "acoes",
            "acao",
            "azione",
            "azioni",
            "ements",
            "ement",
            "ments",
            "ment",
            "iones",
            "ings",
            "ing",
            "ies",
            "ied",
            "ias",
            "ia",
            "ios",
            "io",
            "ees",
            "ee",
            "es",
            "en",
            "er",
            "ed",
            "as",
            "os",
            "e",
            "s",
            "a",
            "o",
            "i",
        },
        key=len,
        reverse=True,
    )
)
MIN_STEM = 4


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light stem of a folded word (cached); see :func:`_stem_uncached`."""
    return _stem_uncached(word)


def _stem_uncached(word: str) -> str:
    """A light stem of a folded word: strips one inflectional ending.

    ``licence``, ``licences``, ``license``, ``licencias`` → ``licenc``/``licens``;
    close enough for :func:`fuzzy_equal` to join them.
    """
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM:
            return word[: -len(suffix)]
    return word


def max_edits(word: str) -> int:
    """Edits tolerated by ``word~``: none for short words, one for medium, two for long."""
    if len(word) <= 3:
        return 0
    return 1 if len(word) <= 7 else 2


@lru_cache(maxsize=65536)
def fuzzy_equal(query_word: str, token: str) -> bool:
    """Does ``token`` count as ``query_word~`` (both folded)?

    Same stem, or stems within :func:`max_edits` of each other (typos, British and
    American spellings, inflections across languages).
    """
    if token == query_word:
        return True
    a, b = stem(query_word), stem(token)
    if a == b:
        return True
    limit = max_edits(a)
    if limit == 0 or abs(len(a) - len(b)) > limit:
        return False
    # rapidfuzz is imported when first needed: the monitor, the config's checks and the
    # store's search load the query language, most of them never with a word~.
    from rapidfuzz.distance import Levenshtein

    return Levenshtein.distance(a, b, score_cutoff=limit) <= limit


def fuzzy_candidates(query_word: str, words: list[str]) -> list[str]:
    """The words of a vocabulary that count as ``query_word~`` (all folded).

    Cheap length and stem checks first: a vocabulary holds many thousands of words.
    """
    from rapidfuzz.distance import Levenshtein

    base = stem(query_word)
    limit = max_edits(base)
    found = []
    for word in words:
        if abs(len(word) - len(query_word)) > limit + 7:
            continue
        other = _stem_uncached(word)
        if other == base or (
            limit
            and abs(len(other) - len(base)) <= limit
            and Levenshtein.distance(base, other, score_cutoff=limit) <= limit
        ):
            found.append(word)
    return found
