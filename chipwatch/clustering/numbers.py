"""Numbers and amounts in news text, normalized across locales and scripts.

"$4.5bn", "4,5 milliards de dollars", "4.500 millones de dólares", "45亿美元" and
"45億ドル" all become the key ``amt:4.5e+09``: the same figure reported in several
languages is one of the strongest signs that two articles tell one event. Percentages
become ``pct:15``. Bare counts ("140 entities") become ``n:140`` (weaker evidence).
Years, days of the month and other small numbers are ignored: they say little.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from chipwatch.clustering.number_words import word_counts
from chipwatch.timeutil import MONTH_ABBREVIATIONS

# Languages that write 4,5 for four and a half and 4.500 (or 4 500) for four thousand.
COMMA_DECIMAL_LANGS = frozenset(
    [
        "fr",
        "de",
        "es",
        "pt",
        "it",
        "nl",
        "ru",
        "pl",
        "sv",
        "da",
        "nb",
        "no",
        "fi",
        "cs",
        "sk",
        "tr",
        "ro",
        "hu",
        "id",
        "vi",
        "uk",
    ]
)

_SCALE_WORDS: dict[str, float] = {
    "k": 1e3,
    "thousand": 1e3,
    "mille": 1e3,
    "tausend": 1e3,
    "mil": 1e3,
    "m": 1e6,
    "mn": 1e6,
    "mln": 1e6,
    "million": 1e6,
    "millions": 1e6,
    "mio": 1e6,
    "millionen": 1e6,
    "millones": 1e6,
    "millón": 1e6,
    "milhões": 1e6,
    "milhão": 1e6,
    "bn": 1e9,
    "b": 1e9,
    "billion": 1e9,
    "billions": 1e9,
    "milliard": 1e9,
    "milliards": 1e9,
    "mrd": 1e9,
    "md": 1e9,
    "mds": 1e9,
    "milliarde": 1e9,
    "milliarden": 1e9,
    "mil millones": 1e9,
    "bilhões": 1e9,
    "bilhão": 1e9,
    "bi": 1e9,
    "tn": 1e12,
    "trillion": 1e12,
    "trillions": 1e12,
    "billionen": 1e12,
    "billones": 1e12,
    "trilhões": 1e12,
    "万": 1e4,
    "萬": 1e4,
    "亿": 1e8,
    "億": 1e8,
    "万亿": 1e12,
    "兆": 1e12,
}
_CURRENCY_WORDS: dict[str, str] = {
    "$": "usd",
    "us$": "usd",
    "usd": "usd",
    "dollar": "usd",
    "dollars": "usd",
    "dólares": "usd",
    "dolares": "usd",
    "dólar": "usd",
    "美元": "usd",
    "ドル": "usd",
    "€": "eur",
    "eur": "eur",
    "euro": "eur",
    "euros": "eur",
    "欧元": "eur",
    "ユーロ": "eur",
    "£": "gbp",
    "¥": "cny",
    "yuan": "cny",
    "rmb": "cny",
    "元": "cny",
    "人民币": "cny",
    "yen": "jpy",
    "円": "jpy",
    "won": "krw",
    "원": "krw",
}
_PERCENT_WORDS = (
    "%",
    "percent",
    "per cent",
    "pour cent",
    "prozent",
    "por ciento",
    "por cento",
    "パーセント",
)

# "4.500" (thousands) or "4,5" (decimals). The first digit is outside the alternation so
# that the regex engine skips to digits in C instead of trying both branches everywhere
# (the same matches as "\\d{1,3}(?:sep\\d{3})+...|\\d+...", tried in the same order).
_NUM = r"\d(?:\d{0,2}(?:[ \u00a0\u202f.,]\d{3})+(?:[.,]\d+)?|\d*(?:[.,]\d+)?)"
_SCALES = "|".join(sorted((re.escape(w) for w in _SCALE_WORDS), key=len, reverse=True))
_CURRS = "|".join(sorted((re.escape(w) for w in _CURRENCY_WORDS), key=len, reverse=True))
_PCTS = "|".join(re.escape(w) for w in _PERCENT_WORDS)
# Latin scale words must end at a word boundary ("m" in "mi308" is not a million).
_SCALE_TAIL = rf"(?:{_SCALES})(?![a-zà-ÿ])"
# Scanned only where a digit starts: a currency just before it, then scale, currency
# and percent words just after it.
_NUMBER = re.compile(_NUM)
_SCALE_NEXT = re.compile(_SCALE_TAIL, re.IGNORECASE)
_PREFIX = re.compile(rf"(?:{_CURRS})\s?$", re.IGNORECASE)
_SUFFIX = re.compile(
    rf"\s?(?P<scale>{_SCALE_TAIL})?(?:\s?(?:de |d'|of )?(?P<cur2>{_CURRS}))?"
    rf"(?P<pct>\s?(?:{_PCTS}))?",
    re.IGNORECASE,
)


# Counts from ten on: a smaller one says little ("three tiers"). Up to DAY_MAX a number
# next to a month or a clock is a date or a time, not a count.
COUNT_MIN = 10
DAY_MAX = 32
_MONTHS = frozenset(
    [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        *MONTH_ABBREVIATIONS,
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
        "januar",
        "februar",
        "märz",
        "juni",
        "juli",
        "oktober",
        "dezember",
        "jän",
        "feber",
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "setiembre",
        "octubre",
        "noviembre",
        "diciembre",
        "janeiro",
        "fevereiro",
        "março",
        "maio",
        "junho",
        "julho",
        "setembro",
        "outubro",
        "novembro",
        "dezembro",
        "gennaio",
        "febbraio",
        "aprile",
        "maggio",
        "giugno",
        "luglio",
        "settembre",
        "ottobre",
        "dicembre",
        "januari",
        "februari",
        "maart",
        "mei",
        "augustus",
    ]
)
_NEXT_WORD = re.compile(r"\.?\s*(?:de |del |of |th )?([a-zà-ÿ]+)")
_PREV_WORD = re.compile(r"([a-zà-ÿ]+)\.?,?\s*(?:the )?$")


def normalize_for_numbers(text: str) -> str:
    """NFKC (full-width digits become ASCII) and lower case."""
    return unicodedata.normalize("NFKC", text).lower()


def parse_number(raw: str, lang: str) -> float | None:
    """Read ``raw`` with the separators of ``lang``; None when it is not a number."""
    text = _SPACES.sub("", raw) if not raw.isdigit() else raw
    comma_decimal = lang.split("-")[0] in COMMA_DECIMAL_LANGS
    if "," in text and "." in text:
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
    elif "," in text:
        decimal = "," if comma_decimal or not _COMMA_THOUSANDS.search(text) else ""
    elif "." in text:
        decimal = "." if not comma_decimal or not _DOT_THOUSANDS.search(text) else ""
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


_SPACES = re.compile(r"[ \u00a0\u202f]")
_COMMA_THOUSANDS = re.compile(r",\d{3}$")
_DOT_THOUSANDS = re.compile(r"\.\d{3}$")


def number_keys(text: str, lang: str = "und") -> set[str]:
    """The comparable figures in ``text``: amounts, percentages and counts (from ten;
    spelled out too: "eighteen allies" and "18 aliados" share ``n:18``)."""
    normalized = normalize_for_numbers(text)
    keys: set[str] = set()
    for match in _NUMBER.finditer(normalized):
        key = _key_for(match, normalized, lang)
        if key:
            keys.add(key)
    keys.update(f"n:{n}" for n in word_counts(normalized, lang))
    return keys


def _key_for(match: re.Match[str], text: str, lang: str) -> str | None:
    start, end = match.span()
    if start and (before := text[start - 1]).isascii() and before.isalpha():
        return None  # a model name's digits (H20, MI308): most digit runs of chip news
    if _glued_after(text, end):
        return None
    value = parse_number(match.group(), lang)
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


def _dated(text: str, start: int, end: int) -> bool:
    """A number that may be a day of the month or a time: next to a month ("18 July",
    "July 18", "18. Juli", "18 de julio", "7月18日"), a clock (10:30) or a hyphen
    (COVID-19)."""
    before, after = text[max(0, start - 1) : start], text[end : end + 1]
    if after in ("日", "号", "號", ":") or before in ("月", ":", "-"):
        return True
    following = _NEXT_WORD.match(text, end)
    if following is not None and following.group(1) in _MONTHS:
        return True
    preceding = _PREV_WORD.search(text[max(0, start - 24) : start])
    return preceding is not None and preceding.group(1) in _MONTHS


def _glued_to_word(text: str, start: int, end: int) -> bool:
    """True for digits inside a model name: H20, MI308, 7nm, A100."""
    before = text[start - 1] if start > 0 else " "
    return (before.isascii() and before.isalpha()) or _glued_after(text, end)


def _glued_after(text: str, end: int) -> bool:
    """A Latin letter right after the digits that starts no scale word ("7nm", not "7bn")."""
    after = text[end] if end < len(text) else " "
    return (
        after.isascii()
        and after.isalpha()
        and not text.startswith(("bn", "b ", "m ", "k "), end)
        and not _SCALE_NEXT.match(text, end)
    )


def _count_key(value: float) -> str | None:
    if value != int(value) or value < COUNT_MIN or 1900 <= value <= 2100:
        return None
    return f"n:{int(value)}"


def _round(value: float) -> str:
    """Three significant digits: 4.5e9 and 4.50e9 compare equal; 4.5 and 4.7 do not."""
    return f"{float(f'{value:.3g}'):g}"


_KIND_WEIGHTS = {"amt": 0.7, "pct": 0.45, "n": 0.3}


def shared_number_score(a: Iterable[str], b: Iterable[str]) -> tuple[float, list[str]]:
    """Evidence from shared figures, 0..1: amounts count most, counts least."""
    shared = sorted(set(a) & set(b))
    weight = _KIND_WEIGHTS.get
    score = sum([weight(key.partition(":")[0], 0.3) for key in shared])
    return min(1.0, score), shared
