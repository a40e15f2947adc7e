"""The labelled sets story clustering is measured on, each replayable in any arrival order.

A :class:`QualitySet` is items with their event labels, the hard-negative pairs, the parts
and phenomena to report apart, and how to cut an arrival order into poll rounds
(:mod:`benchmarks.replay`). :func:`run_order` replays one set in one order through the
real pipeline and scores what the store then holds (:mod:`benchmarks.quality_metrics`).

- ``labelled``: ``tests/data/cluster/labelled.toml``, every split (tune, holdout, hard),
  one article per round by default.
- ``week``: a generated week of NVIDIA / China / export-control news with the hand-written
  seed-like pair inside (``benchmarks/background_week.py``, ``tests/data/cluster/week.toml``).
- ``demo``: the demo's bundled articles with their ``event`` labels (``chipwatch/demo/data``).
- ``realnews``: ``../shared/corpora/realnews`` (or ``$REALNEWS_DIR``) when present, read at
  run time and never copied: one outlet's feed file per round, as it is on disk.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from benchmarks.quality_metrics import HardNegative, Partition, PartitionScore, partition
from benchmarks.quality_metrics import score_partition as _score
from benchmarks.replay import (
    Item,
    Replay,
    Round,
    arrange,
    file_rounds,
    item_rounds,
    merge_toml,
    replay,
    url_key,
)

ROOT = Path(__file__).resolve().parent.parent
LABELLED = ROOT / "tests" / "data" / "cluster" / "labelled.toml"
SPLITS = ("tune", "holdout", "hard")
POLL = "poll"  # not an order: every feed in one concurrent round, as `poll --once` does


def realnews_dir() -> Path:
    """Where the realnews corpus is looked for: ``$REALNEWS_DIR``, else ``../shared``."""
    given = os.environ.get("REALNEWS_DIR")
    return Path(given) if given else ROOT.parent / "shared" / "corpora" / "realnews"


@dataclass
class QualitySet:
    """A labelled set ready to replay. Keys everywhere are :func:`url_key` of the link."""

    name: str
    gold: dict[str, str]  # url key → event id
    pairs: list[HardNegative]
    feeds: list[str]  # every feed name, in config order
    now: datetime  # the replay's fixed clock
    rounds: Callable[[str, int], list[Round]]  # (order, chunk) → rounds
    parts: dict[str, list[str]] = field(default_factory=dict)  # part → url keys
    features: dict[str, list[str]] = field(default_factory=dict)  # phenomenon → url keys
    titles: dict[str, str] = field(default_factory=dict)  # url key → a label for reports
    extra_config: str = ""
    seed_pair: tuple[str, str] | None = None  # two url keys that must share a story


@dataclass
class OrderRun:
    """One replay of one set in one order, scored."""

    set: str
    order: str
    score: PartitionScore
    parts: dict[str, PartitionScore]
    features: dict[str, PartitionScore]
    partition: Partition
    replay: Replay
    seed_joined: bool | None = None  # the seed pair in one story
    seed_alone: bool | None = None  # …holding no article of another event
    seed_keys: tuple[str, ...] = ()
    splits: list[tuple[str, list[list[str]]]] = field(default_factory=list)  # event, pieces


def split_events(
    gold: Mapping[str, str], predicted: Mapping[str, int], titles: Mapping[str, str]
) -> list[tuple[str, list[list[str]]]]:
    """Events spread over several stories: each piece as the titles of its items."""
    pieces: dict[str, dict[int, list[str]]] = {}
    for key, event in gold.items():
        if key in predicted:
            pieces.setdefault(event, {}).setdefault(predicted[key], []).append(titles.get(key, key))
    return [
        (event, sorted(groups.values(), key=len, reverse=True))
        for event, groups in sorted(pieces.items())
        if len(groups) > 1
    ]


def score_replay(qs: QualitySet, order: str, run: Replay) -> OrderRun:
    """Score what a replay left in the store against the set's labels."""
    predicted = {key: run.story_of[key] for key in qs.gold if key in run.story_of}
    whole = _score(qs.gold, predicted, qs.pairs)
    parts = {name: _score(qs.gold, predicted, qs.pairs, keys) for name, keys in qs.parts.items()}
    features = {
        name: _score(qs.gold, predicted, qs.pairs, keys) for name, keys in qs.features.items()
    }
    seed = alone = None
    if qs.seed_pair is not None:
        a, b = qs.seed_pair
        seed = a in predicted and predicted.get(a) == predicted.get(b)
        event = qs.gold[a]
        alone = seed and all(qs.gold[k] == event for k, s in predicted.items() if s == predicted[a])
    return OrderRun(
        qs.name,
        order,
        whole,
        parts,
        features,
        partition(predicted),
        run,
        seed_joined=seed,
        seed_alone=alone,
        seed_keys=tuple(qs.seed_pair or ()),
        splits=split_events(qs.gold, predicted, qs.titles),
    )


def run_order(
    qs: QualitySet, order: str, *, chunk: int = 1, live: bool = False, extra_config: str = ""
) -> OrderRun:
    """Replay ``qs`` in ``order`` (or :data:`POLL`) through the real pipeline and score it."""
    rounds = qs.rounds(order, chunk)
    config = merge_toml(qs.extra_config, extra_config)
    run = replay(rounds, feeds=qs.feeds, now=qs.now, live=live, extra_config=config)
    return score_replay(qs, order, run)


# ---------------------------------------------------------------- labelled.toml


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "feed"


