"""A realistic background week (13-19 July 2025) around the seed-like pair.

The issue-18 seed case: two French reports of NVIDIA being allowed to resume H20 sales
(titles ~60% alike, one writing "H2O") merge in a near-empty store only because NVIDIA
and China are then rare; a real week holds hundreds of articles naming both. This module
generates such a week deterministically: 61 events of eleven everyday kinds (share
moves, results, orders, plant investments, smuggling cases, launches, probes, analysts'
price targets, supply deals, data centres), no two about the same thing and only a few
of each kind (a week does not bring eight smuggling cases told alike), each retold
by one to eight of seventeen outlets in six languages (~450 articles, about two in five
naming NVIDIA and nearly half China); an aggregator outlet carries three wire services; some items
come without a title, some with a date stamped 12:00 a day or two late. Around them,
``tests/data/cluster/week.toml`` holds the hand-written pair and its real neighbours of
that week (the AMD restart, Lutnick's remarks, Huang in Beijing, a lawmaker's letter, the
record close), labelled as different events.

Wording: :mod:`benchmarks.week_templates`. ``python -m benchmarks.background_week``
prints the week's counts.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks import week_templates as W

WEEK_TOML = Path(__file__).resolve().parent.parent / "tests" / "data" / "cluster" / "week.toml"
START = datetime(2025, 7, 13, tzinfo=UTC)
SEED = 18
EVENTS = 61
AGGREGATOR = "Asia Markets Digest"
OUTLETS = (  # name, language
    ("Global Chip Wire", "en"),
    ("Bay Tech Daily", "en"),
    ("Policy Desk", "en"),
    ("Markets Now", "en"),
    ("Silicon Brief", "en"),
    (AGGREGATOR, "en"),
    ("Le Fil Tech", "fr"),
    ("Puces & Marchés", "fr"),
    ("Agence Lusitania (fr)", "fr"),
    ("Chipwelt", "de"),
    ("Börse Halbleiter", "de"),
    ("Semiconductores Hoy", "es"),
    ("Mercados Tech", "es"),
    ("半導体速報", "ja"),
    ("テック時報", "ja"),
    ("芯片快讯", "zh"),
    ("芯视界", "zh"),
)
CREDITS = ("(Reuters) - ", "(Bloomberg) -- ", "(AP) — ")
COPIES = (1, 2, 2, 3, 4, 4, 5, 6, 7, 8, 10, 12)
RESULTS_COMPANIES = ("TSMC", "ASML", "Samsung", "SMIC", "Intel", "Micron")
FAB_COMPANIES = ("TSMC", "Intel", "Micron", "Samsung", "SMIC", "Huawei", "NVIDIA")
CHINESE = ("SMIC", "Huawei", "Cambricon")
LISTED = {k: v for k, v in W.COMPANY_WEIGHTS.items() if k != "Huawei"}  # Huawei has no shares
PROBE_AGENCIES = ("SAMR", "SAMR", "MOFCOM", "EU")


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    keys = sorted(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _slots(rng: random.Random, kind: str) -> dict[str, Any]:
    """The facts of one event: who, what, where, and its figures."""
    slots: dict[str, Any] = {"n": rng.randrange(2, 13), "m": rng.randrange(20, 90)}
    if kind in ("shares_up", "shares_down"):
        slots["co"] = _pick(rng, LISTED)
    elif kind == "probe":
        slots["co"] = _pick(rng, W.COMPANY_WEIGHTS)
    if kind == "shares_up":
        slots["reason"] = rng.choice(sorted(W.REASONS_UP))
    elif kind == "shares_down":
        slots.update(reason=rng.choice(sorted(W.REASONS_DOWN)), m=rng.randrange(20, 300))
    elif kind == "results":
        slots.update(
            co=rng.choice(RESULTS_COMPANIES), n=rng.randrange(5, 70), m=rng.randrange(3, 60)
        )
    elif kind == "order":
        slots["co"], slots["chip"] = rng.choice(W.ORDERED)
        slots.update(
            customer=rng.choice(sorted(W.CUSTOMERS)), n=rng.randrange(5, 60), m=rng.randrange(1, 10)
        )
    elif kind == "fab":
        co = rng.choice(FAB_COMPANIES)  # Chinese firms build at home, the others abroad
        places = {p: w for p, w in W.FAB_PLACES.items() if (p == "China") == (co in CHINESE)}
        slots.update(co=co, place=_pick(rng, places))
        slots.update(n=rng.randrange(2, 40), m=rng.randrange(1, 10))
    elif kind == "smuggling":
        slots["co"], slots["chip"] = rng.choice(W.SMUGGLED)
        slots.update(
            place=rng.choice(W.TRANSIT_PLACES), n=rng.randrange(2, 10), m=rng.randrange(10, 99)
        )
    elif kind == "launch":
        slots["co"], slots["chip"] = rng.choice(W.LAUNCHED)
        slots.update(n=rng.randrange(10, 60), m=rng.randrange(2, 13))
    elif kind == "probe":
        slots.update(agency=rng.choice(PROBE_AGENCIES), matter=rng.choice(sorted(W.MATTERS)))
        slots["m"] = rng.randrange(3, 13)
    elif kind == "partnership":
        slots.update(co=_pick(rng, LISTED), partner=rng.choice(W.PARTNERS), n=rng.randrange(2, 40))
        slots["m"] = rng.randrange(2, 8)
    elif kind == "datacentre":
        slots.update(co=rng.choice(DATACENTRE_CHIPS), customer=rng.choice(sorted(W.CUSTOMERS)))
        slots.update(
            place=_pick(rng, W.DATACENTRE_PLACES), n=rng.randrange(5, 80), m=rng.randrange(3, 24)
        )
    elif kind == "analyst":
        slots.update(co=_pick(rng, LISTED), bank=rng.choice(W.BANKS), n=rng.randrange(12, 40))
        slots["m"] = slots["n"] * 10 - rng.randrange(5, 40)
    return slots


# What makes two events of a kind different: a week has one share move or results per
# company, one order per (company, customer), one smuggling case per (company, route)…
IDENTITY = {
    "shares_up": ("co",),
    "shares_down": ("co",),
    "results": ("co",),
    "probe": ("co", "agency"),
    "fab": ("co",),
    "launch": ("co", "chip"),
    "order": ("co", "chip", "customer"),
    "smuggling": ("co", "chip", "place"),
    "analyst": ("co", "bank"),
    "partnership": ("co", "partner"),
    "datacentre": ("customer",),
}
# At most so many events of a kind in the week: real weeks do not bring eight smuggling
# cases told in the same words, and a generator that did would measure its own templates.
KIND_CAP = {
    "shares_up": 5,
    "shares_down": 5,
    "results": 5,
    "probe": 4,
    "fab": 6,
    "launch": 6,
    "order": 10,
    "smuggling": 3,
    "analyst": 6,
    "partnership": 6,
    "datacentre": 5,
}
DATACENTRE_CHIPS = ("NVIDIA", "NVIDIA", "Huawei", "AMD", "Cambricon")


def _localise(slots: dict[str, Any], lang: str) -> dict[str, Any]:
    i = W.LANGS.index(lang)
    short = 0 if lang in ("en", "fr", "de", "es") else (1 if lang == "ja" else 2)
    values = dict(slots)
    values["co"] = W.COMPANIES[slots["co"]][short]
    if "customer" in slots:
        values["customer"] = W.CUSTOMERS[slots["customer"]][short]
    if "place" in slots:
        values["place"] = W.PLACES[slots["place"]][i]
    if "agency" in slots:
        values["agency"] = W.AGENCIES[slots["agency"]][i]
    if "reason" in slots:
        table = W.REASONS_UP if slots["reason"] in W.REASONS_UP else W.REASONS_DOWN
        values["reason"] = table[slots["reason"]][i]
    if "matter" in slots:
        values["matter"] = W.MATTERS[slots["matter"]][i]
    return values


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def generate_week(
    *, seed: int = SEED, events: int = EVENTS, start: datetime = START
) -> list[dict[str, Any]]:
    """The week's generated articles (labelled-set records), the same for the same seed."""
    rng = random.Random(seed)
    articles: list[dict[str, Any]] = []
    seen: set[tuple[Any, ...]] = set()
    made: Counter[str] = Counter()
    for number in range(events):
        while True:  # a new event: what it is about was not reported this week yet
            kind = _pick(rng, {k: w for k, w in W.KIND_WEIGHTS.items() if made[k] < KIND_CAP[k]})
            slots = _slots(rng, kind)
            key = (kind, *(slots[name] for name in IDENTITY[kind]))
            if key not in seen:
                break
        seen.add(key)
        made[kind] += 1
        first = start + timedelta(minutes=rng.randrange(6 * 24 * 60))
        copies = rng.choice(COPIES) + (3 if slots["co"] == "NVIDIA" else 0)  # the beat's star
        outlets = rng.sample(OUTLETS, min(copies, len(OUTLETS)))
        for copy, (feed, lang) in enumerate(outlets):
            later = 0 if copy == 0 else rng.randrange(10, 18 * 60)
            articles.append(
                _article(
                    rng,
                    f"week-{number:03d}-{kind}",
                    kind,
                    slots,
                    feed,
                    lang,
                    first + timedelta(minutes=later),
                )
            )
    return articles


