"""The side panes' cheap rebuilds and the detail pane's per-article line cache:
what they show must be exactly what a full rebuild or a fresh drawing shows."""

from __future__ import annotations

import gc
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from textual.app import App, ComposeResult
from textual.widgets import OptionList

from chipwatch.store.views import AlertRow, ArticleView, EntityCount, Span, StoryView
from chipwatch.tui.app import UI_GC_FULL_EVERY
from chipwatch.tui.messages import AlertChosen, EntityChosen
from chipwatch.tui.widgets import story_drawing
from chipwatch.tui.widgets.alerts import AlertsPane
from chipwatch.tui.widgets.entities import EntitiesPane, entity_prompt
from tests.test_tui import SIZE, build, settle
from tests.tui_seed import build_seed_store, seed_config

NOW = datetime(2025, 7, 16, 12, 0, tzinfo=UTC)


def entity(name: str, stories: int, kind: str = "company") -> EntityCount:
    return EntityCount(name, kind, stories, (0, 1, 2, 3, 2, 1, stories))


def alert(number: int, state: str = "new") -> AlertRow:
    return AlertRow(
        id=number,
        kind="watch",
        watch=f"Watch {number}",
        title=f"Story number {number} about wafer exports",
        state=state,
        created_at="2025-07-16T09:00:00Z",
        updated_at=f"2025-07-16T{10 + number % 2:02d}:{number % 60:02d}:00Z",
        story_id=number,
        feed_id=None,
    )


