"""Parsing off the event loop: worker processes on every core ([poll] workers).

Workers also tag each parsed article and compute its clustering features
(:mod:`chipwatch.pipeline.prepare`), so the single store writer does not.

``workers = 1`` parses in a thread of this process (small polls, tests); anything else
starts a process pool (0 = one per core), so a big poll uses both cores and never
holds the interpreter lock of the process that drives fetching.

Workers die with the poller, however it ends (see :mod:`chipwatch.pipeline.lifeline`):
a ``kill -9`` of the poller alone must never leave parsers behind.
"""

from __future__ import annotations

import asyncio
import copyreg
import dataclasses
import functools
import multiprocessing
import operator
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING

from chipwatch.ingest.reasons import parser_crash
from chipwatch.ingest.types import FetchResult, ParsedFeed
from chipwatch.model import Article, ArticleText, EntityMatch, TextStatus
from chipwatch.pipeline.lifeline import worker_init
from chipwatch.pipeline.spill import Body, unspill

if TYPE_CHECKING:
    from chipwatch.clustering.features import DocFeatures
    from chipwatch.config import EntityConfig
    from chipwatch.pipeline.prepare import Prepared


def worker_count(configured: int) -> int:
    """``[poll] workers``: 0 means one per core."""
    return configured if configured > 0 else max(1, os.cpu_count() or 1)


class ParserPool:
    """Runs :func:`parse_feed` in worker processes (or one thread when workers is 1)."""

    def __init__(self, workers: int, *, entities: tuple[EntityConfig, ...] | None = None) -> None:
        """``entities``: the config's entity tables; given, workers also prepare articles
        for clustering (see :mod:`chipwatch.pipeline.prepare`)."""
        self.workers = worker_count(workers)
        self.entities = entities
        self._executor: Executor | None = None

    def start(self, *, first_import: bool = False) -> None:
        """Start the workers now if that is cheap: forked from a single-threaded process.

        Forking before the store's thread exists gives workers that already imported
        the parser, in milliseconds; a process with other threads uses a fork server
        instead (safe, but it starts a fresh interpreter), started on first use.

        ``first_import``: the store is new, so every feed brings articles to prepare.
        The tagger and the action grammar's automata are then built here, once, before
        the fork, and dropped here after it (see :func:`~.prepare.warm`), instead of
        in every worker; a poll of an existing store (most unchanged) never builds them.
        """
        if self.workers > 1 and self._executor is None and threading.active_count() == 1:
            warmed = first_import and self.entities is not None and _warm(self.entities)
            executor = self._start()
            for _ in range(self.workers):
                executor.submit(_warm_up)  # forks every worker now (the fork context)
            if warmed and self.entities is not None:
                from chipwatch.pipeline.prepare import cool

                cool(self.entities)

    def _start(self) -> Executor:
        if self._executor is None:
            if self.workers == 1:
                self._executor = ThreadPoolExecutor(1, thread_name_prefix="chipwatch-parse")
            else:
                self._executor = ProcessPoolExecutor(
                    self.workers,
                    mp_context=_context(),
                    initializer=worker_init,
                    initargs=(os.getpid(),),
                )
        return self._executor

    async def parse(
        self,
        body: Body,
        headers: Mapping[str, str],
        feed_url: str,
        fetched_at: datetime,
        feed_name: str = "",
        *,
        prepare_at_most: int | None = None,
    ) -> ParsedFeed:
        """Parse in a worker; a crashed worker becomes a readable error, not an exception.

        With the pool's ``entities`` the worker also tags the articles and computes
        their clustering features (``ParsedFeed.prepared``), unless the feed has more
        than ``prepare_at_most`` articles (``[poll] max_new_per_feed``: the writer
        stores at most that many new ones). Such a long feed comes back shortened
        (:func:`.longfeed.shorten`): its newest ``prepare_at_most`` articles, prepared,
        and every article's key, hash and time (``ParsedFeed.long``)."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(
                self._start(),
                _parse_job,
                body,
                dict(headers),
                feed_url,
                fetched_at,
                feed_name,
                self.entities,
                prepare_at_most,
            )
        except Exception as exc:  # BrokenProcessPool, pickling trouble
            self.close()
            reason = parser_crash(exc)
            return ParsedFeed(error=reason.text, detail=reason.detail)

    def pick(
        self,
        body: Body,
        headers: Mapping[str, str],
        feed_url: str,
        fetched_at: datetime,
        feed_name: str,
        positions: tuple[int, ...],
    ) -> ParsedFeed:
        """The articles at ``positions`` of a long feed (:mod:`.longfeed`), parsed again
        in a worker and prepared. Blocking: the store's thread calls it inside the
        feed's transaction. A failure raises (the feed's write is rolled back)."""
        future = self._start().submit(
            _pick_job,
            body,
            dict(headers),
            feed_url,
            fetched_at,
            feed_name,
            self.entities,
            positions,
        )
        return future.result()

    async def read_page(
        self, result: FetchResult, cached: ArticleText | None, now: datetime
    ) -> ArticleText:
        """An article page's text (:func:`chipwatch.ingest.pages.page_text`) in a worker:
        extraction takes milliseconds to a second of CPU, which the writer's thread
        must not share. A crashed worker becomes the page's error."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._start(), _page_job, result, cached, now)
        except Exception as exc:  # BrokenProcessPool, pickling trouble
            self.close()
            return ArticleText(
                url=result.url,
                status=TextStatus.ERROR,
                fetched_at=now,
                extractor="",
                error=f"the page reader failed: {type(exc).__name__}: {exc}"[:300],
            )

    async def prepare(
        self, articles: Sequence[Article], bodies: Mapping[str, str]
    ) -> tuple[Prepared, ...] | None:
        """Tags and features of ``articles`` with their pages' ``bodies`` (by URL), in a
        worker; None when the pool has no entity tables or the job failed (the writer
        then tags the feed's text alone)."""
        if self.entities is None:
            return None
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(
                self._start(), _prepare_job, tuple(articles), self.entities, dict(bodies)
            )
        except Exception:
            return None

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    def __enter__(self) -> ParserPool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _context() -> multiprocessing.context.BaseContext:
    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["chipwatch.ingest.parse.feed", "chipwatch.pipeline.prepare"])
    return context


