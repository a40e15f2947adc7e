"""The tagger, clusterer and alert engine of the store writer's thread."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from chipwatch.config import Config

if TYPE_CHECKING:  # built on first use: an unchanged poll never imports sqlite_utils
    from sqlite_utils import Database

# Articles of a round kept in memory for the watches of its settle pass; past this many
# (a first import), the pass reads the rest back from the store. ~5 KB an article.
MAX_UNSETTLED_KEPT = 2_000


class Services:
    """The tagger, clusterer and alert engine bound to one store connection (one thread).

    The clusterer loads its index from the store, which costs time proportional to the
    recent archive; it is built on first use, so a poll where nothing changed (all 304s)
    never pays for it. So is :attr:`db`, sqlite_utils' ``Database`` around :attr:`conn`:
    the feed rows of an unchanged poll are written on the plain connection.
    """

    def __init__(
        self, conn: sqlite3.Connection | Database, config: Config, *, one_round: bool = False
    ) -> None:
        """``one_round``: these services write one polling round and are dropped (``poll
        --once``): the clusterer keeps nothing for later rounds."""
        from chipwatch.alerts.engine import AlertEngine

        if isinstance(conn, sqlite3.Connection):
            self.conn, self._db = conn, None
        else:  # a Database already (tests, benchmarks)
            self.conn, self._db = conn.conn, conn
        self.config = config
        self._tagger: Any = None
        if config.entities or config.watches:  # checked now: a bad table stops the poll
            self._tagger = self.tagger
        self.alerts = AlertEngine(self.conn, config, self._tagger)
        self._clusterer: Any = None
        self.one_round = one_round
        # The round's articles placed provisionally, for the watches at the settle pass
        # (a bounded cache: see keep_unsettled).
        self.unsettled: dict[int, tuple[Any, list[Any]]] = {}

    @property
    def db(self) -> Database:
        """sqlite_utils' ``Database`` on :attr:`conn` (the same connection and
        transaction), made when the article path first needs it."""
        if self._db is None:
            from sqlite_utils import Database

            self._db = Database(self.conn, execute_plugins=False)
        return self._db

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

    def keep_unsettled(
        self, article_id: int, article: Any, matches: Sequence[Any], *, feed: str, feed_url: str
    ) -> None:
        """Keep a provisionally placed article (stored as ``article_id`` from the feed
        named ``feed`` at ``feed_url``) for the watches at the round's end, when there are
        watches and fewer than ``MAX_UNSETTLED_KEPT`` are kept; the settle pass loads any
        other from the store (the same values)."""
        if self.alerts.watches and len(self.unsettled) < MAX_UNSETTLED_KEPT:
            stored = dataclasses.replace(article, id=article_id, feed_name=feed, feed_url=feed_url)
            self.unsettled[article_id] = (stored, list(matches))

    @property
    def clusterer(self) -> Any:
        """The :class:`~chipwatch.clustering.clusterer.Clusterer`, built on first use."""
        if self._clusterer is None:
            from chipwatch.clustering.clusterer import Clusterer

            self._clusterer = Clusterer(
                self.db, self.config.cluster, languages=self.config.ui.languages
            )
            self._clusterer.later_rounds = not self.one_round
        return self._clusterer

    def after_rollback(self) -> None:
        """The clusterer's in-memory index must forget what the rollback undid."""
        if self._clusterer is not None:
            self._clusterer.reload()
        self.unsettled.clear()  # what was rolled back is gone; the rest is in the store
