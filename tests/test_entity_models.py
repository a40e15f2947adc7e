"""Product families by pattern: models created on the fly, their canonical spelling,
their parents, version boundaries and gates (sentences written for chipwatch)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chipwatch.entities.data import DictionaryError, model_specs_from_tables
from chipwatch.entities.tagger import Tagger, build_tagger, builtin_entities
from chipwatch.model import Alias, Entity


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return build_tagger()


def found(tagger: Tagger, text: str) -> list[tuple[str, str]]:
    return [(m.entity, m.text) for m in tagger.tag(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # family word + number + suffix, written in several scripts and spacings
        ("Huawei plans the Ascend 950PR for 2026", ("Ascend 950PR", "Ascend 950PR")),
        ("华为将推出昇腾950DT", ("Ascend 950DT", "昇腾950DT")),
        ("昇騰 960 系列晶片", ("Ascend 960", "昇騰 960")),
        ("a Kirin 9000s inside", ("Kirin 9000S", "Kirin 9000s")),
        ("麒麟9030芯片量产", ("Kirin 9030", "麒麟9030")),
        ("Kunpeng 950 server CPUs", ("Kunpeng 950", "Kunpeng 950")),
        ("HBM4E stacks from SK hynix", ("HBM4E", "HBM4E")),
        ("the NXT:2050i immersion scanner from ASML", ("Twinscan NXT:2050i", "NXT:2050i")),
        ("the Siyuan 690 from Cambricon", ("Siyuan 690", "Siyuan 690")),
        ("Baidu's Kunlun P800 cluster", ("Kunlun P800", "Kunlun P800")),
        # series letters alone, next to their maker or another chip
        ("Nvidia prepares the B30A for China", ("B30A", "B30A")),
        ("Nvidia readies an H20E variant", ("H20E", "H20E")),
        ("AMD's MI309 follows the MI308", ("MI309", "MI309")),
        ("DeepSeek said V3.1 was trained for local chips", ("DeepSeek-V3.1", "V3.1")),
    ],
)
def test_a_family_reads_its_models(tagger: Tagger, text: str, expected: tuple[str, str]) -> None:
    assert expected in found(tagger, text)


def test_version_and_number_boundaries_are_exact(tagger: Tagger) -> None:
    text = "DeepSeek-V3.1 is not DeepSeek-V3, and the H200 is not the H20"
    assert [m.entity for m in tagger.tag(text)] == ["DeepSeek-V3.1", "DeepSeek-V3", "H200", "H20"]
    assert [m.entity for m in tagger.tag("DeepSeek V3.2-Exp, then V4.")] == [
        "DeepSeek-V3.2",
        "DeepSeek-V4",
    ]
    # A full stop ends the version: "V3." is the V3.
    assert tagger.tag("DeepSeek released V3. Then it paused")[-1].entity == "DeepSeek-V3"


def test_a_model_is_created_below_its_family(tagger: Tagger) -> None:
    model = tagger.entities["Ascend 950PR"]
    assert (model.kind, model.parent) == ("chip", "Ascend 950")
    assert tagger.entities["Ascend 950"].parent == "Ascend"
    assert tagger.ancestors("Ascend 950PR") == ("Ascend 950", "Ascend", "Huawei")
    assert tagger.ancestors("B30") == ("Blackwell", "NVIDIA")
    # a known model keeps its dictionary entry; a suffixed one hangs below it
    assert tagger.entities["H20E"].parent == "H20"
    assert "Ascend 950PR" not in set(tagger.entities)  # iteration lists the dictionary only
    with pytest.raises(KeyError):
        tagger.entities["ascend 950pr"]  # a canonical spelling, exactly


def test_resolve_reads_any_spelling_of_a_model(tagger: Tagger) -> None:
    assert tagger.resolve("@ascend950pr").name == "Ascend 950PR"  # type: ignore[union-attr]
    assert tagger.resolve("昇腾960").name == "Ascend 960"  # type: ignore[union-attr]
    assert tagger.resolve("MI308X").name == "MI308"  # an alias of a listed model  # type: ignore[union-attr]
    assert tagger.resolve("Ascend 95") is None


def test_lists_after_a_model_are_models_of_the_family(tagger: Tagger) -> None:
    text = "Huawei showed the Ascend 950PR and 950DT, 960 and 970"
    assert [m.entity for m in tagger.tag(text)] == [
        "Huawei",
        "Ascend 950PR",
        "Ascend 950DT",
        "Ascend 960",
        "Ascend 970",
    ]
    # a year is not a model, nor is a number of more digits than the family's
    assert [m.entity for m in tagger.tag("the Ascend 910C and 2026 plans")] == ["Ascend 910C"]


def test_bare_series_need_their_maker_or_a_chip(tagger: Tagger) -> None:
    assert tagger.tag("The B52 bomber flew over the A380") == []
    assert tagger.tag("Take the V3 bus, then the R1 tram") == []
    gated = next(m for m in tagger.tag("Nvidia's B30A ships") if m.entity == "B30A")
    assert gated.rule.startswith("alias")  # listed models keep their own spelling
    model = next(m for m in tagger.tag("Nvidia's B40 and B50 ship") if m.entity == "B50")
    assert "requires NVIDIA or chip; found NVIDIA" in model.rule


def test_cased_family_words_and_handsets(tagger: Tagger) -> None:
    assert ("Mate 70 Pro", "Mate 70 Pro") in found(tagger, "Huawei Mate 70 Pro goes on sale")
    assert [m.entity for m in tagger.tag("Huawei Mate 70 Pro")] == ["Huawei", "Mate 70 Pro"]
    assert tagger.tag("my mate 20 years ago") == []
    assert tagger.tag("The Mate 60 Pro is a phone") == []  # without Huawei or a chip


def test_a_plural_s_is_part_of_the_model_unless_it_is_a_suffix(tagger: Tagger) -> None:
    assert found(tagger, "Nvidia shipped H20Es") == [("NVIDIA", "Nvidia"), ("H20E", "H20Es")]
    assert ("Kirin 9000S", "Kirin 9000s") in found(tagger, "Huawei's Kirin 9000s")


def test_models_follow_families_into_a_plain_tagger() -> None:
    entities = {
        "Widget": Entity("Widget", "chip", (Alias("Widget"),)),
    }
    assert Tagger(entities).tag("Widget 300") == [
        next(iter(Tagger(entities).tag("Widget")))._replace(start=0, end=6, text="Widget")
    ]
    assert Tagger(builtin_entities()).tag("昇腾950") == build_tagger().tag("昇腾950")


@pytest.mark.parametrize(
    ("models", "message"),
    [
        ({"prefixes": ["X"], "number": "3"}, "name: must contain {number}"),
        ({"name": "X{number}", "prefixes": ["X"], "number": "many"}, "number: '3', '2-3'"),
        ({"name": "X{number}", "number": "3"}, "needs prefixes, or alone"),
        (
            {"name": "X{number}", "number": "3", "alone": True, "requires": ["chip"]},
            "needs a series",
        ),
        ({"name": "X{number}", "series": ["X"], "number": "3", "alone": True}, "need 'requires'"),
        (
            {"name": "X{number}", "prefixes": ["X"], "number": "3", "colour": "red"},
            "unknown key 'colour'",
        ),
    ],
)
def test_a_broken_models_table_names_the_key(models: dict, message: str) -> None:
    with pytest.raises(DictionaryError, match=message) as caught:
        model_specs_from_tables({"Fam": {"kind": "chip", "models": models}}, "d.toml")
    assert str(caught.value).startswith("d.toml: Fam.models[0]")


_WORDS = [
    "Huawei",
    "Ascend",
    "950PR",
    "950",
    "昇腾",
    "950DT",
    "and",
    ",",
    "Mate",
    "60",
    "Pro",
    "Nvidia",
    "H20",
    "H20E",
    "H200",
    "B30A",
    "DeepSeek",
    "V3.1",
    "V3",
    ".",
    "MI308",
    "restricted",
    "exports",
    "Export",
    "Genehmigung",
    "für",
    "den",
    "ban",
    "chips",
    "to",
    "China",
    "对华",
    "出口",
    "限制",
    "Kirin",
    "9000s",
    "2026",
    "s",
    "-",
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), max_size=14), st.sampled_from([" ", ""]))
def test_leftmost_longest_scan_equals_the_exhaustive_one_with_models_and_phrases(
    words: list[str], joint: str
) -> None:
    # Model triggers and phrase anchors are keys of the same automaton: the fast path
    # must still give what the exhaustive one gives whenever it answers.
    from chipwatch.entities.match import longest
    from chipwatch.matchfold import fold_with_map

    tagger = build_tagger()
    text = joint.join(words)
    folded, index = fold_with_map(text)
    fast = tagger._leftmost_longest(text, folded, index)
    if fast is not None:
        assert fast == longest(tagger._candidates(text, folded, index))
    previous = 0
    for match in tagger.tag(text):
        assert text[match.start : match.end] == match.text and match.start >= previous
        previous = match.end
