"""Parents count: a child's mention counts for its ancestors in ``@Entity`` queries, the
entity pane and the digest JSON (a real poll of a local feed into a real store; the
items are written for chipwatch)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from chipwatch.cli import main
from chipwatch.entities.tagger import build_tagger
from chipwatch.query.match import parse_query
from chipwatch.store import views
from chipwatch.store.db import open_db, write_transaction
from chipwatch.store.search import search_stories
from chipwatch.store.tags import save_matches

NOW = "2025-09-20T12:00:00Z"
ITEMS = [
    ("https://wire.example/gallium", "China bans exports of gallium",
     "The ban covers shipments to American buyers.", "Thu, 18 Sep 2025 08:00:00 GMT"),
    ("https://wire.example/ascend", "Roadmap: the Ascend 960 arrives in 2027",
     "Its successor follows a year later.", "Fri, 19 Sep 2025 09:00:00 GMT"),
]  # fmt: skip


def _rss(items: list[tuple[str, str, str, str]]) -> str:
    entries = "".join(
        f"<item><title>{title}</title><link>{link}</link><guid>{link}</guid>"
        f"<description>{summary}</description><pubDate>{date}</pubDate></item>"
        for link, title, summary, date in items
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>'
        f"<link>https://wire.example/</link><description>d</description>{entries}"
        "</channel></rss>"
    )


@pytest.fixture
def polled(tmp_path: Path, capsys) -> list[str]:
    feed = tmp_path / "wire.xml"
    feed.write_text(_rss(ITEMS), encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(f'[poll]\nworkers = 1\n\n[[feeds]]\nname = "Wire"\nurl = "{feed}"\n')
    args = ["--config", str(config), "--db", str(tmp_path / "cw.db")]
    assert main([*args, "poll", "--once", "--now", NOW]) == 0, capsys.readouterr().err
    capsys.readouterr()
    return args


def _digest(args: list[str], capsys, fmt: str) -> str:
    assert main([*args, "digest", "--now", NOW, "--since", "all", "--format", fmt]) == 0
    return capsys.readouterr().out


def _story(data: dict, link: str) -> dict:
    return next(s for s in data["stories"] if any(a["url"] == link for a in s["articles"]))


def test_digest_json_adds_the_ancestors_of_what_is_named_as_implied(polled, capsys) -> None:
    data = json.loads(_digest(polled, capsys, "json"))
    ban = {e["name"]: e for e in _story(data, ITEMS[0][0])["entities"]}
    assert "implied" not in ban["export ban"]  # named: the contract's own keys only
    assert ban["export controls"] == {
        "name": "export controls", "kind": "policy", "mentions": 1, "implied": True,
    }  # fmt: skip
    ascend = _story(data, ITEMS[1][0])
    named = [e["name"] for e in ascend["entities"] if not e.get("implied")]
    implied = [e["name"] for e in ascend["entities"] if e.get("implied")]
    assert named == ["Ascend 960"] and implied == ["Ascend", "Huawei"]
    article = ascend["articles"][0]
    assert article["entities"] == ["Ascend 960"]  # articles still list names as strings
    markdown = _digest(polled, capsys, "md")
    assert "export ban (policy, 1)" in markdown and "export controls" not in markdown


def test_the_store_records_whole_chains_of_parents(polled) -> None:
    db = open_db(Path(polled[3]))
    rows = {r[0]: (r[1], r[2]) for r in db.execute("SELECT name, kind, parent FROM entities")}
    assert rows["Ascend 960"] == ("chip", "Ascend")
    assert rows["Ascend"] == ("chip", "Huawei") and rows["Huawei"] == ("company", None)
    assert rows["export ban"] == ("policy", "export controls")
    assert rows["export controls"] == ("policy", None)
    db.close()


def test_entity_pane_counts_and_filters_a_parent_by_its_children(polled) -> None:
    db = open_db(Path(polled[3]))
    now = datetime(2025, 9, 20, 12, tzinfo=UTC)
    counts = {c.name: c for c in views.entity_counts(db, since=None, now=now)}
    assert counts["export controls"].stories == 1 and counts["export controls"].kind == "policy"
    assert counts["Huawei"].stories == 1 and sum(counts["Huawei"].spark) == 1
    shown = views.timeline_page(db, views.TimelineFilter(entity="export controls"))
    assert [r.title for r in shown] == ["China bans exports of gallium"]
    db.close()


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ('@"export controls"', "China bans exports of gallium"),  # a dictionary child
        ("@Huawei", "Roadmap: the Ascend 960 arrives in 2027"),  # a model made on the fly
        ("@Ascend roadmap", "Roadmap: the Ascend 960 arrives in 2027"),  # decided in memory
        ('@"Ascend 960"', "Roadmap: the Ascend 960 arrives in 2027"),
    ],
)
def test_entity_queries_match_what_is_below_the_entity(polled, query: str, title: str) -> None:
    db = open_db(Path(polled[3]))
    tagger = build_tagger()
    ids = search_stories(db, parse_query(query, tagger), tagger)
    titles = {row[0] for row in db.execute(
        f"SELECT title FROM stories WHERE id IN ({','.join(map(str, ids)) or '0'})"
    )}  # fmt: skip
    assert titles == {title}
    db.close()


def test_a_live_watch_on_a_family_sees_a_new_model() -> None:
    from chipwatch.query.match import QueryDoc

    tagger = build_tagger()
    query = parse_query("@Kirin", tagger)
    text = "Huawei's next phone uses the Kirin 9030"
    doc = QueryDoc(text, entities=frozenset(m.entity for m in tagger.tag(text)))
    assert "Kirin 9030" in doc.entities and query.matches(doc)
    assert not parse_query("@Ascend", tagger).matches(doc)


def test_saving_a_model_records_its_parents_from_the_tagger(tmp_path: Path) -> None:
    tagger = build_tagger()
    db = open_db(tmp_path / "x.db")
    with write_transaction(db):
        db.execute(
            "INSERT INTO feeds (id, url, created_at, last_status) VALUES (1, 'f', ?, 'ok')", [NOW]
        )
        db.execute(
            "INSERT INTO articles (id, key, feed_id, url, title, summary, lang, published, "
            "fetched_at, updated_at) VALUES (1, 'k', 1, 'u', 't', '', 'en', ?, ?, ?)",
            [NOW, NOW, NOW],
        )
        save_matches(db, 1, tagger.tag("Ascend 950PR"), parents=tagger.entities)
    rows = dict(db.execute("SELECT name, parent FROM entities").fetchall())
    assert rows == {
        "Ascend 950PR": "Ascend 950", "Ascend 950": "Ascend", "Ascend": "Huawei", "Huawei": None,
    }  # fmt: skip
    db.close()
