"""Why an article is in its story: ONE schema, stored as JSON with the article
(``articles.cluster_explain``), read back here whatever version wrote it. The one way
to say it in words is :func:`chipwatch.clustering.explanation_words.describe`, used
by the monitor's detail pane, ``search --explain`` and the digest alike.

The stored form is structured (version 2: the decision, the pair that decided it, what
the two share, the shared action); the sentence is made at read time from it and from
the matched article as the store holds it now, so it follows a split or a merge.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# As ``json.dumps(..., ensure_ascii=False)`` writes it, one encoder kept (no cycle
# check: an explanation is a tree of plain values).
_JSON = json.JSONEncoder(ensure_ascii=False, check_circular=False)
VERSION = 2
JOINED, STARTED = "joined", "started"


@dataclass(frozen=True, slots=True)
class Explanation:
    """The clustering decision for one article, as stored.

    ``decision`` is ``joined`` (the article is in a story with others) or ``started``
    (alone, with its closest miss); ``via`` says what decided: ``assign`` (the
    provisional placement at ingest), ``settle`` (the round-end pass) or ``bridge``
    (it joined two stories into one). ``score`` and ``parts`` are the deciding pair's
    (or the closest miss's), ``matched_article_id`` the other article of that pair,
    ``matched_hours`` how much later (negative: earlier) it was published. ``locked``
    is not stored: it comes from the article's row (a user's correction placed it).
    """

    decision: str = STARTED
    score: float = 0.0
    parts: Mapping[str, float] = field(default_factory=dict)
    shared_entities: tuple[str, ...] = ()
    shared_words: tuple[str, ...] = ()
    matched_article_id: int | None = None
    threshold: float | None = None
    shared_figures: tuple[str, ...] = ()
    shared_names: tuple[str, ...] = ()
    via: str = "assign"
    matched_hours: float | None = None
    action: tuple[str, str] | None = None  # (class, object) both report
    conflict: tuple[str, str] | None = None  # (this one's action, the other's)
    bridged: tuple[tuple[int, float], ...] = ()  # stories it brought in, and the score
    locked: bool = False
    also: tuple[str, ...] = ()  # other action classes both report of that object

    @property
    def new_story(self) -> bool:
        """The article is alone in its story (it started it)."""
        return self.decision == STARTED

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready form, keys in the stored order (optional ones only when set)."""
        data: dict[str, Any] = {
            "v": VERSION,
            "decision": self.decision,
            "via": self.via,
            "score": round(self.score, 4),
            "threshold": self.threshold,
        }
        if self.matched_article_id is not None:
            data["matched"] = {
                "article_id": self.matched_article_id,
                "hours": None if self.matched_hours is None else round(self.matched_hours, 1),
            }
        if self.action is not None:
            data["action"] = {"shared": self.action[0], "object": self.action[1]}
            if self.also:
                data["action"]["also"] = list(self.also)
        if self.conflict is not None:
            data["conflict"] = list(self.conflict)
        shared = data["shared"] = {}
        if self.shared_entities:
            shared["entities"] = list(self.shared_entities)
        if self.shared_figures:
            shared["figures"] = list(self.shared_figures)
        if self.shared_names:
            shared["names"] = list(self.shared_names)
        if self.shared_words:
            shared["words"] = list(self.shared_words)
        data["parts"] = {k: round(v, 4) for k, v in self.parts.items()}
        if self.bridged:
            data["bridged"] = [{"story_id": s, "score": round(v, 4)} for s, v in self.bridged]
        return data

    def to_json(self) -> str:
        """What is stored in ``articles.cluster_explain``."""
        return _JSON.encode(self.to_dict())

    @classmethod
    def from_json(cls, data: str | Mapping[str, Any] | None) -> Explanation | None:
        """Read a stored explanation (text, or a dict already decoded); None when there
        is none or it is unreadable. Unknown keys are ignored, missing ones defaulted;
        the first version's layout (``new_story``, ``shared_entities``…) reads too."""
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                return None
        if not isinstance(data, Mapping) or not data:
            return None
        if data.get("v") != VERSION:
            return _from_first_version(data)
        parts = data.get("parts")
        matched = _mapping(data.get("matched"))
        shared = _mapping(data.get("shared"))
        action = _mapping(data.get("action"))
        conflict = _strings(data.get("conflict"))
        bridged = data.get("bridged")
        bridged = bridged if isinstance(bridged, list) else []
        return cls(
            decision=str(data.get("decision") or STARTED),
            score=_number(data.get("score"), 0.0),
            parts=_parts(parts),
            shared_entities=_strings(shared.get("entities")),
            shared_words=_strings(shared.get("words")),
            matched_article_id=as_int(matched.get("article_id")),
            threshold=_number(data.get("threshold")),
            shared_figures=_strings(shared.get("figures")),
            shared_names=_strings(shared.get("names")),
            via=str(data.get("via") or "assign"),
            matched_hours=_number(matched.get("hours")),
            action=(str(action.get("shared") or ""), str(action.get("object") or ""))
            if action
            else None,
            conflict=(conflict[0], conflict[1]) if len(conflict) == 2 else None,
            bridged=tuple(
                (s, _number(b.get("score"), 0.0))
                for b in bridged
                if isinstance(b, Mapping) and (s := as_int(b.get("story_id"))) is not None
            ),
            locked=bool(data.get("locked") or data.get("corrected")),
            also=_strings(action.get("also")),
        )


def _from_first_version(data: Mapping[str, Any]) -> Explanation:
    new_story = bool(data.get("new_story", True))
    matched = data.get("closest_article_id") if new_story else data.get("matched_article_id")
    score = data.get("closest_score") if new_story else data.get("score")
    return Explanation(
        decision=STARTED if new_story else JOINED,
        score=_number(score, 0.0),
        parts=_parts(data.get("parts")),
        shared_entities=_strings(data.get("shared_entities")),
        shared_words=_strings(data.get("shared_words")),
        matched_article_id=as_int(matched),
        threshold=_number(data.get("threshold")),
        shared_figures=_strings(data.get("shared_numbers")),
        locked=bool(data.get("locked") or data.get("corrected")),
    )


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _parts(value: Any) -> dict[str, float]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): _number(v, 0.0) for k, v in value.items()}


def _number(value: Any, default: float | None = None) -> Any:
    """``value`` when it is a number (an int stays an int: it is stored so), else default."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return default
    return value


def as_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(item) for item in value) if isinstance(value, list | tuple) else ()
