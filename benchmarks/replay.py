"""Replay labelled news through the real pipeline, in a chosen arrival order.

*Arrival order* is the order in which articles reach the clusterer. Here it is set the
way it happens to users: feeds are local files and the real :class:`Poller` polls them,
one **round** (one ``poll_round``, the unit ``chipwatch poll`` runs) after another. Each
round writes the feed files it changes and polls exactly those feeds; a feed file holds
every item delivered to it so far (as a real feed keeps its recent items), so the store
sees only the round's new items as new. Nothing in chipwatch is patched or bypassed:
fetch (``localfile``), parse (in a worker), tag, cluster, alerts, store, and whatever
the pipeline does at the end of a round.

Two ways to cut arrivals into rounds:

- :func:`item_rounds`: items (labelled articles) in a given order, ``chunk`` items per
  round; an item's feed file grows as its items arrive.
- :func:`file_rounds`: whole feed files (realnews: one outlet per file), ``chunk``
  files per round, copied as they are.

A round with several feeds polls them concurrently, so their order within the round is
whatever order fetch and parse finish in: one round holding every feed is what
``chipwatch poll --once`` does on a fresh store. ``in_order=True`` writes a round's feeds
one after another in the order the round lists them instead (then ends the round with
its settle pass, as a poll round does), so a test can choose which feed finishes first.

The clock: by default every round runs at one fixed ``now`` after the newest item (a
store filled after the fact: only the order varies between runs). ``live=True`` moves
``now`` to five minutes after the newest item delivered so far, never backwards (in
published order, articles arrive as they are published).
"""

from __future__ import annotations

import random
import shutil
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from xml.etree import ElementTree as ET

from benchmarks.synth import generate_articles

ORDERS = ("published", "reverse", "shuffled")
SHUFFLE_SEED = 18  # the fixed seed of the "shuffled" order
LIVE_DELAY = timedelta(minutes=5)


@dataclass(frozen=True)
class Item:
    """One article as a feed carries it. ``title=None``: the entry has no ``<title>``."""

    feed: str  # the feed's name; one local file per feed
    url: str  # the article's link: its identity when scoring
    summary: str
    published: datetime
    lang: str = "en"
    title: str | None = None
    guid: str | None = None


@dataclass(frozen=True)
class Round:
    """One poll round: feed name → the document to write into its file before polling."""

    files: Mapping[str, bytes]
    newest: datetime  # the newest published time delivered so far (for the live clock)


@dataclass
class Replay:
    """What a replay left in the store."""

    story_of: dict[str, int]  # url_key(article url) → live story id (merges followed)
    alerts: list[tuple[str, int]]  # (watch, live story id) of every watch alert
    rounds: int
    seconds: float
    events: list[dict[str, Any]] = field(default_factory=list)
    explanations: dict[str, str] = field(default_factory=dict)  # url key → cluster_explain JSON
    ids: dict[str, int] = field(default_factory=dict)  # url key → article id

    def partition(self) -> frozenset[frozenset[str]]:
        """The stories as sets of url keys: two replays compare equal when they group
        the same articles, whatever their story ids."""
        groups: dict[int, set[str]] = {}
        for key, story in self.story_of.items():
            groups.setdefault(story, set()).add(key)
        return frozenset(frozenset(g) for g in groups.values())

    def alerted(self) -> list[tuple[str, list[str]]]:
        """Each watch alert as (watch, the url keys of its story's articles)."""
        members: dict[int, list[str]] = {}
        for key, story in sorted(self.story_of.items()):
            members.setdefault(story, []).append(key)
        return sorted((watch, members.get(story, [])) for watch, story in self.alerts)


