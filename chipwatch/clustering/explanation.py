"""Why an article is in its story: ONE schema, stored as JSON with the article
(``articles.cluster_explain``), and ONE way to say it (:func:`describe`), used by the
monitor's detail pane, ``search --explain`` and the digest alike.

The stored form is structured (version 2: the decision, the pair that decided it, what
the two share, the shared action); the sentence is made at read time from it and from
the matched article as the store holds it now, so it follows a split or a merge::

    Joined "Nvidia va pouvoir…" (La Dépêche, 2 h earlier): both report licences
    granted for H20; share H20, export licence, 4.5 bn; similarity 0.62 (threshold 0.40)

Shared words are stored as compared (folded, lightly stemmed) and shown as the article
wrote them (:func:`~.text.surface_forms`); stop words are never compared, so never shown.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from chipwatch.clustering.labels import action_label
from chipwatch.clustering.text import surface_forms
from chipwatch.textsafe import clean_title

# As ``json.dumps(..., ensure_ascii=False)`` writes it, one encoder kept (no cycle
# check: an explanation is a tree of plain values).
_JSON = json.JSONEncoder(ensure_ascii=False, check_circular=False)
VERSION = 2
JOINED, STARTED = "joined", "started"
# How many shared things a sentence names, and how long a quoted title may be.
SHOWN = 4
TITLE_CHARS = 48


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
        shared = {
            "entities": list(self.shared_entities),
            "figures": list(self.shared_figures),
            "names": list(self.shared_names),
            "words": list(self.shared_words),
        }
        data["shared"] = {k: v for k, v in shared.items() if v}
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
            matched_article_id=_int(matched.get("article_id")),
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
                if isinstance(b, Mapping) and (s := _int(b.get("story_id"))) is not None
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
        matched_article_id=_int(matched),
        threshold=_number(data.get("threshold")),
        shared_figures=_strings(data.get("shared_numbers")),
        locked=bool(data.get("locked") or data.get("corrected")),
    )


# --------------------------------------------------------------------------- saying it


@dataclass(frozen=True, slots=True)
class Matched:
    """The other article of the deciding pair, as the store holds it now."""

    title: str
    feed: str
    title_derived: bool = False
    text: str = ""  # its title and summary, for the shared words' spellings
    story_id: int | None = None


@dataclass(frozen=True, slots=True)
class Correction:
    """A user's correction that touched the article."""

    kind: str  # split | merge
    at: str  # ISO time
    story_id: int | None = None
    into_story_id: int | None = None


@dataclass(frozen=True, slots=True)
class Context:
    """What a sentence needs besides the stored explanation."""

    matched: Matched | None = None
    text: str = ""  # the article's own title and summary
    story_id: int | None = None  # the article's story now
    corrections: tuple[Correction, ...] = ()


@dataclass(frozen=True, slots=True)
class Description:
    """An explanation in words: one sentence of ``(text, role)`` pieces, and the signals.

    Roles say what a piece is, for styling: ``lead`` (what happened), ``label``,
    ``names`` (what is shared, the matched title), ``note`` (a user's correction),
    ``missing``.
    """

    pieces: tuple[tuple[str, str], ...]
    signals: str = ""  # "entities 0.52 · words 0.31 · …", or "" when there are none

    @property
    def line(self) -> str:
        """The pieces as plain text: the sentence."""
        return "".join(text for text, _ in self.pieces)


def describe(explanation: Explanation | None, context: Context | None = None) -> Description:
    """What the detail pane, ``search --explain`` and the digest say of an explanation
    (plain text: titles, names and words come from feed text, so they are cleaned)."""
    if explanation is None:
        return Description((("no clustering record", "missing"),))
    context = context or Context()
    pieces: list[tuple[str, str]] = []
    user = _by_user(explanation, context)
    if user:
        pieces.append((user, "note"))
        return Description(tuple(pieces))
    if explanation.decision == JOINED:
        _joined(pieces, explanation, context)
    else:
        _started(pieces, explanation, context)
    signals = " · ".join(f"{clean_title(k)} {v:.2f}" for k, v in explanation.parts.items())
    return Description(tuple(pieces), signals if explanation.decision == JOINED else "")


def render(explanation: Explanation | None, context: Context | None = None) -> str:
    """The sentence alone (:func:`describe`'s line)."""
    return describe(explanation, context).line


def _joined(pieces: list[tuple[str, str]], ex: Explanation, ctx: Context) -> None:
    pieces.append(("Joined ", "lead"))
    pieces += _matched(ex, ctx)
    reasons = _shared_action(ex)
    items = _shared_items(ex, ctx)
    if reasons:
        pieces += [(": both report ", "label"), (reasons, "names")]
    if items:
        pieces += [("; share " if reasons else ": share ", "label"), (", ".join(items), "names")]
    pieces.append((f"{'; ' if reasons or items else ': '}similarity {ex.score:.2f}", "label"))
    if ex.threshold is not None:
        pieces.append((f" (threshold {ex.threshold:.2f})", "label"))
    for story_id, score in ex.bridged:
        pieces.append((f"; brought story {story_id} in with it ({score:.2f})", "label"))