def _article(
    rng: random.Random,
    event: str,
    kind: str,
    slots: dict[str, Any],
    feed: str,
    lang: str,
    when: datetime,
) -> dict[str, Any]:
    titles, summaries = W.TEMPLATES[kind][lang]
    values = _localise(slots, lang)
    title: str | None = _capital(rng.choice(titles).format(**values))
    summary = _capital(rng.choice(summaries).format(**values))
    features = []
    if feed == AGGREGATOR:
        summary = rng.choice(CREDITS) + summary
        features.append("aggregator")
    if rng.random() < 0.1:
        title = None  # the feed carries the body only
    record: dict[str, Any] = {"event": event, "feed": feed, "lang": lang, "summary": summary}
    if rng.random() < 0.08:  # a date-only stamp, a day or two late
        day = when.replace(hour=12, minute=0, second=0) + timedelta(days=rng.choice((0, 1, 1, 2)))
        when = max(day, when)
        record["date_estimated"] = True
        features.append("estimated-date")
    record["published"] = when.replace(microsecond=0)
    if title is not None:
        record["title"] = title
    record["features"] = features
    return record


def week_records() -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """Events and articles of the whole week: the hand-written ones, then the generated."""
    from benchmarks.quality_sets import load_events_and_articles

    events, articles = load_events_and_articles(WEEK_TOML)
    generated = generate_week()
    for record in generated:
        events.setdefault(record["event"], {"id": record["event"], "split": "background"})
    everything = sorted(
        articles + generated, key=lambda a: (a["published"], a["feed"], a["summary"])
    )
    return events, everything


def week_set() -> Any:
    """The week as a :class:`~benchmarks.quality_sets.QualitySet` with its seed pair."""
    from benchmarks.quality_sets import item_set, items_from_labelled
    from benchmarks.replay import url_key

    events, articles = week_records()
    pairs = items_from_labelled(articles, prefix="w")
    seeds = [url_key(item.url) for item, record in pairs if "seed" in record.get("features", ())]
    if len(seeds) != 2:
        raise ValueError(
            f"{WEEK_TOML.name}: expected two articles marked 'seed', found {len(seeds)}"
        )
    return item_set("week", pairs, events, seed_pair=(seeds[0], seeds[1]))


def main() -> int:
    from chipwatch.entities.tagger import build_tagger

    events, articles = week_records()
    tagger = build_tagger()
    named: Counter[str] = Counter()
    for article in articles:
        found = {m.entity for m in tagger.tag(article.get("title") or "", article["summary"])}
        named.update(found & {"NVIDIA", "China"})
    print(f"{len(articles)} articles, {len(events)} events")
    print("languages:", dict(Counter(a["lang"] for a in articles)))
    print("without title:", sum(1 for a in articles if not a.get("title")))
    print(f"naming NVIDIA: {named['NVIDIA']}, China: {named['China']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
