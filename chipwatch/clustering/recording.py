"""Writing what :meth:`.clusterer.Clusterer.decide` chose for one article: its story
(joined or started) and explanation, and the story rows (:meth:`Clusterer.record`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from chipwatch.clustering.candidates import Doc
from chipwatch.clustering.explain_pair import explanation_of
from chipwatch.clustering.scoring import PairScore
from chipwatch.model import Article, Assignment
from chipwatch.store.clustering import leave_story, record_assignment
from chipwatch.store.stories import StoryState, add_to_story, refresh_story, start_story
from chipwatch.textsafe import first_sentence

if TYPE_CHECKING:
    from sqlite_utils import Database


class Clusterer(Protocol):
    """What recording needs of :class:`~.clusterer.Clusterer` (which imports this)."""

    db: Database
    threshold: float
    languages: tuple[str, ...]

    def _remember(self, doc: Doc) -> None: ...


@dataclass(slots=True)
class Decision:
    """What :meth:`Clusterer.decide` found for one article, for :meth:`Clusterer.record`.

    ``story_id`` is the live story of the best pair (None: no candidate story), ``best``
    that pair and ``matched`` the story's article in it; ``state`` the story row read
    for the join. ``locked``: the article was placed by hand in ``previous``.
    """

    doc: Doc
    article: Article
    previous: int | None
    locked: bool = False
    story_id: int | None = None
    best: PairScore | None = None
    matched: Doc | None = None
    state: StoryState | None = None


def write_decision(clusterer: Clusterer, decision: Decision, *, now: datetime) -> Assignment:
    """The article's story (the decided one, a new one, or its locked one), its
    explanation and the story rows; the doc joins the clusterer's indexes."""
    doc, best = decision.doc, decision.best
    if decision.locked:
        assert decision.previous is not None
        return _keep_locked(clusterer, doc, decision.previous)
    if decision.story_id is not None and best is not None and best.score >= clusterer.threshold:
        assignment = _join(decision, decision.story_id, best)
    else:
        assignment = _start(clusterer, decision, best, now=now)
    _record(clusterer, decision, assignment)
    return assignment


def _join(decision: Decision, story_id: int, pair: PairScore) -> Assignment:
    matched = decision.matched
    return Assignment(
        story_id=story_id,
        new_story=False,
        score=pair.score,
        parts=pair.parts,  # built for this explanation, not kept by the pair's users
        shared_entities=tuple(pair.shared_entities[:12]),
        shared_words=tuple(pair.shared_words[:12]),
        matched_article_id=matched.article_id if matched else None,
    )


def _start(
    clusterer: Clusterer, decision: Decision, closest: PairScore | None, *, now: datetime
) -> Assignment:
    article = decision.article
    story_id = start_story(
        clusterer.db,
        article_id=decision.doc.article_id,
        title=article.title.strip() or first_sentence(article.summary),
        lang=article.lang or "und",
        published=article.published,
        now=now,
    )
    return Assignment(
        story_id=story_id,
        new_story=True,
        score=closest.score if closest else 0.0,
        parts=dict(closest.parts) if closest else {},
    )


def _keep_locked(clusterer: Clusterer, doc: Doc, story_id: int) -> Assignment:
    doc.story_id = story_id
    clusterer._remember(doc)
    refresh_story(clusterer.db, story_id, languages=clusterer.languages)  # its title may be new
    return Assignment(story_id=story_id, new_story=False, score=1.0, parts={"locked": 1.0})


def _record(clusterer: Clusterer, decision: Decision, assignment: Assignment) -> None:
    doc, article = decision.doc, decision.article
    db, languages = clusterer.db, clusterer.languages
    previous = decision.previous
    record_assignment(
        db,
        doc.article_id,
        assignment.story_id,
        score=assignment.score,
        explanation=explanation_of(
            doc,
            decision.matched,
            decision.best,
            joined=not assignment.new_story,
            threshold=clusterer.threshold,
            via="assign",
        ).to_json(),
    )
    if previous == assignment.story_id:
        refresh_story(db, assignment.story_id, languages=languages)
    elif not assignment.new_story:
        add_to_story(
            db,
            assignment.story_id,
            article_id=doc.article_id,
            feed_id=doc.feed_id,
            lang=article.lang or "und",
            published=article.published,
            title=article.title.strip() or first_sentence(article.summary),
            languages=languages,
            state=decision.state if decision.story_id == assignment.story_id else None,
        )
    if previous and previous != assignment.story_id:
        leave_story(db, previous, assignment.story_id, languages=languages)
    doc.story_id = assignment.story_id
    clusterer._remember(doc)
