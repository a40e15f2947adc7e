"""Text features for clustering: normalized titles, content words, title similarity.

Normalization folds case, accents and width (NFKC), so "Licence", "licence" and
"ＬＩＣＥＮＣＥ" are one word. Chinese and Japanese runs have no spaces: they are cut
into overlapping character pairs, which is what a rapidfuzz token comparison needs.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import TypeVar

from rapidfuzz import fuzz

from chipwatch.model import EntityMatch

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]+")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# _WORD on ASCII text: there, [^\W_] is exactly these (a range test per character, not
# Unicode's tables: ~30 % faster on the synthetic corpora's English).
_ASCII_WORD = re.compile(r"[A-Za-z0-9]+")
_T = TypeVar("_T")

# Function words and news boilerplate in the languages chipwatch reads; they carry no
# evidence about which event an article tells. (One string: a list literal is ~180 lines.)
_STOPWORDS = frozenset(
    (  # noqa: SIM905
        "a an and are as at be been but by for from has have he her his how in into is it its "
        "new news not of on or our over says said than that the their this to under up us was "
        "we were what when which who will with would after amid about more could may report "
        "reports week year years first also just au aux avec ce ces dans de des du elle en "
        "est et il ils la le les leur lui mais ne par pas plus pour qu que qui sa se ses son "
        "sur un une va été être après selon contre der die das dem den des ein eine einen "
        "einem und oder mit von zu zum zur im in ist sind auf aus für bei nach über vor wird "
        "werden hat haben nicht auch als wie soll el la los las un una unos unas y o de del "
        "en con por para que se su sus al es son ha han tras sobre como más o os um uma e do "
        "da dos das no na nos nas em com pelo pela"
    ).split()
)
_SHORT_KEEP = re.compile(r"^(?:[a-z]{1,2}\d+\w*|\d+[a-z]+\w*|ai|ki|ia|eu|uk|us)$")


def fold(text: str) -> str:
    """NFKC, lower case and accents removed; the base of every comparison."""
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKC", text).casefold()
    stripped = _COMBINING.sub("", unicodedata.normalize("NFD", text))
    return unicodedata.normalize("NFC", stripped)


# Combining marks of Latin, Greek and Cyrillic letters (accents, cedillas, umlauts).
# Japanese voicing marks are left alone: removing them would change the word.
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff]")


def tokens(text: str) -> list[str]:
    """Folded words; CJK runs become character pairs ("英伟达" → "英伟", "伟达")."""
    folded = fold(text)
    if folded.isascii():  # a flag, no scan; and no CJK in it
        return _ASCII_WORD.findall(folded)
    if not _CJK.search(folded):
        return _WORD.findall(folded)
    result: list[str] = []
    for word in _WORD.findall(folded):
        if _CJK.search(word):
            result.extend(_split_cjk(word))
        else:
            result.append(word)
    return result


def _split_cjk(word: str) -> list[str]:
    parts: list[str] = []
    position = 0
    for run in _CJK.finditer(word):
        if run.start() > position:
            parts.append(word[position : run.start()])
        chars = run.group()
        parts.extend(chars[i : i + 2] for i in range(max(1, len(chars) - 1)))
        position = run.end()
    if position < len(word):
        parts.append(word[position:])
    return parts


def content_words(text: str) -> set[str]:
    """Tokens that can carry evidence: no stop words, no single letters or years."""
    return words_of(tokens(text))


def words_of(folded_tokens: Iterable[str]) -> set[str]:
    """:func:`content_words` of text whose :func:`tokens` are given (the parse worker
    has them already: the title's and the summary's are shared with the title key)."""
    words = set(map(_CONTENT.__getitem__, folded_tokens))  # the loop runs in C
    words.discard("")
    return words


class _Memo(dict[str, _T]):
    """A word's judgement, made once per process for each distinct word: an article's
    words are mostly words seen before, so the judging code runs for few of them.
    Forgotten whole past ``limit`` words (a long-running poller meets ever more)."""

    def __init__(self, judge: Callable[[str], _T], limit: int = 1 << 16) -> None:
        super().__init__()
        self._judge = judge
        self._limit = limit

    def __missing__(self, word: str) -> _T:
        if len(self) >= self._limit:
            self.clear()
        value = self[word] = self._judge(word)
        return value


def _content(token: str) -> str:
    """What ``token`` adds to :func:`content_words`: its stem, or "" for nothing."""
    if token in _STOPWORDS or token.isdigit():
        return ""
    if len(token) < 3 and not _CJK.match(token) and not _SHORT_KEEP.match(token):
        return ""
    return _stem(token)


_CONTENT = _Memo(_content)


@lru_cache(maxsize=65536)
def _stem(token: str) -> str:
    """A light, language-blind suffix trim: "licences"/"licence", "rules"/"rule"."""
    if _CJK.match(token) or len(token) <= 4 or any(ch.isdigit() for ch in token):
        return token
    for suffix in ("ungen", "ing", "es", "en", "s", "e"):
        if token.endswith(suffix) and len(token) - len(suffix) >= 4:
            return token[: -len(suffix)]
    return token


def title_key(title: str) -> str:
    """Identity of a title: folded words only. Empty for titles too short to trust."""
    words = tokens(title)
    return " ".join(words) if len(words) >= 4 else ""


def masked_title(title: str, matches: Sequence[EntityMatch]) -> str:
    """The title with each entity mention replaced by its canonical name.

    "H2O" written by one outlet and "H20" by another compare as the same chip; so do
    "Nvidia" and "英伟达".
    """
    spans = sorted((m for m in matches if m.field == "title"), key=lambda m: m.start)
    pieces: list[str] = []
    position = 0
    for match in spans:
        if match.start < position:
            continue
        pieces.append(title[position : match.start])
        pieces.append(" " + match.entity.replace(" ", "_") + " ")
        position = match.end
    pieces.append(title[position:])
    return " ".join(tokens("".join(pieces)))


def title_similarity(a: str, b: str) -> float:
    """0..1 likeness of two normalized titles (rapidfuzz).

    The mean of token-set and token-sort ratios: token-set alone calls a short title
    inside a long one identical; token-sort alone punishes reworded headlines.
    """
    if not a or not b:
        return 0.0
    if a == b:  # what both ratios give (100 each); retellings often keep the title
        return 1.0
    return (fuzz.token_set_ratio(a, b) + fuzz.token_sort_ratio(a, b)) / 200.0


# Words that do not start with a lower-case letter, or that mix letters and digits: the
# only ones that can be names. Skipping the rest in the regex keeps this cheap.
_NAME_TOKEN = re.compile(
    r"(?<![\w.])(?:(?![a-zß-ÿ])[^\W_](?:[\w.]*[^\W_])?|[a-zß-ÿ]+\d(?:[\w.]*[^\W_])?)"
)
# _NAME_TOKEN on ASCII text, where \w is [A-Za-z0-9_], [^\W_] is [A-Za-z0-9] and \d is
# [0-9]: the same matches, found ~25 % faster (ranges, not Unicode's tables).
_ASCII_NAME_TOKEN = re.compile(
    r"(?<![A-Za-z0-9_.])(?:[A-Z0-9](?:[A-Za-z0-9_.]*[A-Za-z0-9])?"
    r"|[a-z]+[0-9](?:[A-Za-z0-9_.]*[A-Za-z0-9])?)"
)


def name_words(text: str, spans: Sequence[tuple[int, int]] = ()) -> set[str]:
    """Name-like words the tagger did not tag: capitalized inside a sentence, all
    capitals, or letters with digits ("Nexperia", "HBM", "NXT:2050i", "9000S").

    They carry across languages where ordinary words do not. ``spans`` (entity
    mentions) are left out: those are compared as entities.
    """
    plain = text
    for start, end in spans:
        plain = plain[:start] + " " * (end - start) + plain[end:]
    found: set[str] = set()
    pattern = _ASCII_NAME_TOKEN if plain.isascii() else _NAME_TOKEN
    for match in pattern.finditer(plain):
        name, capitalized = _NAMES[match.group()]
        if name and (not capitalized or _inside_sentence(plain, match.start())):
            found.add(name)
    return found


# Capitalized or all-caps words too generic to name an event.
_GENERIC_NAMES = frozenset(
    ["ai", "ia", "ki", "us", "usa", "eu", "uk", "ceo", "gpu", "gpus", "cpu", "chip", "chips"]
)


def _name(word: str) -> tuple[str, bool]:
    """What ``word`` adds to :func:`name_words` (its folded form, or "" for nothing),
    and whether only where it does not open a sentence (a capitalized word)."""
    if _CJK.search(word) or not word[0].isalnum():
        return "", False
    has_digit = any(ch.isdigit() for ch in word)
    has_alpha = any(ch.isalpha() for ch in word)
    capitalized = False
    if not has_alpha:
        return "", False
    if not has_digit and not (word.isupper() and len(word) >= 2):
        if not word[0].isupper() or word[1:].isupper():
            return "", False
        capitalized = True
    name = fold(word).strip(".-")
    if len(name) < 2 or name in _STOPWORDS or name in _GENERIC_NAMES:
        return "", False
    return name, capitalized


_NAMES = _Memo(_name)


def _inside_sentence(text: str, start: int) -> bool:
    """Whether a word at ``start`` follows something that does not end a sentence.
    The last character before it that is not a space (``text[:start].rstrip()[-1]``,
    without copying the text up to every word)."""
    at = start - 1
    while at >= 0 and text[at].isspace():
        at -= 1
    return at >= 0 and text[at] not in '.!?:;«"“\n'


def surface_forms(text: str) -> dict[str, str]:
    """Each compared word of ``text`` (folded and stemmed, as :func:`content_words`
    gives it) mapped to the first spelling the text used: what an explanation shows
    instead of a stem. CJK pairs map to themselves."""
    forms: dict[str, str] = {}
    for raw in _WORD.findall(text):
        folded = fold(raw)
        if _CJK.search(folded):
            for part in _split_cjk(folded):
                forms.setdefault(part, part)
            continue
        if folded in _STOPWORDS or folded.isdigit():
            continue
        forms.setdefault(_stem(folded), raw)
    return forms
