"""Issue 18: an alert follows the article that raised it, so one event never carries two
alerts of one watch.

A settle pass may split a story decided in an earlier round (new articles nearby change
the rarities, or the user raised ``[cluster] threshold``). The parts get their ids by
overlap, so the part that keeps the story's id (and, before, its alerts) need not be
the part holding the watched article; the watch was then raised again on that other
part, and the old alert stayed on a story the watch no longer matched. Now a watch alert
records its article (``alerts.article_id``) and, after each pass and each correction by
the user, ends on the story that holds it, joining the watch's alert there if any.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.replay import Item, Replay, Round, item_rounds, render_rss, replay
from chipwatch.store.alerts import follow_articles, list_alerts, record_delivery, upsert_alert
from chipwatch.store.db import write_transaction
from chipwatch.store.stories import create_story, merge_stories, split_article
from chipwatch.timeutil import iso
from tests.test_stories_store import add

T0 = datetime(2025, 3, 10, 8, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=1)
WATCH = '[[watch]]\nname = "TSMC"\nquery = "@TSMC"\n'
FEEDS = ["Wire", "Daily", "Tech"]

# Two wire copies of one report, and a third article that joins them at a low threshold
# (0.81 against the copies) and is the only one naming TSMC, the watched entity.
COPY_A = Item(
    "Wire",
    "https://wire.example.org/a",
    "NVIDIA was granted licences to ship H20 chips to China, the Commerce Department "
    "said on Monday.",
    T0,
    title="NVIDIA granted licences to ship H20 chips to China",
)
COPY_B = Item(
    "Daily",
    "https://daily.example.org/b",
    "The Commerce Department granted NVIDIA licences to ship its H20 chips to China on Monday.",
    T0 + timedelta(hours=1),
    title="NVIDIA granted licences to ship H20 chips to China",
)
WATCHED = Item(
    "Tech",
    "https://tech.example.org/x",
    "TSMC will make more H20 chips for NVIDIA after the licences for China were granted, "
    "suppliers said.",
    T0 + timedelta(hours=3),
    title="TSMC to make more H20 chips for NVIDIA",
)
# The next round's article: another event, published near enough to reopen the story.
LATER = Item(
    "Daily",
    "https://daily.example.org/c",
    "Samsung opened a memory plant in Pyeongtaek on Tuesday.",
    T0 + timedelta(hours=20),
    title="Samsung opens memory plant",
)


def _config(threshold: float) -> str:
    return f"{WATCH}[cluster]\nthreshold = {threshold}\n"


def _two_rounds(directory: Path) -> tuple[Replay, Replay]:
    """The three articles at threshold 0.3 (one story), then a round bringing the later
    article at 0.9: the pass reopens the story and splits the watched article off."""
    first = replay(
        item_rounds([COPY_A, COPY_B, WATCHED], chunk=3),
        feeds=FEEDS,
        now=NOW,
        extra_config=_config(0.3),
        directory=directory,
    )
    daily = render_rss("Daily", "en", [COPY_B, LATER])
    second = replay(
        [Round({"Daily": daily}, LATER.published)],
        feeds=FEEDS,
        now=NOW,
        extra_config=_config(0.9),
        directory=directory,  # the same store: the second round of one user's polls
    )
    return first, second


def _tsmc_alert(db: Any, story: int, *, now: datetime, article: int | None = None) -> Any:
    """The TSMC watch's alert on ``story``, raised by ``article`` (None: a store from
    before alerts recorded their article)."""
    return upsert_alert(
        db,
        kind="watch",
        watch="TSMC",
        subject=f"story:{story}",
        title="",
        now=now,
        story_id=story,
        article_id=article,
    )


def test_a_story_split_by_the_next_rounds_pass_does_not_raise_its_watch_twice(
    tmp_path: Path,
) -> None:
    """Before the fix the watch held two alerts after the second round: the first
    round's on the copies' story (which names no TSMC) and a new one on the watched
    article's. One round of all four articles at 0.9 raises one, on the watched article."""
    first, second = _two_rounds(tmp_path / "rounds")
    assert first.alerted() == [("TSMC", sorted([COPY_A.url, COPY_B.url, WATCHED.url]))]
    assert second.story_of[WATCHED.url] != second.story_of[COPY_A.url], "no split: no test"
    assert second.alerted() == [("TSMC", [WATCHED.url])]
    reference = replay(
        item_rounds([COPY_A, COPY_B, WATCHED, LATER], chunk=4),
        feeds=FEEDS,
        now=NOW,
        extra_config=_config(0.9),
        directory=tmp_path / "reference",
    )
    assert second.partition() == reference.partition()
    assert second.alerted() == reference.alerted()
    # The alert kept its identity (no new alert line), and says which article it follows.
    assert not [e for e in second.events if e.get("type") == "alert" and e["created"]]
    lines = [e for e in first.events if e.get("type") == "alert"]
    assert [line["article"] for line in lines] == [first.ids[WATCHED.url]]


def _alerted_story(db, watch: str = "TSMC") -> list[tuple[int | None, int | None]]:
    """(story, article) of the watch's alerts."""
    return [(a.story_id, a.article_id) for a in list_alerts(db, watch=watch)]


