"""An article's comparable features (:class:`~.features.DocFeatures`) as bytes, kept in
the store while the article waits for the settle pass (``unsettled.features``), so the
pass reads them back instead of computing them again from the stored article.

The parse workers encode (:mod:`chipwatch.pipeline.prepare`), in parallel; the settle
pass decodes (:func:`chipwatch.clustering.documents.docs_by_ids`), on one core. A store
is a file a user may share, so the encoding is text only, in a small format of our
own: strings joined by the four ASCII separator characters (FS, GS, RS, US), which no
feature holds (an article whose features would is not kept). Decoding is
``str.split`` and ``int``/``float`` of a few fields: it can build nothing but strings,
sets, a dict and :class:`ActionMention` values, and costs a fraction of JSON's (pickle
and marshal were not candidates: they build objects of any kind from the bytes, and
marshal's format changes with Python's version). A header names the format and
chipwatch's version, and a CRC-32 covers the rest: :func:`decode` returns None for
anything else — a row of another version, a damaged or hand-made one — and the caller
computes the features: never a wrong feature, never a crash.

Layout: ``cwf<FORMAT> <version>\\n`` + CRC-32 of the payload (4 bytes, big endian) +
the payload (~560 bytes an article of the synthetic corpora; deflating it to ~335 cost
the workers as much again as encoding, ~18 µs an article, and the pass ~6 µs a read),
UTF-8, 15 fields joined by RS: lang, title, title key, url, guid, entities (name, kind,
name, kind... joined by US), words, numbers, names (each joined by US), actions
(joined by GS), primary (their positions among the actions, by US), slack, credit,
host, actors (by US). An action is 9 fields joined by FS: action, object, flags
(planned, lead, no object: ``0``/``1`` each), field, start, end, rule, objects (name,
kind... by US), framed.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Collection

from chipwatch import __version__
from chipwatch.clustering.actions import ActionMention
from chipwatch.clustering.features import DocFeatures

# Bump when doc_features computes anything differently, or the layout changes: rows
# written before then are computed again (a stored row lives only until the next
# settle pass, so a bump costs one recomputation at most).
FORMAT = 1
HEADER = f"cwf{FORMAT} {__version__}\n".encode()
FS, GS, RS, US = "\x1c", "\x1d", "\x1e", "\x1f"
_FIELDS = 15
_ACTION_FIELDS = 9
_FLAGS = {f"{a}{b}{c}": (a == "1", b == "1", c == "1") for a in "01" for b in "01" for c in "01"}
_NONE: frozenset[str] = frozenset()
# DocFeatures's fields, in their order (see :func:`decode_fields`).
Fields = tuple[
    str,
    str,
    str,
    str,
    str,
    dict[str, str],
    frozenset[str],
    frozenset[str],
    frozenset[str],
    tuple[ActionMention, ...],
    tuple[ActionMention, ...],
    float,
    str,
    str,
    frozenset[str],
]


class Unkept(ValueError):
    """These features cannot be written in the format (a separator in a string, an
    empty string in a list): the article keeps none."""


def encode(features: DocFeatures) -> bytes:
    """The stored form of ``features`` (see the module doc); :class:`Unkept` (a
    ``ValueError``) when they cannot be."""
    actions = features.actions
    words, numbers, names, actors = (
        features.words,
        features.numbers,
        features.names,
        features.actors,
    )
    if "" in features.entities or "" in words or "" in numbers or "" in names or "" in actors:
        raise Unkept("an empty string in a list")
    entities = [part for pair in features.entities.items() for part in pair]
    if features.primary:
        where = {id(mention): i for i, mention in enumerate(actions)}
        primary = [str(_position(mention, where, actions)) for mention in features.primary]
    else:
        primary = []
    # A separator inside a string would add one: the counts tell (in C, at once).
    units = _joins(entities, words, numbers, names, actors, primary)
    texts = []
    for mention in actions:
        texts.append(_action(mention))
        if mention.objects:  # name US kind, US between two pairs, US before the list
            units += len(mention.objects) * 2 - 1
    payload = RS.join(
        (
            features.lang,
            features.title,
            features.title_key,
            features.url,
            features.guid,
            US.join(entities),
            US.join(words),
            US.join(numbers),
            US.join(names),
            GS.join(texts),
            US.join(primary),
            repr(features.slack),
            features.credit,
            features.host,
            US.join(actors),
        )
    )
    if (
        payload.count(RS) != _FIELDS - 1
        or payload.count(GS) != max(len(actions) - 1, 0)
        or payload.count(FS) != len(actions) * (_ACTION_FIELDS - 1)
        or payload.count(US) != units
    ):
        raise Unkept("a separator in a string")
    body = payload.encode()  # UnicodeEncodeError (a ValueError): a lone surrogate
    return HEADER + zlib.crc32(body).to_bytes(4, "big") + body


def decode(data: object) -> DocFeatures | None:
    """The features ``data`` holds; None when it is not a whole row of this format and
    version (the caller computes them instead)."""
    fields = decode_fields(data)
    return None if fields is None else DocFeatures(*fields)


def decode_fields(data: object) -> Fields | None:
    """:func:`decode`'s features as a tuple of :class:`DocFeatures`'s fields, in their
    order: a settle pass builds its :class:`~.candidates.Doc` of them without the
    frozen dataclass in between (~4 µs an article, read twice on a first import)."""
    if type(data) is not bytes or not data.startswith(HEADER):
        return None
    start = len(HEADER) + 4
    body = data[start:]
    if zlib.crc32(body) != int.from_bytes(data[len(HEADER) : start], "big"):
        return None
    try:
        return _fields(body.decode())
    except (ValueError, IndexError, KeyError):
        return None


def _joins(*lists: Collection[object]) -> int:
    """How many US a list field holds: one between two items."""
    total = 0
    for items in lists:
        total += max(len(items) - 1, 0)
    return total


def _action(mention: ActionMention) -> str:
    obj = mention.object
    objects = [part for pair in mention.objects for part in pair] if mention.objects else []
    if "" in objects:
        raise Unkept("an empty object name")
    flags = f"{mention.planned:d}{mention.lead:d}{obj is None:d}"
    return FS.join(
        (
            mention.action,
            obj or "",
            flags,
            mention.field,
            str(mention.start),
            str(mention.end),
            mention.rule,
            US.join(objects),
            mention.framed,
        )
    )


def _position(mention: ActionMention, where: dict[int, int], actions: tuple[object, ...]) -> int:
    """Where a primary action is among the actions (it is one of them)."""
    found = where.get(id(mention))
    return found if found is not None else actions.index(mention)


def _fields(payload: str) -> Fields:
    """The features of a payload; ValueError (or IndexError, KeyError) when it does not
    have their shape (unpacking the wrong number of fields is a ValueError too)."""
    (
        lang,
        title,
        key,
        url,
        guid,
        entities_text,
        words,
        numbers,
        names,
        actions_text,
        primary_text,
        slack_text,
        credit,
        host,
        actors,
    ) = payload.split(RS)
    slack = float(slack_text)
    if not math.isfinite(slack) or slack < 0:
        raise ValueError("slack")
    actions = tuple([_mention(text) for text in actions_text.split(GS)]) if actions_text else ()
    if primary_text:
        count = len(actions)
        primary = tuple([actions[_index(i, count)] for i in primary_text.split(US)])
    else:
        primary = ()
    if entities_text:
        flat = entities_text.split(US)
        if len(flat) % 2:
            raise ValueError("pairs")
        pairs = iter(flat)
        entities = dict(zip(pairs, pairs, strict=True))  # name, kind, name, kind...
    else:
        entities = {}
    return (
        lang,
        title,
        key,
        url,
        guid,
        entities,
        frozenset(words.split(US)) if words else _NONE,
        frozenset(numbers.split(US)) if numbers else _NONE,
        frozenset(names.split(US)) if names else _NONE,
        actions,
        primary,
        slack,
        credit,
        host,
        frozenset(actors.split(US)) if actors else _NONE,
    )


def _mention(text: str) -> ActionMention:
    fields = text.split(FS)
    if len(fields) != _ACTION_FIELDS:
        raise ValueError("not an action")
    action, obj, flags, field, start, end, rule, objects, framed = fields
    planned, lead, no_object = _FLAGS[flags]
    if not (start.isdigit() and end.isdigit() and start.isascii() and end.isascii()):
        raise ValueError("not a position")  # int() would take a sign, spaces, "_"
    return ActionMention(
        action,
        None if no_object else obj,
        planned,
        field,
        int(start),
        int(end),
        rule,
        _pairs(objects) if objects else (),
        lead,
        framed,
    )


def _split(text: str) -> list[str]:
    return text.split(US) if text else []


def _pairs(text: str) -> tuple[tuple[str, str], ...]:
    flat = _split(text)
    if len(flat) % 2:
        raise ValueError("pairs")
    return tuple(zip(flat[::2], flat[1::2], strict=True))


def _int(text: str) -> int:
    """A span's end: digits only (``int`` would take a sign, spaces and underscores)."""
    if not (text.isascii() and text.isdigit()):
        raise ValueError("not a position")
    return int(text)


def _index(text: str, size: int) -> int:
    value = _int(text)
    if value >= size:
        raise ValueError("primary")
    return value
