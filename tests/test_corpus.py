"""Every file of feedparser's own test corpus (../shared/corpora/feedparser) through
the parser, and the whole corpus through a real poll: no exception escapes, and each
feed yields articles or a recorded, readable reason."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

import pytest

from chipwatch.config import Config, FeedConfig, PollConfig
from chipwatch.ingest.parse.feed import parse_feed
from chipwatch.pipeline.poller import poll_once
from chipwatch.store.db import open_db

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora" / "feedparser"
NOW = datetime(2025, 7, 16, 12, 0, tzinfo=UTC)

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpora/feedparser is absent"),
]


def corpus_files() -> list[Path]:
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name != "LICENSE")


def readable(reason: str | None) -> bool:
    return bool(reason) and len(reason) <= 400 and "Traceback" not in reason and "\n" not in reason


def test_every_corpus_file_parses_to_articles_or_a_reason() -> None:
    files = corpus_files()
    assert len(files) > 2000
    with_articles = 0
    for path in files:
        parsed = parse_feed(path.read_bytes(), {}, path.as_uri(), NOW)
        if parsed.articles:
            with_articles += 1
            assert all(a.title or a.url for a in parsed.articles), path
            assert all(a.published.tzinfo is not None for a in parsed.articles), path
        else:
            assert readable(parsed.error or parsed.warning), (path, parsed)
    assert with_articles > 500


def test_poll_over_the_whole_corpus(tmp_path: Path) -> None:
    files = [p for p in corpus_files() if p.suffix in (".xml", ".json")]
    config = Config(
        poll=PollConfig(workers=0), feeds=tuple(FeedConfig(url=p.as_uri()) for p in files)
    )
    db_path = tmp_path / "corpus.db"
    report = poll_once(db_path, config, now=NOW, rng=random.Random(3), notify=False)
    assert len(report.outcomes) == len(files)
    for outcome in report.outcomes:
        assert outcome.status in ("ok", "failed"), outcome
        if outcome.status == "failed":
            assert readable(outcome.error), outcome
    assert report.count("ok") > 2000 and report.new_articles > 400
    db = open_db(db_path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    stored = db.execute("SELECT count(*), count(DISTINCT key) FROM articles").fetchone()
    assert stored[0] == stored[1] == report.new_articles
    unassigned = db.execute("SELECT count(*) FROM articles WHERE story_id IS NULL").fetchone()[0]
    assert unassigned == 0
    failing = db.execute(
        "SELECT count(*) FROM feeds WHERE last_status = 'error' "
        "AND (last_error IS NULL OR last_error = '')"
    ).fetchone()[0]
    assert failing == 0
