"""AlertEngine: one alert per (watch, story) as articles arrive one by one; states
persist; feed health; spike arithmetic on a fixed clock."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlite_utils import Database
from test_query_match import small_tagger
from test_query_search import Archive

from chipwatch.alerts.engine import AlertEngine
from chipwatch.alerts.health import FEED_HEALTH_WATCH
from chipwatch.config import AlertsConfig, Config, FeedConfig, WatchConfig
from chipwatch.entities.tagger import Tagger
from chipwatch.errors import UserError
from chipwatch.model import Assignment
from chipwatch.store.alerts import list_alerts, set_alert_state
from chipwatch.store.db import write_transaction
from chipwatch.store.queries import feed_id_for, update_feed_state
from chipwatch.timeutil import iso

H20_WATCH = WatchConfig(
    name="H20 exports", query="@H20 AND (export~ OR licence~ OR sell)", notify=("bell",)
)
OUTLETS = ["Wire", "Le Monde", "Les Echos", "Caixin", "The Register"]
TITLES = [
    "Nvidia may sell H20 in China again",
    "Nvidia pourra revendre ses H20 : licences d'exportation accordées",
    "Les licences d'export des puces H20 reviennent",
    "英伟达H20对华出口 licence 获批",
    "H20 export licences granted, Nvidia says",
]


@pytest.fixture
def tagger() -> Tagger:
    return small_tagger()


@pytest.fixture
def archive(db: Database, tagger: Tagger, now: datetime) -> Archive:
    return Archive(db, tagger, now)


def engine_for(
    db: Database, tagger: Tagger, *watches: WatchConfig, **alerts: object
) -> AlertEngine:
    config = Config(watches=watches or (H20_WATCH,), alerts=AlertsConfig(**alerts))
    return AlertEngine(db, config, tagger)


def ingest(
    engine: AlertEngine,
    archive: Archive,
    story: int,
    title: str,
    feed: str,
    now: datetime,
    new_story: bool = False,
):
    article_id, article = archive.article(story, title, feed=feed, published=now)
    matches = archive.tagger.tag(article.title, article.summary)
    with write_transaction(archive.db):
        return engine.on_article(
            article_id, article, matches, Assignment(story, new_story), now=now
        )


def test_one_event_from_five_outlets_raises_exactly_one_alert(
    db: Database, tagger: Tagger, archive: Archive, now: datetime
) -> None:
    engine = engine_for(db, tagger)
    story = archive.story(now)
    batches = []
    for minutes, (feed, title) in enumerate(zip(OUTLETS, TITLES, strict=True)):
        batches.append(
            ingest(
                engine,
                archive,
                story,
                title,
                feed,
                now + timedelta(minutes=10 * minutes),
                new_story=minutes == 0,
            )
        )
    assert [len(events) for events in batches] == [1, 1, 1, 1, 1]
    assert [events[0].created for events in batches] == [True, False, False, False, False]
    assert batches[-1][0].outlets == tuple(OUTLETS)
    alerts = list_alerts(db)
    assert len(alerts) == 1
    alert = alerts[0]
    assert (alert.watch, alert.story_id, alert.state) == ("H20 exports", story, "new")
    assert alert.title == TITLES[0]
    assert alert.updated_at == iso(now + timedelta(minutes=40))
    assert alert.detail.startswith("5 outlets: Wire, Le Monde, Les Echos +2")


def test_first_event_carries_the_story_headline_url_and_channels(
    db: Database, tagger: Tagger, archive: Archive, now: datetime
) -> None:
    engine = engine_for(db, tagger)
    story = archive.story(now)
    (event,) = ingest(engine, archive, story, TITLES[0], "Wire", now, new_story=True)
    assert event.created and event.notify == ("bell",) and event.kind == "watch"
    line = event.to_json()
    assert line["type"] == "alert" and line["watch"] == "H20 exports"
    assert line["story"] == story and line["title"] == TITLES[0]
    assert line["url"].startswith("https://news.example/")
    assert line["outlets"] == 1 and line["sources"] == ["Wire"] and line["created"] is True


def test_a_dismissed_alert_stays_dismissed_and_silent(
    db: Database, tagger: Tagger, archive: Archive, now: datetime
) -> None:
    engine = engine_for(db, tagger)
    story = archive.story(now)
    (first,) = ingest(engine, archive, story, TITLES[0], "Wire", now)
    with write_transaction(db):
        set_alert_state(db, first.alert_id, "dismissed")
    (later,) = ingest(engine, archive, story, TITLES[1], "Le Monde", now + timedelta(hours=1))
    assert not later.created and later.state == "dismissed"
    assert [a.state for a in list_alerts(db)] == ["dismissed"]


def test_articles_joining_an_alerted_story_update_it_even_without_matching(
    db: Database, tagger: Tagger, archive: Archive, now: datetime
) -> None:
    engine = engine_for(db, tagger)
    story = archive.story(now)
    ingest(engine, archive, story, TITLES[0], "Wire", now)
    (update,) = ingest(engine, archive, story, "Beijing reacts", "Caixin", now + timedelta(hours=1))
    assert not update.created and update.outlets == ("Wire", "Caixin")
    unrelated = archive.story(now)
    assert ingest(engine, archive, unrelated, "Beijing reacts again", "Caixin", now) == []


def test_each_watch_and_each_story_gets_its_own_alert(
    db: Database, tagger: Tagger, archive: Archive, now: datetime
) -> None:
    nvidia = WatchConfig(name="nvidia", query="@NVIDIA")
    engine = engine_for(db, tagger, H20_WATCH, nvidia)
    first = archive.story(now)
    events = ingest(engine, archive, first, TITLES[0], "Wire", now)
    assert sorted(e.watch for e in events) == ["H20 exports", "nvidia"]
    second = archive.story(now)
    events = ingest(engine, archive, second, "Nvidia opens a lab", "Wire", now)
    assert [(e.watch, e.created) for e in events] == [("nvidia", True)]
    assert len(list_alerts(db)) == 3


def test_feed_filter_uses_the_stored_feed_name(
    db: Database, tagger: Tagger, archive: Archive, now: datetime
) -> None:
    engine = engine_for(db, tagger, WatchConfig(name="le monde", query='feed:"le monde"'))
    story = archive.story(now)
    article_id, article = archive.article(story, "Un titre", feed="Le Monde", published=now)
    from dataclasses import replace

    bare = replace(article, feed_name="")  # the pipeline may not carry the name
    with write_transaction(db):
        events = engine.on_article(article_id, bare, [], Assignment(story, True), now=now)
    assert [e.watch for e in events] == ["le monde"]


def test_unknown_entity_in_a_watch_names_the_watch(db: Database, tagger: Tagger) -> None:
    with pytest.raises(UserError, match=r"watch 'typo'.*unknown entity @Nvidai"):
        engine_for(db, tagger, WatchConfig(name="typo", query="@Nvidai"))
    spike = WatchConfig(name="spiky", kind="spike", entity="Huawai")
    with pytest.raises(
        UserError, match=r"watch 'spiky': unknown entity 'Huawai'; did you mean @Huawei\?"
    ):
        engine_for(db, tagger, spike)


# --------------------------------------------------------------------------- feed health


def test_a_failing_feed_raises_one_alert_per_episode(
    db: Database, tagger: Tagger, now: datetime
) -> None:
    engine = engine_for(db, tagger, feed_failures=3, feed_notify=("bell",))
    with write_transaction(db):
        feed = feed_id_for(db, "https://bis.example/rss", now=now, name="BIS")
        update_feed_state(db, feed, error_count=2, last_error="HTTP 503")
    assert engine.check_feed_health(now=now) == []
    with write_transaction(db):
        update_feed_state(db, feed, error_count=3)
        (event,) = engine.check_feed_health(now=now)
    assert event.kind == "feed" and event.watch == FEED_HEALTH_WATCH and event.created
    assert event.feed_id == feed and event.notify == ("bell",)
    assert event.title == "BIS: failing: 3 fetches in a row (HTTP 503)"
    with write_transaction(db):
        assert engine.check_feed_health(now=now + timedelta(hours=1)) == []  # unchanged
        update_feed_state(db, feed, error_count=4)
        (update,) = engine.check_feed_health(now=now + timedelta(hours=1))
    assert not update.created and "4 fetches" in update.title
    # it recovers, then fails again: a new episode, a new alert
    with write_transaction(db):
        update_feed_state(db, feed, error_count=0, last_ok_at=iso(now + timedelta(hours=2)))
        assert engine.check_feed_health(now=now + timedelta(hours=2)) == []
        update_feed_state(db, feed, error_count=3)
        (again,) = engine.check_feed_health(now=now + timedelta(hours=5))
    assert again.created and again.alert_id != event.alert_id
    assert len(list_alerts(db, kind="feed")) == 2


def test_a_gone_feed_raises_an_alert_at_once(db: Database, tagger: Tagger, now: datetime) -> None:
    engine = engine_for(db, tagger, feed_failures=3)
    with write_transaction(db):
        feed = feed_id_for(db, "https://gone.example/rss", now=now, name="Old wire")
        update_feed_state(db, feed, error_count=1, disabled_reason="HTTP 410 Gone")
        (event,) = engine.check_feed_health(now=now)
    assert event.title == "Old wire: stopped: HTTP 410 Gone" and event.created


def test_a_silent_must_not_miss_feed_raises_an_alert(
    db: Database, tagger: Tagger, now: datetime
) -> None:
    url = "https://federalregister.example/bis.rss"
    config = Config(
        feeds=(FeedConfig(url=url, name="Federal Register", must_not_miss=timedelta(days=7)),)
    )
    engine = AlertEngine(db, config, tagger)
    with write_transaction(db):
        feed = feed_id_for(db, url, now=now - timedelta(days=30), name="Federal Register")
        update_feed_state(db, feed, last_new_at=iso(now - timedelta(days=6)))
    assert engine.check_feed_health(now=now) == []
    with write_transaction(db):
        (event,) = engine.check_feed_health(now=now + timedelta(days=2))
    assert event.title == "Federal Register: silent: no new article for 8d (must_not_miss 7d)"
    with write_transaction(db):  # never brought anything: silent since it was added
        update_feed_state(db, feed, last_new_at=None)
        (never,) = engine.check_feed_health(now=now)
    assert "30d" in never.title and never.alert_id != event.alert_id


# --------------------------------------------------------------------------- spikes

SPIKE = WatchConfig(
    name="NVIDIA spike",
    kind="spike",
    entity="NVIDIA",
    notify=("webhook",),
    webhook="http://127.0.0.1:9/hook",
)


def _stories(archive: Archive, count: int, when: datetime, title: str = "Nvidia news") -> None:
    for index in range(count):
        story = archive.story(when)
        archive.article(story, f"{title} {index}", published=when - timedelta(minutes=index))


def test_spike_needs_the_factor_and_the_minimum(
    db: Database, tagger: Tagger, archive: Archive, now: datetime
) -> None:
    engine = engine_for(db, tagger, SPIKE, spike_factor=3.0, spike_min_stories=3)
    for day in range(2, 9):  # seven stories over the previous seven days: 1 a day
        _stories(archive, 1, now - timedelta(days=day - 0.5))
    _stories(archive, 2, now - timedelta(hours=3))
    assert engine.check_spikes(now=now) == []  # 2 < min 3 and 2 < 3 × 1
    assert (len(engine.spike_counts(SPIKE, now)[0]), engine.spike_counts(SPIKE, now)[1]) == (2, 7)
    _stories(archive, 1, now - timedelta(hours=1), title="Hopper H20 shipments")  # child entity
    with write_transaction(db):
        (event,) = engine.check_spikes(now=now)  # 3 ≥ 3 × 1 and 3 ≥ 3
    assert event.kind == "spike" and event.created and event.notify == ("webhook",)
    assert event.title == (
        "NVIDIA: 3 stories in 24h, 3.0× the daily average of 1.0 over the 7 days before"
    )
    with write_transaction(db):
        assert engine.check_spikes(now=now) == []  # same day, same numbers: no repeat
    assert len(list_alerts(db, kind="spike")) == 1


def test_spike_below_the_factor_does_not_fire(
    db: Database, tagger: Tagger, archive: Archive, now: datetime
) -> None:
    engine = engine_for(db, tagger, SPIKE, spike_factor=3.0, spike_min_stories=3)
    for day in range(2, 9):
        _stories(archive, 2, now - timedelta(days=day - 0.5))  # 2 a day
    _stories(archive, 5, now - timedelta(hours=2))  # 5 < 3 × 2
    assert engine.check_spikes(now=now) == []
    _stories(archive, 1, now - timedelta(hours=1))  # 6 ≥ 6
    with write_transaction(db):
        assert len(engine.check_spikes(now=now)) == 1


def test_spike_from_nothing_only_needs_the_minimum(
    db: Database, tagger: Tagger, archive: Archive, now: datetime
) -> None:
    watch = WatchConfig(name="Huawei spike", kind="spike", entity="Huawei", min_stories=2)
    engine = engine_for(db, tagger, watch)
    _stories(archive, 1, now - timedelta(hours=1), title="Huawei news")
    assert engine.check_spikes(now=now) == []
    _stories(archive, 1, now - timedelta(hours=2), title="Huawei more news")
    with write_transaction(db):
        (event,) = engine.check_spikes(now=now)
    assert event.detail == "2 stories in 24h (none in the 7 days before)"
    # articles after `now` (a replay with a fixed clock) do not count
    assert len(engine.spike_counts(watch, now - timedelta(hours=3))[0]) == 0


def test_feed_webhook_channel_needs_a_url() -> None:
    from chipwatch.config import ConfigError, parse_config

    with pytest.raises(ConfigError, match=r"<config>:2: alerts.feed_notify: 'webhook' needs"):
        parse_config('[alerts]\nfeed_notify = ["webhook"]\n')
    config = parse_config('[alerts]\nfeed_notify = ["bell"]\nwebhook_backoff = "2s"\n')
    assert config.alerts.feed_notify == ("bell",) and config.alerts.webhook_backoff == 2.0
