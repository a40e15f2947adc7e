"""``chipwatch digest``: export the stories of a window as md, html, json, csv or atom.

The output depends only on the store, the arguments and ``--now`` (which also sets the
default ``--until`` and anchors a relative ``--since``), so digests can be diffed and
kept in git. Text is written as UTF-8 bytes, never re-encoded or newline-translated.
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from chipwatch.context import Context
from chipwatch.errors import UserError, WorkFailed
from chipwatch.words import plural


def run(ctx: Context) -> int:
    """Build the digest from the store and write it to stdout or ``-o FILE``."""
    from chipwatch.digest.build import build_digest, render

    args = ctx.args
    since = ctx.window_start("--since", args.since)
    until = _until(ctx)
    min_outlets = _min_outlets(args.min_outlets)
    query = args.query
    tagger = _tagger(ctx) if query is not None else None
    if query is not None:  # a bad query is the user's mistake (exit 2) before any store
        from chipwatch.query.match import parse_query

        query = parse_query(query, tagger)
    db = ctx.open_db(create=False)
    try:
        digest = build_digest(
            db,
            since=since,
            until=until,
            now=ctx.now,
            query=query,
            tagger=tagger,
            min_outlets=min_outlets,
            explain=bool(getattr(args, "explain", False)),
        )
    finally:
        db.close()
    text = render(digest, output_format(args.format, args.output))
    if args.output:
        write_file(Path(args.output), text)
        # one line on stderr, as every command that writes a file (stdout stays data)
        ctx.err(f"wrote {plural(len(digest.stories), 'story')} to {args.output}")
    else:
        _write_stdout(ctx, text)
    return 0


# -o FILE's extension picks the format when --format is not given.
EXTENSIONS = {
    ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".json": "json",
    ".csv": "csv", ".atom": "atom", ".xml": "atom",
}  # fmt: skip


def output_format(chosen: str | None, output: str | None) -> str:
    """``--format`` when given, else the one ``-o FILE``'s extension names, else md."""
    if chosen:
        return chosen
    return EXTENSIONS.get(Path(output).suffix.lower(), "md") if output else "md"


def _until(ctx: Context) -> datetime:
    """``--until``: a date or date-time, or a duration back from ``--now``; else now."""
    raw = getattr(ctx.args, "until", None)
    if not raw:
        return ctx.now
    until = ctx.window_start("--until", raw)
    if until is None:
        raise UserError("--until: 'all' is not a time (give a date, a date-time or a duration)")
    return until


def _min_outlets(value: int | None) -> int:
    if value is None:
        return 1
    if value < 1:
        raise UserError(f"--min-outlets: must be 1 or more, not {value}")
    return value


def _tagger(ctx: Context) -> Any:
    """The entity tagger that resolves ``@Entity`` in ``--query``."""
    from chipwatch.entities.tagger import build_tagger

    return build_tagger(ctx.config)


def write_file(path: Path, text: str) -> None:
    """Write ``text`` as UTF-8 atomically: a failed run never leaves half a digest."""
    folder = path.parent if str(path.parent) else Path(".")
    try:
        handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    except OSError as exc:
        raise UserError(f"-o {path}: cannot write there: {exc.strerror}") from exc
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(text.encode("utf-8"))
        os.chmod(temp, _file_mode(path))
        os.replace(temp, path)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        if isinstance(exc, IsADirectoryError | PermissionError | NotADirectoryError):
            raise UserError(f"-o {path}: cannot write there: {exc.strerror}") from exc
        raise WorkFailed(f"-o {path}: writing the digest failed: {exc.strerror}") from exc


def _file_mode(path: Path) -> int:
    """Keep an existing file's mode; else what ``open()`` would give under the umask."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _write_stdout(ctx: Context, text: str) -> None:
    buffer = getattr(ctx.stdout, "buffer", None)
    if buffer is None:
        ctx.stdout.write(text)
        return
    ctx.stdout.flush()
    buffer.write(text.encode("utf-8"))
    buffer.flush()
