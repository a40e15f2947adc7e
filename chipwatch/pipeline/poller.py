"""fetch → parse → tag → cluster → alerts → store, one transaction per feed.

:class:`Poller` owns the long-lived parts: one :class:`~chipwatch.ingest.http.Fetcher`,
the parser pool and a single writer thread that holds the store connection (a sqlite3
connection belongs to its thread) with the tagger, clusterer and alert engine. Events
(``poll --json`` lines) go to ``on_event`` only after their transaction committed;
notifications follow. :func:`poll_once` polls every enabled feed now;
:func:`run_forever` (in :mod:`chipwatch.pipeline.loop`) keeps each feed on its schedule.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import random
from array import array
from collections.abc import Callable, Container, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx

from chipwatch.clustering.collector import quiet_collector
from chipwatch.config import Config, FeedConfig
from chipwatch.ingest.http import Fetcher
from chipwatch.ingest.types import FetchKind, FetchRequest
from chipwatch.model import FeedState
from chipwatch.pipeline import ingest as ingest_mod
from chipwatch.pipeline.backlog import Backlog
from chipwatch.pipeline.feed_tasks import StateBatch, until_done_or_stopped, waiting
from chipwatch.pipeline.fulltext import Enriched, FullText
from chipwatch.pipeline.lock import poller_running
from chipwatch.pipeline.network import UNKNOWN, RoundNetwork, Verdict, settle_network
from chipwatch.pipeline.outcome import FeedOutcome, FeedPoll, body_hash
from chipwatch.pipeline.round_report import PollReport, run_main
from chipwatch.pipeline.services import Services
from chipwatch.pipeline.settle_round import Settled, settle_round, story_lines
from chipwatch.pipeline.spill import Spilled, discard, spill
from chipwatch.pipeline.workers import ParserPool
from chipwatch.store import queries
from chipwatch.store.checkpoint import Checkpointer, defer_checkpoints
from chipwatch.store.db import StoreWatch, open_writer, write_transaction

__all__ = ["PollReport", "Poller", "poll_once", "poller_running", "run_main"]

EventSink = Callable[[dict[str, Any]], None]
T = TypeVar("T")


class Poller:
    """Polls feeds into one store. ``async with Poller(...) as poller:``."""

    def __init__(
        self,
        db_path: Path | str,
        config: Config,
        *,
        on_event: EventSink | None = None,
        rng: random.Random | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        notify: bool = True,
        stop: asyncio.Event | None = None,
        one_round: bool = False,
    ) -> None:
        """``stop``: set when the user asked to stop (SIGTERM, Ctrl-C); at exit, pending
        notifications then get only a short grace (``notify.STOP_GRACE``). ``one_round``:
        the poller polls one round and is closed (``Services``' ``one_round``)."""
        self.db_path = Path(db_path)
        self.config = config
        self.on_event = on_event or (lambda event: None)
        self.rng = rng or random.Random()
        self.fetcher = Fetcher(config.poll, transport=transport)
        self.parsers = ParserPool(config.poll.workers, entities=tuple(config.entities))
        self._by_url: dict[str, FeedConfig] = {feed.url: feed for feed in config.feeds}
        self._batch = StateBatch(functools.partial(self.write, self._ingest_states))
        self._backlog = Backlog(Backlog.limit_for(config.poll.concurrency, self.parsers.workers))
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="chipwatch-store")
        self._checkpointer = Checkpointer(self.db_path)
        self._services: Services | None = None
        # A first import: full collections rare until its settle pass is done.
        self._quiet = ExitStack()
        self._store = StoreWatch(self.db_path)  # deleted or replaced under us: stop
        self._notify = notify
        self._one_round = one_round
        self._stop = stop
        self.notifier: Any = None
        self.network = RoundNetwork()  # this round's fetches, for the network's verdict
        self.last_verdict = Verdict(UNKNOWN)
        self.full_text = FullText(
            self.fetcher, self.parsers, on_writer=self.write, db=lambda: self.services.db
        )

    async def __aenter__(self) -> Self:
        # Before any thread of ours exists (see ParserPool.start); a store not made yet
        # is a first import: its workers share one tagger built before the fork.
        first_import = not self.db_path.exists()
        self.parsers.start(first_import=first_import)
        if first_import:  # after the fork: the workers keep Python's collector
            self._quiet.enter_context(quiet_collector(freeze=False))
        try:
            await self.write(self._open)
        except BaseException:
            self._quiet.close()
            self._writer.shutdown(wait=False)
            raise
        await self.fetcher.__aenter__()
        if self._notify:
            from chipwatch.alerts.notify import Notifier

            self.notifier = Notifier(self.config, db_path=self.db_path)
        self._checkpointer.start()  # last: nothing above left it running on a failure
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.notifier is not None:
            await self.notifier.drain(self._stop)
        await self.fetcher.__aexit__(exc_type, exc, tb)
        self.parsers.close()
        self._quiet.close()
        await asyncio.to_thread(self._checkpointer.close)
        await asyncio.get_running_loop().run_in_executor(self._writer, self._close)
        self._writer.shutdown(wait=True)

    # ---- the writer thread: every store access happens there

    async def write(self, function: Callable[..., T], *args: Any) -> T:
        """Run ``function(*args)`` on the store's thread (then let the checkpointer
        copy what it committed into the database file, off that thread)."""
        loop = asyncio.get_running_loop()
        result = await loop.run_in_executor(self._writer, self._store.run, function, *args)
        self._checkpointer.committed()
        return result

    def _open(self) -> None:
        conn = open_writer(self.db_path)  # sqlite_utils only once a feed brings articles
        self._store.opened()
        defer_checkpoints(conn)
        self._services = Services(conn, self.config, one_round=self._one_round)

    def _close(self) -> None:
        if self._services is not None:
            self._store.release(self._services.conn)
            self._services.conn.close()
            self._services = None

    @property
    def services(self) -> Services:
        assert self._services is not None, "use Poller as an async context manager"
        return self._services

    def _sync(self, now: datetime) -> None:
        with write_transaction(self.services.conn):
            queries.sync_feeds(self.services.conn, self.config.feeds, now=now)

    def _feeds(self, now: datetime | None) -> list[tuple[FeedState, str]]:
        db = self.services.conn
        return [
            (feed, queries.feed_identity(db, feed.id)) for feed in queries.due_feeds(db, now=now)
        ]

    def _ingest(self, poll: FeedPoll, now: datetime) -> FeedOutcome:
        return ingest_mod.ingest(self.services, poll, now=now, rng=self.rng)

    def _ingest_states(self, polls: list[tuple[FeedPoll, datetime]]) -> list[FeedOutcome]:
        return ingest_mod.ingest_states(self.services, polls, rng=self.rng)

    def _settle(self, now: datetime) -> Settled:
        return settle_round(self.services, now=now)

    def _story_lines(
        self, merges: list[tuple[int, int]], stories: array[int], made: array[int]
    ) -> list[dict[str, Any]]:
        return story_lines(self.services, merges, stories, made)

    def _health(self, now: datetime, verdict: Verdict) -> tuple[list[Any], str | None]:
        """The round's network verdict, then feed-health and spike alerts, in one
        transaction; returns the alerts and, when the network is down, since when."""
        db, engine = self.services.conn, self.services.alerts
        with write_transaction(db):
            raised, since, offline = settle_network(db, self.config, verdict, now=now)
            raised += engine.check_feed_health(now=now, offline=offline)
            raised += engine.check_spikes(now=now)
            return raised, since

    # ---- polling

    async def sync(self, now: datetime) -> None:
        """Bring the store's feed rows in line with the config."""
        await self.write(self._sync, now)

    async def feeds(self, *, due_at: datetime | None = None) -> list[tuple[FeedState, str]]:
        """Enabled feeds (only those due at ``due_at`` when given), with their identity URL."""
        return await self.write(self._feeds, due_at)

    async def poll_feed(
        self, feed: FeedState, identity: str, *, now: datetime, stop: asyncio.Event | None = None
    ) -> FeedOutcome | None:
        """Fetch, parse and store one feed. None when ``stop`` was set before writing.
        The feed holds a place in the backlog (:mod:`.backlog`) until it is written."""
        await self._backlog.admit()  # the writer is behind: fetch nothing more for now
        poll = None
        try:
            poll = await self._fetch_and_parse(feed, identity, now)
            if poll.parsed is not None:
                if stop is not None and stop.is_set():
                    return None
                outcome = await self.write(self._ingest, poll, now)
                self._emit(outcome)
                return outcome
        finally:
            self._backlog.release()
            if poll is not None:
                discard(poll.spilled)  # a long feed's body file, once it is written
        if stop is not None and stop.is_set():
            return None
        outcome = await self._batch.add(poll, now)  # grouped with other feeds' states
        self._emit(outcome)
        return outcome

    async def _fetch_and_parse(self, feed: FeedState, identity: str, now: datetime) -> FeedPoll:
        """The feed fetched, and parsed unless its body is the one last stored. The body
        is dropped once parsed (its hash kept): a big feed is not held twice."""
        request = FetchRequest(
            feed.url, etag=feed.etag, last_modified=feed.last_modified, feed_id=feed.id
        )
        result = await self.fetcher.fetch(request, now=now)
        digest = body_hash(result.body) if result.kind == FetchKind.OK else ""
        parsed = pick = spilled = None
        if digest and digest != feed.body_hash:
            body, result = spill(result.body), dataclasses.replace(result, body=b"")
            try:
                parsed = await self.parsers.parse(
                    body,
                    result.headers,
                    identity or feed.url,
                    now,
                    feed.label,
                    prepare_at_most=self.config.poll.max_new_per_feed,
                )
            except BaseException:
                discard(body)
                raise
            if parsed.long is not None:  # a long feed: the writer may need more of it
                pick = functools.partial(
                    self.parsers.pick, body, result.headers, identity or feed.url, now, feed.label
                )
                spilled = body if isinstance(body, Spilled) else None
            else:
                discard(body)
            del body
        pages = Enriched(parsed) if parsed is not None else None
        if parsed is not None and parsed.ok and self._configured(feed, identity, "full_text"):
            pages = await self.full_text.enrich(parsed, feed_url=feed.url, now=now)
        return FeedPoll(
            feed,
            self._interval(feed, identity),
            result,
            pages.parsed if pages else None,
            identity,
            texts=pages.texts if pages else (),
            analysed=pages.analysed if pages else (),
            digest=digest,
            pick=pick,
            spilled=spilled,
        )

    def _configured(self, feed: FeedState, identity: str, key: str) -> Any:
        """A key of the feed's ``[[feeds]]`` table (None for a feed no longer configured)."""
        configured = self._by_url.get(identity) or self._by_url.get(feed.url)
        return getattr(configured, key) if configured is not None else None

    def _interval(self, feed: FeedState, identity: str) -> Any:
        configured = self._by_url.get(identity) or self._by_url.get(feed.url)
        if configured is not None and configured.interval is not None:
            return configured.interval
        return self.config.poll.interval

    def _emit(self, outcome: FeedOutcome) -> None:
        self.network.record(outcome)
        for event in outcome.events:
            self.on_event(event)
        # Handed out: the report keeps only the new stories' lines (it lists them), so
        # a round's report does not grow by two lines an article.
        outcome.events = [e for e in outcome.events if e.get("type") == "story" and e.get("new")]
        self.on_event(outcome.to_json())
        if self.notifier is not None and outcome.alerts:
            self.notifier.deliver_soon(outcome.alerts)

    async def settle(self, now: datetime, *, seen: Container[Any] = ()) -> Settled:
        """The round's end: the settle pass and the watches (:mod:`.settle_round`);
        its event lines go out (its story lines built a slice at a time after its
        commit; the report keeps the first new ones not in ``seen``, the stories the
        feeds' own lines listed, and a count), its new alerts are notified."""
        settled = await self.write(self._settle, now)
        self._quiet.close()  # a first import is settled: the collector as it was
        for merges, stories in settled.story_slices():
            lines = await self.write(self._story_lines, merges, stories, settled.made)
            for line in lines:
                self.on_event(line)
                settled.note(line, seen)
            del lines
        for event in settled.events:
            self.on_event(event)
        if self.notifier is not None and settled.alerts:
            self.notifier.deliver_soon(settled.alerts)
        return settled

    async def check_health(self, now: datetime) -> list[dict[str, Any]]:
        """After a round: the network's state, feed-health and spike alerts; returns
        the alerts' event lines (a ``network`` line, when it is down, goes first to
        ``on_event`` and into :attr:`last_verdict`)."""
        verdict = self.network.take()
        alerts, since = await self.write(self._health, now, verdict)
        self.last_verdict = verdict
        if verdict.down and since is not None:
            self.on_event(verdict.to_json(since=since, now=now))
        lines = [alert.to_json() for alert in alerts]
        for line in lines:
            self.on_event(line)
        if self.notifier is not None and alerts:
            self.notifier.deliver_soon(alerts)
        return lines

    async def poll_round(
        self,
        feeds: Iterable[tuple[FeedState, str]],
        *,
        now: datetime,
        stop: asyncio.Event | None = None,
        honour_retry_after: bool = True,
    ) -> PollReport:
        """Poll the given feeds concurrently (the fetcher's limits apply)."""
        report = PollReport()
        tasks: list[asyncio.Future[FeedOutcome | None]] = []
        for feed, identity in feeds:
            if honour_retry_after and waiting(feed, now):
                outcome = ingest_mod.skipped(feed)
                report.outcomes.append(outcome)
                self.on_event(outcome.to_json())
                continue
            tasks.append(asyncio.ensure_future(self.poll_feed(feed, identity, now=now, stop=stop)))
        for outcome in await until_done_or_stopped(tasks, stop):
            if isinstance(outcome, FeedOutcome):
                report.outcomes.append(outcome)
            elif outcome is None or isinstance(outcome, asyncio.CancelledError):
                report.interrupted = True
            else:
                raise outcome
        if not report.interrupted:
            listed = {e.get("id") for o in report.outcomes for e in o.events}
            report.settled = await self.settle(now, seen=listed)
            report.alerts = await self.check_health(now)
            report.network = self.last_verdict
        report.alerts = [
            a for a in report.settled.events if a.get("type") == "alert"
        ] + report.alerts
        return report


def poll_once(
    db_path: Path | str,
    config: Config,
    *,
    now: datetime,
    on_event: EventSink | None = None,
    rng: random.Random | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    stop: asyncio.Event | None = None,
    notify: bool = True,
) -> PollReport:
    """Fetch every enabled feed once now (feeds under a Retry-After are skipped)."""

    async def once() -> PollReport:
        async with Poller(
            db_path,
            config,
            on_event=on_event,
            rng=rng,
            transport=transport,
            notify=notify,
            one_round=True,
        ) as poller:
            await poller.sync(now)
            return await poller.poll_round(await poller.feeds(), now=now, stop=stop)

    return run_main(once())
