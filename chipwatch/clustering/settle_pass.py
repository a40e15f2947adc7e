"""One settle pass's deciding (:mod:`.settle` describes the pass): the scored pairs, the
groups they link (strongest first, with the vetoes and the support a weak link needs),
and where each article goes, with the pair that decided it."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain
from typing import TYPE_CHECKING

from chipwatch.clustering.candidates import CandidateIndex, Doc
from chipwatch.clustering.pair_score import ALLOWED, SCORE, VETOES, PairScore
from chipwatch.clustering.scoring import score_values
from chipwatch.clustering.settle_plan import (
    Link,
    Node,
    PairKey,
    Placement,
    Plan,
    canonical,
)
from chipwatch.clustering.settle_profile import Profile
from chipwatch.store.clustering import (
    current_stories,
    locked_articles,
    story_members,
)

if TYPE_CHECKING:
    from chipwatch.clustering.clusterer import Clusterer

# Candidates looked up per article in the pass.
SETTLE_CANDIDATES = 12
# A link this strong joins two groups on its own (and may bridge two whole stories).
STRONG = 0.60
# A link this strong is not vetoed by the groups' main actions (a pair that shares the
# chip, the figures and the names says more than one misread verb).
DECISIVE = 0.75
# A weaker link needs the groups' scored pairs to average at least this much.
LINK_MIN = 0.30
# Groups this small (the product of their sizes) have every pair between them scored.
FULL_LINKAGE = 64
# A story of more articles than this is kept whole rather than reopened.
MAX_REOPEN = 200
# Reopening through links stops growing once the pass places this many articles.
MAX_SETTLE = 5000


class SettlePass:
    """One settle pass (see the module doc)."""

    def __init__(self, clusterer: Clusterer, index: CandidateIndex, free: dict[int, Doc]) -> None:
        self.clusterer = clusterer
        self.index = index
        self.round = set(free)
        self.free = dict(free)  # articles placed by the pass
        self.threshold = clusterer.threshold
        self.pairs: dict[PairKey, Link] = {}
        self.adjacent: dict[int, list[tuple[int, Link]]] = {}
        self.full: dict[PairKey, PairScore] = {}  # the allowed pairs at the threshold
        # article -> its closest allowed pair: (score, other's key, pair, other)
        self.closest: dict[int, tuple[float, str, PairScore, Doc]] = {}
        self.parent: dict[Node, Node] = {}
        # root -> its articles' docs (those with a doc), in the order they joined
        self.members: dict[Node, list[Doc]] = {}
        self.whole: dict[Node, set[int]] = {}  # root -> stories kept whole in it
        self.story_of: dict[int, int] = {}  # article of a whole story -> the story
        self.user_placed: set[int] = set()  # whole stories a user placed articles in
        self.sizes: dict[int, int] = {}  # whole story -> its articles
        self.current: dict[int, int | None] = {i: d.story_id or None for i, d in free.items()}
        self.bridges: dict[int, list[tuple[int, float]]] = {}
        self.profile: dict[Node, Profile] = {}  # root -> what its articles report (once read)

    # ---- pairs
    def doc(self, article_id: int) -> Doc | None:
        return self.free.get(article_id) or self.index.docs.get(article_id)

    def pair(self, a: Doc, b: Doc) -> Link:
        """The pair's score, computed once, always with the two in canonical order."""
        # A pair is kept under its canonical key only: found under either order, it is
        # that one (no ordering of the two needed).
        found = self.pairs.get((a.article_id, b.article_id))
        if found is None:
            found = self.pairs.get((b.article_id, a.article_id))
            if found is None:
                found = self._score(a, b)
        return found

    def _score(self, a: Doc, b: Doc) -> Link:
        """Score a pair not scored yet, and keep it."""
        if (a.published, a.key, a.article_id) <= (b.published, b.key, b.article_id):
            first, second = a, b  # canonical(a) <= canonical(b), without the calls
        else:
            first, second = b, a
        key = (first.article_id, second.article_id)
        c = self.clusterer
        values = score_values(first, second, self.index, c.weights, c.rules)
        score, allowed = values[SCORE], values[ALLOWED]
        found = self.pairs[key] = Link(score, allowed, values[VETOES])
        self.adjacent.setdefault(key[0], []).append((key[1], found))
        self.adjacent.setdefault(key[1], []).append((key[0], found))
        if allowed:
            # The whole score only for a pair kept (see the sweep's ``_pair``).
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

    def _collect(self, docs: Iterable[Doc]) -> set[int]:
        """Score each doc with its candidates (those the index covers); the
        candidates' ids."""
        window = self.clusterer.rules.long_window
        index = self.index
        found: set[int] = set()
        for doc in sorted(docs, key=canonical):
            for other_id in index.iter_candidates(
                doc, window_seconds=window, limit=SETTLE_CANDIDATES
            ):
                other = index.docs[other_id]
                if index.covers(other.published):
                    self.pair(doc, other)
                    found.add(other_id)
        return found

    # ---- which articles the pass places
    def _open(self, reached: set[int]) -> None:
        """The stories the round's candidates belong to are reopened: their articles
        are placed again, unless a user placed one, one is out of the index's reach,
        or the story is too big; then the story is kept whole. Reopening goes on
        through every link at or above the threshold from a reopened article to
        another story, so no story joins on a neighbour's old shape."""
        tried: set[int] = set()
        frontier = reached
        while frontier and len(self.free) < MAX_SETTLE:
            reopened = self._reopen(frontier, tried)
            if not reopened:
                return
            self._collect(reopened)
            frontier = self._linked_outside(reopened)

    def _reopen(self, reached: set[int], tried: set[int]) -> list[Doc]:
        """Reopen the stories of ``reached`` not tried yet; their articles."""
        db = self.clusterer.db
        outside = sorted(reached - self.free.keys())
        stories = sorted(set(current_stories(db, outside).values()) - tried)
        tried.update(stories)
        members = story_members(db, stories)
        locked = locked_articles(db, [i for s in stories for i in members[s]])
        reopened: list[Doc] = []
        for story_id in stories:
            ids = [i for i in members[story_id] if i not in self.free]
            docs = [self.index.docs.get(i) for i in ids]
            if (
                len(ids) > MAX_REOPEN
                or any(i in locked for i in ids)
                or any(d is None or not self.index.covers(d.published) for d in docs)
            ):
                continue
            for doc in docs:
                assert doc is not None
                self.free[doc.article_id] = doc
                self.current[doc.article_id] = story_id
                reopened.append(doc)
        return reopened

    def _linked_outside(self, docs: list[Doc]) -> set[int]:
        """The articles outside the pass that ``docs`` link to at the threshold."""
        found: set[int] = set()
        for doc in docs:
            for other_id, pair in self.adjacent.get(doc.article_id, ()):
                if other_id not in self.free and pair.allowed and pair.score >= self.threshold:
                    found.add(other_id)
        return found

    def _keep_whole(self) -> None:
        """Every story an endpoint of a pair belongs to, not placed by the pass, is a
        node of its own (whole)."""
        db = self.clusterer.db
        outside = sorted(set(chain.from_iterable(self.pairs)).difference(self.free))
        self.story_of = current_stories(db, outside)
        stories = sorted(set(self.story_of.values()))
        members = story_members(db, stories)
        locked = locked_articles(db, [i for s in stories for i in members[s]])
        self.user_placed = {s for s in stories if any(i in locked for i in members[s])}
        for story_id in stories:
            node: Node = ("s", story_id)
            ids = [i for i in members[story_id] if i not in self.free]
            self.sizes[story_id] = len(ids)
            for i in ids:
                self.story_of[i] = story_id
            self.parent[node] = node
            self.members[node] = [d for i in ids if (d := self.doc(i)) is not None]
            self.whole[node] = {story_id}
        for article_id, doc in self.free.items():
            node = ("a", article_id)
            self.parent[node] = node
            self.members[node] = [doc]
            self.whole[node] = set()

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

    def run(self, near: set[int]) -> tuple[Plan, int]:
        """``near``: settled articles whose stories are decided again with the round."""
        self._reopen(near, set())
        reached = self._collect(self.free.values())
        self._open(reached)
        return self.decide()

    def decide(self) -> tuple[Plan, int]:
        """Link the scored pairs into groups (strongest first) and place them."""
        self._keep_whole()
        edges = []
        free, story_of, threshold = self.free, self.story_of, self.threshold
        # The links are the allowed pairs at the threshold: those ``full`` keeps (with
        # the same score), a fraction of every scored pair. Sorted below on the pairs'
        # keys and ids, so their order here does not matter.
        for (a, b), pair in self.full.items():
            if not pair.allowed:
                continue
            # Rounded: a last-digit difference of a sum must not reorder two links.
            score = round(pair.score, 6)
            if score < threshold:
                continue
            first, second = free.get(a), free.get(b)
            if first is None or second is None:  # not both placed by the pass
                if a not in free and a not in story_of:
                    continue
                if b not in free and b not in story_of:
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
        # Two small groups have every pair between them scored here, whatever the link's
        # score (a pair scored is kept: it may decide an article's place). Between bigger
        # groups the pairs are only read, so only when a weaker link needs them.
        small = len(self.members[left]) * len(self.members[right]) <= FULL_LINKAGE
        cross = self._every_pair(left, right) if small else None
        if score < DECISIVE:
            if self._profile(left).conflicts(self._profile(right)):
                return
            if cross is None:
                cross = self._scored_pairs(left, right)
            if any(p.vetoes for p in cross):
                return
        if score < STRONG:
            assert cross is not None  # read above: STRONG < DECISIVE
            scores = [p.score for p in cross]
            if scores and sum(scores) / len(scores) < LINK_MIN:
                return
        if bridge:
            for i in (a, b):
                if i in self.free:
                    other = whole[1] if self.find(self.node(i)) == left else whole[0]
                    self.bridges.setdefault(i, []).extend((s, score) for s in sorted(other))
        if left in self.profile or right in self.profile:  # kept up to date once read
            self.profile[left] = self._profile(left).joined(self._profile(right))
            del self.profile[right]
        self.parent[right] = left
        self.members[left] += self.members.pop(right)
        self.whole[left] |= self.whole.pop(right)

    def _profile(self, root: Node) -> Profile:
        """What the group reports, built when first read (most groups link through
        pairs strong enough that it is never read). Built from its articles in their
        order, it is the profile :meth:`Profile.joined` would have made of them one
        link at a time: counts add up, and each class keeps its first mention."""
        found = self.profile.get(root)
        if found is None:
            found = self.profile[root] = Profile.of(self.members[root])
        return found

    def _every_pair(self, left: Node, right: Node) -> list[Link]:
        """The allowed pairs between two small groups, every pair scored (in the order of
        ``product(left, right)``; :meth:`pair` inlined: most were scored already)."""
        pairs, score = self.pairs, self._score
        found = []
        for x in self.members[left]:
            xi = x.article_id
            for y in self.members[right]:
                yi = y.article_id
                link = pairs.get((xi, yi))
                if link is None:
                    link = pairs.get((yi, xi))
                    if link is None:
                        link = score(x, y)
                if link.allowed:
                    found.append(link)
        return found

    def _scored_pairs(self, left: Node, right: Node) -> list[Link]:
        """The allowed pairs between two groups that are scored already (those of the
        candidate lookups, and of earlier full linkage): read, none scored."""
        a, b = self.members[left], self.members[right]
        smaller, larger = (a, b) if len(a) <= len(b) else (b, a)
        other = {d.article_id for d in larger}
        adjacent = self.adjacent
        return [
            p
            for x in smaller
            for y, p in adjacent.get(x.article_id, ())
            if y in other and p.allowed
        ]

    # ---- the outcome
    def _plan(self) -> Plan:
        groups: dict[Node, list[Node]] = {}
        for node in self.parent:
            groups.setdefault(self.find(node), []).append(node)
        ordered = sorted(groups.values(), key=self._group_order)
        plan = Plan(self.free, self.current, self.round, ordered, whole_sizes=self.sizes)
        for group in ordered:
            self._place(plan, group)
        return plan

    def _group_order(self, nodes: list[Node]) -> tuple[float, str, int]:
        docs = self.members[self.find(nodes[0])]
        return min(map(canonical, docs)) if docs else (0.0, "", 0)

    def _place(self, plan: Plan, group: list[Node]) -> None:
        """The deciding pair of each article the group places: its strongest pair
        inside the group, or for one left alone its closest miss."""
        inside = {d.article_id: d for d in self.members[self.find(group[0])]}
        # An article alone in its group has no pair inside it (none with itself).
        adjacent = self.adjacent if len(inside) > 1 else {}
        for article_id in (n[1] for n in group if n[0] == "a"):
            best: tuple[float, str, int] | None = None
            for other_id, link in adjacent.get(article_id, ()):
                other = inside.get(other_id) if link.allowed else None
                if other is not None and (best is None or (link.score, other.key) > best[:2]):
                    best = (link.score, other.key, other_id)
            bridged = self.bridges.get(article_id, [])
            if best is not None:  # joined through a pair at the threshold: kept whole
                key = (article_id, best[2]) if (article_id, best[2]) in self.full else None
                pair = self.full[key or (best[2], article_id)]
                placed = Placement(self.doc(best[2]), pair, joined=True, bridged=bridged)
            elif (closest := self.closest.get(article_id)) is not None:
                placed = Placement(closest[3], closest[2], bridged=bridged)
            else:
                placed = Placement(bridged=bridged)
            plan.placements[article_id] = placed
