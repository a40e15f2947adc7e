"""The command line: argument parsing → config → run. No business logic here.

Each command is a function ``run(ctx) -> int`` in ``chipwatch.commands.<module>``,
imported only when that command runs, so ``chipwatch --help`` stays fast and never
imports Textual.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sqlite3
import sys
from collections.abc import Sequence

from chipwatch import __version__
from chipwatch.help_text import HelpFormatter

DESCRIPTION = """\
chipwatch follows semiconductor and export-control news from your terminal: it polls
RSS/Atom feeds, folds the many reports of one event into one story across outlets and
languages, tags chips, companies, agencies, people and policy terms, raises alerts on
what you watch and exports digests.

Run with no command to open the live monitor."""

EPILOG = """\
config: --config, else $CHIPWATCH_CONFIG, else the user config dir (created on first run)
store:  --db, else $CHIPWATCH_DB, else the user data dir
window: a duration (90m, 24h, 7d), an ISO date or date-time, or "all"
exit status: 0 success, 1 the work failed, 2 bad usage, config or query"""

WINDOW_HELP = "a duration back from now (90m, 24h, 7d), an ISO date or date-time, or 'all'"
FORMATS = ("md", "html", "json", "csv", "atom")


def build_parser() -> argparse.ArgumentParser:
    """The whole command-line contract (see docs/PRODUCT.md)."""
    parser = argparse.ArgumentParser(
        prog="chipwatch", description=DESCRIPTION, epilog=EPILOG, formatter_class=HelpFormatter
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"chipwatch {__version__}",
        help="print the version and exit",
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="config file (default: $CHIPWATCH_CONFIG, then the user config dir)",
    )
    parser.add_argument(
        "--db", metavar="FILE", help="SQLite store (default: $CHIPWATCH_DB, then the user data dir)"
    )
    parser.set_defaults(handler="monitor")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", dest="command")
    _add_demo(commands)
    _add_poll(commands)
    _add_feeds(commands)
    _add_watch(commands)
    _add_entities(commands)
    _add_search(commands)
    _add_digest(commands)
    return parser


def _command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    help_text: str,
    handler: str,
    description: str | None = None,
) -> argparse.ArgumentParser:
    sub = commands.add_parser(
        name, help=help_text, description=description or help_text, formatter_class=HelpFormatter
    )
    sub.set_defaults(handler=handler)
    return sub


def _add_demo(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = _command(
        commands,
        "demo",
        "the monitor over a bundled offline news stream",
        "demo",
        "Start a feed server on 127.0.0.1 with bundled demo news released over time, and "
        "open the monitor on it with a temporary store and config. Your own config and "
        "store are never touched (--config and --db are ignored); quitting removes "
        "everything the demo made. The news (2023-2025, written for chipwatch) replays "
        "for about two minutes, with dates moved so that 16 July 2025 is now.",
    )
    demo.add_argument(
        "--speed",
        type=float,
        default=1.0,
        metavar="N",
        help="replay speed: 2 releases articles twice as fast (default 1)",
    )
    demo.add_argument(
        "--headless",
        action="store_true",
        help="print what `chipwatch poll` prints instead of opening the monitor, "
        "and a summary when the replay is over (for servers and scripts)",
    )


def _add_poll(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    poll = _command(
        commands,
        "poll",
        "headless polling and ingest; prints new stories and alerts",
        "poll",
        "Poll the configured feeds on their schedules, forever (or once with --once), and "
        "print a report of feeds, new stories and alerts. Ctrl-C stops between transactions.",
    )
    poll.add_argument(
        "--once", action="store_true", help="fetch every enabled feed once now, then exit"
    )
    poll.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object per line (article, story, alert, feed_error)",
    )
    poll.add_argument(
        "--now",
        metavar="TIME",
        help="pretend the current time is TIME (ISO 8601), for reproducible runs",
    )


def _add_feeds(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    feeds = _command(commands, "feeds", "list, add, remove, import and export feeds", "feeds")
    actions = feeds.add_subparsers(title="actions", metavar="ACTION", dest="action", required=True)
    listing = _command(
        actions, "list", "feeds with their health: status, last fetch, error", "feeds.list"
    )
    listing.add_argument("--json", action="store_true", help="print JSON instead of a table")
    listing.add_argument(
        "--verbose",
        action="store_true",
        help="also show the technical detail of each feed's last error, and errors uncut",
    )
    add = _command(
        actions,
        "add",
        "fetch a feed, show its title, language and items, and add it to the config",
        "feeds.add",
        "Fetch and parse the feed as a poll would, show its title, language and item "
        "count, and add it to the config (comments are kept). What is not a feed (a "
        "missing file, a text file, a web page) is refused; a web page that links to "
        "its feed names it.",
    )
    add.add_argument("url", metavar="URL", help="http(s)://…, file://… or a local path")
    add.add_argument(
        "--no-check",
        action="store_true",
        help="add it without fetching it first (for a feed that cannot be reached now)",
    )
    add.add_argument("--name", metavar="N", help="display name (default: the feed's title)")
    add.add_argument(
        "--tag",
        action="append",
        default=[],
        metavar="T",
        help="a tag for the feed (repeat for several)",
    )
    remove = _command(
        actions, "remove", "remove a feed from the config (articles are kept)", "feeds.remove"
    )
    remove.add_argument(
        "url",
        metavar="URL|NAME|N",
        help="the feed's URL, its name, or its number (#) in `feeds list`",
    )
    imp = _command(
        actions, "import", "add the feeds of an OPML file; categories become tags", "feeds.import"
    )
    imp.add_argument("opml", metavar="OPML", help="an OPML 1.0 or 2.0 file")
    imp.add_argument(
        "--allow-local",
        action="store_true",
        help="also import file:// URLs and local paths (by default only http(s) URLs)",
    )
    export = _command(actions, "export", "write the feeds as OPML 2.0", "feeds.export")
    export.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default: stdout)")


def _add_watch(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    watch = _command(
        commands, "watch", "list, add, remove and test watches (saved queries)", "watch"
    )
    actions = watch.add_subparsers(title="actions", metavar="ACTION", dest="action", required=True)
    _command(actions, "list", "the configured watches and their alert counts", "watch.list")
    add = _command(
        actions, "add", "save a query as a watch in the config (comments kept)", "watch.add"
    )
    add.add_argument("query", metavar="QUERY", help="a query, e.g. '@H20 AND licence~'")
    add.add_argument("--name", metavar="N", help="the watch's name (default: the query)")
    add.add_argument(
        "--notify",
        action="append",
        default=[],
        metavar="CHANNEL",
        choices=("bell", "desktop", "webhook"),
        help="also notify by bell, desktop or webhook (repeat for several)",
    )
    add.add_argument("--webhook", metavar="URL", help="URL that receives alerts as JSON POSTs")
    add.add_argument(
        "--replace",
        action="store_true",
        help="the watch --name already exists: give it this query instead (its alerts, "
        "place and comments stay; its channels too unless --notify/--webhook are given)",
    )
    remove = _command(actions, "remove", "remove a watch from the config", "watch.remove")
    remove.add_argument("name", metavar="NAME", help="the watch's name")
    test = _command(
        actions,
        "test",
        "replay a query over the archive: the stories it would have alerted",
        "watch.test",
    )
    test.add_argument("query", metavar="QUERY", help="the query to try")
    test.add_argument("--since", default="30d", metavar="W", help=f"{WINDOW_HELP} (default 30d)")
    test.add_argument("--now", metavar="TIME", help="the current time (ISO 8601), for replays")


def _add_entities(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    entities = _command(
        commands, "entities", "list the entity dictionary, or test the tagger", "entities"
    )
    actions = entities.add_subparsers(
        title="actions", metavar="ACTION", dest="action", required=True
    )
    listing = _command(
        actions, "list", "entities with their kind, aliases and mention counts", "entities.list"
    )
    listing.add_argument(
        "--kind",
        choices=("chip", "company", "agency", "person", "place", "policy"),
        metavar="K",  # the six choices made the usage line 81 columns wide
        help="only entities of this kind: chip, company, agency, person, place or policy",
    )
    listing.add_argument("--json", action="store_true", help="print JSON lines instead of a table")
    test = _command(
        actions, "test", "tag TEXT and show each match, its span and its rule", "entities.test"
    )
    test.add_argument("text", metavar="TEXT", help="text to tag ('-' reads standard input)")
    test.add_argument("--json", action="store_true", help="print one JSON object per match")


def _add_search(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    search = _command(commands, "search", "search stories with the query language", "search")
    search.add_argument(
        "query",
        metavar="QUERY",
        help='words, "phrases", word~, @Entity, title:/feed:/lang:/kind:, AND/OR/NOT, parentheses',
    )
    search.add_argument("--since", default="all", metavar="W", help=f"{WINDOW_HELP} (default all)")
    search.add_argument(
        "--limit", type=int, default=20, metavar="N", help="show at most N stories (default 20)"
    )
    search.add_argument("--json", action="store_true", help="print JSON lines")
    search.add_argument(
        "--explain", action="store_true", help="show why each story's articles were merged"
    )
    search.add_argument("--now", metavar="TIME", help="the current time (ISO 8601)")


def _add_digest(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    digest = _command(
        commands,
        "digest",
        "export the stories of a time window",
        "digest",
        "Export the stories of a window as Markdown, HTML, JSON, CSV or Atom: alerts first, "
        "then stories with every source cited. The same store and arguments with the same "
        "--now give byte-identical output.",
    )
    digest.add_argument("--since", default="24h", metavar="W", help=f"{WINDOW_HELP} (default 24h)")
    digest.add_argument(
        "--until",
        metavar="T",
        help="end of the window, included: an ISO date or date-time, or a duration back "
        "from now like 24h (default: now)",
    )
    digest.add_argument("--query", metavar="Q", help="only stories matching this query")
    digest.add_argument(
        "--min-outlets",
        type=int,
        default=1,
        metavar="N",
        help="only stories reported by at least N outlets (default 1)",
    )
    digest.add_argument(
        "--format",
        choices=FORMATS,
        help="output format (default: from -o FILE's extension, e.g. .html, else md)",
    )
    digest.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default: stdout)")
    digest.add_argument(
        "--explain",
        action="store_true",
        help="say for each article why it is in its story (as search --explain does)",
    )
    digest.add_argument(
        "--now", metavar="T", help="the time the digest is made (ISO 8601); fixes output for diffs"
    )


# --------------------------------------------------------------------------- running

# handler name → "module:function" under chipwatch.commands
HANDLERS = {
    "monitor": "monitor:run",
    "demo": "demo:run",
    "poll": "poll:run",
    "feeds.list": "feeds:run_list",
    "feeds.add": "feeds_add:run_add",
    "feeds.remove": "feeds:run_remove",
    "feeds.import": "feeds:run_import",
    "feeds.export": "feeds:run_export",
    "watch.list": "watch:run_list",
    "watch.add": "watch:run_add",
    "watch.remove": "watch:run_remove",
    "watch.test": "watch:run_test",
    "entities.list": "entities:run_list",
    "entities.test": "entities:run_test",
    "search": "search:run",
    "digest": "digest:run",
}

# The demo makes its own config and store and never reads the user's.
CONFIG_FREE = {"demo"}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``chipwatch`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    # httpx imports its optional command line (click and rich: ~0.1 s, a fifth of an
    # unchanged poll's CPU) whenever both are installed; chipwatch never runs it. A None
    # entry makes that import fail, and httpx then defines a stub instead.
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
    from chipwatch.context import Context
    from chipwatch.errors import UserError, WorkFailed

    module_name, function_name = HANDLERS[args.handler].split(":")
    ctx = Context(args=args)
    try:
        if args.handler not in CONFIG_FREE:
            _ = ctx.config  # a bad config stops every command with one line, exit 2
        module = importlib.import_module(f"chipwatch.commands.{module_name}")
        return int(getattr(module, function_name)(ctx) or 0)
    except UserError as exc:
        print(f"chipwatch: {exc}", file=sys.stderr)
        return exc.exit_code
    except WorkFailed as exc:
        print(f"chipwatch: {exc}", file=sys.stderr)
        return exc.exit_code
    except sqlite3.DatabaseError as exc:
        # Damage deep in a store file surfaces only when a page is read.
        print(f"chipwatch: {ctx.db_path}: store error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("chipwatch: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`chipwatch digest | head`): not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
