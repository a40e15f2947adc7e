"""Golden files: each fixture feed in tests/data/feeds and what it must parse to.

Regenerate after an intended change with ``CHIPWATCH_GOLDEN=update pytest
tests/test_parse_golden.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from chipwatch.ingest.parse.feed import parse_feed
from chipwatch.timeutil import iso

DATA = Path(__file__).parent / "data" / "feeds"
FETCHED = datetime(2025, 7, 16, 12, 0, tzinfo=UTC)
FEEDS = sorted(
    p
    for p in DATA.iterdir()
    if p.suffix in (".xml", ".json") and not p.name.endswith(".expected.json")
)


def snapshot(path: Path) -> dict[str, Any]:
    parsed = parse_feed(path.read_bytes(), {}, f"https://fixtures.example/{path.name}", FETCHED)
    articles = []
    for article in parsed.articles:
        row = asdict(article)
        row["published"] = iso(article.published)
        row["fetched_at"] = iso(article.fetched_at)
        articles.append(row)
    return {
        "title": parsed.title,
        "site_url": parsed.site_url,
        "lang": parsed.lang,
        "min_interval_s": parsed.min_interval_s,
        "version": parsed.version,
        "warning": parsed.warning,
        "error": parsed.error,
        "articles": articles,
    }


@pytest.mark.parametrize("path", FEEDS, ids=[p.name for p in FEEDS])
def test_golden(path: Path) -> None:
    expected_path = path.with_suffix(".expected.json")
    actual = snapshot(path)
    if os.environ.get("CHIPWATCH_GOLDEN") == "update":
        expected_path.write_text(
            json.dumps(actual, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    assert expected_path.exists(), "no golden file; run with CHIPWATCH_GOLDEN=update"
    assert actual == json.loads(expected_path.read_text(encoding="utf-8"))
