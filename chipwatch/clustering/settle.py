"""The settle pass: the round's articles decided again, whatever order they came in.

At ingest each article is placed provisionally, in the order feeds happen to finish.
At the end of a round this pass takes every article placed since the last one (the
store's ``unsettled`` rows) and decides again:

1. one snapshot of the rarities (:meth:`~.docfreq.DocumentFrequencies.freeze`);
2. each article's candidates on the final index, in a canonical order (published time,
   then the article's key), every pair scored once;
3. the stories settled before stay whole (a settled story is never split by this pass);
   the round's articles start alone;
4. pairs at or above the threshold are taken strongest first (ties by the articles'
   keys) and join their two groups unless the groups hold conflicting actions (a
   pair of their articles reports, say, licences granted against sales halted), or
   the link is weak (under ``STRONG``) and the groups' other pairs do not support it
   (their mean under ``LINK_MIN``). Two stories settled earlier merge only through a
   strong link (a *bridge*) and never when a user placed articles in either;
5. the groups are mapped to story ids by overlap: a group keeps its largest settled
   story's id (the others are merged into it), or the id most of its articles were
   given provisionally; only what changed is written.

The result depends on the set of articles and the stories settled before, not on the
order they arrived in (:mod:`.settle_write` writes it; docs/clustering.md has the rest).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from itertools import product
from typing import TYPE_CHECKING

from chipwatch.clustering.candidates import CandidateIndex, Doc
from chipwatch.clustering.documents import docs_by_ids, load_docs
from chipwatch.clustering.scoring import PairScore, score_pair
from chipwatch.clustering.settle_plan import (
    Node,
    PairKey,
    Placement,
    Plan,
    SettleResult,
    canonical,
)
from chipwatch.clustering.settle_write import write_plan
from chipwatch.store.clustering import (
    current_stories,
    locked_articles,
    story_members,
    unsettled_ids,
)

if TYPE_CHECKING:
    from chipwatch.clustering.clusterer import Clusterer

# Candidates looked up per article in the pass.
SETTLE_CANDIDATES = 12
# A link this strong joins two groups on its own (and may bridge two settled stories).
STRONG = 0.60
# A weaker link needs the groups' scored pairs to average at least this much.
LINK_MIN = 0.30
# Groups this small (the product of their sizes) have every pair between them scored.
FULL_LINKAGE = 36


def settle(clusterer: Clusterer, *, now: datetime) -> SettleResult:
    """Decide again for every unsettled article; write what changed (in the caller's
    transaction)."""
    db = clusterer.db
    ids = unsettled_ids(db)
    if not ids:
        return SettleResult()
    docs = _round_docs(clusterer, ids)
    locked = locked_articles(db, ids)
    free = {i: d for i, d in docs.items() if i not in locked}
    clusterer.df.freeze()
    index = _index_for(clusterer, docs)
    plan = _Pass(clusterer, index, free, locked).run()
    result = write_plan(clusterer, plan, ids, now=now)
    for article_id in locked & docs.keys():  # a user's placement stands
        if docs[article_id].story_id:
            result.placed[article_id] = docs[article_id].story_id
    return result


def _round_docs(clusterer: Clusterer, ids: list[int]) -> dict[int, Doc]:
    """The unsettled articles' docs: kept since ingest, or loaded (after a restart)."""
    docs = {i: clusterer.pending[i] for i in ids if i in clusterer.pending}
    missing = [i for i in ids if i not in docs]
    for doc in docs_by_ids(clusterer.db, missing) if missing else ():
        docs[doc.article_id] = doc
    return docs


def _index_for(clusterer: Clusterer, docs: dict[int, Doc]) -> CandidateIndex:
    """The live index when it covers every neighbour the round's articles may have;
    else one loaded for their time spans (an import of old articles)."""
    reach = clusterer.rules.long_window
    live = clusterer.index
    if all(live.covers(d.published - reach) for d in docs.values()):
        for doc in docs.values():
            if doc.article_id not in live.docs:
                live.add(doc)
        return live
    index = CandidateIndex(horizon_seconds=float("inf"), df=clusterer.df)
    for start, end in _spans(sorted(d.published for d in docs.values()), reach):
        for doc in load_docs(clusterer.db, since=_utc(start), until=_utc(end), settled_only=True):
            index.add(doc)
    for doc in docs.values():
        index.add(doc.copy())
    return index


