"""Documents: an article's comparable features as a :class:`~.candidates.Doc`, built
from an article (:func:`build_doc`) or loaded from the store (:func:`load_docs`,
:func:`docs_by_ids`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlite_utils import Database

from chipwatch.clustering.candidates import Doc
from chipwatch.clustering.feature_codec import Fields, decode_fields
from chipwatch.clustering.features import DocFeatures, doc_features
from chipwatch.model import Article, EntityMatch
from chipwatch.store.clustering import articles_for_clustering, clustered_articles, kept_features
from chipwatch.timeutil import from_iso


def build_doc(
    article_id: int,
    story_id: int,
    feed_id: int,
    article: Article,
    matches: Sequence[EntityMatch],
    features: DocFeatures | None = None,
    *,
    key: str | None = None,
) -> Doc:
    """The comparable features of one article (``features`` when already computed).
    ``key``: the article's stored key when ``article`` does not carry it."""
    f = features if features is not None else doc_features(article, matches)
    published = article.published.timestamp()
    return _doc(
        article_id, story_id, feed_id, published, key if key is not None else article.key, f
    )


def _doc(
    article_id: int, story_id: int, feed_id: int, published: float, key: str, f: DocFeatures
) -> Doc:
    return Doc(
        article_id=article_id,
        story_id=story_id,
        feed_id=feed_id,
        lang=f.lang,
        published=published,
        title=f.title,
        title_key=f.title_key,
        url=f.url,
        guid=f.guid,
        entities=f.entities,
        words=f.words,
        numbers=f.numbers,
        names=f.names,
        key=key,
        actions=f.actions,
        primary=f.primary,
        slack=f.slack,
        credit=f.credit,
        host=f.host,
        actors=f.actors,
    )


def load_docs(
    db: Database,
    *,
    since: datetime,
    until: datetime | None = None,
    limit: int | None = None,
    settled_only: bool = False,
) -> list[Doc]:
    """Docs for the clustered articles published in ``[since, until]``."""
    rows, matches = clustered_articles(
        db, since=since, until=until, limit=limit, settled_only=settled_only
    )
    return [
        build_doc(aid, sid, fid, article, matches.get(aid, [])) for aid, sid, fid, article in rows
    ]


def docs_by_ids(db: Database, ids: Sequence[int]) -> list[Doc]:
    """Docs for the given articles (story id 0 when not placed yet). An article waiting
    for the settle pass comes with the features its parse worker computed, kept in the
    store (:func:`~chipwatch.store.clustering.keep_features`); the others' are computed
    from the stored article and mentions, as is any kept row that does not decode (from
    another version of chipwatch, or damaged)."""
    docs = []
    for aid, sid, fid, published, key, data in kept_features(db, ids) if ids else ():
        fields = decode_fields(data)
        if fields is not None:
            docs.append(_kept_doc(aid, sid or 0, fid, from_iso(published).timestamp(), key, fields))
    if len(docs) < len(ids):
        done = {doc.article_id for doc in docs}
        rows, matches = articles_for_clustering(db, [i for i in ids if i not in done])
        docs += [
            build_doc(aid, sid or 0, fid, article, matches.get(aid, []))
            for aid, sid, fid, article in rows
        ]
    return docs


def _kept_doc(
    article_id: int, story_id: int, feed_id: int, published: float, key: str, f: Fields
) -> Doc:
    """:func:`_doc` of decoded features (:func:`~.feature_codec.decode_fields`)."""
    lang, title, title_key, url, guid, entities, words, numbers, names = f[:9]
    actions, primary, slack, credit, host, actors = f[9:]
    return Doc(
        article_id=article_id,
        story_id=story_id,
        feed_id=feed_id,
        lang=lang,
        published=published,
        title=title,
        title_key=title_key,
        url=url,
        guid=guid,
        entities=entities,
        words=words,
        numbers=numbers,
        names=names,
        key=key,
        actions=actions,
        primary=primary,
        slack=slack,
        credit=credit,
        host=host,
        actors=actors,
    )
