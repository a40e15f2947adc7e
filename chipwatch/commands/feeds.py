"""chipwatch feeds list | remove URL|NAME|N | import OPML | export [-o FILE].

(``feeds add`` checks the feed first: :mod:`chipwatch.commands.feeds_add`.)"""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.cells import cell_len, set_cell_size

from chipwatch.config import FeedConfig
from chipwatch.config.editor import add_feeds, normalize_feed_url, remove_feed, same_feed_key
from chipwatch.context import Context
from chipwatch.errors import UserError, WorkFailed
from chipwatch.ingest.parse.opml import OpmlFeed, export_opml, parse_opml
from chipwatch.model import feed_label
from chipwatch.store import queries
from chipwatch.textsafe import clean_title
from chipwatch.timeutil import countdown, format_duration, from_iso
from chipwatch.words import plural, status_word

COLUMNS = ("#", "name", "url", "last fetch", "status", "articles", "next poll", "last error")
# Cut at these widths on a terminal (with an ellipsis); piped or redirected output
# keeps every character (a script, or `feeds remove`, gets the whole URL).
CUTS = {"name": 40, "url": 60, "last error": 80}
# ... and narrowed to these, in this order, when the terminal is narrower than the table
NARROWEST = {"last error": 16, "url": 24, "name": 16}


def run_list(ctx: Context) -> int:
    """The configured feeds with their health, as a table or JSON."""
    rows = feed_table(ctx)
    if getattr(ctx.args, "json", False):
        for row in rows:
            ctx.out(json.dumps(row, ensure_ascii=False))
        return 0
    if not rows:
        ctx.out(f"no feeds in {ctx.config_path}; add one with `chipwatch feeds add URL`")
        return 0
    _print_table(ctx, rows)
    return 0


def feed_table(ctx: Context) -> list[dict[str, Any]]:
    """One dict per configured feed: config joined with the store's fetch state."""
    stored: dict[str, dict[str, Any]] = {}
    if not ctx.config.feeds:
        return []  # nothing to look up: the caller says how to add a feed
    db = ctx.open_db(create=False)
    try:
        for row in queries.feed_rows(db):
            stored[row["url"]] = row
            if row.get("moved_from"):
                stored[row["moved_from"]] = row
    finally:
        db.close()
    return [
        {"index": index, **_feed_row(feed, stored.get(feed.url))}
        for index, feed in enumerate(ctx.config.feeds, start=1)
    ]


def _feed_row(feed: FeedConfig, row: dict[str, Any] | None) -> dict[str, Any]:
    row = row or {}
    status = row.get("last_status") or "new"
    if not feed.enabled:
        status = "off"
    return {
        "name": feed_label(feed.name, row.get("title"), ""),  # the URL has its own column
        "url": row.get("url") or feed.url,
        "config_url": feed.url,
        "tags": list(feed.tags),
        "enabled": feed.enabled,
        "status": status,
        "http": row.get("last_http_status"),
        "last_fetch": row.get("last_fetch_at"),
        "last_ok": row.get("last_ok_at"),
        "last_error": row.get("last_error"),
        "last_error_detail": row.get("last_error_detail"),
        "error_count": row.get("error_count") or 0,
        "articles": row.get("articles") or 0,
        "next_poll": row.get("next_poll_at"),
        "retry_after": row.get("retry_after_until"),
        "disabled_reason": row.get("disabled_reason"),
    }


def _print_table(ctx: Context, rows: list[dict[str, Any]]) -> None:
    now, cut = ctx.now, _is_terminal(ctx)
    verbose = bool(getattr(ctx.args, "verbose", False))
    cuts = dict(CUTS)
    if verbose:
        cuts.pop("last error")
    lines = [list(COLUMNS)] + [
        [
            str(r["index"]),
            clean_title(r["name"] or "-"),
            clean_title(r["url"]),
            _ago(r["last_fetch"], now),
            status_word(r["status"]),
            str(r["articles"]),
            _when(r["next_poll"], now),
            clean_title(r["last_error"] or ""),
        ]
        for r in rows
    ]
    widths = [max(cell_len(line[i]) for line in lines) for i in range(len(COLUMNS))]
    if cut:  # on a terminal: the long columns cut, then narrowed to fit its width
        widths = _fit(widths, cuts, shutil.get_terminal_size().columns)
    for line, row in zip(lines, [None, *rows], strict=True):
        cells = [
            _cell(text, width) if cut else text for text, width in zip(line, widths, strict=True)
        ]
        shown = [_pad(c, w) for c, w in zip(cells, widths, strict=True) if w]
        ctx.out("  ".join(shown).rstrip())
        if verbose and row is not None and row.get("last_error_detail"):
            ctx.out(f"    detail: {clean_title(row['last_error_detail'])}")


