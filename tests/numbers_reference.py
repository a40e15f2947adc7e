"""Figures and wire credits as they were read before session 27 (branch featcpu): the
reference ``tests/test_features_exact.py`` holds the rewritten readers to. The patterns
and tables are imported from the modules, unchanged; only the bodies are the old ones."""

from __future__ import annotations

import re

from chipwatch.clustering.credits import _CREDIT_SPOT, _OPENING, _WIRE_PATTERNS
from chipwatch.clustering.number_words import _CJK, _CJK_DIGITS, _JOIN, _TABLES
from chipwatch.clustering.numbers import (
    _PREFIX,
    _SCALE_TAIL,
    _SCALE_WORDS,
    _SUFFIX,
    COMMA_DECIMAL_LANGS,
    DAY_MAX,
    _count_key,
    _dated,
    _round,
    normalize_for_numbers,
)

# The digit runs' pattern as it was (the module's now starts outside its alternation).
_NUMBER = re.compile(r"\d{1,3}(?:[ \u00a0\u202f.,]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?")


def reference_number_keys(text: str, lang: str = "und") -> set[str]:
    """``number_keys`` as it was: every digit run read, every spelled count looked for."""
    normalized = normalize_for_numbers(text)
    keys: set[str] = set()
    for match in _NUMBER.finditer(normalized):
        key = _reference_key_for(match, normalized, lang)
        if key:
            keys.add(key)
    keys.update(f"n:{n}" for n in reference_word_counts(normalized, lang))
    return keys


def _reference_key_for(match: re.Match[str], text: str, lang: str) -> str | None:
    start, end = match.span()
    if _reference_glued_to_word(text, start, end):
        return None
    value = reference_parse_number(match.group(), lang)
    if value is None:
        return None
    tail = _SUFFIX.match(text, end)
    if tail is not None and tail.group("pct"):
        return f"pct:{_round(value)}"
    scale = tail.group("scale") if tail is not None else None
    currency = _PREFIX.search(text[max(0, start - 5) : start]) or (
        tail is not None and tail.group("cur2")
    )
    if scale:
        value *= _SCALE_WORDS[scale.lower()]
    if scale or currency:
        if value < 1000 and not currency:
            return None
        return f"amt:{_round(value)}"
    if value < DAY_MAX and _dated(text, start, end):
        return None
    return _count_key(value)


def reference_parse_number(raw: str, lang: str) -> float | None:
    """``parse_number`` as it was (its patterns compiled through ``re``'s cache)."""
    text = re.sub(r"[ \u00a0\u202f]", "", raw)
    comma_decimal = lang.split("-")[0] in COMMA_DECIMAL_LANGS
    if "," in text and "." in text:
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
    elif "," in text:
        decimal = "," if comma_decimal or not re.search(r",\d{3}$", text) else ""
    elif "." in text:
        decimal = "." if not comma_decimal or not re.search(r"\.\d{3}$", text) else ""
    else:
        decimal = ""
    thousands = {",", "."} - {decimal}
    for mark in thousands:
        text = text.replace(mark, "")
    text = text.replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return None


def _reference_glued_to_word(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return (before.isascii() and before.isalpha()) or (
        after.isascii()
        and after.isalpha()
        and not text[end : end + 2].startswith(("bn", "b ", "m ", "k "))
        and not re.match(_SCALE_TAIL, text[end:], re.IGNORECASE)
    )


def reference_word_counts(text: str, lang: str) -> list[int]:
    """``word_counts`` as it was: the language's pattern run over the whole text."""
    base = lang.split("-")[0].lower()
    if base in ("zh", "ja"):
        found = []
        for match in _CJK.finditer(text):
            tens = _CJK_DIGITS.get(match.group(1), 1) * 10
            found.append(tens + _CJK_DIGITS.get(match.group(2), 0))
        return [n for n in found if n >= 10]
    table = _TABLES.get(base)
    if table is None:
        return []
    pattern, values = table
    return [v for v in (_value(m.group(), base, values) for m in pattern.finditer(text)) if v]


def _value(words: str, lang: str, values: dict[str, int]) -> int | None:
    if words in values:
        return values[words] if values[words] >= 10 else None
    sep = _JOIN[lang][1]
    parts = re.split(rf"(?:{sep})", words, maxsplit=1)
    if len(parts) != 2:
        return None
    one, other = (values.get(p) for p in parts)
    if one is None or other is None:
        return None
    return one + other


def reference_wire_credit(summary: str) -> str:
    """``wire_credit`` as it was: every wire's pattern tried on every bracket."""
    opening = summary[:_OPENING]
    for spot in _CREDIT_SPOT.finditer(opening):
        text = spot.group()
        for name, pattern in _WIRE_PATTERNS:
            if pattern.search(text):
                return name
    return ""
