"""The ``poll --once`` report's story list: each new story once, merged ones left out."""

from __future__ import annotations

from typing import Any

from chipwatch.commands.poll import MAX_LISTED, _list_stories
from chipwatch.pipeline.outcome import OK, FeedOutcome
from chipwatch.pipeline.poller import PollReport
from chipwatch.pipeline.settle_round import Settled


class _Lines:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def out(self, line: str) -> None:
        self.lines.append(line)


def _story(story_id: int, new: bool = True) -> dict[str, Any]:
    return {"type": "story", "id": story_id, "new": new, "title": f"story {story_id}"}


def test_a_first_imports_many_stories_are_listed_once_each_without_the_merged_ones() -> None:
    # A first import's stories all come from the settle pass: tens of thousands of
    # lines, some repeated from the feeds' provisional ones, some merged away.
    outcome = FeedOutcome(1, "http://127.0.0.1/feed", "feed", OK)
    outcome.events = [_story(1), _story(2), _story(3, new=False)]
    settled = Settled(merged={2, 7})
    # The poller hands each of the pass's lines out and keeps the first new ones that
    # the feeds' lines did not list, and a count of the rest (issue 20).
    seen = {event["id"] for event in outcome.events if event["new"]}
    for line in [_story(i) for i in range(1, 30_001)] + [_story(30_001, new=False)]:
        settled.note(line, seen)
    assert len(settled.listed) == MAX_LISTED
    ctx = _Lines()
    _list_stories(ctx, PollReport(outcomes=[outcome], settled=settled))  # type: ignore[arg-type]
    assert ctx.lines[:3] == ["  story  story 1", "  story  story 3", "  story  story 4"]
    assert len(ctx.lines) == MAX_LISTED + 1
    # 30,000 new stories, less the two merged away, each once.
    assert ctx.lines[-1] == f"  … and {30_000 - 2 - MAX_LISTED} more stories"
