"""Explanations kept true after a user's correction.

When a user splits an article out of a story, the articles that had joined *through*
it would still say "Joined <that article>". :func:`refresh_explanations` finds them and
explains each again by its strongest pair with the articles its story still holds,
scored on the store-wide rarities (the same scoring as the settle pass). Their stories
do not change: a correction moves only what the user moved.
"""

from __future__ import annotations

from sqlite_utils import Database

from chipwatch.clustering.candidates import CandidateIndex
from chipwatch.clustering.clusterer import rules_for
from chipwatch.clustering.docfreq import DocumentFrequencies
from chipwatch.clustering.documents import docs_by_ids
from chipwatch.clustering.explain_pair import explanation_of
from chipwatch.clustering.scoring import score_pair
from chipwatch.clustering.signals import merged_weights
from chipwatch.config import ClusterConfig
from chipwatch.store.clustering import move_articles, story_members
from chipwatch.store.explain import explanation_contexts
from chipwatch.store.feature_df import load_feature_df


def refresh_explanations(db: Database, story_id: int, config: ClusterConfig) -> list[int]:
    """Explain again the articles of ``story_id`` whose matched article left it (a
    user's split); returns their ids. Call inside the correction's transaction."""
    members = story_members(db, [story_id])[story_id]
    contexts = explanation_contexts(db, members)
    stale = [
        aid
        for aid, info in contexts.items()
        if not info.get("locked")
        and info.get("decision") == "joined"
        and (info.get("matched_info") or {}).get("story_id") != story_id
    ]
    if not stale:
        return []
    loaded = load_feature_df(db)
    df = DocumentFrequencies(*(loaded or ({}, 0)))
    df.freeze()
    index = CandidateIndex(horizon_seconds=float("inf"), df=df)
    docs = {doc.article_id: doc for doc in docs_by_ids(db, members)}
    rules = rules_for(config)
    weights = merged_weights(config.weights)
    rows = []
    for article_id in stale:
        doc = docs[article_id]
        scored = [
            (pair.score, other.key, pair, other)
            for other in docs.values()
            if other.article_id != article_id
            and (pair := score_pair(doc, other, index, weights, rules)).allowed
        ]
        best = max(scored, key=lambda s: s[:2], default=None)
        explanation = explanation_of(
            doc,
            best[3] if best else None,
            best[2] if best else None,
            joined=best is not None,
            threshold=config.threshold,
            via="settle",
        )
        rows.append((article_id, story_id, best[0] if best else 0.0, explanation.to_json()))
    move_articles(db, rows)
    return stale
