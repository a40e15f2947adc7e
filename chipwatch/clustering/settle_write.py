"""Writing what a settle pass decided (:mod:`.settle`): groups → story ids by overlap,
then only what changed.

Ids are kept by overlap, so a story keeps its id (and its alerts, its read and pinned
marks) however the pass regroups around it:

1. a group holding stories kept whole keeps the largest one's id (ties: the smallest
   id); the others are merged into it;
2. the other groups take the settled story most of their articles were in (the
   biggest overlaps first, each story once);
3. a group of the round's articles only takes the provisional story most of them were
   given at ingest, when no group took it, else gets a new story.

A story left with no article points (``merged_into``) at the story most of its
articles went to, so a link or an alert on it still leads somewhere.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from chipwatch.clustering.explain_pair import explanation_of
from chipwatch.clustering.settle_plan import Plan, SettleResult, StoryIds, canonical
from chipwatch.store.clustering import (
    clear_unsettled,
    merge_story_rows,
    move_articles,
    move_story_articles,
    story_members,
)
from chipwatch.store.stories import create_stories, refresh_stories

if TYPE_CHECKING:
    from chipwatch.clustering.clusterer import Clusterer

# Articles' new stories and explanations written per statement.
WRITE_BATCH = 1000


def write_plan(
    clusterer: Clusterer,
    plan: Plan,
    ids: list[int],
    *,
    now: datetime,
    taken: StoryIds | None = None,
) -> SettleResult:
    """Map the plan's groups to story ids and write the changes. ``taken``: story ids
    earlier plans of the same pass gave their groups (none is given twice); updated."""
    db = clusterer.db
    result = SettleResult()
    before = sorted({s for s in plan.current.values() if s})
    members = story_members(db, before)
    settled = {s for s in before if any(m not in plan.round for m in members[s])}
    taken = StoryIds() if taken is None else taken
    ids_of = _story_ids(clusterer, plan, settled, result, taken, now=now)
    final: dict[int, int] = {}
    for group, story_id in zip(plan.groups, ids_of, strict=True):
        if story_id is None:
            continue
        for kind, value in group:
            if kind == "a":
                final[value] = story_id
            elif value != story_id:
                result.merges.append((value, story_id))
    for story, into in result.merges:
        move_story_articles(db, story, into)
        clusterer.index.move_story(story, into)
        result.touched.update((story, into))
    _place_articles(clusterer, plan, final, result)
    _point_the_emptied(plan, members, final, settled, set(ids_of), result)
    merge_story_rows(db, result.merges)
    refresh_stories(db, sorted(result.touched), languages=clusterer.languages)
    clear_unsettled(db, ids)
    for article_id in ids:
        clusterer.pending.pop(article_id, None)
        clusterer.unkept.discard(article_id)
    return result


def _story_ids(
    clusterer: Clusterer,
    plan: Plan,
    settled: set[int],
    result: SettleResult,
    taken: StoryIds,
    *,
    now: datetime,
) -> list[int | None]:
    """The story id of each group (None: a whole story alone, nothing to write)."""
    chosen: list[int | None] = [None] * len(plan.groups)
    overlaps: list[tuple[int, int, int]] = []  # (-overlap, story, group)
    for position, group in enumerate(plan.groups):
        whole = sorted(value for kind, value in group if kind == "s")
        articles = [value for kind, value in group if kind == "a"]
        if whole:
            if articles or len(whole) > 1:
                sizes = plan.whole_sizes
                chosen[position] = max(whole, key=lambda s: (sizes.get(s, 0), -s))
            taken.update(whole)
            continue
        found = [s for a in articles if (s := plan.current.get(a)) in settled]
        if found:  # a first import's groups have none
            votes = Counter(found)
            overlaps += [(-count, story, position) for story, count in votes.items()]
    for _, story, position in sorted(overlaps):
        if chosen[position] is None and story not in taken:
            chosen[position] = story
            taken.add(story)
    new: list[tuple[int, datetime]] = []  # (group, its earliest time): a new story each
    for position, group in enumerate(plan.groups):
        articles = [value for kind, value in group if kind == "a"]
        if chosen[position] is not None or not articles:
            continue
        found = [
            s
            for a in articles
            if (s := plan.current.get(a)) and s not in settled and s not in taken
        ]
        if found:
            votes = Counter(found)
            story = min(votes, key=lambda s: (-votes[s], s))
            chosen[position] = story
            taken.add(story)
        else:
            earliest = min((plan.docs[a] for a in articles), key=canonical)
            new.append((position, datetime.fromtimestamp(earliest.published, UTC)))
    # Made at once, in the groups' order: the ids one by one would give. None of them
    # was a story yet, so no vote above could name one.
    made = create_stories(clusterer.db, [published for _, published in new], now=now)
    for (position, _), story in zip(new, made, strict=True):
        chosen[position] = story
        taken.add(story)
        result.created.append(story)
    return chosen


def _place_articles(
    clusterer: Clusterer, plan: Plan, final: dict[int, int], result: SettleResult
) -> None:
    """Each placed article's story and explanation."""
    for article_id, story_id in final.items():
        result.placed[article_id] = story_id
        previous = plan.current.get(article_id)
        if previous != story_id:
            result.touched.add(story_id)
            if previous:
                result.touched.add(previous)
        clusterer.index.move(article_id, story_id)
        plan.docs[article_id].story_id = story_id
    # The rows in the store's order (by id): each page of articles is read and written
    # once, not once for each of its articles placed in another group (~40 % of these
    # writes). An explanation reads neither article's story.
    rows = []
    for article_id in sorted(final):
        rows.append((article_id, final[article_id], *_explained(clusterer, plan, article_id)))
        if len(rows) >= WRITE_BATCH:  # a first import's explanations, a batch at a time
            move_articles(clusterer.db, rows)
            rows.clear()
    move_articles(clusterer.db, rows)


def _explained(clusterer: Clusterer, plan: Plan, article_id: int) -> tuple[float, str]:
    """An article's score and explanation (JSON), from the pair that placed it."""
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
    return (pair.score if pair is not None else 0.0), explanation.to_json()


def _point_the_emptied(
    plan: Plan,
    members: dict[int, list[int]],
    final: dict[int, int],
    settled: set[int],
    kept: set[int | None],
    result: SettleResult,
) -> None:
    """A story the pass left with no article points at the story most of its articles
    went to."""
    for story_id in sorted(members):
        if story_id in kept:
            continue
        left = [m for m in members[story_id] if final.get(m, story_id) == story_id]
        if left:
            continue
        targets = Counter(final[m] for m in members[story_id] if m in final)
        if not targets:
            continue
        into = min(targets, key=lambda s: (-targets[s], s))
        result.merges.append((story_id, into))
        result.touched.add(story_id)
        if story_id not in settled:
            result.emptied.append(story_id)
