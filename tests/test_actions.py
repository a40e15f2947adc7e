"""The action recognizer's API: mentions, spans, frames, modality, and the pair readings
(conflict, same-event evidence, primary) the clustering uses.

Sentences are written for chipwatch; the per-language tables are in
tests/test_actions_table.py.
"""

from __future__ import annotations

import dataclasses

import pytest

from chipwatch.clustering.action_grammar import (
    ActionGrammarError,
    builtin_action_grammar,
    parse_action_grammar,
)
from chipwatch.clustering.action_words import language_mask
from chipwatch.clustering.actions import (
    ActionMention,
    conflict,
    conflicts,
    find_actions,
    label,
    primary,
    same_event_evidence,
    taxonomy,
)
from chipwatch.entities.tagger import Tagger, build_tagger


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return build_tagger()


def actions(
    tagger: Tagger, title: str, summary: str = "", lang: str = "en"
) -> tuple[ActionMention, ...]:
    return find_actions(title, summary, lang, tagger.tag(title, summary))


def one(tagger: Tagger, title: str, summary: str = "", lang: str = "en") -> ActionMention:
    found = actions(tagger, title, summary, lang)
    assert len(found) == 1, found
    return found[0]


def test_mention_spans_index_the_original_field_text(tagger: Tagger) -> None:
    title = "Export curbs: ﬁrst word"  # a ligature changes lengths when folded
    summary = "Nvidia can ﬁnally resume H20 sales to China, Huang said."
    found = actions(tagger, title, summary)
    (mention,) = found
    assert mention.field == "summary"
    assert summary[mention.start : mention.end] == "resume H20 sales"
    assert mention.object == "H20" and ("H20", "chip") in mention.objects
    assert mention.lead and not mention.planned and mention.rule == "resume-sales"


def test_title_mentions_are_lead_and_later_summary_sentences_are_not(tagger: Tagger) -> None:
    found = actions(
        tagger,
        "Nvidia to resume H20 sales",
        "The company said so on Monday. It will also halt production of older parts.",
    )
    assert [(m.action, m.field, m.lead) for m in found] == [
        ("sales.resumed", "title", True),
        ("sales.halted", "summary", False),
    ]


def test_without_a_title_the_first_summary_sentence_is_the_lead(tagger: Tagger) -> None:
    found = actions(tagger, "", "Commerce began issuing H20 licences. Nvidia shares rose.")
    assert [(m.action, m.field, m.lead) for m in found] == [
        ("licence.granted", "summary", True),
        ("market.rally", "summary", False),
    ]


def test_a_negation_drops_a_match_or_says_its_negated_action(tagger: Tagger) -> None:
    assert actions(tagger, "Commerce did not issue licences for the H20") == ()
    denied = one(tagger, "AMD is not allowed to sell the MI308 in China")
    assert denied.action == "ban.imposed" and denied.rule == "allow-sales negated"


def test_negation_and_plans_count_only_next_to_the_match(tagger: Tagger) -> None:
    far = one(tagger, "Nvidia, which did not comment, will resume H20 sales in China")
    assert far.action == "sales.resumed" and not far.planned
    plan = one(tagger, "Nvidia plans to resume H20 sales in China")
    assert plan.action == "sales.resumed" and plan.planned


def test_a_plan_word_in_another_sentence_does_not_make_a_match_planned(tagger: Tagger) -> None:
    found = actions(tagger, "", "Nvidia could gain. Nvidia resumed H20 sales.")
    assert [(m.action, m.planned) for m in found] == [("sales.resumed", False)]


def test_a_verb_final_language_reads_modality_and_negation_after_the_verb(tagger: Tagger) -> None:
    planned = one(tagger, "米政府はH20の輸出許可を出す見通し", lang="ja")
    assert planned.action == "licence.granted" and planned.planned
    assert actions(tagger, "エヌビディアはH20の販売を再開しない", lang="ja") == ()


