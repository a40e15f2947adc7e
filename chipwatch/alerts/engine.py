"""Watches → alerts: one per (watch, story), spikes, and feed health.

:class:`AlertEngine` runs inside the ingest pipeline's per-feed transaction, after the
article was tagged and clustered; it writes alert rows and returns :class:`AlertEvent`
values. Notifications (:mod:`chipwatch.alerts.notify`) go out only after that
transaction committed. Time is always the ``now`` argument.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from chipwatch.alerts.events import AlertEvent, outlets_detail
from chipwatch.alerts.health import feed_health_events
from chipwatch.config import Config, WatchConfig
from chipwatch.errors import UserError
from chipwatch.model import AlertKind, Article, Assignment, EntityMatch
from chipwatch.store import alerts as store
from chipwatch.timeutil import iso
from chipwatch.words import plural

if TYPE_CHECKING:  # imported where used: a config without watches or mutes needs none
    from chipwatch.query.match import Query, QueryDoc
    from chipwatch.store.db import AnyConnection as Database

SPIKE_WINDOW = timedelta(hours=24)
SPIKE_BASELINE_DAYS = 7


@dataclass(frozen=True, slots=True)
class _Watch:
    config: WatchConfig
    query: Query


class AlertEngine:
    """Turns ingested articles and the store's state into alerts."""

    def __init__(self, db: Database, config: Config, tagger: Any = None) -> None:
        self.db = db
        self.config = config
        self.tagger = tagger
        self.watches = [_compile(w, tagger) for w in config.watches if w.kind == "query"]
        self.mute = _compile_mute(config, tagger)
        """Every ``[[mute]]`` rule as one query: its stories raise no alert."""
        self.spikes = [w for w in config.watches if w.kind == "spike"]
        # resolved now, so an unknown entity stops polling at start, not mid-round
        self._spike_names = {w.name: self._entity_names(w) for w in self.spikes}
        self._must_not_miss = {f.url: f.must_not_miss for f in config.feeds if f.must_not_miss}
        self._feed_names: dict[str, str] = {}

    # ---- per article

    def on_article(
        self,
        article_id: int,
        article: Article,
        matches: Sequence[EntityMatch],
        assignment: Assignment,
        *,
        now: datetime,
    ) -> list[AlertEvent]:
        """Alerts for one article just clustered into ``assignment.story_id``.

        A watch that already alerted on the story updates that alert (outlets, time),
        whether or not this article matches; others alert when this article matches.
        """
        if not self.watches:  # nothing to alert or update: spare the store a read
            return []
        story_id = assignment.story_id
        already = store.story_alert_watches(self.db, story_id)
        doc = self._doc(article, matches)
        matched = {w.config.name for w in self.watches if w.query.matches(doc)}
        wanted = [w for w in self.watches if w.config.name in already | matched]
        if not wanted:
            return []
        if self._muted(story_id, doc):
            if already:  # raised before the article that mutes the story came
                store.dismiss_story_alerts(self.db, story_id)
            return []
        return [
            self._story_alert(
                watch, story_id, now, article_id if watch.config.name in matched else None
            )
            for watch in wanted
        ]

    def after_split(self, story_ids: Iterable[int], *, now: datetime) -> list[AlertEvent]:
        """Alerts for the two stories a user's split made of one (the story it left and
        the new one): the user said they are two events, so each watch that matches an
        article of a story and has no alert there raises one, on its earliest matching
        article (the alert of the story before the split follows its own article)."""
        from chipwatch.query.match import QueryDoc
        from chipwatch.store.views_status import article_docs

        events: list[AlertEvent] = []
        for story_id in dict.fromkeys(story_ids):
            already = store.story_alert_watches(self.db, story_id)
            missing = [w for w in self.watches if w.config.name not in already]
            if not missing or self.muted_stories([story_id]):
                continue
            for d in article_docs(self.db, frozenset([story_id]), since=None):
                doc = QueryDoc(
                    d.title, d.summary, d.feed_name, d.feed_url, d.lang, d.entities, d.kinds
                )
                hit = [w for w in missing if w.query.matches(doc)]
                events += [self._story_alert(w, story_id, now, d.article_id) for w in hit]
                missing = [w for w in missing if w not in hit]
                if not missing:
                    break
        return events

    def _muted(self, story_id: int, doc: QueryDoc) -> bool:
        """Whether a mute rule matches the article, or any stored article of its story
        (a story is muted when one of its articles matches, as a watch alerts)."""
        if self.mute is None:
            return False
        return self.mute.matches(doc) or bool(self.muted_stories([story_id]))

    def muted_stories(self, story_ids: Iterable[int]) -> set[int]:
        """Which of the stories a mute rule matches (by their stored articles)."""
        from chipwatch.query.match import QueryDoc
        from chipwatch.store.views_status import article_docs

        ids = frozenset(story_ids)
        if self.mute is None or not ids:
            return set()
        return {
            d.story_id
            for d in article_docs(self.db, ids, since=None)
            if self.mute.matches(
                QueryDoc(d.title, d.summary, d.feed_name, d.feed_url, d.lang, d.entities, d.kinds)
            )
        }

    def _doc(self, article: Article, matches: Sequence[EntityMatch]) -> QueryDoc:
        from chipwatch.query.match import QueryDoc

        doc = QueryDoc.from_article(article, matches)
        if doc.feed_name or not article.feed_url:
            return doc
        name = self._feed_name(article.feed_url)
        return QueryDoc(
            doc.title, doc.summary, name, doc.feed_url, doc.lang, doc.entities, doc.kinds
        )

    def _feed_name(self, url: str) -> str:
        if url not in self._feed_names:
            self._feed_names[url] = store.feed_label_at(self.db, url)
        return self._feed_names[url]

    def _story_alert(
        self, watch: _Watch, story_id: int, now: datetime, article_id: int | None
    ) -> AlertEvent:
        """The watch's alert on the story, raised or updated; ``article_id``: the
        article that matched the watch (None: it only joined a story already alerted)."""
        title, url, outlets = store.story_brief(self.db, story_id)
        detail = outlets_detail(outlets)
        alert, created = store.upsert_alert(
            self.db,
            kind=AlertKind.WATCH,
            watch=watch.config.name,
            subject=f"story:{story_id}",
            title=title,
            now=now,
            story_id=story_id,
            detail=detail,
            article_id=article_id,
        )
        return AlertEvent(
            alert.id,
            AlertKind.WATCH,
            watch.config.name,
            story_id,
            title,
            url,
            tuple(outlets),
            created,
            watch.config.notify,
            watch.config.webhook,
            alert.subject,
            detail,
            state=alert.state,
            at=iso(now),
            query=watch.config.query,
            article_id=alert.article_id,
        )

    # ---- feed health

    def check_feed_health(self, *, now: datetime, offline: bool = False) -> list[AlertEvent]:
        """Feed alerts (:func:`chipwatch.alerts.health.feed_health_events`)."""
        return feed_health_events(
            self.db, self.config.alerts, self._must_not_miss, now=now, offline=offline
        )

    # ---- spikes

    def check_spikes(self, *, now: datetime) -> list[AlertEvent]:
        """Spike alerts: an entity's stories in the last 24 h reach ``factor`` × its daily
        average over the 7 days before, and at least ``min_stories``."""
        events: list[AlertEvent] = []
        for watch in self.spikes:
            event = self._spike(watch, now)
            if event is not None:
                events.append(event)
        return events

    def spike_counts(self, watch: WatchConfig, now: datetime) -> tuple[list[int], int]:
        """``(stories in the last 24 h, newest first; stories in the 7 days before)``."""
        names = self._spike_names.get(watch.name) or self._entity_names(watch)
        start = now - SPIKE_WINDOW
        recent = store.entity_stories(self.db, names, start=start, end=now)
        baseline_start = start - timedelta(days=SPIKE_BASELINE_DAYS)
        previous = store.entity_stories(self.db, names, start=baseline_start, end=start)
        muted = self.muted_stories([*recent, *previous])  # muted stories neither count nor lead
        if muted:
            recent = [s for s in recent if s not in muted]
            previous = [s for s in previous if s not in muted]
        return recent, len(previous)

    def _spike(self, watch: WatchConfig, now: datetime) -> AlertEvent | None:
        recent, previous = self.spike_counts(watch, now)
        factor = watch.factor or self.config.alerts.spike_factor
        least = watch.min_stories or self.config.alerts.spike_min_stories
        average = previous / SPIKE_BASELINE_DAYS
        if len(recent) < least or len(recent) < factor * average:
            return None
        detail = _spike_detail(len(recent), average)
        subject = f"spike:{watch.entity}:{now.date().isoformat()}"
        before = store.get_alert(self.db, watch.name, subject)
        title = f"{watch.entity}: {detail}"
        alert, created = store.upsert_alert(
            self.db,
            kind=AlertKind.SPIKE,
            watch=watch.name,
            subject=subject,
            title=title,
            now=now,
            story_id=recent[0],
            detail=detail,
        )
        if not created and before is not None and before.detail == detail:
            return None
        _, url, outlets = store.story_brief(self.db, recent[0])
        return AlertEvent(
            alert.id,
            AlertKind.SPIKE,
            watch.name,
            recent[0],
            title,
            url,
            tuple(outlets),
            created,
            watch.notify,
            watch.webhook,
            subject,
            detail,
            state=alert.state,
            at=iso(now),
            extra={"stories": recent, "baseline": previous},
        )

    def _entity_names(self, watch: WatchConfig) -> set[str]:
        name = watch.entity or ""
        if self.tagger is None:
            return {name}
        from chipwatch.query.entities import descendants, suggest

        entity = self.tagger.resolve(name)
        if entity is None:
            hint = suggest(self.tagger, name)
            raise UserError(
                f"watch {watch.name!r}: unknown entity {name!r}"
                + (f"; did you mean {hint}?" if hint else "")
            )
        return {entity.name, *descendants(self.tagger, entity.name)}


def _compile(watch: WatchConfig, tagger: Any) -> _Watch:
    from chipwatch.query.match import QuerySyntaxError, parse_query

    try:
        return _Watch(watch, parse_query(watch.query, tagger))
    except QuerySyntaxError as exc:
        raise UserError(f"watch {watch.name!r}: {exc}") from exc


def _compile_mute(config: Config, tagger: Any) -> Query | None:
    """The mute rules as one query (their entities resolved, so an unknown one stops
    polling at start, naming the rule); None when there are none."""
    if not config.mutes:
        return None
    from chipwatch.query.match import QuerySyntaxError, parse_query

    for mute in config.mutes:
        try:
            parse_query(mute.query, tagger)
        except QuerySyntaxError as exc:
            raise UserError(f"mute {mute.name or mute.query!r}: {exc}") from exc
    return parse_query(config.mute_query, tagger)


def _spike_detail(recent: int, average: float) -> str:
    if average == 0:
        return f"{plural(recent, 'story')} in 24h (none in the 7 days before)"
    return (
        f"{plural(recent, 'story')} in 24h, {recent / average:.1f}× the daily average "
        f"of {average:.1f} over the 7 days before"
    )
