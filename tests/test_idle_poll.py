"""An unchanged poll (all 304) builds only what it needs."""

from __future__ import annotations

import random
import ssl
from pathlib import Path
from typing import Any

import pytest

from chipwatch.config import Config, FeedConfig
from chipwatch.entities import tagger as tagger_mod
from chipwatch.pipeline.poller import poll_once
from chipwatch.pipeline.workers import ParserPool
from tests.faultserver import rss
from tests.feedserver import FeedServer
from tests.test_pipeline import NOW, POLL


def _counting(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> list[int]:
    calls: list[int] = []
    original = getattr(owner, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    return calls


def test_unchanged_poll_of_http_feeds_builds_no_tagger_and_no_tls_context(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The regression: every poll built a TLS context (certificates loaded: 20 ms idle,
    0.5 s on a busy machine) for plain-http feeds, and the writer's tagger, even when
    every feed answered 304."""
    with FeedServer() as server:
        items = [("g1", "TSMC raises prices", "Wafer prices rise.")]
        urls = [server.add(f"/f{n}.xml", rss("Feed", items), etag=f'"v{n}"') for n in range(3)]
        config = Config(poll=POLL, feeds=tuple(FeedConfig(url=u) for u in urls))
        db = tmp_path / "store.db"
        poll_once(db, config, now=NOW, rng=random.Random(1), notify=False)
        contexts = _counting(monkeypatch, ssl, "create_default_context")
        taggers = _counting(monkeypatch, tagger_mod, "build_tagger")
        report = poll_once(db, config, now=NOW, rng=random.Random(1), notify=False)
    assert report.count("not_modified") == 3
    assert (contexts, taggers) == ([], [])


async def test_https_feeds_still_get_a_verifying_client() -> None:
    from chipwatch.ingest.http import Fetcher
    from chipwatch.ingest.transport import H11Transport, tls_context

    async with Fetcher(POLL) as fetcher:
        secure = fetcher._http("https://example.com/feed.xml")
        plain = fetcher._http("http://example.com/feed.xml")
        assert secure is not plain
        assert fetcher._http("HTTPS://example.com/other.xml") is secure
        for client in (secure, plain):  # TLS through the one context, made on first use
            assert isinstance(client._transport, H11Transport)
    assert tls_context().verify_mode == ssl.CERT_REQUIRED
    assert tls_context().check_hostname


def _built_taggers() -> int:
    return tagger_mod._build_cached.cache_info().misses


def test_started_workers_build_no_tagger_before_their_first_feed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Workers used to build their tagger at start (0.2 s of CPU each) on every poll,
    even one where no feed had anything to parse."""
    from chipwatch.pipeline import workers

    monkeypatch.setattr(workers.threading, "active_count", lambda: 1)  # as in the poller
    before = _built_taggers()
    pool = ParserPool(2, entities=())
    try:
        pool.start()
        executor = pool._start()
        built = {executor.submit(_built_taggers).result(timeout=60) for _ in range(4)}
        assert built == {before}  # forked: the parent's count, nothing built since
    finally:
        pool.close()


# Built only when a feed brings articles (or the round has some to settle); an unchanged
# poll that imported them paid ~0.1 s of CPU for nothing.
ARTICLE_PATH_MODULES = (
    "chipwatch.pipeline.write",
    "chipwatch.pipeline.events",
    "chipwatch.store.stories",
    "chipwatch.query.match",
    "chipwatch.clustering.clusterer",
    "chipwatch.clustering.settle",
    "chipwatch.entities.tagger",
    "chipwatch.ingest.parse.feed",
    "feedparser",
    "rapidfuzz",
)

# The store's library and what it pulls in (~0.1 s of CPU): the poller writes an unchanged
# poll's feed rows on a plain sqlite3 connection and wraps it in sqlite_utils' Database
# only when a feed brings articles.
STORE_LIBRARY_MODULES = (
    "sqlite_utils",
    "click",
    "pluggy",
    "dateutil",
    "chipwatch.store.migrations",
)

_POLL_AND_LIST_MODULES = """
import contextlib, io, json, sys
from chipwatch.cli import main
with contextlib.redirect_stdout(io.StringIO()) as out:
    status = main(sys.argv[1:])
print(json.dumps({"status": status, "report": out.getvalue(), "modules": sorted(sys.modules)}))
"""


def _poll_in_child(config: Path, db: Path) -> dict[str, Any]:
    import json
    import subprocess
    import sys

    argv = ["--config", str(config), "--db", str(db), "poll", "--once"]
    done = subprocess.run(
        [sys.executable, "-c", _POLL_AND_LIST_MODULES, *argv],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        cwd=db.parent,  # not the checkout: `-c` puts the working folder first on sys.path
    )
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def test_unchanged_poll_imports_nothing_of_the_article_path(tmp_path: Path) -> None:
    """The real command in a fresh interpreter: the first poll stores articles (so the
    article path is imported then), the second finds every feed unchanged and imports
    none of the writer, clusterer, tagger, query or parser modules."""
    with FeedServer() as server:
        items = [("g1", "TSMC raises prices", "Wafer prices rise.")]
        urls = [server.add(f"/f{n}.xml", rss("Feed", items), etag=f'"v{n}"') for n in range(3)]
        config = tmp_path / "config.toml"
        feeds = "".join(f'[[feeds]]\nurl = "{url}"\n' for url in urls)
        config.write_text(f'[poll]\nworkers = 2\ntimeout = "10s"\n{feeds}', encoding="utf-8")
        db = tmp_path / "store.db"
        first = _poll_in_child(config, db)
        second = _poll_in_child(config, db)
    assert "3 ok" in first["report"] and "chipwatch.pipeline.write" in first["modules"]
    assert "3 not modified" in second["report"], second["report"]
    assert [m for m in ARTICLE_PATH_MODULES if m in second["modules"]] == []


def test_unchanged_poll_of_a_current_store_never_imports_sqlite_utils(tmp_path: Path) -> None:
    """The regression: the poller opened its store through sqlite_utils (with click,
    pluggy and dateutil: ~0.1 s of CPU, a sixth of an unchanged poll) and checked the
    migrations through it, on every poll. The first poll, which stores articles, still
    goes through it; the second, all 304 on a store already current, does not."""
    with FeedServer() as server:
        items = [("g1", "TSMC raises prices", "Wafer prices rise.")]
        urls = [server.add(f"/f{n}.xml", rss("Feed", items), etag=f'"v{n}"') for n in range(2)]
        config = tmp_path / "config.toml"
        feeds = "".join(f'[[feeds]]\nurl = "{url}"\n' for url in urls)
        config.write_text(f'[poll]\nworkers = 1\ntimeout = "10s"\n{feeds}', encoding="utf-8")
        db = tmp_path / "store.db"
        first = _poll_in_child(config, db)
        second = _poll_in_child(config, db)
    assert "2 ok" in first["report"] and "sqlite_utils" in first["modules"]
    assert "2 not modified" in second["report"], second["report"]
    assert [m for m in STORE_LIBRARY_MODULES if m in second["modules"]] == []


def test_a_poll_never_imports_httpcore_or_anyio(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The regression: every request went through httpx's own transport (httpcore's pool,
    anyio's streams: ~2 ms of CPU a request, and ~0.08 s of imports), a third of an
    unchanged poll of 100 feeds. Fetches go through ingest.transport unless a proxy is
    configured in the environment."""
    for name in ("http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    with FeedServer() as server:
        items = [("g1", "TSMC raises prices", "Wafer prices rise.")]
        url = server.add("/f.xml", rss("Feed", items), etag='"v1"')
        config = tmp_path / "config.toml"
        config.write_text(f'[poll]\nworkers = 1\n[[feeds]]\nurl = "{url}"\n', encoding="utf-8")
        polled = _poll_in_child(config, tmp_path / "store.db")
    assert "1 ok" in polled["report"], polled["report"]
    assert [m for m in ("httpcore", "anyio") if m in polled["modules"]] == []