def _when(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def items_from_labelled(
    articles: Sequence[Mapping[str, Any]], prefix: str = ""
) -> list[tuple[Item, Mapping[str, Any]]]:
    """Replay items of labelled articles (in the order given), each with its record.

    An article's link is its ``url`` when it has one, else one made from its feed and its
    position, so a position must not change between runs (sort before calling)."""
    out = []
    for position, article in enumerate(articles):
        slug = _slug(article["feed"])
        url = article.get("url") or f"https://{slug}.example.org/{prefix}{position}"
        title = (article.get("title") or "").strip() or None
        item = Item(
            feed=article["feed"],
            url=url,
            summary=" ".join(article["summary"].split()),
            published=_when(article["published"]),
            lang=article["lang"],
            title=title,
        )
        out.append((item, article))
    return out


def item_set(
    name: str,
    pairs_of_items: Sequence[tuple[Item, Mapping[str, Any]]],
    events: Mapping[str, Mapping[str, Any]],
    **extra: Any,
) -> QualitySet:
    """A :class:`QualitySet` of replay items, one item per round by default."""
    items = [item for item, _ in pairs_of_items]
    gold = {url_key(item.url): record["event"] for item, record in pairs_of_items}
    parts: dict[str, list[str]] = {}
    features: dict[str, list[str]] = {}
    for item, record in pairs_of_items:
        key = url_key(item.url)
        split = events[record["event"]].get("split")
        if split:
            parts.setdefault(split, []).append(key)
        tags = set(record.get("features", ()))
        if item.title is None:
            tags.add("no-title")
        for tag in sorted(tags):
            features.setdefault(tag, []).append(key)
    pairs = event_pairs(events)
    feeds = sorted({item.feed for item in items})
    newest = max(item.published for item in items)

    def rounds(order: str, chunk: int) -> list[Round]:
        if order == POLL:
            return item_rounds(items, chunk=0)
        return item_rounds(arrange(items, order, key=lambda i: (i.published, i.url)), chunk=chunk)

    titles = {
        url_key(i.url): f"[{i.lang}] {i.feed}: {i.title or '(no title) ' + i.summary[:60]}"
        for i in items
    }
    return QualitySet(
        name,
        gold,
        pairs,
        feeds,
        newest + timedelta(days=1),
        rounds,
        parts=parts,
        features=features,
        titles=titles,
        **extra,
    )


def event_pairs(events: Mapping[str, Mapping[str, Any]]) -> list[HardNegative]:
    """Hard-negative pairs named by events (``hard_negatives``, ``lenient_negatives``)
    whose both events are present; each pair once."""
    seen: dict[frozenset[str], HardNegative] = {}
    for event_id, event in events.items():
        for key, lenient in (("hard_negatives", False), ("lenient_negatives", True)):
            for other in event.get(key, ()):
                if other in events:
                    pair = frozenset((event_id, other))
                    if pair not in seen or not lenient:
                        a, b = sorted(pair)
                        seen[pair] = HardNegative(a, b, lenient)
    return sorted(seen.values(), key=lambda p: (p.a, p.b))


def load_events_and_articles(path: Path) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """A labelled TOML file: its events by id and its articles sorted by published time."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    events = {event["id"]: event for event in data.get("event", [])}
    articles = sorted(data.get("article", []), key=lambda a: _when(a["published"]))
    for article in articles:
        if article["event"] not in events:
            raise ValueError(f"{path.name}: an article names unknown event {article['event']!r}")
    return events, articles


def labelled_set(path: Path = LABELLED) -> QualitySet:
    """``labelled.toml``, every split, clustered together."""
    events, articles = load_events_and_articles(path)
    return item_set("labelled", items_from_labelled(articles), events)


# ---------------------------------------------------------------- realnews (../shared)


def realnews_available(directory: Path | None = None) -> bool:
    folder = directory or realnews_dir()
    return (folder / "articles.jsonl").is_file() and (folder / "feeds").is_dir()


def _feed_dates(path: Path) -> list[datetime]:
    dates = []
    for element in ET.parse(path).getroot().iter("pubDate"):
        try:
            dates.append(parsedate_to_datetime((element.text or "").strip()))
        except (TypeError, ValueError):
            continue
    return [d if d.tzinfo else d.replace(tzinfo=UTC) for d in dates]


def realnews_set(directory: Path | None = None) -> QualitySet:
    """The realnews corpus: one outlet's feed file per round, its text read at run time."""
    folder = directory or realnews_dir()
    labels = [json.loads(line) for line in (folder / "articles.jsonl").open(encoding="utf-8")]
    gold = {url_key(a["url"]): a["event"] for a in labels}
    related = json.loads((folder / "related_events.json").read_text(encoding="utf-8"))
    pairs = [
        HardNegative(p["a"], p["b"], bool(p.get("lenient")), p.get("why", "")) for p in related
    ]
    files = []
    for path in sorted((folder / "feeds").glob("*.xml")):
        dates = _feed_dates(path) or [datetime(1970, 1, 1, tzinfo=UTC)]
        files.append((path.stem, path, min(dates), max(dates)))
    newest = max(f[3] for f in files)
    features: dict[str, list[str]] = {}
    for a in labels:
        key = url_key(a["url"])
        if not a.get("title"):
            features.setdefault("no-title", []).append(key)
        if a.get("published_estimated"):
            features.setdefault("estimated-date", []).append(key)

    def rounds(order: str, chunk: int) -> list[Round]:
        if order == POLL:
            return file_rounds([(n, p, last) for n, p, _, last in files], chunk=0)
        ordered = arrange(files, order, key=lambda f: (f[2], f[0]))
        return file_rounds([(n, p, last) for n, p, _, last in ordered], chunk=chunk)

    return QualitySet(
        "realnews",
        gold,
        pairs,
        [f[0] for f in files],
        newest + timedelta(days=1),
        rounds,
        features=features,
        titles={url_key(a["url"]): f"[{a['lang']}] {a['outlet']}" for a in labels},
    )
