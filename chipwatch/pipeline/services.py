"""The tagger, clusterer and alert engine of the store writer's thread."""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from chipwatch.config import Config


class Services:
    """The tagger, clusterer and alert engine bound to one store connection (one thread).

    The clusterer loads its index from the store, which costs time proportional to the
    recent archive; it is built on first use, so a poll where nothing changed (all 304s)
    never pays for it.
    """

    def __init__(self, db: Database, config: Config) -> None:
        from chipwatch.alerts.engine import AlertEngine
        from chipwatch.entities.tagger import build_tagger

        self.db = db
        self.config = config
        self.tagger = build_tagger(config)
        self.alerts = AlertEngine(db, config, self.tagger)
        self._clusterer: Any = None
        # The round's articles placed provisionally, for the watches at the settle pass.
        self.unsettled: dict[int, tuple[Any, list[Any]]] = {}

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