def _warm(entities: tuple[EntityConfig, ...]) -> bool:
    """:func:`~.prepare.warm`; False if it failed (each worker then builds its own)."""
    from chipwatch.pipeline.prepare import warm

    try:
        warm(entities)
    except Exception:  # a worker builds for itself and reports any real trouble
        return False
    return True


def _warm_up() -> None:
    """Makes the pool launch its workers (forked now, while it is cheap). Nothing else:
    the parser, the tagger and the features are imported and built by a worker's first
    job, so a poll that parses nothing (all 304) never pays for them."""


def _register_pickling() -> None:
    from chipwatch.clustering.actions import ActionMention
    from chipwatch.clustering.features import DocFeatures
    from chipwatch.model import Article
    from chipwatch.pipeline.prepare import Prepared

    # ActionMention: a feature's actions (and its primary ones, the same objects,
    # which pickle keeps shared): ~4 µs an article less on each side.
    pickle_by_fields(ParsedFeed, Article, DocFeatures, ActionMention)
    if Prepared not in _BY_FIELDS:
        copyreg.pickle(Prepared, _prepared_values)
        _BY_FIELDS.add(Prepared)


def _prepared_values(prepared: Prepared) -> tuple[Callable[..., Prepared], tuple[object, ...]]:
    """A prepared article as its values, its entity mentions as plain tuples.

    A mention is a NamedTuple: pickled by default it costs a Python call
    (``__getnewargs__``) in the worker and another (its ``__new__``) in the poller, ~6
    of each an article; as plain tuples it crosses in C on both sides and is made an
    :class:`~chipwatch.model.EntityMatch` again by ``tuple.__new__`` (the same values)."""
    matches = tuple(map(tuple, prepared.matches))
    return _prepared_again, (type(prepared), matches, prepared.features, prepared.encoded)


