"""The bundled demo news: outlets and their articles, loaded from ``data/*.toml``.

Each outlet file holds an ``[outlet]`` table and ``[[article]]`` tables. An article's
``release`` is the number of seconds after the demo starts (at speed 1) at which the
feed server starts listing it; ``published`` is the real date of the event's report;
``event`` names the real-world event the article reports (articles of one event are one
story: the labels ``benchmarks/demo_set.py`` compares a replay of the demo with). The
texts were written for chipwatch; the events are real, the outlets invented.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any

FEED_FORMATS = ("rss", "atom")

#: The real moment the replay treats as "now": the morning after NVIDIA said it would
#: resume H20 sales, while Jensen Huang was in Beijing. Published dates are shifted by
#: (demo start − ANCHOR) so the stream looks live and time windows behave as they did.
ANCHOR = datetime(2025, 7, 16, 12, 0, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class DemoArticle:
    """One bundled article of one outlet."""

    outlet: str
    slug: str
    title: str
    summary: str
    published: datetime
    release: float
    lang: str
    event: str = ""  # the labelled event (not shown: clustering must find it on its own)

    @property
    def guid(self) -> str:
        """Stable across fetches, so re-fetching never duplicates the article."""
        return f"chipwatch-demo:{self.outlet}:{self.slug}"


@dataclass(frozen=True, slots=True)
class Outlet:
    """One demo feed: an invented outlet in one language."""

    id: str
    name: str
    lang: str
    format: str
    description: str
    articles: tuple[DemoArticle, ...]
    tracking: bool = False  # links carry utm_* parameters, as real wires do
    fails_after: float | None = None  # replay seconds after which the feed answers 500

    def released(self, replay_seconds: float) -> tuple[DemoArticle, ...]:
        """The articles listed at ``replay_seconds`` into the replay, newest first."""
        shown = [a for a in self.articles if a.release <= replay_seconds]
        return tuple(sorted(shown, key=lambda a: (a.published, a.slug), reverse=True))

    def failing(self, replay_seconds: float) -> bool:
        """Whether the feed answers with a server error at ``replay_seconds``."""
        return self.fails_after is not None and replay_seconds >= self.fails_after


class ContentError(ValueError):
    """A bundled data file is malformed (a bug in the package, not a user error)."""


@cache
def load_outlets() -> tuple[Outlet, ...]:
    """Every bundled outlet, in file-name order."""
    folder = resources.files("chipwatch.demo").joinpath("data")
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".toml")), key=lambda f: f.name)
    return tuple(_outlet(f.name, tomllib.loads(f.read_text(encoding="utf-8"))) for f in files)


def all_articles() -> list[DemoArticle]:
    """Every bundled article, in release order."""
    articles = [a for outlet in load_outlets() for a in outlet.articles]
    return sorted(articles, key=lambda a: (a.release, a.outlet, a.slug))


def replay_length() -> float:
    """Replay seconds (at speed 1) until the last article is released."""
    return max(a.release for a in all_articles())


def _outlet(name: str, data: dict[str, Any]) -> Outlet:
    try:
        head = data["outlet"]
        outlet_id = head["id"]
        lang = head["lang"]
        articles = tuple(_article(outlet_id, lang, raw) for raw in data["article"])
        outlet = Outlet(
            id=outlet_id,
            name=head["name"],
            lang=lang,
            format=head["format"],
            description=head.get("description", ""),
            articles=articles,
            tracking=bool(head.get("tracking", False)),
            fails_after=head.get("fails_after"),
        )
    except (KeyError, TypeError) as exc:
        raise ContentError(f"demo data {name}: missing or bad key {exc}") from exc
    if outlet.format not in FEED_FORMATS:
        raise ContentError(f"demo data {name}: format must be one of {FEED_FORMATS}")
    return outlet


def _article(outlet: str, lang: str, raw: dict[str, Any]) -> DemoArticle:
    published = raw["published"]
    if not isinstance(published, datetime) or published.tzinfo is None:
        raise ContentError(f"{outlet}/{raw.get('slug')}: published needs a UTC date-time")
    return DemoArticle(
        outlet=outlet,
        slug=raw["slug"],
        title=raw["title"].strip(),
        summary=" ".join(raw["summary"].split()),
        published=published.astimezone(UTC),
        release=float(raw["release"]),
        lang=raw.get("lang", lang),
        event=str(raw.get("event", "")),
    )
