"""The bundled demo news: enough of it, in enough languages, telling the events the demo
is built around, on a schedule that keeps the stream live, and every feed parseable."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import feedparser
import pytest

from chipwatch.demo import render
from chipwatch.demo.content import ANCHOR, all_articles, load_outlets, replay_length
from tests.conftest import SHARED

REQUIRED_LANGUAGES = {"en", "fr", "de", "es", "zh", "ja"}
LIVE_H20 = re.compile(r"H20|H2O")
# A full stop then a capital (not "$44.1"), or an ideographic full stop.
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÀ-ÖØ-Þ«\"'])|(?<=。)")


def _in(articles, start: str, end: str):
    low, high = datetime.fromisoformat(start), datetime.fromisoformat(end)
    return [a for a in articles if low <= a.published < high]


def test_about_eighty_articles_from_about_eight_outlets_in_six_languages() -> None:
    outlets = load_outlets()
    articles = all_articles()
    assert 8 <= len(outlets) <= 10
    assert 75 <= len(articles) <= 95
    assert {a.lang for a in articles} >= REQUIRED_LANGUAGES
    assert all(len(o.articles) >= 5 for o in outlets)


def test_identities_are_unique_and_texts_complete() -> None:
    articles = all_articles()
    assert len({a.guid for a in articles}) == len(articles)
    assert len({(a.outlet, a.slug) for a in articles}) == len(articles)
    for article in articles:
        assert article.title and len(article.summary) >= 40, article.slug
        assert "http" not in article.summary, article.slug
        assert article.published.tzinfo is not None
        assert datetime(2023, 1, 1, tzinfo=UTC) <= article.published <= ANCHOR


def test_summaries_have_two_to_four_sentences() -> None:
    for article in all_articles():
        sentences = [s for s in SENTENCE_END.split(article.summary) if s.strip()]
        assert 2 <= len(sentences) <= 4, (article.slug, sentences)


def test_the_july_2025_h20_resumption_is_told_in_several_languages() -> None:
    july = _in(all_articles(), "2025-07-14T00:00:00+00:00", "2025-07-17T00:00:00+00:00")
    h20 = [a for a in july if LIVE_H20.search(a.title)]
    assert {a.lang for a in h20} >= {"en", "fr", "de", "es", "zh", "ja"}
    assert len({a.outlet for a in h20}) >= 6


def test_one_french_outlet_misspells_the_chip_h2o() -> None:
    h2o = [a for a in all_articles() if "H2O" in a.title]
    assert [a.lang for a in h2o] == ["fr"]
    assert "Nvidia" in h2o[0].title and "H20" not in h2o[0].summary
    assert "RTX Pro 6000" in h2o[0].summary and "H800" in h2o[0].summary


def test_the_april_2025_licence_requirement_is_a_separate_event() -> None:
    april = _in(all_articles(), "2025-04-14T00:00:00+00:00", "2025-04-18T00:00:00+00:00")
    licence = [a for a in april if "H20" in a.title or "H20" in a.summary]
    assert len({a.lang for a in licence}) >= 3
    assert any("5.5 billion" in a.summary or "5,5 milliards" in a.summary for a in licence)
    assert any("MI308" in a.title + a.summary for a in april)


EVENT_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*-20[0-9]{2}-[01][0-9]$")


def test_every_article_is_labelled_with_its_event() -> None:
    """The labels the demo replay is compared with (benchmarks/demo_set.py)."""
    articles = all_articles()
    by_event: dict[str, list] = {}
    for article in articles:
        assert EVENT_ID.match(article.event), (article.slug, article.event)
        by_event.setdefault(article.event, []).append(article)
    multi = {e: group for e, group in by_event.items() if len({a.outlet for a in group}) > 1}
    assert len(multi) >= 15
    # One event is one story whatever the language: the resumption is told in six.
    assert len({a.lang for a in by_event["h20-sales-resume-2025-07"]}) >= 6
    for event, group in by_event.items():
        span = max(a.published for a in group) - min(a.published for a in group)
        assert span.days <= 3, event  # the articles of one event come within days
        first = min(a.published for a in group)
        assert first.strftime("%Y-%m") == event[-7:], event  # named after its month


def test_neighbouring_developments_are_labelled_apart() -> None:
    """What the demo shows on 15-16 July 2025: the H20 resumption and what followed."""
    event = {a.slug: a.event for a in all_articles()}
    resumption = event["nvidia-resume-h20-sales-china-licences"]
    assert event["yingweida-huifu-h20-xiaoshou"] == resumption  # the Chinese report too
    for later in (
        "lutnick-h20-rare-earths-fourth-best",
        "commerce-secretary-h20-rare-earth-magnets",
        "lutnick-fourth-best-chip-examined",
        "nvidia-record-high-china-reopening",
        "amd-restart-mi308-shipments-china",
        "huang-praises-chinese-ai-models-beijing-expo",
    ):
        assert event[later] != resumption, later
    assert event["amd-huifu-mi308-chukou"] == event["amd-restart-mi308-shipments-china"]
    expo = {
        event[s]
        for s in (
            "huangrenxun-lianbohui-zhongguo-moxing",
            "huang-pekin-supply-chain-hakurankai",
            "jensen-huang-elogia-modelos-ia-chinos",
        )
    }
    assert expo == {event["huang-praises-chinese-ai-models-beijing-expo"]}


@pytest.mark.parametrize(
    "needle",
    [
        "Entity List",  # BIS, December 2024
        "AI diffusion",  # BIS, January 2025
        "Mellanox",  # SAMR's antitrust probe
        "市场监管总局",  # SAMR in Chinese
        "Ascend 910C",  # Huawei Ascend
        "CloudMatrix",
        "DeepSeek",
        "gallium",  # MOFCOM
    ],
)
def test_required_events_are_present(needle: str) -> None:
    assert any(needle in a.title + a.summary for a in all_articles())


def test_schedule_has_a_first_batch_then_a_trickle_for_two_minutes() -> None:
    articles = all_articles()
    first = [a for a in articles if a.release == 0]
    later = sorted({a.release for a in articles if a.release > 0})
    assert 30 <= len(first) <= 70
    assert 90 <= replay_length() <= 150
    gaps = [b - a for a, b in zip([0.0, *later], later, strict=False)]
    assert max(gaps) <= 12, gaps  # something new every few seconds


def test_the_h20_story_opens_the_replay_and_grows_within_a_minute() -> None:
    july = _in(all_articles(), "2025-07-14T00:00:00+00:00", "2025-07-17T00:00:00+00:00")
    h20 = [a for a in july if LIVE_H20.search(a.title)]
    first = [a for a in h20 if a.release == 0]
    # One report in the first batch: the newest story at start, so it heads the timeline
    # and the watch alerts at once; the others join it in new languages over a minute.
    assert len(first) == 1
    assert max(a.published for a in all_articles() if a.release == 0) == first[0].published
    growth = [a for a in h20 if 0 < a.release <= 60]
    assert len({a.lang for a in growth} - {first[0].lang}) >= 5


def test_live_articles_are_dated_the_days_before_the_anchor() -> None:
    for article in all_articles():
        if article.release > 0:
            assert (ANCHOR - article.published).total_seconds() <= 3 * 86400, article.slug


def test_one_outlet_fails_and_one_carries_tracking_parameters() -> None:
    outlets = load_outlets()
    failing = [o for o in outlets if o.fails_after is not None]
    assert len(failing) == 1
    # Everything it has must be out before it breaks, or the demo would lose articles.
    assert max(a.release for a in failing[0].articles) < failing[0].fails_after
    assert any(o.tracking for o in outlets)


@pytest.mark.parametrize("outlet", load_outlets(), ids=lambda o: o.id)
def test_every_outlet_renders_a_feed_feedparser_reads(outlet) -> None:
    items = [(a, a.published) for a in outlet.articles]
    body = render.render_feed(outlet, items, base_url="http://127.0.0.1:9", updated=ANCHOR)
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version.startswith("atom" if outlet.format == "atom" else "rss")
    assert parsed.feed.title == outlet.name
    assert parsed.feed.get("language", outlet.lang).startswith(outlet.lang)
    assert [e.title for e in parsed.entries] == [a.title for a in outlet.articles]
    assert [e.id for e in parsed.entries] == [a.guid for a in outlet.articles]
    for entry, article in zip(parsed.entries, outlet.articles, strict=True):
        assert entry.summary == article.summary
        assert entry.link.startswith("http://127.0.0.1:9/articles/")
        published = datetime(*entry.published_parsed[:6], tzinfo=UTC)
        assert published == article.published.replace(microsecond=0)


def test_feed_text_is_escaped_not_spliced() -> None:
    outlet = load_outlets()[0]
    hostile = outlet.articles[0].__class__(
        outlet=outlet.id,
        slug="x",
        title="<b>A & B</b> ]]>",
        summary="Fish & chips <script>x</script>. Second sentence.",
        published=ANCHOR,
        release=0,
        lang="en",
    )
    parsed = feedparser.parse(
        render.render_feed(outlet, [(hostile, ANCHOR)], base_url="", updated=ANCHOR)
    )
    assert not parsed.bozo
    assert parsed.entries[0].title == "<b>A & B</b> ]]>"


def _shingles(text: str, size: int = 7) -> set[str]:
    words = re.findall(r"\w+", text.lower())
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


def test_no_sentence_is_copied_from_the_seed_texts() -> None:
    seeds = SHARED / "seeds"
    if not seeds.is_dir():
        pytest.skip("../shared/seeds is absent")
    ours = set().union(*(_shingles(f"{a.title} {a.summary}") for a in all_articles()))
    for seed in sorted(seeds.glob("*.txt")):
        copied = ours & _shingles(seed.read_text(encoding="utf-8"))
        assert not copied, (seed.name, sorted(copied)[:3])