def _prepared_again(
    cls: type[Prepared],
    matches: tuple[tuple[object, ...], ...],
    features: DocFeatures,
    encoded: bytes | None,
) -> Prepared:
    return cls(tuple(map(_AS_MATCH, matches)), features, encoded)


_AS_MATCH = functools.partial(tuple.__new__, EntityMatch)


def _parse_job(
    body: Body,
    headers: dict[str, str],
    feed_url: str,
    fetched_at: datetime,
    feed_name: str,
    entities: tuple[EntityConfig, ...] | None = None,
    prepare_at_most: int | None = None,
) -> ParsedFeed:
    from chipwatch.ingest.parse.feed import parse_feed
    from chipwatch.pipeline.longfeed import shorten

    _register_pickling()
    parsed = parse_feed(unspill(body), headers, feed_url, fetched_at, feed_name=feed_name)
    if prepare_at_most is not None:  # a long feed: its newest, and every article's key
        parsed = shorten(parsed, prepare_at_most)
    return _prepared(parsed, entities)


def _pick_job(
    body: Body,
    headers: dict[str, str],
    feed_url: str,
    fetched_at: datetime,
    feed_name: str,
    entities: tuple[EntityConfig, ...] | None,
    positions: tuple[int, ...],
) -> ParsedFeed:
    from chipwatch.ingest.parse.feed import parse_feed
    from chipwatch.pipeline.longfeed import pick

    _register_pickling()
    parsed = parse_feed(unspill(body), headers, feed_url, fetched_at, feed_name=feed_name)
    if not parsed.ok:
        return parsed
    return _prepared(pick(parsed, positions), entities)


def _prepared(parsed: ParsedFeed, entities: tuple[EntityConfig, ...] | None) -> ParsedFeed:
    """``parsed`` with its articles tagged and featurized (``ParsedFeed.prepared``)."""
    from chipwatch.pipeline.prepare import prepare_articles

    if entities is None or not parsed.articles:
        return parsed
    try:
        prepared = prepare_articles(parsed.articles, entities)
    except Exception:  # the writer tags for itself: never lose a feed over this
        return parsed
    return dataclasses.replace(parsed, prepared=prepared)


def _prepare_job(
    articles: tuple[Article, ...], entities: tuple[EntityConfig, ...], bodies: dict[str, str]
) -> tuple[Prepared, ...]:
    from chipwatch.pipeline.prepare import prepare_articles

    _register_pickling()
    return prepare_articles(articles, entities, bodies)


def _page_job(result: FetchResult, cached: ArticleText | None, now: datetime) -> ArticleText:
    from chipwatch.ingest.pages import page_text

    return page_text(result, cached=cached, now=now)


_BY_FIELDS: set[type] = set()


def pickle_by_fields(*classes: type) -> None:
    """Pickle instances of these dataclasses as ``(class, field values)``.

    A worker's result (a :class:`ParsedFeed` with its articles and prepared features)
    is unpickled in the poller's process, on a thread that shares the interpreter lock
    with the store writer. A frozen, slotted dataclass pickles by default through its
    ``__getstate__``/``__setstate__``, which sets each field in a Python loop; calling
    the constructor with the values costs ~30 % less on both sides (unpickling 16.5 ->
    11.9 µs an article). Only classes whose constructor takes every field positionally
    and does nothing else qualify; the objects are equal either way.
    """
    for cls in classes:
        if cls in _BY_FIELDS or not _plain(cls):
            continue
        names = [f.name for f in dataclasses.fields(cls)]
        if len(names) < 2:  # attrgetter of one name gives the value, not a tuple
            continue
        copyreg.pickle(cls, functools.partial(_by_fields, cls, operator.attrgetter(*names)))
        _BY_FIELDS.add(cls)


def _plain(cls: type) -> bool:
    if not dataclasses.is_dataclass(cls) or hasattr(cls, "__post_init__"):
        return False
    return all(f.init and not f.kw_only for f in dataclasses.fields(cls))


def _by_fields(
    cls: type, values: Callable[[object], tuple[object, ...]], obj: object
) -> tuple[type, tuple[object, ...]]:
    return cls, values(obj)  # attrgetter of every field: one tuple, made in C
