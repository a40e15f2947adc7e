"""The parse workers' per-article preparation, rewritten for speed in session 27, gives
what the plain forms gave: every entity match, every feature value and every action
mention equal to the references kept in ``tests/features_reference.py``,
``tests/numbers_reference.py`` and ``tests/actions_reference.py``.

Held on the labelled set and its week, the demo's articles, a synthetic burst, generated
text in several scripts and languages, and the realnews items when ../shared holds them
(read at test time, never copied).
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.bench_entities import realnews_items, realnews_path
from benchmarks.synth import generate_articles
from chipwatch.clustering.action_words import Sentences, drop_inside
from chipwatch.clustering.credits import wire_credit
from chipwatch.clustering.features import canonical_url
from chipwatch.clustering.numbers import number_keys
from chipwatch.clustering.text import content_words, name_words
from chipwatch.demo.content import all_articles
from chipwatch.entities.tagger import build_tagger
from chipwatch.matchfold import fold_with_map
from chipwatch.model import Article
from chipwatch.pipeline.prepare import Prepared, prepare_articles
from chipwatch.textsafe import first_sentence
from tests.actions_reference import reference_drop_inside, reference_sentence_of
from tests.features_reference import (
    reference_canonical_url,
    reference_content_words,
    reference_doc_features,
    reference_name_words,
)
from tests.numbers_reference import reference_number_keys, reference_wire_credit

DATA = Path(__file__).parent / "data" / "cluster"
TAGGER = build_tagger()
WHEN = datetime(2025, 7, 15, 8, 0, tzinfo=UTC)


def _reference(articles: Sequence[Article]) -> tuple[Prepared, ...]:
    out = []
    for article in articles:
        matches = TAGGER.tag(article.title, article.summary)
        out.append(Prepared(tuple(matches), reference_doc_features(article, matches)))
    return tuple(out)


def _assert_same(articles: Sequence[Article]) -> None:
    new, old = prepare_articles(articles, ()), _reference(articles)
    differing = [
        (a.title, a.summary[:80], n, o)
        for a, n, o in zip(articles, new, old, strict=True)
        if n != o or n.features.actions != o.features.actions
    ]
    assert not differing, f"{len(differing)} of {len(articles)} differ; first: {differing[0]}"


def _article(n: int, title: str, summary: str, lang: str, **more: object) -> Article:
    url = str(more.pop("url", f"https://example.org/{n}"))
    return Article(
        key=url,
        feed_url="https://example.org/feed",
        title=title,
        summary=summary,
        url=url,
        published=WHEN,
        fetched_at=WHEN,
        lang=lang,
        **more,  # type: ignore[arg-type]
    )


def test_prepared_articles_equal_the_reference_on_the_labelled_set_and_week() -> None:
    articles = []
    for name in ("labelled.toml", "week.toml"):
        data = tomllib.loads((DATA / name).read_text(encoding="utf-8"))
        for record in data.get("article", []):
            title = (record.get("title") or "").strip()
            summary = record["summary"]
            articles.append(
                _article(
                    len(articles),
                    title or first_sentence(summary),
                    summary,
                    record["lang"],
                    title_derived=not title,
                )
            )
    assert len(articles) > 150
    _assert_same(articles)


def test_prepared_articles_equal_the_reference_on_the_demos_articles() -> None:
    articles = [
        _article(n, a.title, a.summary, a.lang, guid=a.guid) for n, a in enumerate(all_articles())
    ]
    assert len(articles) > 80
    _assert_same(articles)


def test_prepared_articles_equal_the_reference_on_a_synthetic_burst() -> None:
    articles = [item.article() for item in generate_articles(1500, span=timedelta(days=2))]
    _assert_same(articles)


@pytest.mark.skipif(realnews_path() is None, reason="../shared/corpora/realnews is not here")
def test_prepared_articles_equal_the_reference_on_every_realnews_item() -> None:
    path = realnews_path()
    assert path is not None
    articles = []
    for n, item in enumerate(realnews_items(path)):
        title = (item.get("title") or "").strip()
        summary = item.get("summary") or ""
        articles.append(
            _article(
                n,
                title or first_sentence(summary),
                summary,
                item.get("lang") or "und",
                url=item.get("url") or f"https://realnews.example.org/{n}",
                title_derived=not title,
            )
        )
    _assert_same(articles)


# ---- generated text: pieces of news in the languages and scripts chipwatch reads, with
# the characters the rewrites are most likely to trip on (accents, combining marks,
# full-width forms, ligatures, CJK stops, abbreviations, figures, spelled counts).

PIECES = [
    "Nvidia",
    "NVIDIA",
    "H20",
    "H2O",
    "TSMC",
    "Huawei",
    "Ascend 950PR",
    "Commerce Department",
    "U.S.",
    "Corp.",
    "Jan.",
    "15. Mai",
    "export licence",
    "licences granted",
    "will resume sales",
    "did not",
    "plans to",
    "banned",
    "lifted the ban",
    "investigation",
    "(Reuters) -",
    "BEIJING (AP) --",
    "【共同】",
    "（中央社）",
    "据新华社",
    "© Lusa",
    "according to Bloomberg",
    "$4.5bn",
    "4,5 milliards de dollars",
    "4.500 millones de dólares",
    "45亿美元",
    "45億ドル",
    "15%",
    "15 per cent",
    "140 entities",
    "1,2345",
    "1 234,5",
    "4.500",
    "12,000",
    "3\u00a0000",
    "٣٤",
    "²",
    "7bn",
    "7 m ",
    "(file photo)",
    "[update]",
    "ſelon AFP",
    "accordİng to Reuters",
    "SELON L'AFP",
    "eighteen allies",
    "dix-huit",
    "einundzwanzig",
    "dieciocho",
    "二十四",
    "十八日",
    "July 18",
    "COVID-19",
    "10:30",
    "英伟达",
    "出口管制",
    "許可した",
    "엔비디아",
    "수출",
    "Ｈ２０",
    "ﬁnance",
    "e\u0301tude",
    "İstanbul",
    "ΣΑΣ",
    "Straße",
    "。",
    "！",
    "；",
    "，",
    "、",
    ". ",
    "\n",
    "  ",
    ",",
    ":",
    '"',
    "«",
    "MI308",
    "7nm",
    "NXT:2050i",
    "9000S",
    "AI",
    "the",
    "la",
    "der",
]
TEXT = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=8)), max_size=24).map(
    lambda parts: " ".join(parts)
)
LANGS = st.sampled_from(
    ["en", "fr", "de", "es", "pt", "it", "nl", "zh", "zh-Hant", "ja", "ko", "ru", "und", "en-US"]
)


@settings(max_examples=300, deadline=None)
@given(TEXT, TEXT, LANGS, st.booleans(), st.sampled_from(["", "https://www.Example.org/a/#x", "x"]))
def test_prepared_articles_equal_the_reference_on_generated_text(
    title: str, summary: str, lang: str, derived: bool, url: str
) -> None:
    _assert_same([_article(0, title, summary, lang, title_derived=derived, url=url)])


@settings(max_examples=300, deadline=None)
@given(TEXT, LANGS)
def test_each_rewritten_reader_equals_its_reference_on_generated_text(text: str, lang: str) -> None:
    assert number_keys(text, lang) == reference_number_keys(text, lang)
    assert content_words(text) == reference_content_words(text)
    assert name_words(text) == reference_name_words(text)
    assert wire_credit(text) == reference_wire_credit(text)
    assert canonical_url(text) == reference_canonical_url(text)
    folded, _ = fold_with_map(text)
    sentences = Sentences(folded)
    for at in range(len(folded) + 1):
        assert sentences.of(at) == reference_sentence_of(folded, at), at


SPANS = st.lists(st.tuples(st.integers(0, 60), st.integers(0, 12)), max_size=8).map(
    lambda pairs: sorted((s, s + n) for s, n in pairs)
)


@given(st.dictionaries(st.integers(0, 5), SPANS, max_size=5), SPANS)
def test_dropping_words_inside_names_equals_the_reference(
    found: dict[int, list[tuple[int, int]]], names: list[tuple[int, int]]
) -> None:
    new = {n: list(spans) for n, spans in found.items() if spans}
    old = {n: list(spans) for n, spans in found.items() if spans}
    drop_inside(new, names)
    reference_drop_inside(old, names)
    assert new == old
