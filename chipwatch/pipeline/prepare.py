"""What ingest needs of an article that depends on the article alone.

Tagging and the comparable features (:mod:`chipwatch.clustering.features`: normalized
title, title key, content words, figures, name-like words, canonical URL) are pure
functions of the article's text.
The parse workers compute them (:func:`prepare_articles`) next to the parsing, on
every core, so the single store writer only looks candidates up, scores and writes.
A writer that gets no prepared values (a test, an older caller) computes them itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from chipwatch.clustering.feature_codec import encode
from chipwatch.clustering.features import DocFeatures, doc_features
from chipwatch.config import EntityConfig
from chipwatch.model import Article, EntityMatch, split_body_matches, with_body


@dataclass(frozen=True, slots=True)
class Prepared:
    """One article's entity mentions and features, computed off the writer."""

    matches: tuple[EntityMatch, ...]
    features: DocFeatures
    # ``features`` as the store keeps them until the settle pass (chipwatch.clustering.
    # feature_codec), encoded here, in parallel, not on the writer's thread. None: kept
    # not, and the pass computes them from the store: the article was read with its
    # page's text, its time is not in UTC (_stored_alike), or the encoding failed.
    encoded: bytes | None = field(default=None, compare=False)


def prepare_articles(
    articles: Sequence[Article],
    entities: tuple[EntityConfig, ...],
    bodies: Mapping[str, str] | None = None,
) -> tuple[Prepared, ...]:
    """Tag and featurize ``articles`` with the tagger for ``entities`` (the config's
    ``[entities.NAME]`` tables, already validated by the writer's own tagger).

    ``bodies``: page texts by article URL (a full_text feed). An article with one is
    tagged and featurized as :func:`~chipwatch.model.with_body` extends it; its
    mentions in the page's text come back as field ``body`` (as stored)."""
    from chipwatch.entities.tagger import _build_cached

    tagger = _build_cached(entities)  # compiled once per worker and entity tables
    prepared = []
    for article in articles:
        body = bodies.get(article.url, "") if bodies and article.url else ""
        seen = with_body(article, body)
        matches = tagger.tag(seen.title, seen.summary)
        features = doc_features(seen, matches)
        if body:
            matches = split_body_matches(matches, article.summary)
        kept = not body and _stored_alike(article)
        prepared.append(Prepared(tuple(matches), features, _encoded(features) if kept else None))
    return tuple(prepared)


def _stored_alike(article: Article) -> bool:
    """The settle pass computes an article's features from the store, which keeps its
    time in UTC to the second; the features read the time's hour (an imprecise date is
    midnight or noon), so a time in another zone could give other features there. The
    parser gives UTC; an article that is not given so keeps no features."""
    return article.published.utcoffset() in _UTC_OFFSETS


_UTC_OFFSETS = (None, timedelta(0))


def _encoded(features: DocFeatures) -> bytes | None:
    try:
        return encode(features)
    except ValueError:  # features the format cannot hold (feature_codec.Unkept)
        return None


def warm(entities: tuple[EntityConfig, ...]) -> None:
    """Build, in this process, the largest part of what :func:`prepare_articles`
    builds on its first call: the tagger's tables and its automaton (~0.3 s of CPU,
    ~40 MB), and the action grammar's matcher. A pool forked right after (a first
    import, see :meth:`~chipwatch.pipeline.workers.ParserPool.start`) shares them
    instead of building them in each worker. The rarer parts stay with the workers
    that need them: the tagger's exhaustive automaton (~30 MB) and the action
    automaton of each language (~10-40 ms each; every language's together ~40 MB)."""
    from chipwatch.clustering.actions import _matcher
    from chipwatch.entities.tagger import _build_cached

    _build_cached(entities).tag("", "warm")
    _matcher()


def cool(entities: tuple[EntityConfig, ...]) -> None:
    """Drop what :func:`warm` built that this process (the store writer) does not
    need: the forked workers keep their copies; the writer's tagger tags only the
    few articles the workers did not prepare and builds its tables again then (its
    automaton is ~30 MB: docs/performance.md, issue 20's bounds)."""
    from chipwatch.clustering.actions import _matcher
    from chipwatch.entities.tagger import _build_cached

    _build_cached(entities).drop_tables()
    _matcher.cache_clear()
