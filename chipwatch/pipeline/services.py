"""The tagger, clusterer and alert engine of the store writer's thread."""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from chipwatch.config import Config

# Articles of a round kept in memory for the watches of its settle pass; past this many
# (a first import), the pass reads the rest back from the store. ~5 KB an article.
MAX_UNSETTLED_KEPT = 2_000


class Services:
    """The tagger, clusterer and alert engine bound to one store connection (one thread).

    The clusterer loads its index from the store, which costs time proportional to the
    recent archive; it is built on first use, so a poll where nothing changed (all 304s)
    never pays for it.
    """

    def __init__(self, db: Database, config: Config) -> None:
        from chipwatch.alerts.engine import AlertEngine

        self.db = db
        self.config = config
        self._tagger: Any = None
        if config.entities or config.watches:  # checked now: a bad table stops the poll
            self._tagger = self.tagger
        self.alerts = AlertEngine(db, config, self._tagger)
        self._clusterer: Any = None
        # The round's articles placed provisionally, for the watches at the settle pass
        # (a bounded cache: see keep_unsettled).
        self.unsettled: dict[int, tuple[Any, list[Any]]] = {}

    @property
    def tagger(self) -> Any:
        """The :class:`~chipwatch.entities.tagger.Tagger`, built on first use: a poll
        that stores no article (all 304) and has no watch never builds it."""
        if self._tagger is None:
            from chipwatch.entities.tagger import build_tagger

            self._tagger = build_tagger(self.config)
        return self._tagger

    @tagger.setter
    def tagger(self, tagger: Any) -> None:
        self._tagger = tagger

    def keep_unsettled(self, article_id: int, article: Any, matches: list[Any]) -> None:
        """Keep a provisionally placed article for the watches at the round's end, when
        there are watches and fewer than ``MAX_UNSETTLED_KEPT`` are kept; the settle
        pass loads any other from the store (the same values)."""
        if self.alerts.watches and len(self.unsettled) < MAX_UNSETTLED_KEPT:
            self.unsettled[article_id] = (article, matches)

    @property
    def clusterer(self) -> Any:
        """The :class:`~chipwatch.clustering.clusterer.Clusterer`, built on first use."""
        if self._clusterer is None:
            from chipwatch.clustering.clusterer import Clusterer

            self._clusterer = Clusterer(
                self.db, self.config.cluster, languages=self.config.ui.languages
            )
        return self._clusterer

    def after_rollback(self) -> None:
        """The clusterer's in-memory index must forget what the rollback undid."""
        if self._clusterer is not None:
            self._clusterer.reload()
        self.unsettled.clear()  # what was rolled back is gone; the rest is in the store
