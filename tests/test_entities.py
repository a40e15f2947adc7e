"""The tagger: spans into the original text, folding, boundaries, variants, gates, lookups."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chipwatch.entities.tagger import Tagger, build_tagger, builtin_entities
from chipwatch.model import ENTITY_KINDS, Alias, Entity


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return build_tagger()


def spans(tagger: Tagger, title: str, summary: str = "") -> list[tuple[str, str, int, int, str]]:
    return [(m.entity, m.field, m.start, m.end, m.text) for m in tagger.tag(title, summary)]


def test_spans_index_title_and_summary_separately(tagger: Tagger) -> None:
    assert spans(tagger, "Nvidia H20", "AMD MI308") == [
        ("NVIDIA", "title", 0, 6, "Nvidia"),
        ("H20", "title", 7, 10, "H20"),
        ("AMD", "summary", 0, 3, "AMD"),
        ("MI308", "summary", 4, 9, "MI308"),
    ]


def test_full_width_text_maps_back_to_original_offsets(tagger: Tagger) -> None:
    text = "新型Ｈ２０，ＮＶＩＤＩＡが出荷"
    assert spans(tagger, text) == [
        ("H20", "title", 2, 5, "Ｈ２０"),
        ("NVIDIA", "title", 6, 12, "ＮＶＩＤＩＡ"),
    ]


def test_offsets_survive_folding_that_changes_length(tagger: Tagger) -> None:
    # "ﬁ" folds to two characters and the combining acute accent to none: the index
    # map must still point at the original characters.
    text = "Proﬁts: E\u0301tats-Unis and İstanbul watch Nvidia"
    found = {m.entity: (m.start, m.end, m.text) for m in tagger.tag(text)}
    assert found["United States"] == (8, 19, "E\u0301tats-Unis")
    start = text.index("Nvidia")
    assert found["NVIDIA"] == (start, start + 6, "Nvidia")


def test_case_and_accent_insensitive_where_safe(tagger: Tagger) -> None:
    assert {m.entity for m in tagger.tag("NVIDIA, nvidia, ETATS-UNIS, états-unis")} == {
        "NVIDIA",
        "United States",
    }
    assert [m.text for m in tagger.tag("ARM and Arm, but not arm")] == ["ARM", "Arm"]


def test_longer_part_numbers_are_never_shorter_ones(tagger: Tagger) -> None:
    assert [m.entity for m in tagger.tag("H200 H20 B300 B30A MI300X MI308 H800 H100")] == [
        "H200",
        "H20",
        "B300",
        "B30A",
        "MI300X",
        "MI308",
        "H800",
        "H100",
    ]


def test_spacing_and_hyphen_variants(tagger: Tagger) -> None:
    text = "MI 308, MI-308, MI308X, RTX6000D, RTX PRO 6000D, RTX Pro 6000 and H20s"
    assert [(m.entity, m.text) for m in tagger.tag(text)] == [
        ("MI308", "MI 308"),
        ("MI308", "MI-308"),
        ("MI308", "MI308X"),
        ("RTX Pro 6000D", "RTX6000D"),
        ("RTX Pro 6000D", "RTX PRO 6000D"),
        ("RTX Pro 6000", "RTX Pro 6000"),
        ("H20", "H20s"),
    ]


def test_longest_match_wins_over_contained_aliases(tagger: Tagger) -> None:
    assert spans(tagger, "The US Commerce Department acted") == [
        ("Commerce Department", "title", 4, 26, "US Commerce Department")
    ]
    assert [m.entity for m in tagger.tag("North Korea and South Korea")] == [
        "North Korea",
        "South Korea",
    ]


def test_cjk_needs_no_word_boundary_but_latin_does(tagger: Tagger) -> None:
    assert [m.entity for m in tagger.tag("英伟达H20芯片")] == ["NVIDIA", "H20"]
    assert tagger.tag("XH20 and H20X") == []


def test_gate_opens_on_an_entity_in_the_other_field(tagger: Tagger) -> None:
    matches = tagger.tag("Nvidia to ship again", "Huang said the H2O would ship soon")
    h2o = next(m for m in matches if m.text == "H2O")
    assert (h2o.entity, h2o.field, h2o.start, h2o.end) == ("H20", "summary", 15, 18)
    assert "requires NVIDIA or chip" in h2o.rule and "found" in h2o.rule
    assert any(m.entity == "Jensen Huang" for m in matches)


def test_gate_stays_closed_on_water(tagger: Tagger) -> None:
    assert tagger.tag("Fabs recycle H2O", "Each litre of H2O is filtered twice") == []


def test_matches_are_sorted_by_field_then_start(tagger: Tagger) -> None:
    matches = tagger.tag("China and Nvidia", "AMD, then TSMC, then Huawei")
    keys = [(m.field != "title", m.start) for m in matches]
    assert keys == sorted(keys) and len(keys) == 5


def test_empty_text(tagger: Tagger) -> None:
    assert tagger.tag("") == [] and tagger.tag("", "") == []


def test_resolve_by_any_alias_case_width_and_accent_insensitive(tagger: Tagger) -> None:
    assert tagger.resolve("H20").name == "H20"
    assert tagger.resolve("英伟达").name == "NVIDIA"
    assert tagger.resolve('"RTX Pro 6000"').name == "RTX Pro 6000"
    assert tagger.resolve("rtx pro 6000d").name == "RTX Pro 6000D"
    assert tagger.resolve("ｈ２０").name == "H20"
    assert tagger.resolve("etats-unis").name == "United States"
    assert tagger.resolve("MI 308").name == "MI308"
    assert tagger.resolve("H2O").name == "H20"
    assert tagger.resolve("no such chip") is None


def test_descendants_follow_parents(tagger: Tagger) -> None:
    assert {"Ascend", "Ascend 910B", "Ascend 910C"} <= tagger.descendants("Ascend")
    assert "RTX Pro 6000D" in tagger.descendants("Blackwell")
    assert tagger.descendants("H20") == {"H20"}


def test_builtin_dictionary_is_large_and_consistent() -> None:
    entities = builtin_entities()
    assert len(entities) >= 200
    assert {e.kind for e in entities.values()} == set(ENTITY_KINDS)
    for entity in entities.values():
        assert entity.aliases, entity.name
        assert entity.parent is None or entity.parent in entities
    required = {
        "A100",
        "A800",
        "H100",
        "H800",
        "H20",
        "H200",
        "L20",
        "B100",
        "B200",
        "GB200",
        "B30A",
        "RTX Pro 6000",
        "RTX Pro 6000D",
        "Blackwell",
        "Hopper",
        "MI300X",
        "MI308",
        "MI325X",
        "MI350",
        "Gaudi",
        "Ascend",
        "Kirin",
        "Cambricon",
        "HBM",
        "TSMC",
        "SMIC",
        "Samsung",
        "SK hynix",
        "Micron",
        "ASML",
        "Applied Materials",
        "Lam Research",
        "Tokyo Electron",
        "Naura",
        "Alibaba",
        "Tencent",
        "ByteDance",
        "Baidu",
        "DeepSeek",
        "BIS",
        "Commerce Department",
        "USTR",
        "OFAC",
        "MOFCOM",
        "CAC",
        "SAMR",
        "METI",
        "Dutch export authorities",
        "China",
        "United States",
        "Taiwan",
        "Netherlands",
        "Japan",
        "South Korea",
        "export controls",
        "export licence",
        "Entity List",
        "foreign direct product rule",
        "AI diffusion rule",
        "tariffs",
        "sanctions",
        "antitrust",
        "rare-earth controls",
        "gallium",
        "germanium",
    }
    assert required <= set(entities)


def test_a_tagger_from_plain_entities() -> None:
    tagger = Tagger({"Widget": Entity("Widget", "chip", (Alias("Widget"), Alias("WX-1")))})
    assert [(m.entity, m.text) for m in tagger.tag("wx 1 and WX-1 and widget")] == [
        ("Widget", "wx 1"),
        ("Widget", "WX-1"),
        ("Widget", "widget"),
    ]
    assert Tagger({}).tag("anything") == []


@settings(max_examples=200)
@given(
    st.text(
        alphabet=st.sampled_from(list("Nvidia H20 MI308 中国英伟达 Ｈ２０ ﬁé\u0301İ-,.'’ ")),
        max_size=60,
    )
)
def test_spans_always_slice_to_the_matched_text(text: str) -> None:
    tagger = build_tagger()
    previous_end = 0
    for match in tagger.tag(text):
        assert 0 <= match.start < match.end <= len(text)
        assert text[match.start : match.end] == match.text
        assert match.start >= previous_end  # no overlaps within a field
        previous_end = match.end


def test_matches_are_immutable_entity_matches(tagger: Tagger) -> None:
    import pickle

    from chipwatch.model import EntityMatch

    match = tagger.tag("Nvidia H20")[1]
    assert type(match) is EntityMatch
    assert match == EntityMatch("H20", "chip", "title", 7, 10, "H20", 'alias "H20"')
    assert hash(match) == hash(EntityMatch("H20", "chip", "title", 7, 10, "H20", 'alias "H20"'))
    assert pickle.loads(pickle.dumps(match)) == match
    with pytest.raises(AttributeError):
        match.start = 0  # type: ignore[misc]


@settings(max_examples=150)
@given(
    st.lists(
        st.sampled_from(
            [
                "thus",
                "us",
                "US",
                "commerce",
                "department",
                "Nvidia",
                "licences",
                "d'exportation",
                "export",
                "licence",
                "SK",
                "hynix",
                "H2O",
                "H20",
                "美国",
                "商务部",
                "出口",
                "许可证",
                ",",
                "\n",
                "intelligence",
                "Intel",
                "MI",
                "308",
                "-",
            ]
        ),
        max_size=14,
    )
)
def test_leftmost_longest_scan_equals_the_exhaustive_one(words: list[str]) -> None:
    # Regression guard for the fast path: a rejected leftmost-longest hit must never
    # hide a valid spelling that the exhaustive (overlapping) scan would keep.
    from chipwatch.entities.match import longest as _longest
    from chipwatch.matchfold import fold_with_map

    tagger = build_tagger()
    text = " ".join(words)
    folded, index = fold_with_map(text)
    exhaustive = tagger._candidates(text, folded, index)
    fast = tagger._leftmost_longest(text, folded, index)
    if fast is not None:
        assert fast == _longest(exhaustive)


def test_both_matcher_backends_tag_alike() -> None:
    from pathlib import Path

    rust = build_tagger()
    trie = Tagger(rust.entities, backend="pyahocorasick")
    text = (Path(__file__).parent / "data" / "entities" / "h20-reprise-fr.txt").read_text("utf-8")
    title, _, summary = text.partition("\n")
    assert trie.tag(title, summary) == rust.tag(title, summary)
    for text in ("英伟达H20芯片与MI 308", "The US Commerce Department and SK hynix", "美国商务部"):
        assert trie.tag(text) == rust.tag(text)
    assert [m.entity for m in trie.tag("The US Commerce Department and SK hynix")] == [
        "Commerce Department",
        "SK hynix",
    ]


def test_a_part_opens_a_gate_that_requires_its_maker(tagger: Tagger) -> None:
    # "Huang" requires NVIDIA; the H20 is an NVIDIA part (H20 → Hopper → NVIDIA).
    matches = tagger.tag("The H20 is back, Huang said")
    assert [(m.entity, m.text) for m in matches] == [("H20", "H20"), ("Jensen Huang", "Huang")]
    assert tagger.tag("Huang said the bakery reopens") == []


_PIECES = st.lists(
    st.one_of(
        st.text(max_size=6),
        st.sampled_from(
            ["Nvidia", "H20", "ＭＩ３０８", "Huang", "US", "États-Unis", "英伟达", " ", "ﬁ", "İ"]
        ),
    ),
    max_size=12,
).map("".join)


@settings(max_examples=300)
@given(_PIECES, _PIECES)
def test_any_unicode_text_gives_spans_into_its_own_field(title: str, summary: str) -> None:
    for match in build_tagger().tag(title, summary):
        source = title if match.field == "title" else summary
        assert source[match.start : match.end] == match.text


def test_a_longer_spelling_starting_inside_a_hit_wins() -> None:
    # "export licences" is found first by a leftmost-longest scan, but "licences
    # d'exportation" starts inside it and is longer: the longest spelling wins, as it
    # does on the exhaustive path (found by hypothesis on the test above).
    tagger = build_tagger()
    matches = tagger.tag("export licences d'exportation")
    assert [(m.entity, m.start, m.end) for m in matches] == [("export licence", 7, 29)]
    assert [(m.start, m.end) for m in tagger.tag("export licences granted")] == [(0, 15)]


def test_a_tagger_that_only_resolves_names_never_builds_its_scanning_tables() -> None:
    # The store writer's tagger resolves names and reads the entity table; the parse
    # workers tag. Its tables (~0.25 s) are built on the first tag, and tag the same.
    lazy = Tagger(builtin_entities())
    assert lazy.resolve("h20") is not None and lazy.descendants("NVIDIA")
    assert "_keys" not in lazy.__dict__ and "_automaton" not in lazy.__dict__
    text = "Nvidia to resume H20 sales to China after US export licences"
    assert lazy.tag(text, text) == build_tagger().tag(text, text)
    assert "_keys" in lazy.__dict__
