"""Unit tests of the monitor's store views and its pure helpers (no Textual app)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from chipwatch.query.match import watched_terms
from chipwatch.store import views
from chipwatch.store.db import open_db, write_transaction
from chipwatch.tui.messages import PollBatch
from chipwatch.tui.poller import PollerChild
from chipwatch.tui.widgets.entities import sparkline
from chipwatch.tui.widgets.story_drawing import KIND_STYLES, highlighted
from chipwatch.tui.words import short_time
from tests.tui_seed import SEED_NOW, build_large_store, build_seed_store
from tests.waiting import PATIENCE, eventually


@pytest.fixture
def seed_db(tmp_path: Path):
    database = open_db(build_seed_store(tmp_path / "seed.db"))
    yield database
    database.close()


def test_timeline_pages_are_keyset_paginated(tmp_path: Path) -> None:
    db = open_db(build_large_store(tmp_path / "big.db", stories=450))
    flt = views.TimelineFilter()
    first = views.timeline_page(db, flt, limit=200)
    second = views.timeline_page(db, flt, before=first[-1].sort_key, limit=200)
    third = views.timeline_page(db, flt, before=second[-1].sort_key, limit=200)
    assert [len(first), len(second), len(third)] == [200, 200, 50]
    ids = [r.id for r in first + second + third]
    assert len(set(ids)) == 450
    assert views.timeline_count(db, flt) == 450
    newer = views.timeline_page(db, flt, after=second[0].sort_key)
    assert [r.id for r in newer] == [r.id for r in first]
    db.close()


def test_timeline_filters_window_entity_and_ids(seed_db) -> None:
    since = views.window_since("24h", SEED_NOW)
    in_day = views.timeline_page(seed_db, views.TimelineFilter(since=since))
    assert all(r.last_updated >= since for r in in_day) and len(in_day) == 5
    nvidia = views.timeline_page(seed_db, views.TimelineFilter(entity="NVIDIA"))
    assert {r.title for r in nvidia} == {
        "US lets NVIDIA restart H20 shipments to China",
        "英伟达发布面向中国市场的新芯片",
    }
    top = nvidia[0]
    assert top.alerted and top.outlet_count == 3 and set(top.languages) == {"en", "fr", "de"}
    assert top.entities[0] == "H20" and len(top.entities) == 3
    chosen = views.timeline_page(seed_db, views.TimelineFilter(story_ids=frozenset({top.id})))
    assert [r.id for r in chosen] == [top.id]
    assert views.timeline_page(seed_db, views.TimelineFilter(story_ids=frozenset())) == []


def test_entity_counts_have_seven_day_sparklines(seed_db) -> None:
    counts = views.entity_counts(seed_db, since=None, now=SEED_NOW)
    china = next(c for c in counts if c.name == "China")
    assert china.stories == 4 and china.kind == "place"
    assert len(china.spark) == 7 and china.spark[-1] == 2  # today: H20 story and TEL story
    assert sum(china.spark) == 4
    week = views.entity_counts(seed_db, since=views.window_since("24h", SEED_NOW), now=SEED_NOW)
    assert "Samsung" not in {c.name for c in week}


def test_story_view_follows_merges_and_carries_spans(seed_db) -> None:
    story_id = views.timeline_page(seed_db, views.TimelineFilter(entity="H20"))[0].id
    other = views.timeline_page(seed_db, views.TimelineFilter(entity="BIS"))[0].id
    with write_transaction(seed_db):
        seed_db.execute("UPDATE stories SET merged_into = ? WHERE id = ?", [story_id, other])
    view = views.story_view(seed_db, other)
    assert view is not None and view.id == story_id
    french = next(a for a in view.articles if a.lang == "fr")
    h20 = next(s for s in french.spans if s.entity == "H20")
    assert french.title[h20.start : h20.end] == "H2O"  # the misspelling is still H20
    assert view.alerts == ("H20 exports",)
    assert views.story_view(seed_db, 99999) is None


def test_reader_state_writes(seed_db) -> None:
    rows = views.timeline_page(seed_db, views.TimelineFilter())
    with write_transaction(seed_db):
        views.set_story_read(seed_db, [rows[0].id])
        assert views.toggle_pinned(seed_db, rows[1].id) is True
    fresh = {r.id: r for r in views.timeline_rows(seed_db, [rows[0].id, rows[1].id])}
    assert fresh[rows[0].id].read and fresh[rows[1].id].pinned
    with write_transaction(seed_db):
        changed = views.mark_all_read(seed_db, views.TimelineFilter())
    assert changed == len(rows) - 1
    alerts = views.list_alert_rows(seed_db)
    with write_transaction(seed_db):
        views.set_alert_state(seed_db, alerts[0].id, "dismissed")
    assert [a.id for a in views.list_alert_rows(seed_db)] == [alerts[1].id]
    assert len(views.list_alert_rows(seed_db, include_dismissed=True)) == 2


def test_feed_health_and_poll_summary(seed_db) -> None:
    feeds = views.feed_health(seed_db)
    assert feeds[0].name == "Chip Shimbun" and feeds[0].last_status == "error"
    assert sum(f.articles for f in feeds) == 13
    summary = views.poll_summary(seed_db)
    assert summary == {
        "ok": 4,
        "failing": 1,
        "next_poll": "2025-07-16T12:10:00Z",
        "last_error": "Chip Shimbun: HTTP 503 Service Unavailable",
        "network": None,
    }


def test_simple_search_and_entity_ids(seed_db) -> None:
    assert len(views.simple_search_ids(seed_db, "Arizona", since=None)) == 1
    assert views.simple_search_ids(seed_db, '"', since=None) == frozenset()
    assert views.entity_story_ids(seed_db, "nvidia", None) == views.entity_story_ids(
        seed_db, "NVIDIA", None
    )


def test_short_time_and_sparkline() -> None:
    assert short_time("2025-07-16T09:05:00Z", SEED_NOW) == "09:05"
    assert short_time("2025-07-15T23:05:00Z", SEED_NOW) == "Jul 15"
    assert short_time("2025-03-02T09:05:00Z", SEED_NOW) == "Mar 2"
    # past half a year the day goes and the year comes (never "24-12-31")
    assert short_time("2024-12-31T23:00:00Z", SEED_NOW) == "Dec 2024"
    assert short_time("2025-07-17T01:00:00Z", SEED_NOW) == "Jul 17"  # a time to come
    assert sparkline((0, 1, 2, 4)) == "▁▃▅█"
    assert sparkline((0, 0)) == "▁▁" and sparkline(()) == ""


def test_watched_terms_and_highlighting_survive_cleaning() -> None:
    words, entities = watched_terms(
        ["@H20 AND (export OR licence~)", 'title:"entity list" -rumour']
    )
    assert entities == {"h20"}
    assert {"export", "licence", "entity list", "rumour"} <= set(words)
    assert "AND" not in words and "OR" not in words
    raw = "\x1b[31mNVIDIA\x1b[0m ships H20 under licence"
    spans = [
        views.Span("NVIDIA", "company", "title", 5, 11),
        views.Span("H20", "chip", "title", 22, 25),
    ]
    text = highlighted(raw, spans, "title", (words, entities), single_line=True)
    assert text.plain == "NVIDIA ships H20 under licence"
    styled = {text.plain[s.start : s.end]: str(s.style) for s in text.spans}
    assert styled["NVIDIA"] == KIND_STYLES["company"]  # an entity in its kind's colour
    assert styled["H20"] == "black on yellow"  # a watched entity
    assert styled["licence"] == "black on yellow"  # a watched word


async def test_poller_lines_coalesce_into_batches() -> None:
    posted: list[object] = []
    child = PollerChild(["true"], posted.append)
    for line in (
        b'{"type": "article", "id": 1, "story": 7}\n',
        b"garbage\n",
        b"[1, 2]\n",
        b'{"type": "story", "id": 8, "new": true}\n',
        b'{"type": "alert", "watch": "w", "story": 7}\n',
        b'{"type": "feed_error", "id": 3, "error": "HTTP 500"}\n',
    ):
        child._take(line)
    assert posted == []  # nothing until the coalescing delay passes
    await eventually(lambda: posted, "the coalesced batch")  # a timer: however loaded
    child._flush()  # what the next timer would send: nothing is left of those lines
    assert len(posted) == 1
    batch = posted[0]
    assert isinstance(batch, PollBatch)
    assert batch.story_ids == {7, 8} and batch.alerts == 1 and batch.errors == ["HTTP 500"]
    assert child.poll_now() is False  # not running


async def test_poller_child_that_cannot_start_is_reported() -> None:
    posted: list[object] = []
    child = PollerChild(["/nonexistent/chipwatch-poller"], posted.append)
    await child.run()
    assert posted[0].state == "failed"


def test_window_since_all_is_none() -> None:
    assert views.window_since("all", SEED_NOW) is None
    assert views.window_since("24h", SEED_NOW) == "2025-07-15T12:00:00Z"


async def test_poller_child_runs_nicer_than_the_monitor() -> None:
    import os
    import sys

    posted: list[object] = []
    child = PollerChild([sys.executable, "-c", "import time; time.sleep(30)"], posted.append)
    task = asyncio.create_task(child.run())
    await eventually(lambda: child.process is not None and posted, "the child's start")
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    theirs = os.getpriority(os.PRIO_PROCESS, child.process.pid)
    await child.stop()
    await asyncio.wait_for(task, PATIENCE)
    assert theirs == min(19, ours + 10)
    assert child.process.returncode is not None


# Started like the monitor's poller child: no SIGUSR1 handler of its own until the gate
# file appears (a real `chipwatch poll` spends that time importing), then one JSON line.
GATED_CHILD = """
import json, signal, sys, time
from pathlib import Path
gate, marker = Path(sys.argv[1]), Path(sys.argv[2])
while not gate.exists():
    time.sleep(0.01)