def _spans(times: list[float], reach: float) -> Iterable[tuple[float, float]]:
    """The union of ``[t - reach, t + reach]`` over sorted ``times``, as intervals."""
    start = end = None
    for t in times:
        if end is not None and t - reach <= end:
            end = t + reach
            continue
        if start is not None and end is not None:
            yield start, end
        start, end = t - reach, t + reach
    if start is not None and end is not None:
        yield start, end


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


class _Pass:
    """One settle pass over a round's articles (see the module doc)."""

    def __init__(
        self,
        clusterer: Clusterer,
        index: CandidateIndex,
        free: dict[int, Doc],
        locked: set[int],
    ) -> None:
        self.clusterer = clusterer
        self.index = index
        self.free = free
        self.locked = locked
        self.threshold = clusterer.threshold
        self.pairs: dict[PairKey, PairScore] = {}
        self.parent: dict[Node, Node] = {}
        self.members: dict[Node, list[int]] = {}  # root -> article ids with a doc
        self.stories: dict[Node, set[int]] = {}  # root -> settled story ids
        self.story_of: dict[int, int] = {}  # settled article -> its story
        self.bridges: dict[int, list[tuple[int, float]]] = {}
        self.adjacent: dict[int, list[tuple[int, PairScore]]] = {}
        self.sizes: dict[int, int] = {}  # settled story -> its settled articles

    # ---- pairs
    def doc(self, article_id: int) -> Doc | None:
        return self.free.get(article_id) or self.index.docs.get(article_id)

    def pair(self, a: Doc, b: Doc) -> PairScore:
        """The pair's score, computed once, always with the two in canonical order."""
        first, second = (a, b) if canonical(a) <= canonical(b) else (b, a)
        key = (first.article_id, second.article_id)
        found = self.pairs.get(key)
        if found is None:
            c = self.clusterer
            found = self.pairs[key] = score_pair(first, second, self.index, c.weights, c.rules)
            self.adjacent.setdefault(key[0], []).append((key[1], found))
            self.adjacent.setdefault(key[1], []).append((key[0], found))
        return found

    def _collect(self) -> None:
        window = self.clusterer.rules.long_window
        for doc in sorted(self.free.values(), key=canonical):
            for other_id in self.index.iter_candidates(
                doc, window_seconds=window, limit=SETTLE_CANDIDATES
            ):
                other = self.index.docs[other_id]
                self.pair(doc, other)

    # ---- groups
    def node(self, article_id: int) -> Node:
        if article_id in self.free:
            return ("a", article_id)
        return ("s", self.story_of[article_id])

    def find(self, node: Node) -> Node:
        parent = self.parent
        root = node
        while parent[root] != root:
            root = parent[root]
        while parent[node] != root:
            parent[node], node = root, parent[node]
        return root

    def _groups_start(self) -> None:
        """Each free article alone; each settled story the pairs reach, whole."""
        outside = {i for key in self.pairs for i in key if i not in self.free}
        current = current_stories(self.clusterer.db, sorted(outside))
        self.story_of = dict(current)
        for article_id in self.free:
            node: Node = ("a", article_id)
            self.parent[node] = node
            self.members[node] = [article_id]
            self.stories[node] = set()
        story_ids = sorted(set(current.values()))
        for story_id, ids in story_members(self.clusterer.db, story_ids).items():
            node = ("s", story_id)
            self.parent[node] = node
            settled = [i for i in ids if i not in self.free]
            self.sizes[story_id] = len(settled)
            for i in settled:
                self.story_of.setdefault(i, story_id)
            self.members[node] = [i for i in settled if self.doc(i) is not None]
            self.stories[node] = {story_id}

    def run(self) -> Plan:
        self._collect()
        self._groups_start()
        edges = []
        known = self.free.keys() | self.story_of.keys()
        for (a, b), pair in self.pairs.items():
            # Rounded: a last-digit difference of a sum must not reorder two links.
            score = round(pair.score, 6)
            if not pair.allowed or score < self.threshold or a not in known or b not in known:
                continue
            first, second = self.doc(a), self.doc(b)
            if first is None or second is None or self.node(a) == self.node(b):
                continue
            edges.append((-score, first.key, second.key, a, b))
        edges.sort()
        for negative, _, _, a, b in edges:
            self._link(a, b, -negative)
        return self._plan()

    def _link(self, a: int, b: int, score: float) -> None:
        left, right = self.find(self.node(a)), self.find(self.node(b))
        if left == right:
            return
        settled = self.stories[left], self.stories[right]
        bridge = bool(settled[0] and settled[1])
        if bridge and (score < STRONG or self._user_placed(settled[0] | settled[1])):
            return
        cross = [p for p in self._cross(left, right) if p.allowed]
        if any(p.conflict is not None for p in cross):
            return
        if score < STRONG:
            scores = [p.score for p in cross]
            if scores and sum(scores) / len(scores) < LINK_MIN:
                return
        if bridge:
            for i in (a, b):
                if i in self.free:
                    other = settled[1] if self.find(self.node(i)) == left else settled[0]
                    self.bridges.setdefault(i, []).extend((s, score) for s in sorted(other))
        self.parent[right] = left
        self.members[left] += self.members.pop(right)
        self.stories[left] |= self.stories.pop(right)

    def _user_placed(self, story_ids: set[int]) -> bool:
        return any(self.story_of.get(i) in story_ids for i in self.locked)

    def _cross(self, left: Node, right: Node) -> list[PairScore]:
        """The scored pairs between two groups: all of them for small groups, else the
        ones the candidate lookup scored."""
        a, b = self.members[left], self.members[right]
        if len(a) * len(b) <= FULL_LINKAGE:
            found = []
            for x, y in product(a, b):
                dx, dy = self.doc(x), self.doc(y)
                if dx is not None and dy is not None:
                    found.append(self.pair(dx, dy))
            return found
        smaller, larger = (a, b) if len(a) <= len(b) else (b, a)
        other = set(larger)
        return [p for x in smaller for y, p in self.adjacent.get(x, ()) if y in other]

    # ---- the outcome
    def _plan(self) -> Plan:
        groups: dict[Node, list[Node]] = {}
        for node in self.parent:
            groups.setdefault(self.find(node), []).append(node)
        ordered = sorted(groups.values(), key=self._group_order)
        current = {i: d.story_id or None for i, d in self.free.items()}
        plan = Plan(self.free, current, ordered, settled_sizes=self.sizes)
        for group in ordered:
            self._place(plan, group)
        return plan

    def _group_order(self, nodes: list[Node]) -> tuple[float, str, int]:
        firsts = [
            canonical(d)
            for n in nodes
            for i in (self.members.get(n) or self.members.get(self.find(n)) or [])
            if (d := self.doc(i)) is not None
        ]
        return min(firsts) if firsts else (0.0, "", 0)

    def _place(self, plan: Plan, group: list[Node]) -> None:
        """The deciding pair of each of the group's round articles: its strongest pair
        inside the group, or for one left alone its closest miss."""
        inside = set(self.members[self.find(group[0])])
        for article_id in (n[1] for n in group if n[0] == "a"):
            best: tuple[float, str, PairScore, Doc] | None = None
            closest: tuple[float, str, PairScore, Doc] | None = None
            for other_id, pair in self.adjacent.get(article_id, ()):
                other = self.doc(other_id)
                if other is None or not pair.allowed:
                    continue
                ranked = (pair.score, other.key, pair, other)
                if other_id in inside:
                    if best is None or ranked[:2] > best[:2]:
                        best = ranked
                elif closest is None or ranked[:2] > closest[:2]:
                    closest = ranked
            chosen = best or closest
            plan.placements[article_id] = Placement(
                0,
                chosen[3] if chosen else None,
                chosen[2] if chosen else None,
                joined=best is not None,
                bridged=self.bridges.get(article_id, []),
            )
