"""chipwatch poll [--once] [--json]: headless polling and ingest.

Human output is a short report (feeds ok / not modified / failed with reasons /
skipped under Retry-After, new articles, stories and alerts); ``--json`` prints one
JSON object per line: ``{"type": "article"|"story"|"alert"|"feed_error"|"feed", ...}``,
and ``{"type": "error", "message"}`` last when the work failed (exit 1).
Only one poller runs per store (see :mod:`chipwatch.pipeline.lock`).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from chipwatch.context import Context
from chipwatch.errors import WorkFailed
from chipwatch.ingest.reasons import BEFORE_ANY_SERVER
from chipwatch.pipeline.lock import poll_lock
from chipwatch.pipeline.loop import Signals, install_signal_handlers, run_forever
from chipwatch.pipeline.outcome import (
    FAILED,
    GONE,
    NOT_MODIFIED,
    OK,
    SKIPPED,
    UNCHANGED,
    FeedOutcome,
)
from chipwatch.pipeline.poller import Poller, PollReport, run_main
from chipwatch.pipeline.settle_round import LISTED
from chipwatch.textsafe import clean_title
from chipwatch.timeutil import countdown, from_iso, full_when
from chipwatch.words import plural

MAX_LISTED = LISTED  # the poller keeps that many of the settle pass's new stories


def run(ctx: Context) -> int:
    """Poll once (``--once``) or forever; returns the exit status."""
    config = ctx.config
    as_json = bool(getattr(ctx.args, "json", False))
    signals = Signals()
    sink = _json_sink(ctx, signals) if as_json else _human_sink(ctx)
    try:
        return _run(ctx, config, as_json, sink, signals)
    except asyncio.CancelledError:  # a second Ctrl-C: stop at once
        raise KeyboardInterrupt from None
    except WorkFailed as exc:  # the store failed: a last JSON line, then the CLI's line
        if as_json:
            sink({"type": "error", "message": str(exc)})
        raise


def _run(
    ctx: Context,
    config: Any,
    as_json: bool,
    sink: Callable[[dict[str, Any]], None],
    signals: Signals,
) -> int:
    with poll_lock(ctx.db_path):
        if getattr(ctx.args, "once", False):
            report = run_main(_once(ctx, sink, signals))
            if not as_json:
                print_report(ctx, report)
            return _status(report)
        if not as_json:
            ctx.err(
                f"chipwatch: polling {plural(len(config.feeds), 'feed')} into {ctx.db_path}; "
                "Ctrl-C stops"
            )
        asyncio.run(_forever(ctx, sink, signals))
        if not as_json:  # Ctrl-C or SIGTERM: say it stopped, and that nothing was lost
            ctx.err(
                "chipwatch: stopped; what was fetched is kept, the next poll goes on from there"
            )
    return 0


async def _once(
    ctx: Context, sink: Callable[[dict[str, Any]], None], signals: Signals
) -> PollReport:
    undo = install_signal_handlers(signals)
    try:
        async with Poller(
            ctx.db_path, ctx.config, on_event=sink, stop=signals.stop, one_round=True
        ) as poller:
            await poller.sync(ctx.now)
            return await poller.poll_round(await poller.feeds(), now=ctx.now, stop=signals.stop)
    finally:
        undo()


async def _forever(ctx: Context, sink: Callable[[dict[str, Any]], None], signals: Signals) -> None:
    undo = install_signal_handlers(signals)
    start, origin = time.monotonic(), ctx.now

    def clock() -> datetime:  # --now shifts the clock; it still runs
        return origin + timedelta(seconds=time.monotonic() - start)

    try:
        await run_forever(
            ctx.db_path,
            ctx.config,
            signals=signals,
            clock=clock,
            on_event=sink,
            config_path=ctx.config_path,
        )
    finally:
        undo()


def _status(report: PollReport) -> int:
    polled = [o for o in report.outcomes if o.status != SKIPPED]
    if polled and all(o.status in (FAILED, GONE) for o in polled):
        return 1
    return 130 if report.interrupted else 0


def _json_sink(ctx: Context, signals: Signals) -> Callable[[dict[str, Any]], None]:
    """JSON lines; when the reader goes away (the monitor quit), stop polling cleanly."""
    closed = False

    def sink(event: dict[str, Any]) -> None:
        nonlocal closed
        if closed:
            return
        try:
            ctx.stdout.write(json.dumps(event, ensure_ascii=False, default=str) + "\n")
            ctx.stdout.flush()
        except (BrokenPipeError, ValueError, OSError):  # ValueError: stdout was closed
            closed = True
            signals.request_stop()

    return sink


def _human_sink(ctx: Context) -> Callable[[dict[str, Any]], None]:
    """Forever mode prints new stories and alerts as they come; --once prints a report."""
    once = bool(getattr(ctx.args, "once", False))
    offline = False  # the network is down: its per-feed failures are the one line's
    waiting = False  # said that a round's articles wait for its settle pass

    def sink(event: dict[str, Any]) -> None:
        nonlocal offline, waiting
        if once:
            return
        kind = event.get("type")
        if kind == "article" and event.get("story") is None and not waiting:
            # a first import's articles get their stories when the round's last feed
            # has answered (one settle pass): say so, not nothing until the slowest feed
            waiting = True
            ctx.out(WAITING_LINE)
        if kind == "network":
            if not offline:
                ctx.out(
                    f"network unreachable: {plural(int(event.get('feeds') or 0), 'feed')} "
                    f"could not be reached ({clean_title(str(event.get('reason')))}); "
                    "trying again every few minutes"
                )
            offline = True
        elif kind == "alert" and event.get("kind") == "network":
            if event.get("state") == "dismissed":  # cleared: the network is back
                offline = False
                ctx.out(f"network back: {clean_title(str(event.get('title')))}")
        elif kind == "story" and event.get("new"):
            ctx.out(f"story  {clean_title(str(event.get('title', '')))}")
        elif kind == "alert" and event.get("created"):
            ctx.out(_alert_line(event))
        elif kind == "feed_error" and offline and event.get("failure") in BEFORE_ANY_SERVER:
            return
        elif kind == "feed_error":
            ctx.out(
                f"failed {clean_title(str(event.get('name')))}: "
                f"{clean_title(str(event.get('error')))}"
            )
        elif kind in ("warning", "config"):
            ctx.err(f"chipwatch: {clean_title(str(event.get('message')))}")
        elif kind == "feed" and event.get("moved_to"):
            ctx.out(_moved_line(event))
        if kind == "feed" and event.get("capped"):
            ctx.out(
                f"capped {clean_title(str(event.get('name')))}: "
                f"{plural(int(event.get('capped') or 0), 'new article')} over [poll] "
                "max_new_per_feed left out; the newest were stored"
            )

    return sink


WAITING_LINE = (
    "storing articles; they are grouped into stories once every feed of this round "
    "has answered (a slow feed holds the round up to [poll] timeout)"
)


def _alert_line(event: dict[str, Any]) -> str:
    return (
        f"alert  [{clean_title(str(event.get('watch')))}] "
        f"{clean_title(str(event.get('title')))}  {clean_title(str(event.get('url') or ''))}"
    )


def _distinct_alerts(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One line per alert: a story that grew by five articles raised one alert, not five."""
    latest: dict[Any, dict[str, Any]] = {}
    for event in events:
        latest[event.get("id", id(event))] = event
    return list(latest.values())