def test_a_reaction_frames_the_actions_of_its_sentence_as_context(tagger: Tagger) -> None:
    found = actions(tagger, "Lawmakers criticise the resumption of H20 sales to China")
    by_action = {m.action: m for m in found}
    assert by_action["sales.resumed"].framed == "frame.reaction"
    assert by_action["frame.reaction"].object == "H20"
    assert [m.action for m in primary(found)] == ["frame.reaction"]


def test_a_meeting_frames_only_what_follows_it(tagger: Tagger) -> None:
    before = actions(tagger, "Huang met Trump before H20 licences were issued")
    after = actions(tagger, "H20 licences were issued after Huang met Trump")
    assert {m.action: m.framed for m in before}["licence.granted"] == "frame.meeting"
    assert {m.action: m.framed for m in after}["licence.granted"] == ""


def test_a_report_frame_keeps_the_action_as_news(tagger: Tagger) -> None:
    found = actions(tagger, "Nvidia is developing a new chip for China, according to sources")
    developing = next(m for m in found if m.action == "product.developing")
    assert developing.framed == "frame.report"
    assert [m.action for m in primary(found)] == ["product.developing", "frame.report"]


def test_primary_falls_back_to_the_lead_sentence(tagger: Tagger) -> None:
    found = actions(
        tagger, "What the week meant for Nvidia", "Nvidia halted H20 production. Shares fell."
    )
    assert [m.action for m in primary(found)] == ["sales.halted"]
    titled = actions(tagger, "Nvidia resumes H20 sales", "Nvidia halted H20 production first.")
    assert [m.action for m in primary(titled)] == ["sales.resumed"]
    assert [m.action for m in primary(titled, titled=False)] == ["sales.resumed", "sales.halted"]


def test_unknown_languages_read_every_table_and_chinese_reads_both_scripts() -> None:
    assert language_mask("und") == language_mask("ar") == (1 << 11) - 1
    assert language_mask("zh") == language_mask("zh-TW") == language_mask("zh-Hans")
    assert language_mask("pt-BR") == language_mask("pt") != language_mask("es")


def test_words_of_another_language_do_not_count(tagger: Tagger) -> None:
    # "vende" is Spanish and Italian for "sells"; in an English article it is nothing
    assert actions(tagger, "Nvidia autorizza vende H20", lang="en") == ()
    assert (
        actions(tagger, "Nvidia autorizza vendite di H20", lang="it")[0].action == "licence.granted"
    )


# --------------------------------------------------------------------------- pairs


def mention(
    action: str, obj: str | None = "H20", *, planned: bool = False, framed: str = ""
) -> ActionMention:
    objects = ((obj, "place" if obj in ("China", "United States") else "chip"),) if obj else ()
    return ActionMention(action, obj, planned, "title", 0, 1, "test", objects, True, framed)


def test_listed_classes_conflict_on_one_object_whichever_side_lists_them() -> None:
    assert conflict(mention("licence.granted"), mention("licence.revoked")) == "class"
    assert conflict(mention("licence.revoked"), mention("licence.granted")) == "class"
    assert conflict(mention("probe.opened"), mention("probe.ruling")) == "class"
    assert conflict(mention("rule.published"), mention("rule.rescinded")) == "class"
    assert not conflicts(mention("licence.granted"), mention("sales.resumed"))


def test_different_objects_are_no_conflict_and_a_missing_object_is_no_alibi() -> None:
    assert not conflicts(mention("licence.granted", "H20"), mention("licence.revoked", "H200"))
    assert conflicts(mention("licence.granted", None), mention("licence.revoked", "H200"))


def test_promised_and_done_of_one_class_are_a_modality_conflict() -> None:
    promised = mention("licence.granted", planned=True)
    assert conflict(promised, mention("licence.granted")) == "modality"
    assert conflict(promised, promised) == ""


