"""chipwatch (no command): the live monitor."""

from __future__ import annotations

from chipwatch.context import Context


def run(ctx: Context) -> int:
    """Open the store (a clear error if it cannot be used), sync feeds, run the app.

    The store is opened with :func:`~chipwatch.store.db.open_reader` (open_db's checks on
    a plain sqlite3 connection), so the monitor's first paint does not wait for
    sqlite_utils to import."""
    from chipwatch.store.db import open_reader, reader_transaction
    from chipwatch.store.queries import sync_feeds

    config = ctx.config
    conn = open_reader(ctx.db_path)
    try:
        with reader_transaction(conn, ctx.db_path):
            sync_feeds(conn, config.feeds, now=ctx.now)
    finally:
        conn.close()
    from chipwatch.tui.app import make_app, run_app

    return run_app(make_app(config, ctx.config_path, ctx.db_path))