def _moved_line(event: dict[str, Any]) -> str:
    return (
        f"moved  {clean_title(str(event.get('name')))}: permanent redirect to "
        f"{clean_title(str(event.get('moved_to')))} (the store now uses it; "
        "update the URL in your config)"
    )


def print_report(ctx: Context, report: PollReport) -> None:
    """The short human report of one round. A round that found the network unreachable
    is ONE line for all the feeds it could not reach (pipeline/network.py), not one each."""
    if not report.outcomes and not ctx.config.feeds:
        ctx.out(f"no feeds in {ctx.config_path}; add one with `chipwatch feeds add URL`")
        return
    outcomes = report.outcomes
    if report.network.down:
        unreached = set(report.network.feeds)
        outcomes = [o for o in outcomes if o.feed_id not in unreached]
        fetched = any(o.status not in (FAILED, GONE, SKIPPED) for o in outcomes)
        ctx.out(report.network.line(nothing_fetched=not fetched))
        if not outcomes:
            _interrupted(ctx, report)
            return
    _feed_lines(ctx, report, outcomes)
    # the network's alert is the one line above, not an alert line
    raised = [a for a in report.alerts if a.get("kind") != "network"]
    created = sum(1 for a in raised if a.get("created"))
    alerts = _distinct_alerts(raised)
    ctx.out(
        f"new: {plural(report.new_articles, 'article')}, "
        f"{plural(report.new_stories, 'story')}, {plural(created, 'alert')}"
    )
    _list_stories(ctx, report)
    for alert in alerts[:MAX_LISTED]:
        ctx.out("  " + _alert_line(alert))
    _interrupted(ctx, report)