def test_a_reaction_or_a_meeting_conflicts_with_the_act_but_a_report_does_not() -> None:
    assert conflict(mention("frame.reaction"), mention("sales.resumed")) == "frame"
    assert conflict(mention("sales.resumed"), mention("frame.meeting")) == "frame"
    assert conflict(mention("frame.reaction"), mention("frame.meeting")) == "frame"
    assert conflict(mention("frame.report"), mention("sales.resumed")) == ""
    assert conflict(mention("frame.reaction"), mention("frame.reaction")) == ""


def test_same_event_evidence_weighs_class_object_modality_and_frames() -> None:
    granted = mention("licence.granted")
    assert same_event_evidence(granted, mention("licence.granted")) == 1.0
    assert same_event_evidence(granted, mention("sales.resumed")) == 0.5  # kin
    assert same_event_evidence(granted, mention("licence.granted", None)) == 0.3
    assert same_event_evidence(granted, mention("licence.granted", "H200")) == 0.0
    assert (
        same_event_evidence(mention("ban.imposed", "China"), mention("ban.imposed", "China")) == 0.3
    )
    assert same_event_evidence(granted, mention("licence.granted", planned=True)) == 0.5
    framed = mention("licence.granted", framed="frame.reaction")
    assert same_event_evidence(granted, framed) == 0.5
    assert same_event_evidence(granted, mention("licence.revoked")) == 0.0
    assert same_event_evidence(mention("frame.report"), mention("frame.report")) == 0.0
    assert same_event_evidence(granted, mention("market.rally")) == 0.0


def test_every_class_has_a_label_and_kin_is_never_a_conflict() -> None:
    for action in taxonomy().values():
        assert label(action.id) and action.label
        assert not action.kin & action.conflicts, action.id


def test_mentions_are_frozen_values() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        mention("licence.granted").action = "x"  # type: ignore[misc]


# --------------------------------------------------------------------------- the file


def test_the_shipped_grammar_loads_and_every_rule_action_exists() -> None:
    grammar = builtin_action_grammar()
    assert {r.action for r in grammar.rules} <= set(grammar.actions)
    assert set(grammar.actions) == {r.action for r in grammar.rules}  # every class is said


BASE = {
    "action": {"a.b": {"label": "x"}},
    "class": {"PLAN": {"en": ["plan"]}, "NEG": {"en": ["not"]}, "W": {"en": ["word"]}},
    "rule": [{"id": "r", "action": "a.b", "match": "W"}],
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"rule": [{"id": "r", "action": "c.d", "match": "W"}]},
            "rule[0].action: unknown action 'c.d'",
        ),
        ({"rule": [{"id": "r", "action": "a.b", "match": "W ~x W"}]}, "'~x' is not a gap"),
        ({"rule": [{"id": "r", "action": "a.b", "match": "X"}]}, "unknown class 'X'"),
        ({"rule": [{"id": "r", "action": "a.b"}]}, "rule[0]: needs id, action and match"),
        ({"action": {"a.b": {"objects": ["fruit"]}}}, "action.a.b.objects: unknown kind 'fruit'"),
        ({"action": {"a.b": {"conflicts": ["z.z"]}}}, "action.a.b.conflicts: unknown action 'z.z'"),
        ({"class": {"PLAN": {"en": ["p"]}, "W": {"en": ["w"]}}}, "class.NEG is missing"),
        (
            {"class": {"PLAN": {"en": ["p"]}, "NEG": {"en": ["n"]}, "W": {"xx": ["w"]}}},
            "class.W: unknown key 'xx'",
        ),
        ({"extra": {}}, "unknown table 'extra'"),
    ],
)
def test_a_broken_grammar_names_the_file_and_key(change: dict, message: str) -> None:
    data = {**BASE, **change}
    with pytest.raises(ActionGrammarError, match=r"^actions\.toml: ") as caught:
        parse_action_grammar(data, "actions.toml")
    assert message in str(caught.value)
