"""Why an article is in its story: ONE schema, stored as JSON with the article
(``articles.cluster_explain``), and ONE way to say it (:func:`describe`), used by
``search --explain`` and the monitor's detail pane alike.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from chipwatch.model import Assignment
from chipwatch.textsafe import clean_title

# As ``json.dumps(..., ensure_ascii=False)`` writes it, one encoder kept (no cycle
# check: an explanation is a tree of plain values).
_JSON = json.JSONEncoder(ensure_ascii=False, check_circular=False)


@dataclass(frozen=True, slots=True)
class Explanation:
    """The clustering decision for one article, as stored.

    ``score`` and ``parts`` (the signals, :mod:`.signals`) are those of the pair that
    decided; ``matched_article_id`` the story's article in it. A new story keeps its
    closest miss (``closest_score``, ``closest_article_id``). ``locked`` is not stored
    in the JSON: it comes from the article's row (a user's correction placed it).
    """

    new_story: bool = True
    score: float = 0.0
    parts: Mapping[str, float] = field(default_factory=dict)
    shared_entities: tuple[str, ...] = ()
    shared_words: tuple[str, ...] = ()
    matched_article_id: int | None = None
    threshold: float | None = None
    shared_numbers: tuple[str, ...] | None = None  # None: no pair was scored
    closest_score: float | None = None
    closest_article_id: int | None = None
    locked: bool = False

    @classmethod
    def of(cls, assignment: Assignment, **more: Any) -> Explanation:
        """The explanation of a clusterer's assignment (``more``: the other fields)."""
        return cls(
            new_story=assignment.new_story,
            score=assignment.score,
            parts=assignment.parts,
            shared_entities=assignment.shared_entities,
            shared_words=assignment.shared_words,
            matched_article_id=assignment.matched_article_id,
            **more,
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready form, keys in the stored order (optional ones only when set)."""
        data: dict[str, Any] = {
            "new_story": self.new_story,
            "score": round(self.score, 4),
            "parts": {k: round(v, 4) for k, v in self.parts.items()},
            "shared_entities": list(self.shared_entities),
            "shared_words": list(self.shared_words),
            "matched_article_id": self.matched_article_id,
        }
        if self.threshold is not None:
            data["threshold"] = self.threshold
        if self.shared_numbers is not None:
            data["shared_numbers"] = list(self.shared_numbers)
        if self.closest_score is not None:
            data["closest_score"] = round(self.closest_score, 4)
        if self.closest_article_id is not None:
            data["closest_article_id"] = self.closest_article_id
        return data

    def to_json(self) -> str:
        """What is stored in ``articles.cluster_explain``."""
        return _JSON.encode(self.to_dict())

    @classmethod
    def from_json(cls, data: str | Mapping[str, Any] | None) -> Explanation | None:
        """Read a stored explanation (text, or a dict already decoded); None when there
        is none or it is unreadable. Unknown keys are ignored, missing ones defaulted."""
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                return None
        if not isinstance(data, Mapping) or not data:
            return None
        parts = data.get("parts")
        numbers = data.get("shared_numbers")
        return cls(
            new_story=bool(data.get("new_story", True)),
            score=_number(data.get("score"), 0.0),
            parts={str(k): _number(v, 0.0) for k, v in parts.items()}
            if isinstance(parts, Mapping)
            else {},
            shared_entities=_strings(data.get("shared_entities")),
            shared_words=_strings(data.get("shared_words")),
            matched_article_id=_int(data.get("matched_article_id")),
            threshold=_number(data.get("threshold")),
            shared_numbers=None if numbers is None else _strings(numbers),
            closest_score=_number(data.get("closest_score")),
            closest_article_id=_int(data.get("closest_article_id")),
            locked=bool(data.get("locked") or data.get("corrected")),
        )


@dataclass(frozen=True, slots=True)
class Description:
    """An explanation in words: one line of ``(text, role)`` pieces, and the signals.

    Roles say what a piece is, for styling: ``lead`` (what happened), ``label``,
    ``names`` (entities or words), ``note`` (a user's correction), ``missing``.
    """

    pieces: tuple[tuple[str, str], ...]
    signals: str = ""  # "entities 0.52 · words 0.31 · …", or "" when there are none

    @property
    def line(self) -> str:
        """The pieces as plain text."""
        return "".join(text for text, _ in self.pieces)


def describe(explanation: Explanation | None) -> Description:
    """What the monitor's detail pane and ``search --explain`` say of an explanation
    (plain text: entity names and words come from feed text, so they are cleaned)."""
    if explanation is None:
        return Description((("no clustering record", "missing"),))
    pieces: list[tuple[str, str]] = []
    if explanation.new_story:
        pieces.append(("started this story", "lead"))
    else:
        pieces.append((f"joined with score {explanation.score:.2f}", "lead"))
        if explanation.shared_entities:
            pieces.append((" · shared entities ", "label"))
            pieces.append((", ".join(map(clean_title, explanation.shared_entities)), "names"))
        if explanation.shared_words:
            pieces.append((" · shared words ", "label"))
            pieces.append((", ".join(map(clean_title, explanation.shared_words)), "names"))
    if explanation.locked:
        pieces.append((" · moved here by you", "note"))
    signals = " · ".join(f"{clean_title(k)} {v:.2f}" for k, v in explanation.parts.items())
    return Description(tuple(pieces), signals if not explanation.new_story else "")


def _number(value: Any, default: float | None = None) -> Any:
    """``value`` when it is a number (an int stays an int: it is stored so), else default."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return default
    return value


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(item) for item in value) if isinstance(value, list | tuple) else ()
