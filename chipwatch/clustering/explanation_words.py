"""Why an article is in its story, in words: ONE way to say a stored
:class:`~.explanation.Explanation` (:func:`describe`), used by the monitor's detail
pane, ``search --explain`` and the digest alike::

    Joined "Nvidia va pouvoir…" (La Dépêche, 2 h earlier): both report licences
    granted for H20; share H20, export licence, 4.5 bn; similarity 0.62 (threshold 0.40)

Shared words are stored as compared (folded, lightly stemmed) and shown as the article
wrote them (:func:`~.text.surface_forms`); stop words are never compared, so never shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from chipwatch.clustering.explanation import JOINED, Explanation, as_int
from chipwatch.clustering.labels import action_label
from chipwatch.clustering.text import surface_forms
from chipwatch.textsafe import clean_title

# How many shared things a sentence names, and how long a quoted title may be.
SHOWN = 4
TITLE_CHARS = 48


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
            story_id=as_int(matched.get("story_id")),
        )
        if isinstance(matched, Mapping)
        else None,
        text=str(info.get("text") or ""),
        story_id=as_int(info.get("story_id")),
        corrections=tuple(
            Correction(
                str(c.get("kind") or ""),
                str(c.get("at") or ""),
                as_int(c.get("story_id")),
                as_int(c.get("into_story_id")),
            )
            for c in corrections
        ),
    )
