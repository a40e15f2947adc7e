"""search_stories against a real store: FTS5 narrows, the matcher decides; a story
matches when any of its articles does; windows, limits and newest-first order."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlite_utils import Database
from test_query_match import small_tagger

from chipwatch.entities.tagger import Tagger
from chipwatch.model import Article
from chipwatch.query.grammar import QuerySyntaxError
from chipwatch.query.match import parse_query
from chipwatch.query.text import fuzzy_candidates, fuzzy_equal
from chipwatch.store.db import write_transaction
from chipwatch.store.queries import feed_id_for, upsert_article
from chipwatch.store.search import Vocabulary, matching_articles, search_stories, sql_condition
from chipwatch.store.tags import save_matches
from chipwatch.timeutil import iso


class Archive:
    """Builds a store the way ingest leaves it: feeds, articles, tags and stories."""

    def __init__(self, db: Database, tagger: Tagger, now: datetime) -> None:
        self.db, self.tagger, self.now = db, tagger, now
        self.count = 0

    def story(self, published: datetime) -> int:
        stamp = iso(published)
        cursor = self.db.execute(
            "INSERT INTO stories (title, first_seen, last_updated, created_at) VALUES ('', ?, ?, ?)",
            [stamp, stamp, iso(self.now)],
        )
        return int(cursor.lastrowid or 0)

    def article(
        self,
        story_id: int | None,
        title: str,
        *,
        feed: str = "Wire",
        summary: str = "",
        lang: str = "en",
        published: datetime | None = None,
    ) -> tuple[int, Article]:
        """Store an article in ``story_id``; returns its id and value."""
        self.count += 1
        when = published or self.now
        url = f"https://{feed.lower().replace(' ', '-')}.example/rss"
        article = Article(
            key=f"k{self.count}",
            feed_url=url,
            title=title,
            summary=summary,
            url=f"https://news.example/{self.count}",
            published=when,
            fetched_at=when,
            lang=lang,
            feed_name=feed,
        )
        with write_transaction(self.db):
            feed_id = feed_id_for(self.db, url, now=self.now, name=feed)
            article_id, _ = upsert_article(self.db, article, feed_id=feed_id, now=self.now)
            save_matches(self.db, article_id, self.tagger.tag(title, summary))
            if story_id is not None:
                self.attach(article_id, story_id, title, when)
        return article_id, article

    def attach(self, article_id: int, story_id: int, title: str, when: datetime) -> None:
        self.db.execute("UPDATE articles SET story_id = ? WHERE id = ?", [story_id, article_id])
        outlets, count, langs = self.db.execute(
            "SELECT count(DISTINCT feed_id), count(*), json_group_array(DISTINCT lang) "
            "FROM articles WHERE story_id = ?",
            [story_id],
        ).fetchone()
        self.db.execute(
            "UPDATE stories SET title = CASE WHEN title = '' THEN ? ELSE title END, "
            "headline_article_id = COALESCE(headline_article_id, ?), "
            "last_updated = max(last_updated, ?), first_seen = min(first_seen, ?), "
            "outlet_count = ?, article_count = ?, languages = ? WHERE id = ?",
            [title, article_id, iso(when), iso(when), outlets, count, langs, story_id],
        )


@pytest.fixture
def tagger() -> Tagger:
    return small_tagger()


@pytest.fixture
def archive(db: Database, tagger: Tagger, now: datetime) -> Archive:
    return Archive(db, tagger, now)


def test_a_story_matches_when_any_of_its_articles_does(
    archive: Archive, db: Database, tagger: Tagger, now: datetime
) -> None:
    h20 = archive.story(now)
    archive.article(h20, "Nvidia cleared to sell H20 in China again", feed="Wire")
    archive.article(h20, "Nvidia va revendre ses puces H2O en Chine", feed="Le Monde", lang="fr")
    earlier = now - timedelta(hours=2)
    other = archive.story(earlier)
    archive.article(other, "Huawei ships Ascend 910C", feed="Wire", published=earlier)
    assert search_stories(db, "revendre", tagger) == [h20]
    assert search_stories(db, "@H20", tagger) == [h20]
    assert search_stories(db, "@Huawei OR @H20", tagger) == [h20, other]
    assert search_stories(db, "lang:fr", tagger) == [h20]
    assert search_stories(db, "@Ascend -lang:fr", tagger) == [other]
    assert search_stories(db, "nothing-like-this", tagger) == []


def test_matching_is_per_article_not_across_a_story(
    archive: Archive, db: Database, tagger: Tagger, now: datetime
) -> None:
    story = archive.story(now)
    archive.article(story, "H20 sales resume")
    archive.article(story, "Licence terms published")
    assert search_stories(db, "h20 licence", tagger) == []
    assert search_stories(db, "h20 OR licence", tagger) == [story]


def test_width_accents_and_cjk_survive_the_fts_prefilter(
    archive: Archive, db: Database, tagger: Tagger, now: datetime
) -> None:
    stories = []
    for hours, title, lang in [
        (0, "ＬＩＣＥＮＣＥ granted for accelerators", "en"),
        (1, "Licencé par le BIS", "fr"),
        (2, "英伟达H20芯片获准出口", "zh"),
        (3, "Neue Regeln für die Straße", "de"),
    ]:
        when = now - timedelta(hours=hours)
        stories.append(archive.story(when))
        archive.article(stories[-1], title, lang=lang, published=when)
    wide, accented, glued, german = stories
    assert search_stories(db, "licence", tagger) == [wide, accented]
    assert search_stories(db, "H20", tagger) == [glued]
    assert search_stories(db, "出口", tagger) == [glued]
    assert search_stories(db, "strasse", tagger) == [german]
    assert search_stories(db, "licence~ OR 英伟达", tagger) == [wide, accented, glued]


def test_window_limit_and_order(
    archive: Archive, db: Database, tagger: Tagger, now: datetime
) -> None:
    ids = []
    for days in (9, 5, 1):
        story = archive.story(now - timedelta(days=days))
        archive.article(story, f"H20 update {days}", published=now - timedelta(days=days))
        ids.append(story)
    assert search_stories(db, "h20", tagger) == ids[::-1]
    assert search_stories(db, "h20", tagger, since=now - timedelta(days=7)) == [ids[2], ids[1]]
    assert search_stories(db, "h20", tagger, until=now - timedelta(days=3)) == [ids[1], ids[0]]
    assert search_stories(db, "h20", tagger, limit=1) == [ids[2]]


def test_unclustered_articles_and_merged_stories(
    archive: Archive, db: Database, tagger: Tagger, now: datetime
) -> None:
    archive.article(None, "H20 orphan")
    old = archive.story(now)
    archive.article(old, "H20 first report")
    survivor = archive.story(now)
    db.execute("UPDATE stories SET merged_into = ? WHERE id = ?", [survivor, old])
    assert search_stories(db, "h20", tagger) == [survivor]


def test_sql_decides_where_it_can_and_narrows_elsewhere() -> None:
    """Exact where SQL can decide; NOT of an inexact part and fuzzy words narrow nothing."""
    assert sql_condition(parse_query("-licence~").tree).sql is None
    assert sql_condition(parse_query("licence~").tree).sql is None
    assert sql_condition(parse_query("h20 OR licence~").tree).sql is None
    mixed = sql_condition(parse_query("h20 licence~").tree)
    assert "articles_fts MATCH" in mixed.sql and mixed.params == ['"h20"'] and not mixed.exact
    negated = sql_condition(parse_query('-h20 lang:fr title:"export rule"').tree)
    assert negated.exact and negated.sql.startswith("(NOT (")
    assert negated.params == ['"h20"', "fr", "fr-%", 'title : "export rule"']


def test_exact_and_confirmed_paths_agree(
    archive: Archive, db: Database, tagger: Tagger, now: datetime
) -> None:
    """The same answers whether SQL decides (plain rows) or the matcher does (special
    rows, inexact queries)."""
    ids = []
    for hours, title, summary in [
        (0, "Export rule for H20", "Licence terms follow"),
        (1, "Ｅｘｐｏｒｔ rule for H20", "Licence terms follow"),
        (2, "Rule", "export"),
    ]:
        when = now - timedelta(hours=hours)
        ids.append(archive.story(when))
        archive.article(ids[-1], title, summary=summary, published=when)
    plain, wide, other = ids
    for query, expected in [
        ('"export rule"', [plain, wide]),
        ('title:"export rule" -other', [plain, wide]),
        ("-h20", [other]),
        ('"rule licence"', []),  # a phrase does not run from title into summary
        ("export feed:wire", [plain, wide, other]),
        ("@H20 NOT licence", []),
    ]:
        assert search_stories(db, query, tagger) == expected, query


def test_matching_articles_reports_which_article_matched(
    archive: Archive, db: Database, tagger: Tagger, now: datetime
) -> None:
    story = archive.story(now)
    first, _ = archive.article(story, "Export rules tighten")
    second, _ = archive.article(story, "H20 caught by export rules")
    found = matching_articles(db, parse_query("@H20", tagger))
    assert found == {second: story}
    assert first not in found


def test_unknown_entity_is_reported_before_touching_the_store(db: Database, tagger: Tagger) -> None:
    with pytest.raises(QuerySyntaxError, match="unknown entity @Nvidea"):
        search_stories(db, "@Nvidea", tagger)


def test_languages_column_shape(archive: Archive, db: Database, now: datetime) -> None:
    story = archive.story(now)
    archive.article(story, "a", lang="fr")
    assert json.loads(db.execute("SELECT languages FROM stories").fetchone()[0]) == ["fr"]


def test_fuzzy_words_expand_through_the_fts_vocabulary(
    archive: Archive, db: Database, tagger: Tagger, now: datetime
) -> None:
    ids = []
    for hours, title in enumerate(
        [
            "US licenses resume",
            "Les licences reviennent",
            "Nuevas licencias",
            "Silence on exports",
            "ＬＩＣＥＮＣＥ waiver",
        ]
    ):
        when = now - timedelta(hours=hours)
        ids.append(archive.story(when))
        archive.article(ids[-1], title, published=when)
    condition = sql_condition(parse_query("licence~").tree, Vocabulary(db))
    assert condition.exact and condition.params == ['("licences" OR "licencias" OR "licenses")']
    assert search_stories(db, "licence~", tagger) == [ids[0], ids[1], ids[2], ids[4]]
    assert search_stories(db, "title:zzzz~", tagger) == []


@given(
    word=st.text(alphabet="abcdeilnorstx", min_size=1, max_size=10),
    vocabulary=st.lists(st.text(alphabet="abcdeilnorstx", min_size=1, max_size=14), max_size=40),
)
def test_vocabulary_expansion_agrees_with_the_matcher(word: str, vocabulary: list[str]) -> None:
    assert fuzzy_candidates(word, vocabulary) == [
        token for token in vocabulary if fuzzy_equal(word, token)
    ]