class Panes(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.chosen: list[object] = []

    def compose(self) -> ComposeResult:
        yield EntitiesPane(id="entities")
        yield AlertsPane(clock=lambda: NOW, id="alerts")

    def on_entity_chosen(self, message: EntityChosen) -> None:
        self.chosen.append(message.name)

    def on_alert_chosen(self, message: AlertChosen) -> None:
        self.chosen.append(message.alert.id)


def lines(widget) -> list[str]:
    return ["".join(s.text for s in widget.render_line(y)) for y in range(widget.size.height)]


async def test_entity_rebuild_reuses_unchanged_options_and_draws_like_a_fresh_list() -> None:
    app = Panes()
    async with app.run_test(size=(60, 30)) as pilot:
        pane = app.query_one(EntitiesPane)
        first = [entity(f"Firm {n}", 20 - n) for n in range(12)]
        pane.show(first)
        await pilot.pause()
        before = list(pane.options)
        second = [*first[:5], entity("Firm 5", 99), *first[6:]]
        pane.show(second)
        await pilot.pause()
        after = list(pane.options)
        assert [a is b for a, b in zip(before, after, strict=True)] == [n != 5 for n in range(12)]
        assert "  99 " in str(after[5].prompt)
        assert pane.virtual_size.height == 12
        shown = lines(pane)
        width = max(6, min(24, pane.scrollable_content_region.width - 18))
        # the same entities through OptionList's own set_options: the same lines
        fresh = OptionList(id="fresh")
        await app.mount(fresh, before=pane)
        pane.display = False
        fresh.styles.height = pane.styles.height
        await pilot.pause()
        fresh.set_options(entity_prompt(e, active=False, width=width) for e in second)
        await pilot.pause()
        assert [line.rstrip() for line in lines(fresh)[:12]] == [
            line.rstrip() for line in shown[:12]
        ]


async def test_entity_list_keeps_keys_highlight_and_selection() -> None:
    app = Panes()
    async with app.run_test(size=(60, 30)) as pilot:
        pane = app.query_one(EntitiesPane)
        pane.show([entity(f"Firm {n}", 20 - n) for n in range(6)])
        pane.focus()
        await pilot.pause()
        assert pane.highlighted == 0  # a focused list always has a selection
        await pilot.press("down")
        assert pane.highlighted == 1
        pane.show([entity("Newcomer", 50), *[entity(f"Firm {n}", 20 - n) for n in range(6)]])
        await pilot.pause()
        assert pane.highlighted == 2  # still Firm 1, one place down
        await pilot.press("enter")
        await pilot.pause()
        assert app.chosen == ["Firm 1"]


async def test_alerts_are_two_lines_each_and_rebuilt_in_place() -> None:
    app = Panes()
    async with app.run_test(size=(60, 30)) as pilot:
        pane = app.query_one(AlertsPane)
        pane.show([alert(n) for n in range(1, 4)])
        await pilot.pause()
        assert pane.virtual_size.height == 6
        shown = [line.strip() for line in lines(pane)[:6]]
        assert shown[0].startswith("•") and "Watch 1" in shown[0]  # unseen: the unread mark
        assert shown[1].startswith("Story number 1")
        kept = pane.options[1]
        pane.show([alert(1, "seen"), alert(2), alert(3)])
        await pilot.pause()
        assert pane.options[1] is kept and pane.options[0] is not kept
        assert not lines(pane)[0].startswith("•")  # seen: no mark
        pane.focus()
        pane.highlighted = 2
        await pilot.press("enter")
        await pilot.pause()
        assert app.chosen == [3]


def story(summary: str, articles: int = 3) -> StoryView:
    base = ArticleView(
        id=1,
        title="Nvidia weighs a China-only H20 variant",
        summary=summary,
        url="https://example.test/a",
        lang="en",
        published="2025-07-16T08:00:00Z",
        feed_name="Wafer Wire",
        feed_url="https://example.test/feed",
        read=False,
        spans=(Span("Nvidia", "company", "title", 0, 6),),
        explain={"new_story": True},
        cluster_score=None,
    )
    items = tuple(
        replace(
            base, id=n, feed_name=f"Outlet {n}", explain={"score": 0.5, "shared_words": ["h20"]}
        )
        for n in range(1, articles + 1)
    )
    return StoryView(
        id=7,
        title="Nvidia weighs a China-only H20 variant",
        first_seen="2025-07-16T08:00:00Z",
        last_updated="2025-07-16T09:00:00Z",
        outlet_count=articles,
        languages=("en",),
        pinned=False,
        read=False,
        articles=items,
    )


def drawn(view: StoryView, *, index: int = 0, width: int = 50) -> story_drawing.Drawing:
    return story_drawing.draw_story(
        view, width=width, article_index=index, watched=(["variant"], set()), now=NOW
    )


def test_cached_article_lines_equal_a_fresh_drawing() -> None:
    view = story("A long summary about export licences for accelerators. " * 6)
    story_drawing._BODIES.clear()
    fresh = drawn(view, index=1)
    cached = drawn(view, index=1)  # every body from the cache now
    assert cached.lines == fresh.lines and cached.offsets == fresh.offsets
    assert [t.plain for t in cached.texts] == [t.plain for t in fresh.texts]
    # the story grows: old bodies come from the cache, the headings say "(n/4)"
    grown = story(view.articles[0].summary, articles=4)
    from_cache = drawn(grown, index=1)
    story_drawing._BODIES.clear()
    assert from_cache.lines == drawn(grown, index=1).lines
    assert any("(2/4)" in "".join(s.text for s in line) for line in from_cache.lines)


def test_a_changed_article_or_width_is_drawn_again() -> None:
    story_drawing._BODIES.clear()
    one = drawn(story("Licences were granted on Tuesday."))
    two = drawn(story("Licences were revoked on Friday."))
    text = "\n".join("".join(s.text for s in line) for line in two.lines)
    assert "revoked" in text and "granted" not in text
    assert one.lines != two.lines
    narrow = drawn(story("Licences were revoked on Friday."), width=30)
    assert max(sum(len(s.text) for s in line) for line in narrow.lines) <= 30


async def test_the_start_up_heap_is_frozen_while_the_monitor_runs(tmp_path: Path) -> None:
    seeded = seed_config(tmp_path / "config.toml"), build_seed_store(tmp_path / "seed.db")
    before, thresholds = gc.get_freeze_count(), gc.get_threshold()
    app = build(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.main_screen.timeline.rows
        assert gc.get_freeze_count() > before + 10_000
        assert gc.get_threshold() == (*thresholds[:2], UI_GC_FULL_EVERY)
    assert gc.get_freeze_count() == before  # handed back to the collector on exit
    assert gc.get_threshold() == thresholds