def _feed_lines(ctx: Context, report: PollReport, outcomes: list[FeedOutcome]) -> None:
    def count(*statuses: str) -> int:
        return sum(1 for o in outcomes if o.status in statuses)

    ctx.out(
        f"polled {plural(len(outcomes), 'feed')}: {count(OK)} ok, "
        f"{count(NOT_MODIFIED, UNCHANGED)} not modified, {count(FAILED, GONE)} failed, "
        f"{count(SKIPPED)} skipped"
    )
    for outcome in outcomes:
        name = clean_title(outcome.name)
        if outcome.status in (FAILED, GONE):
            retry = f" (retry {_moment(outcome.retry_at, ctx.now)})" if outcome.retry_at else ""
            gone = " (feed disabled)" if outcome.status == GONE else ""
            ctx.out(f"  failed   {name}: {clean_title(outcome.error or '')}{retry}{gone}")
        elif outcome.status == SKIPPED:
            wait = _moment(outcome.retry_at, ctx.now)
            ctx.out(f"  skipped  {name}: the server asked us to wait until {wait}")
        if outcome.moved_to:
            ctx.out(
                f"  moved    {name}: permanent redirect to {clean_title(outcome.moved_to)}"
                " (stored URL updated; update your config)"
            )
        if outcome.warning:
            ctx.out(f"  warning  {name}: {clean_title(outcome.warning)}")
        if outcome.capped:
            ctx.out(
                f"  capped   {name}: {plural(outcome.capped, 'more new article')} than [poll] "
                f"max_new_per_feed = {ctx.config.poll.max_new_per_feed}; the newest were stored"
            )


def _moment(stamp: str | None, now: datetime) -> str:
    """A stored time as a person reads it: ``2026-12-07 10:18 UTC, in 2m`` (the JSON
    lines keep ISO 8601)."""
    moment = from_iso(stamp)
    return f"{full_when(moment)}, {countdown(moment, now)}"


def _interrupted(ctx: Context, report: PollReport) -> None:
    if report.interrupted:
        ctx.out("interrupted: feeds not yet written were left for the next poll")
        if _settle_pending(ctx):  # a first import's articles are grouped at its end
            ctx.out("  articles not yet in a story are grouped into stories by the next poll")


def _settle_pending(ctx: Context) -> bool:
    from chipwatch.store.clustering import settle_pending
    from chipwatch.store.db import open_reader

    conn = open_reader(ctx.db_path)
    try:
        return settle_pending(conn)
    finally:
        conn.close()


def _list_stories(ctx: Context, report: PollReport) -> None:
    gone = report.settled.merged  # provisional stories the settle pass merged away
    seen: set[Any] = set()
    stories = []
    # The feeds' new story lines, then the first of the settle pass's (the poller kept
    # only those, and a count of the rest: issue 20).
    events = [e for o in report.outcomes for e in o.events] + report.settled.listed
    for event in events:
        story = event.get("id")
        # Two lookups, not ``story in gone | seen``: that copies ``seen`` for every
        # event, quadratic in a first import's stories (~65,000 at 100k articles).
        new = event.get("type") == "story" and event.get("new")
        if new and story not in gone and story not in seen:
            seen.add(story)
            stories.append(event)
    for event in stories[:MAX_LISTED]:
        ctx.out(f"  story  {clean_title(str(event.get('title', '')))}")
    more = len(stories) + report.settled.unlisted - MAX_LISTED
    if more > 0:
        ctx.out(f"  … and {plural(more, 'more story', 'more stories')}")
