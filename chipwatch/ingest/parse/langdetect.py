"""A light language guess for entries whose feed does not say: scripts, then stop words.

Good enough to tell the languages chipwatch's users read apart in a headline and a
summary; anything unsure is ``und``.
"""

from __future__ import annotations

import re
import unicodedata

_STOP_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        [
            "the",
            "and",
            "of",
            "to",
            "in",
            "is",
            "for",
            "on",
            "that",
            "with",
            "as",
            "by",
            "from",
            "are",
            "was",
            "its",
            "it",
            "this",
            "be",
            "has",
            "have",
            "will",
            "at",
            "an",
            "said",
            "new",
        ]
    ),
    "fr": frozenset(
        [
            "le",
            "la",
            "les",
            "des",
            "du",
            "de",
            "et",
            "est",
            "une",
            "un",
            "pour",
            "dans",
            "sur",
            "que",
            "qui",
            "au",
            "aux",
            "par",
            "pas",
            "ses",
            "avec",
            "ont",
            "été",
            "il",
            "elle",
            "cette",
            "selon",
        ]
    ),
    "de": frozenset(
        [
            "der",
            "die",
            "das",
            "und",
            "ist",
            "nicht",
            "ein",
            "eine",
            "mit",
            "für",
            "auf",
            "den",
            "dem",
            "des",
            "von",
            "zu",
            "im",
            "sich",
            "auch",
            "wird",
            "bei",
            "nach",
        ]
    ),
    "es": frozenset(
        [
            "el",
            "la",
            "los",
            "las",
            "de",
            "y",
            "que",
            "en",
            "un",
            "una",
            "por",
            "con",
            "para",
            "del",
            "se",
            "es",
            "su",
            "al",
            "como",
            "más",
            "según",
            "sus",
        ]
    ),
    "it": frozenset(
        [
            "il",
            "lo",
            "la",
            "gli",
            "le",
            "di",
            "e",
            "che",
            "un",
            "una",
            "per",
            "con",
            "del",
            "della",
            "è",
            "non",
            "sono",
            "dei",
            "nel",
            "alla",
            "più",
        ]
    ),
    "pt": frozenset(
        [
            "o",
            "a",
            "os",
            "as",
            "de",
            "e",
            "que",
            "em",
            "um",
            "uma",
            "para",
            "com",
            "do",
            "da",
            "não",
            "por",
            "se",
            "dos",
            "das",
            "mais",
            "ao",
            "segundo",
        ]
    ),
    "nl": frozenset(
        [
            "de",
            "het",
            "een",
            "en",
            "van",
            "in",
            "is",
            "op",
            "dat",
            "met",
            "voor",
            "niet",
            "zijn",
            "te",
            "aan",
            "ook",
            "door",
            "wordt",
        ]
    ),
}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
MIN_WORDS = 3


def _languages_of() -> dict[str, tuple[str, ...]]:
    """Each stop word → the languages listing it, in _STOP_WORDS order (ties keep it)."""
    index: dict[str, tuple[str, ...]] = {}
    for lang, words in _STOP_WORDS.items():
        for word in words:
            index[word] = (*index.get(word, ()), lang)
    return index


_LANGUAGES_OF = _languages_of()
# A character _script_of can place (it places nothing below U+0370).
_NON_LATIN = re.compile("[^\x00-\u036f]")


def detect_language(text: str) -> str:
    """A two-letter code, or ``und`` when the text is too short or unclear."""
    if not text:
        return "und"
    by_script = _script_language(text)
    if by_script:
        return by_script
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) < MIN_WORDS:
        return "und"
    scores = dict.fromkeys(_STOP_WORDS, 0)
    for word in words:
        for lang in _LANGUAGES_OF.get(word, ()):
            scores[lang] += 1
    best = max(scores, key=lambda lang: scores[lang])
    ranked = sorted(scores.values(), reverse=True)
    if ranked[0] < 2 or ranked[0] == ranked[1]:
        return "und"
    return best


def _script_language(text: str) -> str | None:
    head = text[:2000]
    if not _NON_LATIN.search(head):
        return None  # no character any script below could count
    counts: dict[str, int] = {}
    letters = 0
    for char in head:
        if not char.isalpha():
            continue
        letters += 1
        script = _script_of(char)
        if script:
            counts[script] = counts.get(script, 0) + 1
    if not counts or letters == 0:
        return None
    if counts.get("kana", 0) >= 2:
        return "ja"
    script, count = max(counts.items(), key=lambda item: item[1])
    if count * 3 < letters:
        return None
    return {
        "han": "zh",
        "hangul": "ko",
        "cyrillic": "ru",
        "arabic": "ar",
        "hebrew": "he",
        "greek": "el",
        "thai": "th",
        "devanagari": "hi",
    }.get(script)


def _script_of(char: str) -> str | None:
    code = ord(char)
    if code < 0x370:
        return None
    if 0x3040 <= code <= 0x30FF:
        return "kana"
    if 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF:
        return "han"
    if 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF:
        return "hangul"
    name = unicodedata.name(char, "")
    for script in ("CYRILLIC", "ARABIC", "HEBREW", "GREEK", "THAI", "DEVANAGARI"):
        if name.startswith(script):
            return script.lower()
    return None
