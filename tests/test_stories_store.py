"""Story rows and user corrections in the store."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from chipwatch.errors import UserError
from chipwatch.model import Article, EntityMatch
from chipwatch.store.db import write_transaction
from chipwatch.store.queries import feed_id_for, upsert_article
from chipwatch.store.stories import (
    HeadlineCandidate,
    choose_headline,
    create_story,
    explain_article,
    get_story,
    merge_stories,
    refresh_story,
    split_article,
    story_articles,
    story_entities,
)
from chipwatch.store.tags import save_matches

T0 = datetime(2025, 7, 15, 8, 0, tzinfo=UTC)


def add(db, story_id, feed, lang, title, minutes, entities=()):
    article = Article(
        key=f"{feed}-{title}",
        feed_url=f"https://{feed}.example/feed",
        title=title,
        summary="",
        url=f"https://{feed}.example/{minutes}",
        published=T0 + timedelta(minutes=minutes),
        fetched_at=T0,
        lang=lang,
    )
    feed_id = feed_id_for(db, article.feed_url, now=T0, name=feed)
    article_id, _ = upsert_article(db, article, feed_id=feed_id, now=T0)
    db.execute("UPDATE articles SET story_id = ? WHERE id = ?", [story_id, article_id])
    save_matches(db, article_id, [EntityMatch(e, "chip", "title", 0, 1, e) for e in entities])
    return article_id


@pytest.fixture
def story(db):
    with write_transaction(db):
        sid = create_story(db, published=T0, now=T0)
        ids = [
            add(db, sid, "wire", "fr", "Nvidia reprend ses ventes", 0, ["H20", "NVIDIA"]),
            add(db, sid, "blog", "en", "Nvidia resumes H20 sales", 30, ["H20", "NVIDIA"]),
            add(db, sid, "wire", "de", "Nvidia liefert wieder", 60, ["NVIDIA"]),
        ]
        refresh_story(db, sid, languages=("en", "fr"))
    return sid, ids


def test_refresh_counts_outlets_languages_and_prefers_the_readers_language(db, story):
    sid, _ids = story
    row = get_story(db, sid)
    assert row.article_count == 3 and row.outlet_count == 2
    assert row.languages == ("de", "en", "fr")
    assert row.title == "Nvidia resumes H20 sales"
    assert row.first_seen == "2025-07-15T08:00:00Z" and row.last_updated == "2025-07-15T09:00:00Z"
    assert [a.feed_name for a in story_articles(db, sid)] == ["wire", "blog", "wire"]
    assert story_entities(db, sid)[0] == ("NVIDIA", "chip", 3)


def test_headline_prefers_language_then_representativeness_then_earliest():
    c = [
        HeadlineCandidate(1, "de", "2025-01-01", "A", 5),
        HeadlineCandidate(2, "fr", "2025-01-02", "B", 1),
        HeadlineCandidate(3, "fr", "2025-01-03", "C", 2),
    ]
    assert choose_headline(c, ["fr"]).article_id == 3
    assert choose_headline(c, ["ja"]).article_id == 1


def test_split_and_merge_are_recorded_locked_and_explained(db, story, now):
    sid, ids = story
    with write_transaction(db):
        new = split_article(db, ids[2], now=now)
    assert get_story(db, sid).article_count == 2 and get_story(db, new).article_count == 1
    explain = explain_article(db, ids[2])
    assert explain["locked"] and explain["corrections"][0]["kind"] == "split"
    with write_transaction(db):
        merge_stories(db, new, sid, now=now)
    assert get_story(db, new).id == sid  # a merged id leads to the surviving story
    assert get_story(db, sid).article_count == 3
    kinds = [r[0] for r in db.execute("SELECT kind FROM corrections ORDER BY id")]
    assert kinds == ["split", "merge"]  # the merge moved one article: one row
    locked = db.execute("SELECT count(*) FROM articles WHERE story_locked = 1").fetchone()[0]
    assert locked == 3
    assert json.loads(
        db.execute("SELECT languages FROM stories WHERE id = ?", [sid]).fetchone()[0]
    ) == ["de", "en", "fr"]


def test_a_merge_says_moved_by_you_only_of_the_articles_it_moved(db, story, now) -> None:
    """A merge locks both stories' articles, but only the moved ones were placed by the
    user: the target's own articles kept saying "Moved here by you" too, their
    clustering reason lost (found by a new user, session 26)."""
    from chipwatch.clustering.explanation import Explanation
    from chipwatch.clustering.explanation_words import context_of, render

    sid, ids = story
    with write_transaction(db):
        db.execute(
            "UPDATE articles SET cluster_explain = ? WHERE id = ?",
            [
                Explanation(decision="joined", score=0.7, matched_article_id=ids[0]).to_json(),
                ids[1],
            ],
        )
        other = create_story(db, published=T0, now=T0)
        moved = add(db, other, "desk", "en", "H20 shipments restart", 90, ["H20"])
        refresh_story(db, other, languages=("en",))
        merge_stories(db, other, sid, now=now)

    def said(article_id: int) -> str:
        info = explain_article(db, article_id)
        return render(Explanation.from_json(info), context_of(info))

    assert said(moved).startswith(f"Moved here by you on {now.date().isoformat()}")
    assert f"story {other} merged into {sid}" in said(moved)
    assert explain_article(db, ids[1])["locked"]  # kept where it is by the merge
    assert said(ids[1]).startswith("Joined ")  # and says why it is there
    assert "by you" not in said(ids[1])


def test_corrections_name_missing_things(db, story, now):
    sid, _ = story
    with pytest.raises(UserError, match="no article"):
        split_article(db, 999, now=now)
    with pytest.raises(UserError, match="already"):
        merge_stories(db, sid, sid, now=now)
    with pytest.raises(UserError, match="no story"):
        merge_stories(db, 999, sid, now=now)


def test_incremental_join_agrees_with_a_full_refresh(db):
    from chipwatch.store.stories import add_to_story, start_story

    feeds = ["wire", "blog", "wire", "paper", "blog", "radio"]
    langs = ["de", "de", "fr", "de", "en", "de"]
    with write_transaction(db):
        first = add(db, None, feeds[0], langs[0], "Erster Bericht", 0)
        sid = start_story(
            db, article_id=first, title="Erster Bericht", lang="de", published=T0, now=T0
        )
        db.execute("UPDATE articles SET story_id = ? WHERE id = ?", [sid, first])
        for n in range(1, len(feeds)):
            aid = add(db, sid, feeds[n], langs[n], f"Bericht {n}", -10 * n if n == 3 else 5 * n)
            row = db.execute("SELECT published FROM articles WHERE id = ?", [aid]).fetchone()
            add_to_story(
                db,
                sid,
                article_id=aid,
                feed_id=feed_id_for(db, f"https://{feeds[n]}.example/feed", now=T0),
                lang=langs[n],
                published=datetime.fromisoformat(row[0].replace("Z", "+00:00")),
                title=f"Bericht {n}",
                languages=("en", "fr"),
            )
        incremental = db.execute(
            "SELECT article_count, outlet_count, languages, first_seen, "
            "last_updated, title FROM stories WHERE id = ?",
            [sid],
        ).fetchone()
        refresh_story(db, sid, languages=("en", "fr"))
        full = db.execute(
            "SELECT article_count, outlet_count, languages, first_seen, "
            "last_updated, title FROM stories WHERE id = ?",
            [sid],
        ).fetchone()
    assert incremental == full
    assert full[0] == 6 and full[1] == 4 and full[5] == "Bericht 4"


def test_a_story_emptied_by_an_edit_leaves_no_chain_of_merges(db) -> None:
    from chipwatch.store.clustering import leave_story
    from chipwatch.store.merged import LIVE_STORY_SQL, live_story_id

    with write_transaction(db):
        old, emptied, live = (create_story(db, published=T0, now=T0) for _ in range(3))
        db.execute("UPDATE stories SET merged_into = ? WHERE id = ?", [emptied, old])
        leave_story(db, emptied, live, languages=("en",))
    rows = dict(db.execute("SELECT id, merged_into FROM stories").fetchall())
    assert rows[old] == rows[emptied] == live  # one hop reaches the live story
    assert live_story_id(db, old) == live and live_story_id(db, 999) is None
    assert "merged_into" in LIVE_STORY_SQL
