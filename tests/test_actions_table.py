"""The action grammar, sentence by sentence, in every language the dictionary covers.

Each sentence of tests/actions_cases.py (written for chipwatch) must yield exactly its
expected actions, with their objects and modality when given; every action has, in
every language, a sentence that must yield it and one that must not.
"""

from __future__ import annotations

import pytest

from chipwatch.clustering.actions import find_actions, taxonomy
from chipwatch.entities.tagger import Tagger, build_tagger
from tests.actions_cases import CASES

LANGUAGES = ("en", "fr", "de", "es", "pt", "it", "nl", "zh-Hans", "zh-Hant", "ja", "ko")


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return build_tagger()


def _found(tagger: Tagger, sentence: str, lang: str) -> list[str]:
    title, _, summary = sentence.partition("||")
    mentions = find_actions(title, summary, lang, tagger.tag(title, summary))
    tokens = []
    for m in mentions:
        token = ("?" if m.planned else "") + ("~" if m.framed in _CONTEXT else "") + m.action
        tokens.append(f"{token}@{m.object}")
    return tokens


_CONTEXT = {a.id for a in taxonomy().values() if a.context}


def _matches(expected: str, found: str) -> bool:
    want, _, obj = expected.replace("_", " ").partition("@")
    have, _, have_obj = found.partition("@")
    return want == have and (not obj or obj == have_obj)


CASE_IDS = [(lang, n) for lang in CASES for n in range(len(CASES[lang]))]


@pytest.mark.parametrize(("lang", "number"), CASE_IDS, ids=[f"{lang}-{n}" for lang, n in CASE_IDS])
def test_sentence_yields_exactly_its_actions(tagger: Tagger, lang: str, number: int) -> None:
    sentence, expected = CASES[lang][number]
    wanted = [t for t in expected.split() if not t.startswith("!")]
    found = _found(tagger, sentence, lang)
    unmatched = list(found)
    for token in wanted:
        hit = next((f for f in unmatched if _matches(token, f)), None)
        assert hit is not None, f"{sentence!r}: expected {token}, found {found}"
        unmatched.remove(hit)
    assert not unmatched, f"{sentence!r}: unexpected {unmatched} (expected {wanted})"


def test_every_action_has_both_kinds_of_case_in_every_language() -> None:
    missing = []
    for action in taxonomy():
        for lang in LANGUAGES:
            tokens = [t for _, e in CASES.get(lang, []) for t in e.split()]
            plain = {t.lstrip("?~!").partition("@")[0] for t in tokens if not t.startswith("!")}
            near = {t[1:].partition("@")[0] for t in tokens if t.startswith("!")}
            if action not in plain:
                missing.append(f"{lang} {action}: no must-match")
            if action not in near:
                missing.append(f"{lang} {action}: no must-not")
    assert not missing, "\n".join(missing)
