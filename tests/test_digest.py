"""Digest content: the window, ordering, citations, alerts, filters and the command."""

from __future__ import annotations

import importlib.util
import json
from datetime import timedelta
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chipwatch.cli import main
from chipwatch.config import default_config_text
from chipwatch.digest.build import (
    FORMATS,
    LEDE_CHARS,
    _clean,
    _http_url,
    build_digest,
    render,
)
from chipwatch.digest.model import Digest, human_dates, human_span
from chipwatch.digest.text import md_text
from chipwatch.errors import UserError
from chipwatch.textsafe import clean_title, md_escape, safe_url
from chipwatch.timeutil import from_iso, iso

SEED_PATH = Path(__file__).parent / "data" / "digest" / "seed.py"


def load_seed() -> ModuleType:
    """The fixture store builder in tests/data/digest/seed.py."""
    spec = importlib.util.spec_from_file_location("digest_seed", SEED_PATH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


seed = load_seed()
NOW = seed.NOW
DAY_AGO = NOW - timedelta(hours=24)


@pytest.fixture
def store(db):
    seed.seed_store(db)
    return db


def day_digest(db, **kwargs):
    kwargs.setdefault("since", DAY_AGO)
    kwargs.setdefault("until", NOW)
    return build_digest(db, now=NOW, **kwargs)


# --------------------------------------------------------------------------- content


def test_stories_in_window_most_outlets_first_then_newest(store) -> None:
    digest = day_digest(store)
    assert [s.id for s in digest.stories] == [1, 2, 3, 4]
    assert [s.outlets for s in digest.stories] == [4, 2, 2, 1]
    # 2 and 3 tie on outlets: the newer (2, last article 06:00) comes before 3 (03:00).
    assert digest.stories[1].last_updated > digest.stories[2].last_updated


def test_story_ties_break_on_id(store) -> None:
    store.execute("UPDATE articles SET published = '2025-07-16T06:00:00Z' WHERE id = 7")
    digest = day_digest(store)
    assert [s.id for s in digest.stories][1:3] == [2, 3]


def test_old_future_and_merged_stories_are_left_out(store) -> None:
    digest = day_digest(store)
    cited = {a.id for s in digest.stories for a in s.articles}
    assert cited == set(range(1, 11))
    assert not {5, 6, 7} & {s.id for s in digest.stories}


def test_earlier_articles_are_cited_as_context(store) -> None:
    story = day_digest(store).stories[1]
    assert [(a.id, a.in_window) for a in story.articles] == [(5, False), (6, True)]
    assert story.first_seen == "2025-07-14T09:00:00Z"
    assert story.last_updated == "2025-07-16T06:00:00Z"


def test_citations_carry_outlet_language_date_title_link(store) -> None:
    story = day_digest(store).stories[0]
    assert story.title == seed.STORY_TITLES[1]
    assert story.languages == ("de", "en", "fr")
    first = story.articles[0]
    assert (first.feed, first.lang, first.published) == (
        "Chip Wire",
        "en",
        "2025-07-15T13:30:00Z",
    )
    assert first.url == "https://chipwire.example.com/2025/07/nvidia-h20-licences"
    assert [a.published for a in story.articles] == sorted(a.published for a in story.articles)


def test_lede_is_the_headline_summary_cut_at_a_word(store) -> None:
    stories = day_digest(store).stories
    lede = stories[0].summary
    assert lede.startswith("Nvidia told customers on Monday")
    assert lede.endswith("…") and len(lede) <= LEDE_CHARS
    assert seed.SUMMARIES[1].startswith(lede[:-1])
    assert seed.SUMMARIES[1][len(lede) - 1] == " "  # cut between words
    assert stories[1].summary == seed.SUMMARIES[6]  # short: whole
    assert stories[3].summary == seed.HOSTILE_SUMMARY_CLEAN


def test_lede_of_a_story_whose_headline_is_after_until(store) -> None:
    until = from_iso("2025-07-16T05:00:00Z")  # story 2's headline (article 6) is at 06:00
    story = next(s for s in day_digest(store, since=None, until=until).stories if s.id == 2)
    assert [a.id for a in story.articles] == [5] and story.summary == ""


def test_feed_without_a_name_is_cited_by_its_title(store) -> None:
    story = day_digest(store).stories[2]
    assert {a.feed for a in story.articles} == {"Policy Desk", "東京半導体ニュース"}


def test_story_without_a_title_takes_its_headline_article(store) -> None:
    story = day_digest(store).stories[3]
    assert story.title == seed.HOSTILE_TITLE_CLEAN
    assert story.articles[0].url == ""  # javascript: is never a link


def test_entities_with_mention_counts(store) -> None:
    story = day_digest(store).stories[0]
    top = [(e.name, e.kind, e.mentions) for e in story.entities[:4]]
    assert top == [
        ("China", "place", 4),
        ("H20", "chip", 4),
        ("NVIDIA", "company", 4),
        ("export controls", "policy", 2),
    ]
    assert story.articles[1].entities == ("NVIDIA", "H20", "China", "AMD", "MI308")


def test_until_drops_later_articles_and_recounts(store) -> None:
    until = from_iso("2025-07-15T15:00:00Z")
    digest = build_digest(store, since=None, until=until, now=NOW)
    story = next(s for s in digest.stories if s.id == 1)
    assert [a.id for a in story.articles] == [1, 2]
    assert (story.outlets, story.languages) == (2, ("en", "fr"))
    assert 5 in {s.id for s in digest.stories}  # the whole archive, up to until


def test_window_includes_both_ends(store) -> None:
    at = from_iso("2025-07-16T09:00:00Z")  # article 9's published time
    assert 4 in {s.id for s in day_digest(store, since=at).stories}
    ending = day_digest(store, since=DAY_AGO, until=at)
    story = next(s for s in ending.stories if s.id == 4)
    assert [a.id for a in story.articles] == [9]  # article 10 came at 09:05
    before = day_digest(store, since=DAY_AGO, until=at - timedelta(seconds=1))
    assert 4 not in {s.id for s in before.stories}


def test_alert_raised_at_until_is_shown(store) -> None:
    # `poll --now T` stamps alerts with T; `digest --now T` right after must show them.
    store.execute("UPDATE alerts SET created_at = ?, updated_at = ? WHERE id = 1",
                  [iso(NOW), iso(NOW)])  # fmt: skip
    assert 1 in {a.id for a in day_digest(store).alerts}


def test_min_outlets(store) -> None:
    assert [s.id for s in day_digest(store, min_outlets=2).stories] == [1, 2, 3]
    assert [s.id for s in day_digest(store, min_outlets=4).stories] == [1]
    assert day_digest(store, min_outlets=5).stories == ()


def test_alerts_first_watch_then_spike_then_feed(store) -> None:
    digest = day_digest(store)
    assert [a.id for a in digest.alerts] == [2, 1, 3, 4]
    assert digest.alerts[1].watch == "H20 exports"
    assert digest.alerts[1].story_id == 1


def test_dismissed_and_stale_alerts_are_left_out(store) -> None:
    digest = day_digest(store)
    assert not {5, 6} & {a.id for a in digest.alerts}
    assert digest.stories[0].alerts == ("H20 exports",)
    assert digest.stories[2].alerts == ()


def test_alerts_of_stories_filtered_out_are_left_out(store) -> None:
    digest = day_digest(store, min_outlets=2)
    assert [a.id for a in digest.alerts] == [1, 3, 4]
    assert [a.id for a in day_digest(store, min_outlets=5).alerts] == [3, 4]


def test_alert_notes_do_not_repeat_what_is_shown(store) -> None:
    alerts = {a.id: a for a in day_digest(store).alerts}
    assert alerts[1].detail.startswith("4 outlets") and alerts[1].note == ""
    assert alerts[4].note == ""  # the title already says it
    md = render(day_digest(store), "md")
    assert "**feed health**: Chip Wire: HTTP 503, 5 failures in a row ·" in md
    assert "**H20 spike** on story 1: H20: 5 stories in 24h" in md


def test_reads_in_one_transaction_and_leaves_none_open(store) -> None:
    day_digest(store)
    assert not store.conn.in_transaction
    store.conn.execute("BEGIN")
    store.execute("UPDATE stories SET title = 'renamed' WHERE id = 3")
    assert day_digest(store).stories[2].title == "renamed"  # the caller's transaction
    assert store.conn.in_transaction  # ... is left for the caller to end
    store.conn.execute("ROLLBACK")
    assert day_digest(store).stories[2].title == seed.STORY_TITLES[3]


def test_since_after_until_is_a_user_error(store) -> None:
    with pytest.raises(UserError, match="--since"):
        build_digest(store, since=NOW, until=DAY_AGO, now=NOW)


def test_empty_store_renders_every_format(db) -> None:
    digest = day_digest(db)
    assert digest.stories == () and digest.alerts == ()
    for fmt in FORMATS:
        assert render(digest, fmt).endswith("\n")
    assert "No stories in this window" in render(digest, "md")
    assert json.loads(render(digest, "json"))["stories"] == []


def test_unknown_format_is_a_user_error(store) -> None:
    with pytest.raises(UserError, match="unknown digest format"):
        render(day_digest(store), "pdf")


# --------------------------------------------------------------------------- query


@pytest.fixture
def tagger():
    entities = pytest.importorskip("chipwatch.entities.tagger")
    return entities.build_tagger(None)


def test_query_keeps_matching_stories_only(store, tagger) -> None:
    pytest.importorskip("chipwatch.query.match")
    digest = day_digest(store, query="Tokyo OR lang:de", tagger=tagger)
    assert [s.id for s in digest.stories] == [1, 3]
    assert digest.query == "Tokyo OR lang:de"
    # With a query, only alerts of the stories shown: the spike on story 1 stays,
    # the feed-health alert goes.
    assert [a.id for a in digest.alerts] == [1, 3]
    only_tokyo = day_digest(store, query="Tokyo", tagger=tagger)
    assert only_tokyo.alerts == ()


def test_query_with_entity(store, tagger) -> None:
    pytest.importorskip("chipwatch.query.match")
    digest = day_digest(store, query="@MI308", tagger=tagger)
    assert [s.id for s in digest.stories] == [1]


def test_bad_query_is_a_user_error(store, tagger) -> None:
    pytest.importorskip("chipwatch.query.match")
    with pytest.raises(UserError):
        day_digest(store, query="(H20 AND", tagger=tagger)


# --------------------------------------------------------------------------- command


@pytest.fixture
def cli_paths(tmp_path: Path, store, db_path: Path) -> tuple[str, str]:
    config = tmp_path / "config.toml"
    config.write_text(default_config_text(), encoding="utf-8")
    store.conn.commit()
    return str(config), str(db_path)


def run_cli(paths: tuple[str, str], *args: str) -> int:
    config, db = paths
    return main(["--config", config, "--db", db, "digest", "--now", iso(NOW), *args])


@pytest.mark.parametrize("fmt", FORMATS)
def test_command_writes_the_rendered_digest(cli_paths, tmp_path, store, fmt) -> None:
    out = tmp_path / f"digest.{fmt}"
    assert run_cli(cli_paths, "--format", fmt, "-o", str(out)) == 0
    assert out.read_bytes() == render(day_digest(store), fmt).encode("utf-8")


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("brief.html", "html"), ("feed.atom", "atom"), ("rows.CSV", "csv"), ("notes.txt", "md")],
)
def test_format_follows_the_output_extension(cli_paths, tmp_path, store, name, fmt) -> None:
    out = tmp_path / name
    assert run_cli(cli_paths, "-o", str(out)) == 0
    assert out.read_bytes() == render(day_digest(store), fmt).encode("utf-8")


