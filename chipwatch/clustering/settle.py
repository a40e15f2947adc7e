"""The settle pass: the open stories decided again, whatever order articles came in.

At ingest each article is placed provisionally, in the order feeds happen to finish.
At the end of a round this pass takes every article placed since the last one (the
store's ``unsettled`` rows) and the stories they touch, and decides again:

1. one snapshot of the rarities (:meth:`~.docfreq.DocumentFrequencies.freeze`);
2. the round's articles and every article of the stories their candidates belong to
   (the *open* stories) start alone; a story a user placed articles in, or one
   reaching out of the index's span, is kept whole;
3. each placed article's candidates on the final index, in a canonical order
   (published time, then the article's key), every pair scored once;
4. pairs at or above the threshold are taken strongest first (ties by the articles'
   keys) and join their two groups, unless a pair between the groups reports
   conflicting actions (licences granted against sales halted: neighbouring
   developments), or the link is weak (under ``STRONG``) and the groups' pairs do not
   support it (their mean under ``LINK_MIN``). Two stories kept whole merge only
   through a strong link (a *bridge*), and never when a user placed articles in one;
5. the groups are mapped to story ids by overlap (:mod:`.settle_write`): each keeps the
   id of the story most of its articles were in, so ids are stable; only what changed
   is written.

The result depends on the articles and the stories kept whole, not on the order the
articles arrived in, nor on how feeds finished within a round.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from datetime import UTC, datetime
from itertools import product
from typing import TYPE_CHECKING

from chipwatch.clustering.candidates import CandidateIndex, Doc
from chipwatch.clustering.documents import docs_by_ids, load_docs
from chipwatch.clustering.scoring import PairScore, score_pair
from chipwatch.clustering.settle_plan import (
    Link,
    Node,
    PairKey,
    Placement,
    Plan,
    SettleResult,
    canonical,
)
from chipwatch.clustering.settle_profile import Profile
from chipwatch.clustering.settle_sweep import sweep
from chipwatch.clustering.settle_write import write_plan
from chipwatch.store.clustering import (
    clustered_count,
    current_stories,
    has_settled,
    locked_articles,
    settled_near,
    story_members,
    unsettled_ids,
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
# When the rarities' population has grown by this fraction since the last pass that
# decided the whole open range again, the next pass does so again: a story decided
# with the rarities of a younger store is decided again with today's.
DRIFT = 0.05
# A store of at most this many articles is its whole open range (a young store's
# rarities move fast); a bigger one's open range is what the live index holds, its
# newest this many articles.
FULL_STORE = 5000
# Settled articles near a round decided again with it, at most (the nearest in time).
MAX_NEAR = 2000


def settle(clusterer: Clusterer, *, now: datetime) -> SettleResult:
    """Decide again for every unsettled article and the stories it touches; write what
    changed (in the caller's transaction)."""
    db = clusterer.db
    clusterer.settled()
    ids = unsettled_ids(db)
    if not ids:
        return SettleResult()
    locked = locked_articles(db, ids)
    if clusterer.sweep and not locked and not has_settled(db):
        del ids  # the sweep reads the round itself, in its order: not held through it
        clusterer.df.freeze()
        drifted(clusterer)  # as the whole-round pass would note it
        return sweep(clusterer, now=now, make_pass=_Pass, candidates=SETTLE_CANDIDATES)
    docs = _round_docs(clusterer, ids)
    free = {i: d for i, d in docs.items() if i not in locked}
    clusterer.df.freeze()
    near = _near(clusterer, docs)
    times = [d.published for d in docs.values()] + [t.timestamp() for t in near.values()]
    index = _index_for(clusterer, docs, times)
    plan, pairs = _Pass(clusterer, index, free).run(set(near))
    result = write_plan(clusterer, plan, ids, now=now)
    result.pairs = pairs
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


def _near(clusterer: Clusterer, docs: dict[int, Doc]) -> dict[int, datetime]:
    """The settled articles decided again with the round's: those published within the
    long window of one of them (the ``MAX_NEAR`` nearest in time), so that every story
    near the round is judged on today's pairs and not on the shape an earlier round
    gave it; the open range when the rarities have drifted since it was last decided
    (see ``DRIFT``; its newest ``FULL_STORE`` articles)."""
    db = clusterer.db
    times = sorted(d.published for d in docs.values())
    if drifted(clusterer):
        live = clusterer.index
        since = datetime.min.replace(tzinfo=UTC)
        if clustered_count(db) > FULL_STORE and live.newest != float("-inf"):
            since = _utc(live.newest - live.horizon)
        found = settled_near(db, since=since)
        newest = [max(t for _, t in found).timestamp()] if found else []
        return dict(_nearest(found, newest, FULL_STORE))
    reach = clusterer.rules.long_window
    near: list[tuple[int, datetime]] = []
    for start, end in _spans(times, reach):
        near += settled_near(db, since=_utc(start), until=_utc(end))
    return dict(_nearest(near, times, MAX_NEAR))


def drifted(clusterer: Clusterer) -> bool:
    """The rarities' population grew by ``DRIFT`` since the last pass that decided the
    whole open range again: this one does (and says so to the next)."""
    df = clusterer.df
    population = df.total + df.prior_mass
    if population >= clusterer.settled_population * (1 + DRIFT):
        clusterer.settled_population = population
        return True
    return False


def _nearest(
    found: list[tuple[int, datetime]], times: list[float], limit: int
) -> list[tuple[int, datetime]]:
    """At most ``limit`` of ``found``: the nearest in time to one of ``times`` (sorted),
    ties by id, so that a busy week costs a bounded pass."""
    if len(found) <= limit:
        return found

    def distance(item: tuple[int, datetime]) -> tuple[float, int]:
        t = item[1].timestamp()
        i = bisect_left(times, t)
        gaps = [abs(times[j] - t) for j in (i - 1, i) if 0 <= j < len(times)]
        return min(gaps), item[0]

    return sorted(found, key=distance)[:limit]


def _index_for(clusterer: Clusterer, docs: dict[int, Doc], times: list[float]) -> CandidateIndex:
    """The live index when it covers every neighbour the pass's articles (``times``:
    when they were published) may have; else one loaded for their time spans (an
    import of old articles)."""
    reach = 2 * clusterer.rules.long_window  # a neighbour's neighbours, for reopening
    live = clusterer.index
    if all(live.covers(t - reach) for t in times):
        for doc in docs.values():
            if doc.article_id not in live.docs:
                live.add(doc)
        return live
    index = CandidateIndex(horizon_seconds=float("inf"), df=clusterer.df)
    for start, end in _spans(sorted(times), reach):
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
        self.members: dict[Node, list[int]] = {}  # root -> article ids with a doc
        self.whole: dict[Node, set[int]] = {}  # root -> stories kept whole in it
        self.story_of: dict[int, int] = {}  # article of a whole story -> the story
        self.user_placed: set[int] = set()  # whole stories a user placed articles in
        self.sizes: dict[int, int] = {}  # whole story -> its articles
        self.current: dict[int, int | None] = {i: d.story_id or None for i, d in free.items()}
        self.bridges: dict[int, list[tuple[int, float]]] = {}
        self.profile: dict[Node, Profile] = {}  # root -> what its articles report

    # ---- pairs
    def doc(self, article_id: int) -> Doc | None:
        return self.free.get(article_id) or self.index.docs.get(article_id)

    def pair(self, a: Doc, b: Doc) -> Link:
        """The pair's score, computed once, always with the two in canonical order."""
        if (a.published, a.key, a.article_id) <= (b.published, b.key, b.article_id):
            first, second = a, b  # canonical(a) <= canonical(b), without the calls
        else:
            first, second = b, a
        key = (first.article_id, second.article_id)
        found = self.pairs.get(key)
        if found is None:
            c = self.clusterer
            scored = score_pair(first, second, self.index, c.weights, c.rules)
            found = self.pairs[key] = Link(scored.score, scored.allowed, scored.vetoes)
            self.adjacent.setdefault(key[0], []).append((key[1], found))
            self.adjacent.setdefault(key[1], []).append((key[0], found))
            if scored.allowed:
                if round(scored.score, 6) >= self.threshold:
                    self.full[key] = scored
                self._closer(first, second, scored)
                self._closer(second, first, scored)
        return found

    def _closer(self, doc: Doc, other: Doc, pair: PairScore) -> None:
        known = self.closest.get(doc.article_id)
        if known is None or (pair.score, other.key) > known[:2]:
            self.closest[doc.article_id] = (pair.score, other.key, pair, other)

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
        outside = sorted({i for key in self.pairs for i in key if i not in self.free})
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
            self.members[node] = [i for i in ids if self.doc(i) is not None]
            self.whole[node] = {story_id}
            self.profile[node] = Profile.of(d for i in self.members[node] if (d := self.doc(i)))
        for article_id, doc in self.free.items():
            node = ("a", article_id)
            self.parent[node] = node
            self.members[node] = [article_id]
            self.whole[node] = set()
            self.profile[node] = Profile.of((doc,))

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
        for (a, b), pair in self.pairs.items():
            # Rounded: a last-digit difference of a sum must not reorder two links.
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
            self.profile[left].conflicts(self.profile[right]) or any(p.vetoes for p in cross)
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
        self.parent[right] = left
        self.members[left] += self.members.pop(right)
        self.whole[left] |= self.whole.pop(right)
        self.profile[left] = self.profile[left].joined(self.profile.pop(right))

    def _cross(self, left: Node, right: Node) -> list[Link]:
        """The scored pairs between two groups: all of them for small groups, else the
        ones the candidate lookup scored."""
        a, b = self.members[left], self.members[right]
        if len(a) * len(b) <= FULL_LINKAGE:
            # Every pair, in the order of ``product(a, b)``: each side's docs read once.
            ours = [d for x in a if (d := self.doc(x)) is not None]
            theirs = [d for y in b if (d := self.doc(y)) is not None]
            return [self.pair(dx, dy) for dx, dy in product(ours, theirs)]
        smaller, larger = (a, b) if len(a) <= len(b) else (b, a)
        other = set(larger)
        return [p for x in smaller for y, p in self.adjacent.get(x, ()) if y in other]

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
        firsts = [canonical(d) for i in self.members[self.find(nodes[0])] if (d := self.doc(i))]
        return min(firsts) if firsts else (0.0, "", 0)

    def _place(self, plan: Plan, group: list[Node]) -> None:
        """The deciding pair of each article the group places: its strongest pair
        inside the group, or for one left alone its closest miss."""
        inside = set(self.members[self.find(group[0])])
        for article_id in (n[1] for n in group if n[0] == "a"):
            best: tuple[float, str, int] | None = None
            for other_id, link in self.adjacent.get(article_id, ()):
                other = self.doc(other_id) if other_id in inside and link.allowed else None
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
