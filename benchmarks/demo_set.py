"""The demo's bundled news as a labelled set: each article's ``event`` from its data file.

The feeds are the demo's own documents (:func:`chipwatch.demo.render.render_feed`: RSS
and Atom, tracking parameters on the wire's links), written to local files as the
articles arrive, and the config carries the demo's watches, so a replay also shows which
alerts the demo raises. Besides the orders of :mod:`benchmarks.replay`, ``release`` is
the demo's own schedule: one round per release moment (the archive first, then the
morning's news one by one), every feed with something new polled in that round.

:func:`compare` says how a replay differs from the labels: extra or missing stories,
split events, merged events, and the alerts that are not exactly one per (watch, event)
the watch matches. The clustering test "replaying the demo in three orders gives exactly
the labelled stories and one alert per event" is ``compare(...).exact`` in each order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import resources
from string import Template
from typing import Any

from benchmarks.quality_metrics import partition
from benchmarks.quality_sets import POLL, QualitySet
from benchmarks.replay import Replay, Round, arrange, chunks, url_key

BASE_URL = "https://demo.chipwatch.example"
DEMO_ORDERS = ("published", "reverse", "shuffled", "release", POLL)


def demo_config() -> str:
    """The demo's config template with its watches (no feeds: the replay adds them)."""
    from chipwatch.demo.content import ANCHOR

    template = resources.files("chipwatch.demo").joinpath("config_template.toml")
    return Template(template.read_text(encoding="utf-8")).substitute(
        anchor=ANCHOR.strftime("%d %B %Y %H:%M UTC"), speed="1", interval="4s", feeds=""
    )


def _links() -> dict[tuple[str, str], str]:
    from chipwatch.demo.content import load_outlets
    from chipwatch.demo.render import article_link

    return {
        (a.outlet, a.slug): article_link(BASE_URL, o, a) for o in load_outlets() for a in o.articles
    }


def demo_rounds(order: str, chunk: int = 1) -> list[Round]:
    """Rounds delivering the demo's articles in ``order`` (see the module docstring)."""
    from chipwatch.demo.content import all_articles, load_outlets
    from chipwatch.demo.render import render_feed

    outlets = {o.id: o for o in load_outlets()}
    articles = all_articles()
    if order == "release":
        moments: dict[float, list[Any]] = defaultdict(list)
        for article in articles:
            moments[article.release].append(article)
        batches = [moments[moment] for moment in sorted(moments)]
    elif order == POLL:
        batches = [articles]
    else:
        ranked = arrange(articles, order, key=lambda a: (a.published, a.outlet, a.slug))
        batches = chunks(ranked, chunk)
    shown: dict[str, list[Any]] = defaultdict(list)
    rounds = []
    newest: datetime | None = None
    for batch in batches:
        for article in batch:
            shown[article.outlet].append(article)
            newest = article.published if newest is None else max(newest, article.published)
        files = {}
        for outlet_id in dict.fromkeys(a.outlet for a in batch):
            outlet = outlets[outlet_id]
            listed = sorted(shown[outlet_id], key=lambda a: (a.published, a.slug), reverse=True)
            body = render_feed(
                outlet, [(a, a.published) for a in listed], base_url=BASE_URL, updated=newest
            )
            files[outlet.name] = body
        assert newest is not None
        rounds.append(Round(files, newest))
    return rounds


def demo_set() -> QualitySet:
    """The demo as a :class:`QualitySet` (its labels, its feeds, its watches)."""
    from chipwatch.demo.content import ANCHOR, all_articles, load_outlets, replay_length

    links = _links()
    articles = all_articles()
    gold = {url_key(links[(a.outlet, a.slug)]): a.event for a in articles}
    titles = {
        url_key(links[(a.outlet, a.slug)]): f"[{a.lang}] {a.outlet}: {a.title}" for a in articles
    }
    return QualitySet(
        "demo",
        gold,
        [],  # any two events in one story are wrong; no pair is singled out
        [o.name for o in load_outlets()],
        ANCHOR + timedelta(seconds=replay_length()),
        demo_rounds,
        titles=titles,
        extra_config=demo_config(),
    )