def _fit(widths: list[int], cuts: dict[str, int], columns: int) -> list[int]:
    """Each column's width on a terminal ``columns`` wide (0: left out): the long columns
    at most their cut, then the last error, the URL and the name narrowed (to their
    least) in that order until a line fits, else the URL left out (a table wider than
    the terminal wrapped every row)."""
    natural, widths = widths, list(widths)
    for name, most in cuts.items():
        index = COLUMNS.index(name)
        widths[index] = min(widths[index], most)
    for name, least in NARROWEST.items():
        index = COLUMNS.index(name)
        over = _line_width(widths) - columns
        if over > 0:
            widths[index] = max(min(least, widths[index]), widths[index] - over)
    if _line_width(widths) > columns:  # still too wide: the URL gives way (# names the feed)
        widths[COLUMNS.index("url")] = 0
        error = COLUMNS.index("last error")  # and the last error takes the room there is
        wanted = min(natural[error], cuts.get("last error", natural[error]))
        widths[error] = max(8, min(wanted, widths[error] + columns - _line_width(widths)))
    return widths


def _line_width(widths: list[int]) -> int:
    shown = [width for width in widths if width]
    return sum(shown) + 2 * (len(shown) - 1)


def _is_terminal(ctx: Context) -> bool:
    isatty = getattr(ctx.stdout, "isatty", None)
    return bool(isatty and isatty())


def _cell(text: str, width: int) -> str:
    """At most ``width`` cells, an ellipsis showing a cut."""
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, max(0, width - 1)).rstrip() + "…"


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - cell_len(text))


def _ago(value: str | None, now: datetime) -> str:
    if not value:
        return "never"
    return f"{format_duration(now - from_iso(value))} ago"


def _when(value: str | None, now: datetime) -> str:
    return countdown(from_iso(value), now) if value else "-"


def run_remove(ctx: Context) -> int:
    """Remove a feed from the config, named by its URL, its name or its number in
    ``feeds list``; its articles stay in the archive."""
    wanted = ctx.args.url.strip()
    feed = _find_feed(ctx, wanted)
    removed = remove_feed(ctx.config_path, feed.url) if feed is not None else None
    if removed is None:
        raise UserError(
            f"{ctx.config_path}: no feed with the URL, name or number {wanted!r} "
            "(see `chipwatch feeds list`)"
        )
    ctx.out(f"removed {removed} from {ctx.config_path} (its articles stay in the store)")
    return 0


def _find_feed(ctx: Context, wanted: str) -> FeedConfig | None:
    """The configured feed ``wanted`` names: its number in ``feeds list``, its URL (as
    configured, as written, or where a permanent redirect moved it), its name or its
    own title. Two feeds answering to one name is a :class:`UserError`."""
    feeds = ctx.config.feeds
    if wanted.isascii() and wanted.isdigit() and 1 <= int(wanted) <= len(feeds):
        return feeds[int(wanted) - 1]
    try:
        urls = {wanted, normalize_feed_url(wanted)}
    except UserError:
        urls = {wanted}
    urls |= _moved_aliases(ctx, urls)
    keys = {same_feed_key(url) for url in urls}
    for feed in feeds:
        if feed.url in urls or same_feed_key(feed.url) in keys:
            return feed
    titles = _titles(ctx)
    named = [
        (index, feed)
        for index, feed in enumerate(feeds, start=1)
        if wanted.casefold()
        in (feed.name.casefold(), feed_label(feed.name, titles.get(feed.url), "").casefold())
    ]
    if len(named) > 1:
        listed = ", ".join(f"{index} ({clean_title(feed.url)})" for index, feed in named)
        raise UserError(f"{wanted!r} names {len(named)} feeds: {listed}; remove one by number")
    return named[0][1] if named else None


