"""``chipwatch feeds add URL [--name N] [--tag T] [--no-check]``.

The address is fetched and parsed as a poll would (:mod:`chipwatch.ingest.check`)
before it is written: what is not a feed (a missing file, a text file, an HTML page,
"not a url") is refused with one line and exit 2, naming the feed an HTML page links
to; an address that could not be reached is exit 1 (``--no-check`` adds it unread).
"""

from __future__ import annotations

from pathlib import Path

from chipwatch.config.editor import DuplicateFeed, add_feed, normalize_feed_url, same_feed_key
from chipwatch.config.paths import is_local, local_path
from chipwatch.context import Context
from chipwatch.errors import UserError, WorkFailed
from chipwatch.ingest.check import FeedCheck, check_feed_now
from chipwatch.store import queries
from chipwatch.store.db import write_transaction
from chipwatch.textsafe import clean_title
from chipwatch.words import plural


def run_add(ctx: Context) -> int:
    """Check the feed, then add it to the config (a feed disabled by 410 Gone that is
    added again gets another chance)."""
    raw = str(ctx.args.url)
    url = normalize_feed_url(raw)
    config = ctx.config  # validate the config before anything else
    if any(same_feed_key(f.url) == same_feed_key(url) for f in config.feeds):
        return _already(ctx, url)
    check = None
    if not getattr(ctx.args, "no_check", False):
        check = check_feed_now(url, config.poll, now=ctx.now)
        if not check.ok:
            raise _refusal(raw, url, check)
    try:
        add_feed(ctx.config_path, url, ctx.args.name or "", ctx.args.tag or [])
    except DuplicateFeed:  # added by someone else meanwhile
        return _already(ctx, url)
    ctx.out(_added(url, ctx.config_path, check))
    if check is not None and check.warning:
        ctx.out(f"  note: {clean_title(check.warning)}")
    return 0


def _added(url: str, config_path: Path, check: FeedCheck | None) -> str:
    line = f"added {clean_title(url)} to {config_path}"
    if check is None:
        return line + " (not fetched: --no-check)"
    title = f'"{clean_title(check.title)}"' if check.title else "no title"
    lang = f"language {check.lang}" if check.lang else "language unknown"
    return f"{line}: {title} · {lang} · {plural(check.items, 'item')}"


def _refusal(raw: str, url: str, check: FeedCheck) -> UserError | WorkFailed:
    shown = clean_title(raw.strip()) or "''"
    problem = clean_title(check.problem)
    if is_local(url) and "://" not in raw and not local_path(url).exists():
        if _looks_like_a_path(raw):
            return UserError(f"{shown}: no such file")
        return UserError(f"{shown}: not an http(s):// or file:// URL, and no such file")
    if check.suggestion:
        link = clean_title(check.suggestion)
        return UserError(f"{shown}: {problem}; it links to a feed: chipwatch feeds add {link}")
    if check.mistake:
        return UserError(f"{shown}: {problem}")
    return WorkFailed(f"{shown}: {problem}; check the address, or add it unread with --no-check")


def _looks_like_a_path(raw: str) -> bool:
    text = raw.strip()
    return "/" in text or "\\" in text or text.startswith(("~", ".")) or Path(text).suffix != ""


def _already(ctx: Context, url: str) -> int:
    revived = _revive(ctx, url)
    ctx.out(
        f"{clean_title(url)} is already in {ctx.config_path}"
        + ("; it was disabled (410 Gone) and will be polled again" if revived else "")
    )
    return 0


def _revive(ctx: Context, url: str) -> bool:
    if not Path(ctx.db_path).exists():
        return False
    db = ctx.open_db()
    try:
        feed_id = queries.find_feed(db, url)
        state = queries.get_feed(db, feed_id) if feed_id is not None else None
        if state is None or not state.disabled_reason:
            return False
        with write_transaction(db):
            queries.clear_feed_disabled(db, state.id)
        return True
    finally:
        db.close()
