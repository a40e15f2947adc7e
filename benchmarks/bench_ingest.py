"""(1) first ingest end to end, and (2) a second poll of unchanged feeds.

The same synthetic feed files are (a) handed to bare ``feedparser.parse`` one by one,
in this process — the baseline — and (b) ingested by ``chipwatch``'s real pipeline
(``poll_once``: read → parse → tag → cluster → store) into a fresh store. Then the
pipeline polls the unchanged files again: nothing should be parsed twice.

The store writer is also measured alone, in this process, on the burst corpus's first
10,000 articles (:mod:`benchmarks.ingest_writer`): its CPU time per article, with and
without clustering.

The main corpus is a burst (every feed holds news of the last two days, as after an
OPML import). A last row ingests an *archive*: feeds whose entries span 30 days, so
most articles arrive older than the clustering window of articles already seen — the
case a first poll of slow or back-filled feeds meets.
"""

from __future__ import annotations

import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from benchmarks.ingest_writer import writer_rows
from benchmarks.synth import START, write_feeds

SIZES = {"small": 2_000, "full": 50_000}
ARCHIVE_SIZES = {"small": 500, "full": 2_000}
PER_FEED = 100
BURST = timedelta(days=2)
ARCHIVE = timedelta(days=30)


def bare_feedparser(paths: list[Path]) -> tuple[float, int]:
    """Seconds for ``feedparser.parse`` over every file's bytes, and the entries seen."""
    import feedparser

    bodies = [path.read_bytes() for path in paths]
    started = time.perf_counter()
    entries = sum(len(feedparser.parse(body).entries) for body in bodies)
    return time.perf_counter() - started, entries


def write_config(directory: Path, paths: list[Path]) -> Path:
    """A config whose feeds are the synthetic files (local paths)."""
    lines = ['[poll]\ninterval = "15m"\n']
    for path in paths:
        lines.append(f'[[feeds]]\nurl = "{path.as_uri()}"\nname = "{path.stem}"\n')
    config = directory / "config.toml"
    config.write_text("\n".join(lines), encoding="utf-8")
    return config


def pipeline_poll(config_path: Path, db_path: Path, *, now: Any) -> float:
    """Seconds for one ``poll_once`` of every configured feed."""
    from chipwatch.config import load_config
    from chipwatch.pipeline.poller import poll_once

    config = load_config(config_path)
    started = time.perf_counter()
    poll_once(db_path, config, now=now)
    return time.perf_counter() - started


def _stored_articles(db_path: Path) -> int:
    from chipwatch.store.db import open_db

    db = open_db(db_path)
    try:
        return int(db.execute("SELECT count(*) FROM articles").fetchone()[0])
    finally:
        db.close()


def _parse_rows(count: int, seconds: float) -> dict[str, Any]:
    return {
        "name": "baseline: bare feedparser.parse",
        "value": count / seconds,
        "unit": "articles/s",
        "target": "",
        "note": f"{count} articles, one process",
    }


def run(size: str) -> list[dict[str, Any]]:
    """The bare-feedparser baseline, then first and second ingest through the pipeline."""
    count = SIZES[size]
    with tempfile.TemporaryDirectory(prefix="chipwatch-bench-ingest-") as tmp:
        root = Path(tmp)
        paths = write_feeds(root / "feeds", count, seed=10, per_feed=PER_FEED, span=BURST)
        bare, entries = bare_feedparser(paths)
        rows = [_parse_rows(entries, bare)]
        try:
            import chipwatch.pipeline.poller  # noqa: F401
        except ImportError:
            rows.append(
                {
                    "name": "ingest: first poll",
                    "value": float("nan"),
                    "unit": "articles/s",
                    "target": "<= 0.3x",
                    "note": "chipwatch.pipeline.poller not built yet",
                }
            )
            return rows
        config = write_config(root, paths)
        db_path = root / "bench.db"
        now = START + BURST + timedelta(hours=1)
        first = pipeline_poll(config, db_path, now=now)
        stored = _stored_articles(db_path)
        second = pipeline_poll(config, db_path, now=now + timedelta(hours=1))
        rows += [
            {
                "name": "ingest: first poll, end to end",
                "value": stored / first,
                "unit": "articles/s",
                "target": "<= 0.3x",
                "baseline": entries / bare,
                "ratio": first / bare,
                "note": f"{stored}/{entries} stored in {first:.2f} s; ratio = time / feedparser time",
            },
            {
                "name": "ingest: second poll, unchanged",
                "value": second,
                "unit": "s",
                "target": "< 0.03x",
                "baseline": first,
                "ratio": second / first,
                "note": "ratio = second poll time / first poll time",
            },
            archive_row(root / "archive", ARCHIVE_SIZES[size]),
        ]
        rows += writer_rows(root, config, paths, now=now)
        return rows


def archive_row(root: Path, count: int) -> dict[str, Any]:
    """First ingest of feeds spanning 30 days (articles older than the live window)."""
    paths = write_feeds(root / "feeds", count, seed=11, per_feed=PER_FEED, span=ARCHIVE)
    bare, entries = bare_feedparser(paths)
    seconds = pipeline_poll(
        write_config(root, paths), root / "archive.db", now=START + ARCHIVE + timedelta(hours=1)
    )
    return {
        "name": "ingest: first poll, 30-day archive",
        "value": entries / seconds,
        "unit": "articles/s",
        "target": "<= 0.3x",
        "baseline": entries / bare,
        "ratio": seconds / bare,
        "note": f"{entries} articles in {seconds:.2f} s",
    }