def test_explicit_format_wins_over_the_extension(cli_paths, tmp_path, store) -> None:
    out = tmp_path / "brief.html"
    assert run_cli(cli_paths, "--format", "json", "-o", str(out)) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["until"] == iso(NOW)


def test_command_is_byte_reproducible(cli_paths, tmp_path) -> None:
    first, second = tmp_path / "a.html", tmp_path / "b.html"
    assert run_cli(cli_paths, "--format", "html", "-o", str(first)) == 0
    assert run_cli(cli_paths, "--format", "html", "-o", str(second)) == 0
    assert first.read_bytes() == second.read_bytes()


def test_command_prints_to_stdout(cli_paths, store, capsysbinary) -> None:
    assert run_cli(cli_paths, "--format", "csv", "--since", "7d", "--min-outlets", "2") == 0
    expected = render(day_digest(store, since=NOW - timedelta(days=7), min_outlets=2), "csv")
    assert capsysbinary.readouterr().out == expected.encode("utf-8")


def test_command_until_and_absolute_since(cli_paths, store, capsysbinary) -> None:
    args = ("--format", "json", "--since", "2025-07-15", "--until", "2025-07-15T15:00:00Z")
    assert run_cli(cli_paths, *args) == 0
    data = json.loads(capsysbinary.readouterr().out)
    assert (data["since"], data["until"]) == ("2025-07-15T00:00:00Z", "2025-07-15T15:00:00Z")
    assert [s["id"] for s in data["stories"]] == ["1"]