@dataclass
class DemoComparison:
    """How a demo replay differs from the labels; ``exact`` when it does not."""

    stories: int  # stories holding demo articles
    events: int  # labelled events
    split: list[str] = field(default_factory=list)  # events spread over several stories
    merged: list[list[str]] = field(default_factory=list)  # stories holding several events
    missing: list[str] = field(default_factory=list)  # articles not in the store
    duplicate_alerts: list[tuple[str, str, int]] = field(default_factory=list)  # watch, event, n
    missing_alerts: list[tuple[str, str]] = field(default_factory=list)  # watch, event
    unexpected_alerts: list[tuple[str, str]] = field(default_factory=list)  # watch, event

    @property
    def exact(self) -> bool:
        return not (
            self.split
            or self.merged
            or self.missing
            or self.duplicate_alerts
            or self.missing_alerts
            or self.unexpected_alerts
        )

    def lines(self) -> list[str]:
        """The differences, one per line (nothing when exact)."""
        out = [f"split: {e}" for e in self.split]
        out += [f"merged: {' + '.join(events)}" for events in self.merged]
        out += [f"not stored: {key}" for key in self.missing]
        out += [f"alerts: {w!r} on {e}: {n}" for w, e, n in self.duplicate_alerts]
        out += [f"no alert: {w!r} on {e}" for w, e in self.missing_alerts]
        out += [f"unexpected alert: {w!r} on {e}" for w, e in self.unexpected_alerts]
        return out


def expected_alerts() -> set[tuple[str, str]]:
    """(watch, event) for every query watch of the demo config that matches an article of
    the event: the watch should alert once on that event's story, and on nothing else."""
    from chipwatch.config import parse_config
    from chipwatch.demo.content import all_articles
    from chipwatch.entities.tagger import build_tagger
    from chipwatch.model import Article
    from chipwatch.query.match import QueryDoc, parse_query

    config = parse_config(demo_config())
    tagger = build_tagger(config.entities)
    watches = [(w.name, parse_query(w.query, tagger)) for w in config.watches if w.kind == "query"]
    wanted = set()
    for a in all_articles():
        article = Article(
            key=a.guid,
            feed_url="",
            title=a.title,
            summary=a.summary,
            url="",
            published=a.published,
            fetched_at=a.published,
            lang=a.lang,
            feed_name="",
        )
        doc = QueryDoc.from_article(article, tagger.tag(a.title, a.summary))
        wanted |= {(name, a.event) for name, query in watches if query.matches(doc)}
    return wanted


def compare(qs: QualitySet, run: Replay, expected: set[tuple[str, str]]) -> DemoComparison:
    """Compare a replay of the demo with its labels and the alerts it should raise."""
    predicted = {key: run.story_of[key] for key in qs.gold if key in run.story_of}
    events_of: dict[int, set[str]] = defaultdict(set)
    stories_of: dict[str, set[int]] = defaultdict(set)
    for key, story in predicted.items():
        events_of[story].add(qs.gold[key])
        stories_of[qs.gold[key]].add(story)
    result = DemoComparison(len(partition(predicted)), len(set(qs.gold.values())))
    result.split = sorted(e for e, stories in stories_of.items() if len(stories) > 1)
    result.merged = sorted(sorted(events) for events in events_of.values() if len(events) > 1)
    result.missing = sorted(key for key in qs.gold if key not in predicted)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for watch, story in run.alerts:
        for event in events_of.get(story, {"(not a demo story)"}):
            counts[(watch, event)] += 1
    result.duplicate_alerts = sorted((w, e, n) for (w, e), n in counts.items() if n > 1)
    result.missing_alerts = sorted(expected - set(counts))
    result.unexpected_alerts = sorted(set(counts) - expected)
    return result


def replay_demo(order: str, *, chunk: int = 1, extra_config: str = "") -> tuple[QualitySet, Replay]:
    """Poll the demo's feeds in ``order`` through the real pipeline into a fresh store."""
    from benchmarks.replay import merge_toml, replay

    qs = demo_set()
    config = merge_toml(qs.extra_config, extra_config)
    return qs, replay(qs.rounds(order, chunk), feeds=qs.feeds, now=qs.now, extra_config=config)


def compare_orders(
    orders: Sequence[str] = ("published", "reverse", "shuffled"),
) -> dict[str, DemoComparison]:
    """:func:`compare` for a replay in each of ``orders``."""
    expected = expected_alerts()
    results = {}
    for order in orders:
        qs, run = replay_demo(order)
        results[order] = compare(qs, run, expected)
    return results
