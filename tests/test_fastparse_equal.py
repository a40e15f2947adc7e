"""The lxml fast path equals the feedparser path wherever it accepts a document.

Both paths run on every file of feedparser's own test corpus (../shared/corpora/
feedparser, skipped when absent), on the synthetic benchmark feeds and on the tests'
fixture feeds, each under three ways of being served (a local file; HTTPS with an XML
Content-Type and a Content-Language; HTTPS with no Content-Type, which feedparser flags
as bozo, and a relative Content-Location). Wherever
:func:`fast_parse` returns a result, the ``ParsedFeed`` must equal feedparser's field
by field, article by article, and so must every feedparser key ``parse.py`` reads.
Run with ``-s`` to see how many documents took the fast path.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Mapping
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser
import pytest

from benchmarks.synth import write_feeds
from chipwatch.ingest.parse.fastpath.parse import fast_parse
from chipwatch.ingest.parse.feed import parse_feed, response_headers
from chipwatch.ingest.types import ParsedFeed

ROOT = Path(__file__).resolve().parent
CORPUS = ROOT.parent.parent / "shared" / "corpora" / "feedparser"
NOW = datetime(2025, 7, 16, 12, 0, tzinfo=UTC)
SERVED: tuple[tuple[dict[str, str], str | None], ...] = (
    ({}, None),  # a local file: its file:// URI, no headers
    (  # an XML type and a language: feedparser's base language for every element
        {"Content-Type": "application/rss+xml; charset=utf-8", "Content-Language": "fr_CA"},
        "https://news.example/a/feed",
    ),
    # No Content-Type (feedparser's NonXMLContentType) and a relative Content-Location:
    # a base URI that is not absolute.
    ({"Content-Location": "/b/feed.xml"}, "https://news.example/b/feed"),
)
FEED_KEYS = ("title", "title_detail", "link", "language", "ttl", "sy_updateperiod")
FEED_KEYS += ("sy_updatefrequency",)
ENTRY_KEYS = ("title", "title_detail", "summary", "summary_detail", "content", "link", "id")
ENTRY_KEYS += ("author", "published_parsed", "updated_parsed")


def feedparser_result(body: bytes, headers: Mapping[str, str]) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return feedparser.parse(
            io.BytesIO(body),
            response_headers=dict(headers),
            sanitize_html=False,
            resolve_relative_uris=False,
        )


def raw_differences(fast: Mapping[str, Any], slow: Any) -> list[str]:
    """Differences in what parse.py reads from a feedparser result."""
    found = [
        name
        for name, ours, theirs in (
            ("version", fast["version"], slow.get("version")),
            ("bozo", bool(fast["bozo"]), bool(slow.get("bozo"))),
            ("entries", len(fast["entries"]), len(slow.entries)),
        )
        if ours != theirs
    ]
    if fast["bozo"] and str(fast.get("bozo_exception")) != str(slow.get("bozo_exception")):
        found.append("bozo_exception")
    found += [f"feed.{k}" for k in FEED_KEYS if fast["feed"].get(k) != slow.feed.get(k)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for index, (ours, theirs) in enumerate(zip(fast["entries"], slow.entries, strict=False)):
            found += [f"entry[{index}].{k}" for k in ENTRY_KEYS if ours.get(k) != theirs.get(k)]
    return found


def parsed_differences(fast: ParsedFeed, slow: ParsedFeed) -> list[str]:
    """Field-by-field, article-by-article differences of two ParsedFeeds."""
    found = [f.name for f in fields(ParsedFeed) if f.name != "articles"]
    found = [name for name in found if getattr(fast, name) != getattr(slow, name)]
    if len(fast.articles) != len(slow.articles):
        found.append(f"{len(fast.articles)} articles != {len(slow.articles)}")
    for index, (ours, theirs) in enumerate(zip(fast.articles, slow.articles, strict=False)):
        found += [
            f"article[{index}].{f.name}"
            for f in fields(ours)
            if getattr(ours, f.name) != getattr(theirs, f.name)
        ]
    return found


def compare(path: Path) -> tuple[int, list[str]]:
    """How many of the ways of serving ``path`` took the fast path, and any difference."""
    body = path.read_bytes()
    accepted = 0
    problems: list[str] = []
    for headers, url in SERVED:
        feed_url = url or path.as_uri()
        received = response_headers(headers, feed_url)
        fast = fast_parse(body, received)
        if fast is None:
            continue
        accepted += 1
        where = f"{path.name} served as {feed_url} {headers}"
        problems += [
            f"{where}: raw {d}" for d in raw_differences(fast, feedparser_result(body, received))
        ]
        ours = parse_feed(body, headers, feed_url, NOW)
        theirs = parse_feed(body, headers, feed_url, NOW, fast=False)
        problems += [f"{where}: {d}" for d in parsed_differences(ours, theirs)]
    return accepted, problems


def compare_all(paths: list[Path]) -> tuple[int, int, list[str]]:
    """(documents accepted in every way served, ways accepted in all, differences)."""
    everywhere = accepted_ways = 0
    problems: list[str] = []
    for path in paths:
        accepted, found = compare(path)
        everywhere += accepted == len(SERVED)
        accepted_ways += accepted
        problems += found
    return everywhere, accepted_ways, problems


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpora/feedparser is absent")
def test_feedparser_corpus_equal_wherever_accepted() -> None:
    paths = sorted(p for p in CORPUS.rglob("*.xml") if p.is_file())
    assert len(paths) > 2000
    everywhere, ways, problems = compare_all(paths)
    print(
        f"\nfeedparser corpus: {everywhere} of {len(paths)} files take the fast path "
        f"served every way; {ways} of {len(paths) * len(SERVED)} (file, way) runs"
    )
    assert problems == []
    # The corpus is mostly odd documents on purpose; ~40% of it is plain enough.
    assert everywhere > 700


def test_synthetic_benchmark_feeds_all_take_the_fast_path_and_equal(tmp_path: Path) -> None:
    paths = write_feeds(tmp_path, 1200, per_feed=60)
    everywhere, _, problems = compare_all(paths)
    assert problems == []
    assert everywhere == len(paths)


def test_fixture_feeds_equal_and_ordinary_ones_are_fast() -> None:
    """The tests' feeds, and chipwatch's own Atom digest export."""
    paths = sorted((ROOT / "data").rglob("*.xml")) + sorted((ROOT / "data").rglob("*.atom"))
    assert len(paths) >= 11
    everywhere, _, problems = compare_all(paths)
    assert problems == []
    # All but atom_fr.xml, whose XHTML content is left to feedparser.
    assert everywhere == len(paths) - 1


def test_demo_feeds_take_the_fast_path_and_equal(tmp_path: Path) -> None:
    """The demo server's RSS and Atom feeds, every outlet with all its articles."""
    from chipwatch.demo.content import load_outlets
    from chipwatch.demo.render import render_feed

    paths = []
    for outlet in load_outlets():
        listed = [(article, article.published) for article in outlet.articles]
        body = render_feed(outlet, listed, base_url="http://127.0.0.1:8765", updated=NOW)
        paths.append(tmp_path / f"{outlet.id}.xml")
        paths[-1].write_bytes(body)
    everywhere, _, problems = compare_all(paths)
    assert problems == []
    assert everywhere == len(paths) >= 5