def url_key(url: str) -> str:
    """A URL compared without scheme case, host case, default port, fragment, ``utm_``
    parameters or a trailing slash (both sides of a comparison go through it)."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    port = parts.port
    if port and (parts.scheme.lower(), port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{port}"
    query = "&".join(q for q in parts.query.split("&") if q and not q.lower().startswith("utm_"))
    return urlunsplit((parts.scheme.lower(), host, parts.path.rstrip("/") or "/", query, ""))


def arrange(items: Sequence[Any], order: str, *, key: Any, seed: int = SHUFFLE_SEED) -> list[Any]:
    """``items`` in arrival ``order``: ``published`` (by ``key``, stable), ``reverse``
    (exactly the published order backwards) or ``shuffled`` (a fixed-seed shuffle of it)."""
    ranked = sorted(items, key=key)
    if order == "published":
        return ranked
    if order == "reverse":
        return ranked[::-1]
    if order == "shuffled":
        random.Random(seed).shuffle(ranked)
        return ranked
    raise ValueError(f"unknown order {order!r}; orders are {', '.join(ORDERS)}")


def chunks(sequence: Sequence[Any], size: int) -> list[list[Any]]:
    """``sequence`` cut into consecutive runs of ``size`` (0: one run of everything)."""
    if size <= 0:
        return [list(sequence)] if sequence else []
    return [list(sequence[i : i + size]) for i in range(0, len(sequence), size)]


def render_rss(name: str, lang: str, items: Iterable[Item]) -> bytes:
    """An RSS 2.0 document of ``items`` (newest first); no ``<title>`` where an item has none.

    ElementTree builds it, so the text is always escaped as data."""
    rss = ET.Element("rss", version="2.0")
    channel = ET.SubElement(rss, "channel")
    _text(channel, "title", name)
    _text(channel, "link", "https://replay.example.org/")
    _text(channel, "description", f"{name} (replayed for a benchmark)")
    _text(channel, "language", lang)
    for item in sorted(items, key=lambda i: (i.published, i.url), reverse=True):
        entry = ET.SubElement(channel, "item")
        if item.title is not None:
            _text(entry, "title", item.title)
        _text(entry, "link", item.url)
        _text(entry, "description", item.summary)
        _text(entry, "guid", item.guid or item.url).set("isPermaLink", "false")
        _text(entry, "pubDate", format_datetime(item.published, usegmt=True))
    data: bytes = ET.tostring(rss, encoding="utf-8", xml_declaration=True)
    return data


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = text
    return element


def item_rounds(arrivals: Sequence[Item], *, chunk: int = 1) -> list[Round]:
    """Rounds delivering ``arrivals`` in that order, ``chunk`` items a round."""
    shown: dict[str, list[Item]] = {}
    rounds = []
    newest: datetime | None = None
    for batch in chunks(arrivals, chunk):
        for item in batch:
            shown.setdefault(item.feed, []).append(item)
            newest = item.published if newest is None else max(newest, item.published)
        touched = dict.fromkeys(item.feed for item in batch)
        files = {feed: render_rss(feed, shown[feed][0].lang, shown[feed]) for feed in touched}
        assert newest is not None
        rounds.append(Round(files, newest))
    return rounds


def file_rounds(files: Sequence[tuple[str, Path, datetime]], *, chunk: int = 1) -> list[Round]:
    """Rounds delivering whole feed files ``(name, path, newest item)`` in that order."""
    rounds = []
    newest: datetime | None = None
    for batch in chunks(files, chunk):
        for _, _, latest in batch:
            newest = latest if newest is None else max(newest, latest)
        assert newest is not None
        rounds.append(Round({name: path.read_bytes() for name, path, _ in batch}, newest))
    return rounds


def replay(
    rounds: Sequence[Round],
    *,
    feeds: Sequence[str],
    now: datetime,
    live: bool = False,
    extra_config: str = "",
    directory: Path | None = None,
    in_order: bool = False,
) -> Replay:
    """Poll ``rounds`` one after another into a fresh store; what the store then holds.

    ``feeds``: every feed name the rounds use (the config lists them all from the start,
    as a user's config would). ``extra_config``: TOML merged into the config (watches,
    ``[cluster]`` settings). ``directory``: where the feed files and the store go (a
    temporary directory, removed afterwards, when None). ``in_order``: see the module doc.
    """
    from chipwatch.pipeline.poller import run_main

    owned = directory is None
    work = Path(tempfile.mkdtemp(prefix="cw-replay-")) if directory is None else directory
    try:
        return run_main(_replay(rounds, feeds, now, live, extra_config, work, in_order))
    finally:
        if owned:
            shutil.rmtree(work, ignore_errors=True)


def first_import(
    directory: Path | None,
    feeds: Sequence[Path],
    *,
    count: int,
    span: timedelta,
    extra_config: str = "",
) -> Replay:
    """A first import of ``benchmarks.synth.write_feeds``' files (``count`` articles over
    ``span``, default seed): one round bringing every feed at once, polled an hour after
    the newest article."""
    newest = max(a.published for a in generate_articles(count, span=span))
    files = [(path.name, path, newest) for path in feeds]
    return replay(
        file_rounds(files, chunk=len(files)),
        feeds=[path.name for path in feeds],
        now=newest + timedelta(hours=1),
        extra_config=extra_config,
        directory=directory,
    )


def feed_file(directory: Path, index: int) -> Path:
    return directory / "feeds" / f"feed{index:04d}.xml"


def config_text(directory: Path, feeds: Sequence[str], extra: str = "") -> str:
    """The replay's config: ``extra`` (TOML: watches, ``[cluster]``…; tables given twice are
    merged, later keys winning), then every feed as a local file, parse in one worker
    thread and no per-poll cap on new articles (a first import must store everything)."""
    import tomllib

    import tomlkit

    merged: dict[str, Any] = {}
    _merge(merged, tomllib.loads(extra))
    _merge(merged, {"poll": {"workers": 1, "max_new_per_feed": 1_000_000}})
    merged["feeds"] = [
        {"name": name, "url": str(feed_file(directory, index))} for index, name in enumerate(feeds)
    ]
    return tomlkit.dumps(merged)


def merge_toml(*snippets: str) -> str:
    """TOML snippets as one document (tables merged, later keys winning)."""
    import tomllib

    import tomlkit

    merged: dict[str, Any] = {}
    for snippet in snippets:
        _merge(merged, tomllib.loads(snippet))
    return tomlkit.dumps(merged)


def _merge(into: dict[str, Any], data: Mapping[str, Any]) -> None:
    for key, value in data.items():
        if isinstance(value, Mapping) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        elif isinstance(value, list) and isinstance(into.get(key), list):
            into[key] = [*into[key], *value]
        else:
            into[key] = dict(value) if isinstance(value, Mapping) else value


async def _replay(
    rounds: Sequence[Round],
    feeds: Sequence[str],
    now: datetime,
    live: bool,
    extra_config: str,
    work: Path,
    in_order: bool = False,
) -> Replay:
    from chipwatch.config import parse_config
    from chipwatch.pipeline.poller import Poller

    (work / "feeds").mkdir(parents=True, exist_ok=True)
    index = {name: i for i, name in enumerate(feeds)}
    config = parse_config(config_text(work, feeds, extra_config))
    events: list[dict[str, Any]] = []
    started = time.perf_counter()
    clock = None
    async with Poller(work / "replay.db", config, notify=False, on_event=events.append) as poller:
        await poller.sync(now)
        for round_ in rounds:
            for name, body in round_.files.items():
                feed_file(work, index[name]).write_bytes(body)
            wanted = {str(feed_file(work, index[name])) for name in round_.files}
            listed = [pair for pair in await poller.feeds() if pair[0].url in wanted]
            if len(listed) != len(wanted):
                raise RuntimeError(f"replay: {len(wanted) - len(listed)} feeds not in the store")
            if live:
                moment = round_.newest + LIVE_DELAY
                clock = moment if clock is None else max(clock, moment)
            when = clock if live and clock else now
            if in_order:
                place = {
                    str(feed_file(work, index[name])): i for i, name in enumerate(round_.files)
                }
                for feed, identity in sorted(listed, key=lambda pair: place[pair[0].url]):
                    await poller.poll_feed(feed, identity, now=when)
                await poller.settle(when)
            else:
                await poller.poll_round(listed, now=when)
        seconds = time.perf_counter() - started
        story_of, alerts, explanations, ids = await poller.write(_read_back, poller.services.db)
    return Replay(story_of, alerts, len(rounds), seconds, events, explanations, ids)


def _read_back(
    db: Any,
) -> tuple[dict[str, int], list[tuple[str, int]], dict[str, str], dict[str, int]]:
    """Every article's live story (by URL), its explanation and id; every watch alert's
    live story."""
    from chipwatch.store.merged import resolve_story_id

    story_of, explanations, ids = {}, {}, {}
    rows = db.execute("SELECT id, url, story_id, cluster_explain FROM articles").fetchall()
    for article_id, url, story, explain in rows:
        key = url_key(url)
        ids[key] = int(article_id)
        explanations[key] = explain or ""
        if story is not None:
            story_of[key] = resolve_story_id(db, int(story))
    alerts = [
        (watch, resolve_story_id(db, int(story)))
        for watch, story in db.execute(
            "SELECT watch, story_id FROM alerts WHERE kind = 'watch' AND story_id IS NOT NULL"
            " AND state != 'merged'"
        ).fetchall()
    ]
    return story_of, alerts, explanations, ids
