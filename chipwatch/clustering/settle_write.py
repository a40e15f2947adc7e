"""Writing what a settle pass decided (:mod:`.settle`): groups → story ids by overlap,
then only what changed.

A group that holds stories settled before keeps the id of the largest (ties: the
smallest id); the others are merged into it (``merged_into``, their articles moved). A
group of the round's articles only keeps the provisional story most of them were given
at ingest, if no other group took it, else gets a new story. A provisional story left
empty points at where most of its articles went, so a link or an alert on it still
leads somewhere.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING

from chipwatch.clustering.explain_pair import explanation_of
from chipwatch.clustering.settle_plan import Node, Plan, SettleResult, canonical
from chipwatch.store.clustering import (
    clear_unsettled,
    merge_story_rows,
    move_articles,
    move_story_articles,
    story_members,
)
from chipwatch.store.stories import create_story, refresh_story

if TYPE_CHECKING:
    from chipwatch.clustering.clusterer import Clusterer


def write_plan(clusterer: Clusterer, plan: Plan, ids: list[int], *, now: datetime) -> SettleResult:
    """Map the plan's groups to story ids and write the changes."""
    db = clusterer.db
    result = SettleResult()
    free = plan.docs
    before = {s for s in plan.current.values() if s}
    members = story_members(db, sorted(before))
    settled_count = {s: sum(1 for m in ids_ if m not in free) for s, ids_ in members.items()}
    claimed: set[int] = set()
    final: dict[int, int] = {}
    for group in plan.groups:
        keep = _story_for(clusterer, plan, group, settled_count, claimed, result, now=now)
        if keep is None:
            continue
        claimed.add(keep)
        for kind, value in group:
            if kind == "a":
                final[value] = keep
            elif value != keep:
                result.merges.append((value, keep))
    for story, into in result.merges:
        move_story_articles(db, story, into)
        clusterer.index.move_story(story, into)
        result.touched.update((story, into))
    _place_articles(clusterer, plan, final, result)
    _empty_left_behind(db, plan, final, settled_count, claimed, result)
    merge_story_rows(db, result.merges)
    for story_id in sorted(result.touched):
        refresh_story(db, story_id, languages=clusterer.languages)
    clear_unsettled(db, ids)
    for article_id in ids:
        clusterer.pending.pop(article_id, None)
    return result


def _story_for(
    clusterer: Clusterer,
    plan: Plan,
    group: list[Node],
    settled_count: dict[int, int],
    claimed: set[int],
    result: SettleResult,
    *,
    now: datetime,
) -> int | None:
    """The story id a group lives on as (None: a settled story alone, nothing to do)."""
    settled = sorted(value for kind, value in group if kind == "s")
    articles = [value for kind, value in group if kind == "a"]
    if not articles and len(settled) <= 1:
        return None
    if settled:
        sizes = plan.settled_sizes
        return max(settled, key=lambda s: (sizes.get(s, 0), -s))
    votes = Counter(
        s
        for a in articles
        if (s := plan.current.get(a)) and settled_count.get(s, 0) == 0 and s not in claimed
    )
    if votes:
        return min(votes, key=lambda s: (-votes[s], s))
    earliest = min((plan.docs[a] for a in articles), key=canonical)
    created = create_story(db=clusterer.db, published=_time(earliest.published), now=now)
    result.created.append(created)
    return created


def _place_articles(
    clusterer: Clusterer, plan: Plan, final: dict[int, int], result: SettleResult
) -> None:
    """Each round article's story and explanation."""
    rows = []
    for article_id, story_id in final.items():
        doc = plan.docs[article_id]
        placed = plan.placements[article_id]
        pair = placed.pair
        # A pair is scored in canonical order: its conflict reads (first's, second's).
        flipped = placed.matched is not None and canonical(placed.matched) < canonical(doc)
        explanation = explanation_of(
            doc,
            placed.matched,
            pair,
            joined=placed.joined,
            threshold=clusterer.threshold,
            via="bridge" if placed.bridged else "settle",
            bridged=placed.bridged,
            flipped=flipped,
        )
        score = pair.score if pair is not None else 0.0
        rows.append((article_id, story_id, score, explanation.to_json()))
        result.placed[article_id] = story_id
        previous = plan.current.get(article_id)
        if previous != story_id:
            result.moved[article_id] = (previous, story_id)
            result.touched.add(story_id)
            if previous:
                result.touched.add(previous)
        clusterer.index.move(article_id, story_id)
        doc.story_id = story_id
    move_articles(clusterer.db, rows)


def _empty_left_behind(
    db: object,
    plan: Plan,
    final: dict[int, int],
    settled_count: dict[int, int],
    claimed: set[int],
    result: SettleResult,
) -> None:
    """Provisional stories no group kept now hold nothing: each points at the story
    most of its articles went to."""
    went: dict[int, Counter[int]] = {}
    for article_id, previous in plan.current.items():
        if previous and article_id in final:
            went.setdefault(previous, Counter())[final[article_id]] += 1
    for story_id in sorted(went):
        if story_id in claimed or settled_count.get(story_id, 0):
            continue
        targets = went[story_id]
        into = min(targets, key=lambda s: (-targets[s], s))
        if into != story_id:
            result.merges.append((story_id, into))
            result.emptied.append(story_id)
            result.touched.add(story_id)


def _time(seconds: float) -> datetime:
    from datetime import UTC

    return datetime.fromtimestamp(seconds, UTC)
