"""Counts written as words, in the languages the figures module reads.

"Eighteen close allies", "dix-huit alliés", "achtzehn Partner", "dieciocho aliados"
and "18 aliados" tell the same figure: one report spells it, the next writes digits.
:func:`word_counts` reads the spelled-out whole numbers from ten to ninety-nine (the
range where a spelled figure is a count worth comparing: "two tiers" says little, and
larger counts are written in digits) and returns their values. Ordinals ("the
eighteenth"), dates ("十八日") and words of another language are not read.
"""

from __future__ import annotations

import re

# Per language: the units (1-9), the numbers 10-19, the tens (20-90), and how a unit
# joins its tens: ("tens", sep, "unit") or ("unit", sep, "tens") (German, Dutch).
_UNITS = {
    "en": "one two three four five six seven eight nine",
    "fr": "un deux trois quatre cinq six sept huit neuf",
    "de": "ein zwei drei vier fünf sechs sieben acht neun",
    "es": "uno dos tres cuatro cinco seis siete ocho nueve",
    "pt": "um dois três quatro cinco seis sete oito nove",
    "it": "uno due tre quattro cinque sei sette otto nove",
    "nl": "een twee drie vier vijf zes zeven acht negen",
}
_TEENS = {
    "en": "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen",
    "fr": "dix onze douze treize quatorze quinze seize dix-sept dix-huit dix-neuf",
    "de": "zehn elf zwölf dreizehn vierzehn fünfzehn sechzehn siebzehn achtzehn neunzehn",
    "es": "diez once doce trece catorce quince dieciséis diecisiete dieciocho diecinueve",
    "pt": "dez onze doze treze catorze quinze dezesseis dezessete dezoito dezenove",
    "it": "dieci undici dodici tredici quattordici quindici sedici diciassette diciotto diciannove",
    "nl": "tien elf twaalf dertien veertien vijftien zestien zeventien achttien negentien",
}
_TENS = {
    "en": "twenty thirty forty fifty sixty seventy eighty ninety",
    "fr": "vingt trente quarante cinquante soixante soixante-dix quatre-vingt quatre-vingt-dix",
    "de": "zwanzig dreißig vierzig fünfzig sechzig siebzig achtzig neunzig",
    "es": "veinte treinta cuarenta cincuenta sesenta setenta ochenta noventa",
    "pt": "vinte trinta quarenta cinquenta sessenta setenta oitenta noventa",
    "it": "venti trenta quaranta cinquanta sessanta settanta ottanta novanta",
    "nl": "twintig dertig veertig vijftig zestig zeventig tachtig negentig",
}
# Other spellings of one number.
_MORE = {
    "fr": {"quatre-vingts": 80},
    "es": {"dieciseis": 16, "veintiuno": 21, "veintidós": 22, "veintitrés": 23},
    "pt": {"quatorze": 14, "dezasseis": 16, "dezassete": 17, "dezanove": 19},
}
_JOIN = {
    "en": ("tens", r"[- ]", "unit"),
    "fr": ("tens", r"-(?:et-)?| et ", "unit"),
    "de": ("unit", "und", "tens"),
    "es": ("tens", " y ", "unit"),
    "pt": ("tens", " e ", "unit"),
    "it": ("tens", "", "unit"),
    "nl": ("unit", "(?:en|ën)", "tens"),
}


def _table(lang: str) -> tuple[re.Pattern[str], dict[str, int]] | None:
    if lang not in _UNITS:
        return None
    values: dict[str, int] = {}
    units = _UNITS[lang].split()
    for n, word in enumerate(units, 1):
        values[word] = n
    for n, word in enumerate(_TEENS[lang].split(), 10):
        values[word] = n
    tens_words = _TENS[lang].split()
    tens = [20, 30, 40, 50, 60, 70, 80, 90]  # French: soixante-dix is 70
    for n, word in zip(tens, tens_words, strict=True):
        values[word] = n
    values.update(_MORE.get(lang, {}))
    first, sep, second = _JOIN[lang]
    alt = {
        "unit": "|".join(sorted(map(re.escape, units), key=len, reverse=True)),
        "tens": "|".join(sorted(map(re.escape, tens_words), key=len, reverse=True)),
    }
    teens = "|".join(sorted(map(re.escape, _TEENS[lang].split()), key=len, reverse=True))
    extra = "|".join(re.escape(w) for w in _MORE.get(lang, {}) if values[w] >= 10)
    compound = rf"(?:{alt[first]})(?:{sep})(?:{alt[second]})"
    single = "|".join(x for x in (teens, alt["tens"], extra) if x)
    pattern = re.compile(rf"(?<![\w-])(?:{compound}|{single})(?![\w-])")
    return pattern, values


_TABLES = {lang: _table(lang) for lang in _UNITS}

_CJK_DIGITS = {c: n for n, c in enumerate("一二三四五六七八九", 1)}
# 十八 (18), 二十四 (24); not a date (十八日, 七月十八), an ordinal (第十八), a time,
# "十分" (very), nor part of a larger amount (二十亿).
_CJK = re.compile(
    r"(?<![第月〇一二三四五六七八九十百千])([二三四五六七八九]?)十([一二三四五六七八九]?)"
    r"(?![日号號月分年时時点點亿億万萬千百%％〇一二三四五六七八九十])"
)


def word_counts(text: str, lang: str) -> list[int]:
    """The spelled-out counts (10-99) in ``text`` (lower case, NFKC), in order."""
    base = lang.split("-")[0].lower()
    if base in ("zh", "ja"):
        if "十" not in text:  # every count of ten and more writes it
            return []
        found = []
        for match in _CJK.finditer(text):
            tens = _CJK_DIGITS.get(match.group(1), 1) * 10
            found.append(tens + _CJK_DIGITS.get(match.group(2), 0))
        return [n for n in found if n >= 10]
    table = _TABLES.get(base)
    if table is None or not any(map(text.__contains__, _NEEDED[base])):
        return []
    pattern, values = table
    return [v for v in (_value(m.group(), base, values) for m in pattern.finditer(text)) if v]


def _needed(lang: str) -> tuple[str, ...]:
    """Words one of which every count ``lang``'s pattern reads holds: a teen, a ten or
    another spelling of ten or more (a compound holds its ten: "twenty-one",
    "einundzwanzig"). Their absence is the common case, found by a few substring
    tests instead of the pattern's try at every offset. Shortest first; a word that
    holds another ("dix-sept" holds "dix") is left out."""
    words = set(_TEENS[lang].split()) | set(_TENS[lang].split())
    words |= {word for word, value in _MORE.get(lang, {}).items() if value >= 10}
    kept = [w for w in words if not any(o != w and o in w for o in words)]
    return tuple(sorted(kept, key=lambda w: (len(w), w)))


_NEEDED = {lang: _needed(lang) for lang in _UNITS}


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