def test_command_until_as_a_duration_back_from_now(cli_paths, store, capsysbinary) -> None:
    assert run_cli(cli_paths, "--format", "json", "--since", "2d", "--until", "6h") == 0
    data = json.loads(capsysbinary.readouterr().out)
    assert (data["since"], data["until"]) == ("2025-07-14T12:00:00Z", "2025-07-16T06:00:00Z")
    assert 4 not in [int(s["id"]) for s in data["stories"]]  # story 4 began at 09:00


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (("--since", "yesterday"), "--since"),
        (("--until", "soon"), "--until"),
        (("--until", "all"), "--until"),
        (("--since", "2025-07-17"), "--since"),
        (("--min-outlets", "0"), "--min-outlets"),
        (("--now", "noon"), "--now"),
    ],
)
def test_command_usage_errors_exit_2_with_one_line(cli_paths, capsys, args, names) -> None:
    assert run_cli(cli_paths, *args) == 2
    err = capsys.readouterr().err
    assert names in err and err.count("\n") == 1 and "Traceback" not in err


def test_command_bad_query_exits_2(cli_paths, capsys) -> None:
    pytest.importorskip("chipwatch.query.match")
    assert run_cli(cli_paths, "--query", "(H20 AND") == 2
    err = capsys.readouterr().err
    assert err.startswith("chipwatch: ") and "Traceback" not in err