def test_a_split_article_takes_the_alert_it_raised_to_its_new_story(db, now) -> None:
    with write_transaction(db):
        story = create_story(db, published=now, now=now)
        copy = add(db, story, "wire", "en", "Nvidia resumes H20 sales", 0)
        watched = add(db, story, "blog", "en", "TSMC makes more H20", 30)
        _tsmc_alert(db, story, now=now, article=watched)
        kept = split_article(db, copy, now=now)  # the other article: the alert stays
        assert kept != story and _alerted_story(db) == [(story, watched)]
        moved = split_article(db, watched, now=now)
    assert _alerted_story(db) == [(moved, watched)]
    assert list_alerts(db, watch="TSMC")[0].subject == f"story:{moved}"


def _split_engine(db) -> Any:
    from chipwatch.alerts.engine import AlertEngine
    from chipwatch.config import Config, WatchConfig

    return AlertEngine(db, Config(watches=(WatchConfig(name="TSMC", query="TSMC"),)))


def test_a_users_split_raises_the_watch_on_the_part_left_without_its_alert(db, now) -> None:
    """A user's split says two events: each part whose articles match the watch carries
    its alert. The alert followed its own article, and the other part, though it
    matched, had none (found by a new user: `watch test` listed it, the pane did not)."""
    with write_transaction(db):
        story = create_story(db, published=now, now=now)
        first = add(db, story, "wire", "en", "TSMC raises prices", 0)
        other = add(db, story, "blog", "en", "TSMC opens a plant", 30)
        plain = add(db, story, "desk", "en", "Chip prices rise", 40)
        _tsmc_alert(db, story, now=now, article=first)
        apart = split_article(db, other, now=now)
        raised = _split_engine(db).after_split([apart, story], now=now)
        assert [(e.story_id, e.article_id, e.created) for e in raised] == [(apart, other, True)]
        assert sorted(_alerted_story(db)) == sorted([(story, first), (apart, other)])
        alone = split_article(db, plain, now=now)  # matches nothing: no alert
        assert _split_engine(db).after_split([alone, story], now=now) == []
        moved = split_article(db, first, now=now)  # the alert goes with its article
        assert _alerted_story(db).count((moved, first)) == 1
        assert _split_engine(db).after_split([moved, story], now=now) == []  # story is empty


def test_merged_stories_keep_one_alert_per_watch_with_every_delivery(db, now) -> None:
    """A user's merge of two stories the watch alerted on leaves one alert: the one on
    the story merged into, created when the earlier was, holding both deliveries (the
    alerts record no article: a merge is followed whatever the alert knows)."""
    earlier = now - timedelta(hours=2)
    ids = []
    with write_transaction(db):
        for minutes, when in ((0, earlier), (30, now)):
            story = create_story(db, published=now, now=now)
            add(db, story, "wire", "en", f"TSMC report {minutes}", minutes)
            alert, _ = _tsmc_alert(db, story, now=when)
            record_delivery(db, alert.id, "bell", status="sent", attempts=1, now=when)
            ids.append((story, alert.id))
        merge_stories(db, ids[0][0], ids[1][0], now=now)
    (alert,) = list_alerts(db, watch="TSMC")
    assert (alert.id, alert.story_id) == (ids[1][1], ids[1][0])
    assert alert.created_at == iso(earlier)
    rows = db.execute("SELECT alert_id FROM deliveries").fetchall()
    assert [r[0] for r in rows] == [alert.id, alert.id]


def test_an_alert_moved_onto_a_story_alerted_by_its_watch_joins_that_alert(db, now) -> None:
    with write_transaction(db):
        left = create_story(db, published=now, now=now)
        right = create_story(db, published=now, now=now)
        a = add(db, left, "wire", "en", "TSMC one", 0)
        b = add(db, right, "blog", "en", "TSMC two", 10)
        for story, article in ((left, a), (right, b)):
            _tsmc_alert(db, story, now=now, article=article)
        db.execute("UPDATE articles SET story_id = ? WHERE id = ?", [right, a])  # a pass did
        follow_articles(db)
    assert _alerted_story(db) == [(right, b)]


def test_an_alert_from_before_the_article_column_stays_and_takes_the_next_match(db, now) -> None:
    """An old store's alert has no article: it stays on its story (following merges
    only) until an article that matches the watch joins, which it then follows."""
    with write_transaction(db):
        story = create_story(db, published=now, now=now)
        article = add(db, story, "wire", "en", "TSMC report", 0)
        _tsmc_alert(db, story, now=now)
        elsewhere = create_story(db, published=now, now=now)
        db.execute("UPDATE articles SET story_id = ? WHERE id = ?", [elsewhere, article])
        assert follow_articles(db) == []
        assert _alerted_story(db) == [(story, None)]
        _tsmc_alert(db, story, now=now, article=article)
        follow_articles(db)
    assert _alerted_story(db) == [(elsewhere, article)]


def test_an_alert_leaving_a_story_makes_room_for_one_coming(db, now) -> None:
    """Two alerts of one watch each follow their article, one onto the story the other
    leaves: both keep their identity (neither is folded into the other and raised again)."""
    with write_transaction(db):
        first, second, third = (create_story(db, published=now, now=now) for _ in range(3))
        a = add(db, first, "wire", "en", "TSMC one", 0)
        b = add(db, second, "blog", "en", "TSMC two", 10)
        alerts = []
        for story, article in ((first, a), (second, b)):
            alert, _ = _tsmc_alert(db, story, now=now, article=article)
            alerts.append(alert.id)
        db.execute("UPDATE articles SET story_id = ? WHERE id = ?", [second, a])
        db.execute("UPDATE articles SET story_id = ? WHERE id = ?", [third, b])
        follow_articles(db)
    found = {(al.id, al.story_id, al.article_id) for al in list_alerts(db, watch="TSMC")}
    assert found == {(alerts[0], second, a), (alerts[1], third, b)}
