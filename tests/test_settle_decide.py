"""The settle pass decides and writes for less (session 28), and decides the same.

:meth:`SettlePass.decide` used to read every scored pair for its links, gather the
pairs between two groups before every link (reading them between big groups even for a
link too strong to need them) and look through a lone article's pairs for one inside
its group; :func:`write_plan` made the new stories one statement each and wrote the
articles in the groups' order. The reference below is that pass, on today's data
structures (a group's members are its docs): a first import and a second round (the
whole-round pass, reopening settled stories) through the real poller must write the
same rows with either. ``EagerPass`` also counts what it read, so that a comparison
that exercised nothing fails.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import product
from pathlib import Path
from typing import Any

import pytest

import chipwatch.clustering.settle as settle_mod
from benchmarks.replay import Replay, file_rounds, replay
from benchmarks.synth import generate_articles, write_feeds
from chipwatch.clustering.candidates import Doc
from chipwatch.clustering.pair_score import ALLOWED, SCORE, VETOES, PairScore
from chipwatch.clustering.scoring import score_values
from chipwatch.clustering.settle_pass import (
    DECISIVE,
    FULL_LINKAGE,
    LINK_MIN,
    STRONG,
    SettlePass,
)
from chipwatch.clustering.settle_plan import Link, Node, Placement, Plan
from chipwatch.store.db import open_db
from chipwatch.store.story_rows import create_stories, create_story

COUNT = 1200
SPAN = timedelta(days=3)
COUNTS: Counter[str] = Counter()


class EagerPass(SettlePass):
    """The pass's deciding as it was before session 28 (see the module doc)."""

    def pair(self, a: Doc, b: Doc) -> Link:
        if (a.published, a.key, a.article_id) <= (b.published, b.key, b.article_id):
            first, second = a, b
        else:
            first, second = b, a
        key = (first.article_id, second.article_id)
        found = self.pairs.get(key)
        if found is None:
            c = self.clusterer
            values = score_values(first, second, self.index, c.weights, c.rules)
            score, allowed = values[SCORE], values[ALLOWED]
            found = self.pairs[key] = Link(score, allowed, values[VETOES])
            self.adjacent.setdefault(key[0], []).append((key[1], found))
            self.adjacent.setdefault(key[1], []).append((key[0], found))
            if allowed:
                scored = None
                if round(score, 6) >= self.threshold:
                    scored = self.full[key] = PairScore(*values)
                for doc, other in ((first, second), (second, first)):
                    known = self.closest.get(doc.article_id)
                    if known is None or (score, other.key) > known[:2]:
                        if scored is None:
                            scored = PairScore(*values)
                        self.closest[doc.article_id] = (score, other.key, scored, other)
        return found

    def decide(self) -> tuple[Plan, int]:
        self._keep_whole()
        edges = []
        for (a, b), pair in self.pairs.items():
            score = round(pair.score, 6)
            if not pair.allowed or score < self.threshold:
                continue
            if a not in self.free and a not in self.story_of:
                continue
            if b not in self.free and b not in self.story_of:
                continue
            first, second = self.doc(a), self.doc(b)
            if first is None or second is None or self.node(a) == self.node(b):
                continue
            edges.append((-score, first.key, second.key, a, b))
        edges.sort()
        for negative, _, _, a, b in edges:
            self._link(a, b, -negative)
        return self._plan(), len(self.pairs)

    def _link(self, a: int, b: int, score: float) -> None:
        left, right = self.find(self.node(a)), self.find(self.node(b))
        if left == right:
            return
        whole = self.whole[left], self.whole[right]
        bridge = bool(whole[0] and whole[1])
        if bridge and (score < STRONG or (whole[0] | whole[1]) & self.user_placed):
            return
        cross = [p for p in self._cross(left, right) if p.allowed]
        if score < DECISIVE and (
            self._profile(left).conflicts(self._profile(right)) or any(p.vetoes for p in cross)
        ):
            return
        if score < STRONG:
            scores = [p.score for p in cross]
            if scores and sum(scores) / len(scores) < LINK_MIN:
                return
        if bridge:
            for i in (a, b):
                if i in self.free:
                    other = whole[1] if self.find(self.node(i)) == left else whole[0]
                    self.bridges.setdefault(i, []).extend((s, score) for s in sorted(other))
        if left in self.profile or right in self.profile:
            self.profile[left] = self._profile(left).joined(self._profile(right))
            del self.profile[right]
        self.parent[right] = left
        self.members[left] += self.members.pop(right)
        self.whole[left] |= self.whole.pop(right)

    def _cross(self, left: Node, right: Node) -> list[Link]:
        a, b = self.members[left], self.members[right]
        if len(a) * len(b) <= FULL_LINKAGE:
            COUNTS["every pair"] += 1
            return [self.pair(dx, dy) for dx, dy in product(a, b)]
        COUNTS["pairs read"] += 1
        smaller, larger = (a, b) if len(a) <= len(b) else (b, a)
        other = {d.article_id for d in larger}
        return [p for x in smaller for y, p in self.adjacent.get(x.article_id, ()) if y in other]

    def _place(self, plan: Plan, group: list[Node]) -> None:
        inside = {d.article_id for d in self.members[self.find(group[0])]}
        for article_id in (n[1] for n in group if n[0] == "a"):
            best: tuple[float, str, int] | None = None
            for other_id, link in self.adjacent.get(article_id, ()):
                other = self.doc(other_id) if other_id in inside and link.allowed else None
                if other is not None and (best is None or (link.score, other.key) > best[:2]):
                    best = (link.score, other.key, other_id)
            bridged = self.bridges.get(article_id, [])
            if best is not None:
                key = (article_id, best[2]) if (article_id, best[2]) in self.full else None
                pair = self.full[key or (best[2], article_id)]
                placed = Placement(self.doc(best[2]), pair, joined=True, bridged=bridged)
            elif (closest := self.closest.get(article_id)) is not None:
                placed = Placement(closest[3], closest[2], bridged=bridged)
            else:
                placed = Placement(bridged=bridged)
            plan.placements[article_id] = placed