def _started(pieces: list[tuple[str, str]], ex: Explanation, ctx: Context) -> None:
    if ex.matched_article_id is None:
        pieces.append(("Started a new story: no earlier report shares enough with it", "lead"))
        return
    pieces.append(("Started a new story: the closest was ", "lead"))
    pieces += _matched(ex, ctx)
    below = f" at {ex.score:.2f}"
    if ex.threshold is not None:
        below += f", below {ex.threshold:.2f}"
    pieces.append((below, "label"))
    if ex.conflict is not None:
        ours, theirs = ex.conflict
        pieces.append(
            (f"; it reports {action_label(theirs)}, this one {action_label(ours)}", "label")
        )
    elif ex.parts.get("capped"):
        pieces.append(("; across languages, with nothing distinctive in common", "label"))


def _matched(ex: Explanation, ctx: Context) -> list[tuple[str, str]]:
    """``"Title…" (Feed, 2 h earlier)`` of the matched article."""
    matched = ctx.matched
    when = _when(ex.matched_hours)
    if matched is None:
        return [
            (f"article {ex.matched_article_id}", "names"),
            (f" ({when})" if when else "", "label"),
        ]
    title = clean_title(matched.title)
    if len(title) > TITLE_CHARS:  # cut at a word when there is one
        cut = title[: TITLE_CHARS - 1]
        title = (cut.rsplit(" ", 1)[0] if " " in cut[TITLE_CHARS // 2 :] else cut).rstrip() + "…"
    shown = f'"{title}"' if not matched.title_derived else f'the untitled "{title}"'
    where = ", ".join(part for part in (clean_title(matched.feed), when) if part)
    out = [(shown, "names"), (f" ({where})" if where else "", "label")]
    if (
        ctx.story_id is not None
        and matched.story_id is not None
        and matched.story_id != ctx.story_id
    ):
        out.append((", since moved to another story", "note"))
    return out


def _when(hours: float | None) -> str:
    """How much earlier or later the matched article was published."""
    if hours is None:
        return ""
    size = abs(hours)
    if size < 1:
        return "same hour"
    amount = f"{round(size)} h" if size < 48 else f"{round(size / 24)} d"
    return f"{amount} {'earlier' if hours < 0 else 'later'}"


def _shared_action(ex: Explanation) -> str:
    if ex.action is None or not ex.action[0]:
        return ""
    cls, obj = ex.action
    labels = [action_label(c) for c in (cls, *ex.also)]
    label = ", ".join(labels[:-1]) + " and " + labels[-1] if len(labels) > 1 else labels[0]
    return f"{label} for {clean_title(obj)}" if obj else label


def _shared_items(ex: Explanation, ctx: Context) -> list[str]:
    """Up to :data:`SHOWN` shared things, most telling first: entities (rarest first,
    the action's object left out when already named), figures, names, words as
    written."""
    items: list[str] = []
    skip = {ex.action[1]} if ex.action and ex.action[1] else set()
    items += [clean_title(e) for e in ex.shared_entities if e not in skip][:3]
    items += [format_figure(f) for f in ex.shared_figures][:2]
    items += [clean_title(n) for n in ex.shared_names][:1]
    if len(items) < SHOWN and ex.shared_words:
        spelled = surface_forms(f"{ctx.text}\n{ctx.matched.text if ctx.matched else ''}")
        taken = {item.casefold() for item in items}
        for word in ex.shared_words:
            shown = clean_title(spelled.get(word, ""))
            if shown and shown.casefold() not in taken:
                items.append(shown)
                taken.add(shown.casefold())
            if len(items) >= SHOWN:
                break
    return items[:SHOWN]


def format_figure(key: str) -> str:
    """A figure key as people write it: ``amt:4.5e+09`` → ``4.5 bn``, ``pct:15`` →
    ``15 %``, ``n:140`` → ``140``."""
    kind, _, value = key.partition(":")
    try:
        number = float(value)
    except ValueError:
        return clean_title(key)
    if kind == "pct":
        return f"{number:g} %"
    if kind == "amt":
        for size, unit in ((1e12, "tn"), (1e9, "bn"), (1e6, "m"), (1e3, "k")):
            if number >= size:
                return f"{number / size:g} {unit}"
    return f"{number:g}"


def _by_user(ex: Explanation, ctx: Context) -> str:
    """The sentence of an article a user placed, from its latest correction; "" for one
    a merge only locked where it was (its own reason stands)."""
    if not ex.locked or not ctx.corrections:
        return ""
    last = ctx.corrections[-1]
    day = last.at[:10]
    if last.kind == "split":
        return f"Split out by you on {day}"
    detail = (
        f" (story {last.story_id} merged into {last.into_story_id})"
        if last.story_id is not None and last.into_story_id is not None
        else ""
    )
    return f"Moved here by you on {day}{detail}"


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


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(item) for item in value) if isinstance(value, list | tuple) else ()


def context_of(info: Mapping[str, Any]) -> Context:
    """The :class:`Context` of what :func:`chipwatch.store.stories.explain_article`
    returns (the stored explanation plus the matched article and the corrections)."""
    matched = info.get("matched_info")
    corrections: Sequence[Mapping[str, Any]] = info.get("corrections") or ()
    return Context(
        matched=Matched(
            title=str(matched.get("title") or ""),
            feed=str(matched.get("feed") or ""),
            title_derived=bool(matched.get("title_derived")),
            text=str(matched.get("text") or ""),
            story_id=_int(matched.get("story_id")),
        )
        if isinstance(matched, Mapping)
        else None,
        text=str(info.get("text") or ""),
        story_id=_int(info.get("story_id")),
        corrections=tuple(
            Correction(
                str(c.get("kind") or ""),
                str(c.get("at") or ""),
                _int(c.get("story_id")),
                _int(c.get("into_story_id")),
            )
            for c in corrections
        ),
    )
