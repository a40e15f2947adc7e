"""chipwatch watch list | add QUERY [--name N] [--notify C] [--webhook URL] [--replace] |
remove NAME | test QUERY [--since W]

``add`` and ``remove`` edit config.toml with tomlkit (comments and layout kept); a query
is checked, @entities included, before anything is written, so a bad one exits 2 and
leaves the file untouched; ``add --replace`` gives an existing watch a new query in place
(its alerts are keyed by its name, so they stay its own). ``test`` replays a query over the archive and shows the
stories it would have alerted, so a watch can be tuned before it is saved.
"""

from __future__ import annotations

import difflib

from chipwatch.config import WatchConfig
from chipwatch.context import Context
from chipwatch.errors import UserError
from chipwatch.textsafe import clean_title
from chipwatch.words import plural

MAX_TESTED = 50


def run_list(ctx: Context) -> int:
    """The configured watches, their queries, channels and alert counts."""
    from chipwatch.store.alerts import alert_counts

    watches = ctx.config.watches
    if not watches:
        ctx.err(f"no watches in {ctx.config_path}; add one with `chipwatch watch add QUERY`")
        return 0
    db = ctx.open_db(create=False)
    try:
        counts = alert_counts(db)
    finally:
        db.close()
    for watch in watches:
        states = counts.get(watch.name, {})
        total = sum(states.values())
        what = watch.query if watch.kind == "query" else _spike_text(ctx, watch)
        channels = ", ".join(watch.notify) or "monitor only"
        ctx.out(f"{clean_title(watch.name)}")
        ctx.out(f"    {watch.kind}: {clean_title(what)}")
        ctx.out(f"    notify: {channels}" + (f" → {watch.webhook}" if watch.webhook else ""))
        ctx.out(
            f"    {plural(total, 'alert')} ({states.get('new', 0)} new, {states.get('seen', 0)} seen, "
            f"{states.get('dismissed', 0)} dismissed)"
        )
    return 0


def _spike_text(ctx: Context, watch: WatchConfig) -> str:
    alerts = ctx.config.alerts
    factor = watch.factor or alerts.spike_factor
    least = watch.min_stories or alerts.spike_min_stories
    return f"@{watch.entity} ≥ {factor:g}× its 7-day daily average and ≥ {least} stories in 24h"


def run_add(ctx: Context) -> int:
    """Save a query as a watch (checked first; the config keeps its comments)."""
    from chipwatch.commands.search import compile_query
    from chipwatch.config.editor import DuplicateWatch, add_watch, replace_watch

    text = ctx.args.query
    compile_query(ctx, text)
    name = (ctx.args.name or text).strip()
    if not name:
        raise UserError("--name: must not be empty")
    notify = list(dict.fromkeys(ctx.args.notify))
    webhook = ctx.args.webhook
    if webhook and "webhook" not in notify:
        notify.append("webhook")
    if "webhook" in notify and not webhook:
        raise UserError("--notify webhook needs --webhook URL")
    if webhook:  # checked as typed: the config's check named a line never written
        from chipwatch.config.checks import http_url

        try:
            webhook = http_url(webhook)
        except (TypeError, ValueError) as exc:
            raise UserError(f"--webhook: {exc}") from exc
    if ctx.args.replace:
        before = replace_watch(ctx.config_path, name, text, notify or None, webhook)
        if before is not None:
            ctx.out(f"watch {name!r} in {ctx.config_path}: {before!r} -> {text.strip()!r}")
            return 0
    try:
        add_watch(ctx.config_path, name, text, notify, webhook)
    except DuplicateWatch as exc:
        raise UserError(
            f"{exc}; choose another --name, or give it this query with --replace"
        ) from exc
    ctx.out(f"added watch {name!r} to {ctx.config_path}")
    return 0


def run_remove(ctx: Context) -> int:
    """Remove a watch by name; its past alerts stay in the store."""
    from chipwatch.config.editor import remove_watch

    name = ctx.args.name
    if not remove_watch(ctx.config_path, name):
        names = [watch.name for watch in ctx.config.watches]
        raise UserError(_unknown_watch(ctx, name, names))
    ctx.out(f"removed watch {name!r} from {ctx.config_path}")
    return 0


def _unknown_watch(ctx: Context, name: str, names: list[str]) -> str:
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    known = f" (watches: {', '.join(map(repr, names))})" if names and not close else ""
    return f"{ctx.config_path}: no watch named {name!r}{hint}{known}"


def run_test(ctx: Context) -> int:
    """Replay a query over the archive: the stories it would have alerted, newest first."""
    from chipwatch.commands.search import compile_query, print_stories
    from chipwatch.store.search import matching_articles, newest_first

    query = compile_query(ctx, ctx.args.query)
    since = ctx.window_start("--since", ctx.args.since)
    db = ctx.open_db(create=False)
    matched = matching_articles(db, query, since=since, until=ctx.now)
    ids = newest_first(db, set(matched.values()))
    window = "the whole archive" if since is None else f"since {ctx.args.since}"
    ctx.out(
        f"{plural(len(ids), 'story')} would have alerted "
        f"({plural(len(matched), 'matching article')}, {window})"
    )
    print_stories(ctx, db, ids[:MAX_TESTED], set(matched))
    if len(ids) > MAX_TESTED:
        ctx.out(f"… and {len(ids) - MAX_TESTED} more; narrow the query or --since")
    return 0