def _titles(ctx: Context) -> dict[str, str]:
    """Each configured URL's own feed title, from the store (when there is one)."""
    return {url: title for url, (_site, title) in _site_urls(ctx).items()}


def _moved_aliases(ctx: Context, urls: set[str]) -> set[str]:
    """The configured URL of a feed the user names by its new (redirected) address."""
    if not Path(ctx.db_path).exists():
        return set()
    db = ctx.open_db()
    try:
        return {
            row["moved_from"]
            for row in queries.feed_rows(db)
            if row["url"] in urls and row.get("moved_from")
        }
    finally:
        db.close()


def run_import(ctx: Context) -> int:
    """Add the feeds of an OPML file; categories and folders become tags."""
    path = Path(ctx.args.opml).expanduser()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    feeds = parse_opml(data, label=str(path))
    ctx.config  # noqa: B018
    allow_local = bool(getattr(ctx.args, "allow_local", False))
    valid = [f for f in feeds if _acceptable(f.url, allow_local=allow_local)]
    added, duplicates = add_feeds(
        ctx.config_path, [{"url": f.url, "name": f.name, "tags": list(f.tags)} for f in valid]
    )
    ctx.out(
        f"imported {plural(len(added), 'feed')} from {path} into {ctx.config_path}; "
        f"{len(duplicates)} already there, {len(feeds) - len(valid)} with unusable URLs"
    )
    for feed in feeds:
        if not _acceptable(feed.url, allow_local=allow_local):
            ctx.out(f"  skipped {clean_title(feed.url)}: {_unusable(feed.url)}")
    for url in duplicates:
        ctx.out(f"  already there: {clean_title(url)}")
    return 0


def _acceptable(url: str, *, allow_local: bool) -> bool:
    """An OPML file is someone else's list: it brings web feeds only. A file:// URL or a
    path (``/etc/passwd``) would have chipwatch read a local file, so it needs
    ``--allow-local``, as it would need ``feeds add`` typed by the user."""
    if url.lower().startswith(("http://", "https://")):
        return True
    return allow_local and _is_local(url)


def _is_local(url: str) -> bool:
    return url.lower().startswith("file://") or url.startswith("/")


def _unusable(url: str) -> str:
    if _is_local(url):
        return "a local file (import it with --allow-local if you trust this OPML file)"
    return "not an http(s) URL"


def run_export(ctx: Context) -> int:
    """Write the configured feeds as OPML 2.0 to a file or standard output."""
    site_urls = _site_urls(ctx)
    feeds = [
        OpmlFeed(
            url=_as_url(f.url),
            name=f.name or site_urls.get(f.url, ("", ""))[1],
            tags=f.tags,
            site_url=site_urls.get(f.url, ("", ""))[0],
        )
        for f in ctx.config.feeds
    ]
    text = export_opml(feeds, now=ctx.now)
    output = getattr(ctx.args, "output", None)
    if not output or output == "-":
        ctx.stdout.write(text)
        return 0
    _write_atomically(Path(output).expanduser(), text)
    ctx.err(f"wrote {plural(len(feeds), 'feed')} to {output}")
    return 0


def _as_url(url: str) -> str:
    """Local paths are exported as file:// URLs (OPML wants URLs)."""
    if "://" in url:
        return url
    return Path(url).expanduser().resolve().as_uri()


def _site_urls(ctx: Context) -> dict[str, tuple[str, str]]:
    if not Path(ctx.db_path).exists():
        return {}
    db = ctx.open_db()
    try:
        found = {}
        for row in queries.feed_rows(db):
            value = (row.get("site_url") or "", row.get("title") or "")
            found[row["url"]] = value
            if row.get("moved_from"):
                found[row["moved_from"]] = value
        return found
    finally:
        db.close()


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise WorkFailed(f"{path}: cannot write: {exc.strerror or exc}") from exc
