"""A small store for digest tests: feeds, articles, stories, entity tags and alerts with
a fixed clock (``NOW``). Every headline here was written for these tests.

Inside the default 24 h window before NOW (2025-07-15T12:00Z .. 2025-07-16T12:00Z):
  1. H20 sales to China may resume: 4 outlets, French (two, one writing "H2O"),
     English and German; watched ("H20 exports").
  2. TSMC record quarter: 2 outlets; one article is older than the window (context).
  3. Japan tightens equipment export licences: 2 outlets, English and Japanese.
  4. A hostile feed: markup, escapes, formula and link injection in every string.
Outside it: an old story, a story only published after NOW, a merged-away story.
Alerts, shaped as the alert engine writes them: a watch alert (story 1), a hostile
watch (story 4), an entity spike pointing at story 1 and a feed-health alert in the
window; a dismissed alert and an old feed alert that must not show.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlite_utils import Database

from chipwatch.store.queries import refresh_query_special

NOW = datetime(2025, 7, 16, 12, 0, tzinfo=UTC)

HOSTILE_TITLE = (
    "[bold red]BREAKING[/] <script>alert(1)</script> <img src=x onerror=alert(2)> "
    "[click](javascript:alert(3)) \x1b]8;;https://evil.example/\x07osc\x1b]8;;\x07 "
    "\x1b[31mred\x1b[0m *star* # hash"
)
# What a reader must see: the same text with the terminal escapes removed.
HOSTILE_TITLE_CLEAN = (
    "[bold red]BREAKING[/] <script>alert(1)</script> <img src=x onerror=alert(2)> "
    "[click](javascript:alert(3)) osc red *star* # hash"
)
HOSTILE_FORMULA = '=HYPERLINK("https://evil.example/x","open me")'
HOSTILE_FEED = "[link=https://evil.example]Evil[/link] <b>Wire</b> &amp; co"
HOSTILE_WATCH = "[red]watch[/red] <i>me</i>"
HOSTILE_ENTITY = "=cmd|' /C calc'!A0"

# fmt: off
FEEDS: list[dict[str, Any]] = [
    {"id": 1, "url": "https://puces.example.fr/rss", "name": "Le Journal des Puces"},
    {"id": 2, "url": "https://silicium.example.org/feed", "name": "Gazette Silicium"},
    {"id": 3, "url": "https://chipwire.example.com/atom", "name": "Chip Wire"},
    {"id": 4, "url": "https://halbleiter.example.de/rss", "name": "Halbleiter Heute"},
    {"id": 5, "url": "https://handotai.example.jp/rss", "name": "東京半導体ニュース"},
    {"id": 6, "url": "https://evil.example.net/rss", "name": HOSTILE_FEED},
    # No display name: the digest falls back to the feed's own title.
    {"id": 7, "url": "https://policydesk.example.com/feed", "name": "",
     "title": "Policy Desk"},
]

# (article id, story id, feed id, lang, published, title, url, [(entity, kind)])
ARTICLES: list[tuple[Any, ...]] = [
    (1, 1, 3, "en", "2025-07-15T13:30:00Z",
     "Nvidia says Washington will license H20 chip sales to China again",
     "https://chipwire.example.com/2025/07/nvidia-h20-licences",
     [("NVIDIA", "company"), ("United States", "place"), ("H20", "chip"),
      ("China", "place"), ("export controls", "policy")]),
    (2, 1, 1, "fr", "2025-07-15T14:10:00Z",
     "Puces d'IA : Nvidia pourra de nouveau vendre son H20 aux clients chinois",
     "https://puces.example.fr/nvidia-h20-chine",
     [("NVIDIA", "company"), ("H20", "chip"), ("China", "place"), ("AMD", "company"),
      ("MI308", "chip")]),
    (3, 1, 2, "fr", "2025-07-15T15:45:00Z",
     "Washington lève le blocage : le H2O de Nvidia repart vers la Chine",
     "https://silicium.example.org/articles/h2o-nvidia?utm_source=x&id=3",
     [("United States", "place"), ("H20", "chip"), ("NVIDIA", "company"),
      ("China", "place")]),
    (4, 1, 4, "de", "2025-07-16T07:20:00Z",
     "Exportlizenzen: Nvidia darf H20-Beschleuniger wieder nach China liefern",
     "https://halbleiter.example.de/nvidia-h20",
     [("export controls", "policy"), ("NVIDIA", "company"), ("H20", "chip"),
      ("China", "place")]),
    (5, 2, 3, "en", "2025-07-14T09:00:00Z",
     "TSMC expected to post its strongest quarter yet as AI orders pile up",
     "https://chipwire.example.com/2025/07/tsmc-preview",
     [("TSMC", "company")]),
    (6, 2, 7, "en", "2025-07-16T06:00:00Z",
     "TSMC quarterly profit jumps on demand for AI accelerators",
     "https://policydesk.example.com/tsmc-q2",
     [("TSMC", "company")]),
    (7, 3, 7, "en", "2025-07-16T03:00:00Z",
     "Tokyo widens licence requirement for chipmaking tools bound for China",
     "https://policydesk.example.com/japan-tools",
     [("Japan", "place"), ("China", "place"), ("export controls", "policy")]),
    (8, 3, 5, "ja", "2025-07-16T02:15:00Z",
     "経済産業省、半導体製造装置の輸出許可の対象を拡大",
     "https://handotai.example.jp/meti-kiki",
     [("METI", "agency"), ("export controls", "policy")]),
    (9, 4, 6, "en", "2025-07-16T09:00:00Z", HOSTILE_TITLE, "javascript:alert(4)",
     [(HOSTILE_ENTITY, "company"), ("NVIDIA", "company")]),
    (10, 4, 6, "en", "2025-07-16T09:05:00Z", HOSTILE_FORMULA,
     "https://evil.example.net/a?b=<c>&d=\"e\"", []),
    # Outside the window.
    (11, 5, 3, "en", "2025-07-10T10:00:00Z",
     "ASML ships first high-NA scanner to a second customer",
     "https://chipwire.example.com/asml-high-na", [("ASML", "company")]),
    (12, 6, 1, "fr", "2025-07-16T13:00:00Z",
     "Article daté dans le futur par une horloge déréglée",
     "https://puces.example.fr/futur", []),
    (13, 7, 2, "fr", "2025-07-16T08:00:00Z",
     "Ancienne histoire fusionnée ailleurs",
     "https://silicium.example.org/fusion", []),
]

# Summaries of the headline articles (the digest shows the opening as the story's lede).
SUMMARIES = {
    1: (
        "Nvidia told customers on Monday that the US Commerce Department has signalled it "
        "will approve the export licences the company applied for, so shipments of the H20, "
        "a data-centre accelerator cut down to meet earlier rules, can restart to buyers in "
        "China. AMD said it expects the same treatment for its MI308. Analysts note that the "
        "licences can still be withdrawn and that Beijing has urged companies to look at "
        "domestic alternatives first."
    ),
    6: "Net income rose sharply from a year earlier as cloud providers kept ordering "
    "accelerators; the company raised its full-year revenue outlook.",
    7: "Japan's trade ministry adds several categories of deposition and etching equipment "
    "to the list of goods that need a licence before export.",
    9: "<p onclick=alert(5)>**Read** [this](javascript:alert(6)) & <b>that</b></p>\x1b[2J",
}
HOSTILE_SUMMARY_CLEAN = (
    "<p onclick=alert(5)>**Read** [this](javascript:alert(6)) & <b>that</b></p>"
)

STORY_TITLES = {
    1: "Nvidia says Washington will license H20 chip sales to China again",
    2: "TSMC quarterly profit jumps on demand for AI accelerators",
    3: "Tokyo widens licence requirement for chipmaking tools bound for China",
    4: "",  # no stored title: the digest uses the headline article's
    5: "ASML ships first high-NA scanner to a second customer",
    6: "Article daté dans le futur par une horloge déréglée",
    7: "Ancienne histoire fusionnée ailleurs",
}
HEADLINES = {1: 1, 2: 6, 3: 7, 4: 9, 5: 11, 6: 12, 7: 13}
MERGED = {7: 1}

# (id, kind, watch, subject, story id, feed id, title, detail, state, created, updated)
ALERTS: list[tuple[Any, ...]] = [
    (1, "watch", "H20 exports", "story:1", 1, None, STORY_TITLES[1],
     "4 outlets: Chip Wire, Le Journal des Puces, Gazette Silicium +1", "new",
     "2025-07-15T13:31:00Z", "2025-07-16T07:21:00Z"),
    (2, "watch", HOSTILE_WATCH, "story:4", 4, None, HOSTILE_FORMULA, "", "seen",
     "2025-07-16T09:01:00Z", "2025-07-16T09:06:00Z"),
    (3, "spike", "H20 spike", "spike:H20:2025-07-16", 1, None,
     "H20: 5 stories in 24h (none in the 7 days before)",
     "5 stories in 24h (none in the 7 days before)", "new",
     "2025-07-16T08:00:00Z", "2025-07-16T08:00:00Z"),
    (4, "feed", "feed health", "feed:3:failing:2025-07-16T06:10:00Z", None, 3,
     "Chip Wire: HTTP 503, 5 failures in a row", "HTTP 503, 5 failures in a row", "new",
     "2025-07-16T10:00:00Z", "2025-07-16T10:00:00Z"),
    (5, "watch", "Japan", "story:3", 3, None, STORY_TITLES[3], "", "dismissed",
     "2025-07-16T03:01:00Z", "2025-07-16T03:01:00Z"),
    (6, "feed", "feed health", "feed:5:failing:2025-07-01T10:00:00Z", None, 5,
     "東京半導体ニュース: timed out", "timed out", "new",
     "2025-07-01T10:00:00Z", "2025-07-01T10:00:00Z"),
]
# fmt: on


def seed_store(db: Database) -> None:
    """Fill an empty, migrated store with the fixture above."""
    created = "2025-07-01T00:00:00Z"
    db["feeds"].insert_all({"title": "", "created_at": created, **feed} for feed in FEEDS)
    db["stories"].insert_all(_stories())
    db["articles"].insert_all(_article_row(row) for row in ARTICLES)
    with db.conn:  # the ingest writer keeps query_special; rows inserted by hand
        refresh_query_special(db)
    db["article_entities"].insert_all(_entity_rows())
    db["alerts"].insert_all(_alert_row(row) for row in ALERTS)


def _stories() -> list[dict[str, Any]]:
    rows = []
    for story_id, title in STORY_TITLES.items():
        times = [a[4] for a in ARTICLES if a[1] == story_id]
        feeds = {a[2] for a in ARTICLES if a[1] == story_id}
        langs = sorted({a[3] for a in ARTICLES if a[1] == story_id})
        rows.append(
            {
                "id": story_id,
                "title": title,
                "headline_article_id": HEADLINES[story_id],
                "first_seen": min(times),
                "last_updated": max(times),
                "created_at": min(times),
                "article_count": len(times),
                "outlet_count": len(feeds),
                "languages": json.dumps(langs),
                "merged_into": MERGED.get(story_id),
            }
        )
    return rows


def _article_row(row: tuple[Any, ...]) -> dict[str, Any]:
    article_id, story_id, feed_id, lang, published, title, url, _ = row
    return {
        "id": article_id,
        "key": f"fixture:{article_id}",
        "feed_id": feed_id,
        "guid": url,
        "url": url,
        "title": title,
        "summary": SUMMARIES.get(article_id, ""),
        "lang": lang,
        "published": published,
        "fetched_at": published,
        "updated_at": published,
        "story_id": story_id,
    }


def _entity_rows() -> list[dict[str, Any]]:
    rows = []
    for article_id, _, _, _, _, title, _, entities in ARTICLES:
        for position, (name, kind) in enumerate(entities):
            # Where the title names it; tags found elsewhere sort after, in list order.
            found = title.casefold().find(name.casefold())
            start = found if found >= 0 else 1000 + 50 * position
            rows.append(
                {
                    "article_id": article_id,
                    "entity": name,
                    "kind": kind,
                    "field": "title",
                    "start": start,
                    "end": start + len(name),
                    "rule": name,
                }
            )
    return rows


def _alert_row(row: tuple[Any, ...]) -> dict[str, Any]:
    keys = (
        "id",
        "kind",
        "watch",
        "subject",
        "story_id",
        "feed_id",
        "title",
        "detail",
        "state",
        "created_at",
        "updated_at",
    )
    return dict(zip(keys, row, strict=True))
