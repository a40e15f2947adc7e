"""Figures normalized across locales and scripts, and the text features clustering uses."""

from __future__ import annotations

import pytest

from chipwatch.clustering.numbers import number_keys
from chipwatch.clustering.text import content_words, name_words, title_similarity, tokens


@pytest.mark.parametrize(
    "text,lang",
    [
        ("a $4.5bn charge", "en"),
        ("4,5 milliards de dollars", "fr"),
        ("4,5 Milliarden Dollar", "de"),
        ("4.500 millones de dólares", "es"),
        ("4,5 bilhões de dólares", "pt"),
        ("45亿美元", "zh"),
        ("45億ドル", "ja"),
        ("US$4.5 billion", "en"),
    ],
)
def test_one_amount_in_every_locale(text, lang):
    assert number_keys(text, lang) == {"amt:4.5e+09"}


def test_percentages_and_counts_but_not_model_names_years_or_days():
    assert number_keys("15% of sales, 15 % des ventes", "fr") == {"pct:15"}
    assert number_keys("adds 140 entities", "en") == {"n:140"}
    assert number_keys("H20, MI308 and 7nm on 15 July 2025", "en") == set()


@pytest.mark.parametrize(
    "text,lang",
    [
        ("Eighteen close allies face no limits", "en"),
        ("Dix-huit alliés, dont la France", "fr"),
        ("nur achtzehn enge Partner", "de"),
        ("acceso sin límites a dieciocho aliados", "es"),
        ("acesso livre para dezoito aliados", "pt"),
        ("diciotto alleati senza limiti", "it"),
        ("achttien bondgenoten", "nl"),
        ("十八个盟友不受限制", "zh"),
        ("18 aliados", "es"),
    ],
)
def test_a_count_spelled_out_is_the_count_in_digits(text, lang):
    assert number_keys(text, lang) == {"n:18"}


def test_compound_number_words_add_up():
    assert number_keys("twenty-four companies", "en") == {"n:24"}
    assert number_keys("vierundzwanzig Firmen", "de") == {"n:24"}
    assert number_keys("vingt et un pays", "fr") == {"n:21"}
    assert number_keys("treinta y dos empresas", "es") == {"n:32"}
    assert number_keys("tweeëntwintig bedrijven", "nl") == {"n:22"}


@pytest.mark.parametrize(
    "text,lang",
    [
        ("on July 18 the rule", "en"),
        ("published on 18 July", "en"),
        ("am 18. Juli", "de"),
        ("el 18 de julio", "es"),
        ("le 18 juillet", "fr"),
        ("7月18日发布", "zh"),
        ("十八日に発表", "ja"),
        ("第十八回", "ja"),
        ("十分重要", "zh"),
        ("at 10:30 GMT", "en"),
        ("COVID-19 cases", "en"),
        ("three tiers", "en"),
        ("the once-a-year review", "en"),
    ],
)
def test_small_counts_that_are_dates_times_or_words_of_another_sort_are_not_counts(text, lang):
    assert number_keys(text, lang) == set()


def test_thousands_separators_follow_the_language():
    assert number_keys("4,000 dollars", "en") == {"amt:4000"}
    assert number_keys("4,000 dollars", "fr") == {"amt:4"}  # French: four dollars
    assert number_keys("4 000 milliards de dollars", "fr") == {"amt:4e+12"}


def test_folding_makes_case_accents_and_width_one_word():
    assert tokens("Licence ＬＩＣＥＮＣＥ licencé") == ["licence", "licence", "licence"]
    assert content_words("licences") == content_words("licence")


def test_cjk_runs_become_character_pairs():
    assert tokens("英伟达H20") == ["英伟", "伟达", "h20"]


def test_name_words_skip_sentence_starts_and_entity_spans():
    text = "The Hague takes control of Nexperia. Wingtech objects."
    names = name_words(text, [(27, 35)])
    assert "wingtech" not in names  # sentence-initial
    assert "nexperia" not in names  # tagged: compared as an entity
    assert "hague" in names


def test_title_similarity_orders_rewordings_above_unrelated():
    a = "Nvidia to resume H20 sales to China"
    b = "Nvidia resumes sales of H20 chips to China"
    c = "Samsung profit jumps on memory prices"
    assert title_similarity(a, b) > 0.7 > title_similarity(a, c)
