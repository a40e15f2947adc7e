"""An alert as it leaves the engine: the value notified, printed by ``poll --json`` and
shown; and the one-line texts alerts of every kind share."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from chipwatch.words import plural


@dataclass(frozen=True, slots=True)
class AlertEvent:
    """An alert raised (``created``) or updated, with where to notify it."""

    alert_id: int
    kind: str
    watch: str
    story_id: int | None
    title: str
    url: str
    outlets: tuple[str, ...] = ()
    created: bool = True
    notify: tuple[str, ...] = ()
    webhook: str | None = None
    subject: str = ""
    detail: str = ""
    feed_id: int | None = None
    state: str = "new"
    at: str = ""
    query: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    article_id: int | None = None  # a watch alert's article (the one that matched)

    def to_json(self) -> dict[str, Any]:
        """The ``poll --json`` line: ``{"type": "alert", "watch", "story", "title", "url", …}``
        (a watch alert's ``article``: the article that matched, which it follows)."""
        return {
            "type": "alert",
            "id": self.alert_id,
            "kind": self.kind,
            "watch": self.watch,
            "story": self.story_id,
            "title": self.title,
            "url": self.url,
            "outlets": len(self.outlets),
            "sources": list(self.outlets),
            "created": self.created,
            "state": self.state,
            "detail": self.detail,
            "feed": self.feed_id,
            "at": self.at,
            **({"query": self.query} if self.query else {}),
            **({"article": self.article_id} if self.article_id is not None else {}),
        }


def outlets_detail(outlets: Iterable[str]) -> str:
    """ "3 outlets: A, B, C", with "+N" past the third; "" for none."""
    names = list(outlets)
    if not names:
        return ""
    shown = ", ".join(names[:3]) + (f" +{len(names) - 3}" if len(names) > 3 else "")
    return f"{plural(len(names), 'outlet')}: {shown}"


def one_line(text: str) -> str:
    """A feed's text as one clean line of at most 200 characters (for alert details)."""
    from chipwatch.textsafe import clean_text

    return clean_text(str(text), single_line=True, limit=200)