def test_command_output_into_missing_folder_exits_2(cli_paths, tmp_path, capsys) -> None:
    target = tmp_path / "no" / "such" / "digest.md"
    assert run_cli(cli_paths, "-o", str(target)) == 2
    assert str(target) in capsys.readouterr().err
    assert not target.exists()


# --------------------------------------------------------------------------- cleaning
_MARKDOWN = st.sampled_from(list("\\`*_{}[]()<>#+-.!|~&=@:/"))
_NASTY = st.sampled_from(
    [
        " ",
        "  ",
        "\t",
        "\n",
        "\x1b[31m",
        "\x1b]8;;x\x07",
        "\u202e",
        "\u200b",
        "\u2028",
        "\x9b",
        "\x85",
        "\xa0",
        "\u1680",
        "\u2003",
        "\u202f",
        "\u3000",
        "\ufeff",
        "\u2066",
        "\x7f",
    ]
)


@settings(max_examples=400)
@given(st.lists(st.one_of(st.text(max_size=20), _NASTY), max_size=8).map("".join))
def test_fast_clean_agrees_with_clean_title(text: str) -> None:
    # The digest skips clean_title for text that is already clean; it must never differ.
    assert _clean(text) == clean_title(text)


@settings(max_examples=400)
@given(st.lists(st.one_of(st.text(max_size=20), _NASTY, _MARKDOWN), max_size=8).map("".join))
def test_fast_markdown_escape_agrees_with_md_escape(text: str) -> None:
    assert md_text(text) == md_escape(text)


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        ("2025-07-15T08:05:00Z", "2025-07-15T08:05:00Z", "15 Jul 2025 08:05 UTC"),
        ("2025-07-15T08:05:00Z", "2025-07-15T17:40:00Z", "15 Jul 2025 08:05–17:40 UTC"),
        (
            "2025-12-31T23:00:00Z",
            "2026-01-01T01:00:00Z",
            "31 Dec 2025 23:00 – 01 Jan 2026 01:00 UTC",
        ),
    ],
)
def test_human_spans(first: str, last: str, expected: str) -> None:
    assert human_span(first, last) == expected
    # Any other ISO form of the same instants reads the same.
    assert human_span(first.replace("Z", "+00:00"), last.replace("Z", ".000+00:00")) == expected


@pytest.mark.parametrize(
    ("since", "until", "expected"),
    [
        ("2025-07-15T00:00:00Z", "2025-07-16T00:00:00Z", "15 Jul 2025"),
        ("2025-07-15T12:00:00Z", "2025-07-16T12:00:00Z", "15 Jul – 16 Jul 2025"),
        ("2025-12-30T00:00:00Z", "2026-01-02T00:00:00Z", "30 Dec 2025 – 01 Jan 2026"),
        (None, "2025-07-16T12:00:00Z", "to 16 Jul 2025"),
    ],
)
def test_human_dates_name_the_days_of_the_window(since, until, expected) -> None:
    digest = Digest(NOW.isoformat(), since, until, None, 1, (), ())
    assert human_dates(digest) == expected


_SCHEMES = st.sampled_from(["http://", "HTTPS://", "javascript:", " https://", "\x1b[0mhttp://"])


@settings(max_examples=300)
@given(st.tuples(_SCHEMES, st.text(max_size=30)).map("".join))
def test_fast_url_check_agrees_with_safe_url(url: str) -> None:
    assert _http_url(url) == safe_url(url)
