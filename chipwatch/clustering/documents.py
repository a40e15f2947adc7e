"""What clustering compares and weighs, apart from the :class:`~.clusterer.Clusterer`.

Documents: an article's comparable features as a :class:`~.candidates.Doc`, built from
an article (:func:`build_doc`) or loaded from the store (:func:`load_docs`).
Evidence: the best pair scores between a new article and one story
(:class:`StoryEvidence`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlite_utils import Database

from chipwatch.clustering.candidates import Doc
from chipwatch.clustering.features import DocFeatures, doc_features
from chipwatch.clustering.scoring import PairScore
from chipwatch.model import Article, EntityMatch
from chipwatch.store.clustering import clustered_articles


class StoryEvidence:
    """The best pair scores between a new article and one story's articles.

    When the story has articles in the new article's language, those comparisons
    (titles and words included) decide; articles in other languages, compared on
    entities, figures and time only, decide alone only when there are none. This keeps
    a story from being joined through a loose cross-language link when a direct
    comparison says no.
    """

    __slots__ = ("other", "pairs", "same")

    def __init__(self) -> None:
        self.same: tuple[PairScore, Doc] | None = None
        self.other: tuple[PairScore, Doc] | None = None
        self.pairs = 0

    def add(self, pair: PairScore, doc: Doc, lang: str) -> None:
        """Count one scored pair of the story (``doc``) with an article in ``lang``."""
        self.pairs += 1
        if doc.lang == lang:
            if self.same is None or pair.score > self.same[0].score:
                self.same = (pair, doc)
        elif self.other is None or pair.score > self.other[0].score:
            self.other = (pair, doc)

    def _decisive(self) -> tuple[PairScore, Doc]:
        decisive = self.same if self.same is not None else self.other
        assert decisive is not None
        return decisive

    def score(self) -> float:
        """The decisive pair's score."""
        return self._decisive()[0].score

    def best(self) -> PairScore:
        """The decisive pair."""
        return self._decisive()[0]

    def matched(self) -> Doc:
        """The story's article in the decisive pair."""
        return self._decisive()[1]


def build_doc(
    article_id: int,
    story_id: int,
    feed_id: int,
    article: Article,
    matches: Sequence[EntityMatch],
    features: DocFeatures | None = None,
) -> Doc:
    """The comparable features of one article (``features`` when already computed)."""
    f = features if features is not None else doc_features(article, matches)
    return Doc(
        article_id=article_id,
        story_id=story_id,
        feed_id=feed_id,
        lang=f.lang,
        published=article.published.timestamp(),
        title=f.title,
        title_key=f.title_key,
        url=f.url,
        guid=f.guid,
        entities=f.entities,
        words=f.words,
        numbers=f.numbers,
        names=f.names,
    )


def load_docs(
    db: Database, *, since: datetime, until: datetime | None = None, limit: int | None = None
) -> list[Doc]:
    """Docs for the clustered articles published in ``[since, until]``."""
    rows, matches = clustered_articles(db, since=since, until=until, limit=limit)
    return [
        build_doc(aid, sid, fid, article, matches.get(aid, [])) for aid, sid, fid, article in rows
    ]