signal.signal(signal.SIGUSR1, lambda *_: marker.write_text("polled"))
print(json.dumps({"type": "feed", "id": 1, "status": "ok"}), flush=True)
while True:
    time.sleep(0.05)
"""


async def test_refresh_while_the_poller_child_starts_does_not_kill_it(tmp_path: Path) -> None:
    """Regression: `r` pressed while the child was still importing sent SIGUSR1 before
    it had a handler; SIGUSR1's default action ended the poller."""
    import sys

    gate, marker = tmp_path / "gate", tmp_path / "polled"
    posted: list[object] = []
    command = [sys.executable, "-c", GATED_CHILD, str(gate), str(marker)]
    child = PollerChild(command, posted.append)
    task = asyncio.create_task(child.run())
    try:
        await eventually(lambda: child.process is not None, "the child's start")
        assert child.poll_now()  # pending before the child runs another line of its own
        gate.touch()
        await eventually(
            lambda: any(isinstance(m, PollBatch) for m in posted) or task.done(),
            "the child's first line, or its end",
        )
        assert child.process is not None and child.process.returncode is None, posted
        assert child.poll_now()  # once the child has its handler, `r` reaches it
        await eventually(marker.exists, "the child's poll")
    finally:
        await child.stop()
        await asyncio.wait_for(task, PATIENCE)