class CheckedPass(SettlePass):
    """Today's pass, checking what its links rest on: ``full`` holds exactly the allowed
    pairs at the threshold (the links are read from it, not from every pair)."""

    def decide(self) -> tuple[Plan, int]:
        at = {k for k, p in self.pairs.items() if p.allowed and round(p.score, 6) >= self.threshold}
        assert set(self.full) == at
        assert all(self.full[k].score == self.pairs[k].score for k in at)
        COUNTS["checked"] += 1
        return super().decide()


def _rows(directory: Path, run: Replay, *, ids: bool) -> dict[str, Any]:
    """What the run wrote, article ids as url keys (the parse worker's order sets the
    ids): each article's story (the keys of its articles), score and explanation; each
    story row by its articles. ``ids``: the story ids too (a first import's follow its
    groups; a second round's provisional stories are made as articles arrive)."""
    key_of = {article_id: key for key, article_id in run.ids.items()}
    conn = sqlite3.connect(directory / "replay.db")
    members: dict[int, set[str]] = {}
    articles = {}
    for article_id, story, score, explained in conn.execute(
        "SELECT id, story_id, cluster_score, cluster_explain FROM articles"
    ):
        members.setdefault(story, set()).add(key_of[article_id])
        why = json.loads(explained)  # its matched article named by key
        if "matched" in why:
            why["matched"]["article_id"] = key_of[why["matched"]["article_id"]]
        articles[key_of[article_id]] = (story, score, json.dumps(why, ensure_ascii=False))
    group = {story: frozenset(keys) for story, keys in members.items()}
    shown = (lambda story: story) if ids else (lambda story: None)
    stories, empty = {}, []
    for story, headline, *rest, merged in conn.execute(
        "SELECT id, headline_article_id, title, first_seen, last_updated, created_at, "
        "article_count, outlet_count, languages, merged_into FROM stories"
    ):
        into = tuple(sorted(group[merged])) if merged in group else shown(merged)
        row = (shown(story), key_of.get(headline), *rest, into)
        if story in group:
            stories[group[story]] = row
        else:
            empty.append(row)
    conn.close()
    return {
        "articles": {k: (group[s], shown(s), score, e) for k, (s, score, e) in articles.items()},
        "stories": stories,
        "empty": sorted(empty, key=repr),
    }


def _run(tmp: Path, name: str, feeds: list[Path], rounds: int) -> dict[str, Any]:
    newest = max(a.published for a in generate_articles(COUNT, span=SPAN))
    files = [(path.name, path, newest) for path in feeds]
    directory = tmp / "run"  # one address for both runs: an article's key holds it
    run = replay(
        file_rounds(files, chunk=-(-len(files) // rounds)),
        feeds=[path.name for path in feeds],
        now=newest + timedelta(hours=1),
        directory=directory,
    )
    rows = _rows(directory, run, ids=rounds == 1)
    directory.rename(tmp / name)
    return rows


@pytest.fixture(scope="module")
def feeds(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_feeds(tmp_path_factory.mktemp("synth"), COUNT, per_feed=100, span=SPAN)


@pytest.mark.parametrize("rounds", [1, 2])
def test_the_lighter_deciding_writes_the_rows_of_the_eager_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, feeds: list[Path], rounds: int
) -> None:
    """One round (the first import's sweep) and two (the second a whole-round pass over
    settled stories): the same stories, scores and explanations; for the first import
    the same story ids and story rows too."""
    COUNTS.clear()
    monkeypatch.setattr(settle_mod, "SettlePass", EagerPass)
    eager = _run(tmp_path, "eager", feeds, rounds)
    monkeypatch.setattr(settle_mod, "SettlePass", CheckedPass)
    light = _run(tmp_path, "light", feeds, rounds)
    assert light["articles"] == eager["articles"]
    if rounds == 1:  # a second round's story rows vary run to run, the eager pass's too:
        # its provisional stories (and so those it empties) follow the arrival order
        assert light["stories"] == eager["stories"]
        assert light["empty"] == eager["empty"]
    assert len(eager["stories"]) < COUNT // 2, "too few stories of several articles"
    # Both kinds of linkage were exercised, and every pass checked its links' pairs.
    assert COUNTS["every pair"] > 100 and COUNTS["pairs read"] > 10, COUNTS
    assert COUNTS["checked"] >= rounds


def test_stories_made_at_once_get_the_ids_made_one_by_one(tmp_path: Path) -> None:
    """Ids follow the largest id so far, also when the newest story row was deleted."""
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    times = [now - timedelta(hours=h) for h in (5, 1, 3)]
    made = {}
    for how in ("one by one", "at once"):
        db = open_db(tmp_path / f"{how}.db")
        for published in times:
            create_story(db, published=published, now=now)
        db.conn.execute("DELETE FROM stories WHERE id = 3")
        if how == "at once":
            ids = create_stories(db, times, now=now)
        else:
            ids = [create_story(db, published=p, now=now) for p in times]
        assert create_stories(db, [], now=now) == []
        made[how] = ids, db.conn.execute("SELECT * FROM stories ORDER BY id").fetchall()
        db.conn.close()
    assert made["at once"] == made["one by one"]
    assert made["at once"][0] == [3, 4, 5]
