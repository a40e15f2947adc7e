"""chipwatch (no command): the live monitor."""

from __future__ import annotations

from chipwatch.context import Context


def run(ctx: Context) -> int:
    """Open the store (a clear error if it cannot be used), sync feeds, run the app."""
    from chipwatch.store.db import open_db, write_transaction
    from chipwatch.store.queries import sync_feeds

    config = ctx.config
    db = open_db(ctx.db_path)
    try:
        with write_transaction(db):
            sync_feeds(db, config.feeds, now=ctx.now)
    finally:
        db.close()
    from chipwatch.tui.app import make_app

    app = make_app(config, ctx.config_path, ctx.db_path)
    result = app.run()
    return int(result or 0)
