"""Matching in memory: words across case, accents, width and scripts; fuzzy words;
@Entity through the real tagger (aliases, children); fields; boolean logic."""

from __future__ import annotations

import pytest

from chipwatch.entities.tagger import Tagger
from chipwatch.errors import UserError
from chipwatch.model import Alias, Entity
from chipwatch.query.grammar import QuerySyntaxError
from chipwatch.query.match import QueryDoc, parse_query


def small_tagger() -> Tagger:
    """A real Tagger over a small dictionary written for these tests."""

    def entity(name: str, kind: str, *aliases: str, parent: str | None = None) -> Entity:
        return Entity(name, kind, tuple(Alias(a) for a in (name, *aliases)), parent)

    entities = [
        entity("NVIDIA", "company", "Nvidia", "英伟达", "輝達"),
        entity("Hopper", "chip", parent="NVIDIA"),
        entity("H20", "chip", "H2O", parent="Hopper"),
        entity("RTX Pro 6000", "chip", parent="NVIDIA"),
        entity("Huawei", "company", "华为"),
        entity("Ascend", "chip", "昇腾", parent="Huawei"),
        entity("Ascend 910C", "chip", "910C", parent="Ascend"),
        entity("BIS", "agency", "Bureau of Industry and Security"),
        entity("China", "place", "Chine", "中国"),
        entity("export controls", "policy", "contrôles à l'exportation", "出口管制"),
    ]
    return Tagger({e.name: e for e in entities})


def doc_for(tagger: Tagger, title: str, summary: str = "", **fields: str) -> QueryDoc:
    matches = tagger.tag(title, summary)
    return QueryDoc(
        title=title,
        summary=summary,
        entities=frozenset(m.entity for m in matches),
        kinds=frozenset(m.kind for m in matches),
        **fields,
    )


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return small_tagger()


def matches(query: str, doc: QueryDoc, tagger: Tagger | None = None) -> bool:
    return parse_query(query, tagger).matches(doc)


@pytest.mark.parametrize(
    "title",
    ["New LICENCE terms", "Nouvelle licence", "Licencé", "ＬＩＣＥＮＣＥ granted", "la Licence."],
)
def test_words_ignore_case_accents_and_width(title: str) -> None:
    assert matches("licence", QueryDoc(title))
    assert matches("ＬＩＣＥＮＣＥ", QueryDoc(title))


def test_words_are_whole_words() -> None:
    doc = QueryDoc("Licences granted for H200 parts")
    assert not matches("licence", doc)
    assert not matches("h20", doc)
    assert matches("licence*", doc) and matches("h20*", doc)


def test_summary_counts_but_title_field_does_not_look_there() -> None:
    doc = QueryDoc("Chip makers react", "The licence arrived on Tuesday")
    assert matches("licence", doc)
    assert not matches("title:licence", doc)
    assert matches("title:(chip OR licence)", doc)


@pytest.mark.parametrize(
    ("word", "found"),
    [
        ("license", True),
        ("licences", True),
        ("licencias", True),
        ("Licenses", True),
        ("lisence", True),
        ("licenza", True),
        ("silence", False),
        ("lichen", False),
    ],
)
def test_fuzzy_word_finds_spellings_and_inflections(word: str, found: bool) -> None:
    assert matches("licence~", QueryDoc(f"Les {word} du jour")) is found


def test_fuzzy_on_short_words_is_exact() -> None:
    assert matches("h20~", QueryDoc("H20 returns"))
    assert not matches("h20~", QueryDoc("H30 returns"))


def test_phrases_need_adjacent_words_in_order() -> None:
    doc = QueryDoc("New export-control licence rules", "Rules on the licence, export")
    assert matches('"export control licence"', doc)
    assert not matches('"licence export control"', doc)
    assert matches('"licence export"', doc)  # across the comma in the summary


def test_cjk_words_match_inside_runs() -> None:
    doc = QueryDoc("英伟达获准恢复H20芯片对华销售")
    assert matches("H20", doc)
    assert matches("芯片", doc)
    assert matches('"恢复H20"', doc)
    assert not matches("出口", doc)


def test_entities_by_canonical_name_alias_and_script(tagger: Tagger) -> None:
    french = doc_for(tagger, "Nvidia pourra revendre des H20 en Chine")
    chinese = doc_for(tagger, "英伟达获准向中国出售H20")
    for doc in (french, chinese):
        assert matches("@NVIDIA", doc, tagger)
        assert matches("@英伟达", doc, tagger)
        assert matches("@nvidia @h2o @Chine", doc, tagger)
    assert not matches("@Huawei", french, tagger)


def test_entities_include_their_children(tagger: Tagger) -> None:
    doc = doc_for(tagger, "Huawei ships more 910C accelerators")
    assert matches("@Ascend", doc, tagger)
    assert matches("@Huawei", doc, tagger)
    assert not matches("@Ascend", doc_for(tagger, "Huawei results"), tagger)
    assert matches('@"RTX Pro 6000"', doc_for(tagger, "RTX Pro 6000 for China"), tagger)


def test_unknown_entity_is_an_error_with_suggestions(tagger: Tagger) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse_query("h20 OR @Nvidai", tagger)
    error = caught.value
    assert isinstance(error, UserError)
    assert "unknown entity @Nvidai" in error.message and "@NVIDIA" in error.message
    assert error.column == 8


def test_fields_feed_lang_kind(tagger: Tagger) -> None:
    doc = doc_for(
        tagger,
        "Le BIS publie une règle",
        feed_name="Le Monde Économie",
        feed_url="https://www.lemonde.fr/economie/rss.xml",
        lang="fr-FR",
    )
    assert matches("lang:fr", doc) and not matches("lang:en", doc)
    assert matches('feed:"le monde economie"', doc) and matches("feed:lemonde.fr", doc)
    assert not matches("feed:reuters", doc)
    assert matches("kind:agency", doc) and not matches("kind:chip", doc)


def test_boolean_logic() -> None:
    doc = QueryDoc("Nvidia H20 licence approved")
    assert matches("h20 licence", doc)
    assert not matches("h20 mi308", doc)
    assert matches("mi308 OR h20", doc)
    assert matches("h20 -mi308", doc) and matches("h20 NOT mi308", doc)
    assert not matches("-h20", doc)
    assert matches("(mi308 OR approved) AND NOT (ban OR rumour)", doc)


def test_without_a_tagger_entities_compare_names(tagger: Tagger) -> None:
    doc = QueryDoc("x", entities=frozenset({"H20"}))
    assert matches("@h20", doc)
    assert not matches("@Hopper", doc)
    assert matches("@Hopper", doc, tagger)  # children once resolved


def test_parse_once_match_many(tagger: Tagger) -> None:
    query = parse_query("@H20 AND (export~ OR licence~)", tagger)
    titles = ["H20 exports resume", "H20 licences granted", "H20 benchmark", "Export rules"]
    hits = [t for t in titles if query.matches(doc_for(tagger, t))]
    assert hits == ["H20 exports resume", "H20 licences granted"]
