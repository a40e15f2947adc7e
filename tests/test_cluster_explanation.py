"""One explanation schema (stored JSON <-> Explanation) and one sentence to say it."""

from __future__ import annotations

import json

from chipwatch.clustering.explanation import Explanation
from chipwatch.clustering.explanation_words import (
    Context,
    Correction,
    Matched,
    describe,
    format_figure,
)
from chipwatch.clustering.labels import action_label

JOINED = Explanation(
    decision="joined",
    via="settle",
    score=0.61234567,
    threshold=0.4,
    parts={"entities": 0.5, "numbers": 0.7, "same_feed": -0.1},
    shared_entities=("H20", "export licence", "NVIDIA"),
    shared_figures=("amt:4.5e+09",),
    shared_words=("licenc", "vent"),
    matched_article_id=7,
    matched_hours=-2.04,
    action=("licence.granted", "H20"),
)
SEED = Context(
    matched=Matched(
        "Nvidia va pouvoir revendre ses puces H20 en Chine après le feu vert de Washington",
        "La Dépêche",
        text="Nvidia va pouvoir revendre ses puces H20\nLes licences d'exportation…",
    ),
    text="Les licences seront accordées\nNvidia reprend ses ventes de puces.",
)


def test_a_stored_explanation_reads_back_to_the_same_json() -> None:
    stored = JOINED.to_json()
    data = json.loads(stored)
    assert list(data) == [
        *("v", "decision", "via", "score", "threshold", "matched", "action"),
        *("shared", "parts"),
    ]
    assert data["matched"] == {"article_id": 7, "hours": -2.0}
    again = Explanation.from_json(stored)
    assert again is not None and again.to_json() == stored and again.score == 0.6123


def test_the_sentence_names_the_match_what_both_report_and_the_threshold() -> None:
    said = describe(JOINED, SEED).line
    assert said == (
        'Joined "Nvidia va pouvoir revendre ses puces H20 en…" (La Dépêche, 2 h earlier):'
        f" both report {action_label('licence.granted')} for H20; share export licence, NVIDIA,"
        " 4.5 bn, licences; similarity 0.61 (threshold 0.40)"
    )


def test_shared_words_are_shown_as_written_never_as_stems() -> None:
    said = describe(JOINED, SEED).line
    assert "licences" in said and "licenc," not in said and "vent" not in said.split()


def test_a_new_story_names_its_closest_miss_and_the_conflict() -> None:
    started = Explanation(
        decision="started",
        score=0.33,
        threshold=0.4,
        matched_article_id=3,
        matched_hours=-26,
        conflict=("probe.ruling", "probe.opened"),
    )
    said = describe(started, Context(matched=Matched("China summons Nvidia", "Xinhua"))).line
    assert said.startswith('Started a new story: the closest was "China summons Nvidia"')
    assert "(Xinhua, 26 h earlier) at 0.33, below 0.40" in said
    assert describe(Explanation(threshold=0.4)).line.startswith("Started a new story: no ")


def test_a_users_placement_says_so_with_the_date() -> None:
    moved = Explanation.from_json({"v": 2, "decision": "joined", "locked": True})
    merge = Correction("merge", "2026-05-01T10:00:00Z", 12, 9)
    assert describe(moved, Context(corrections=(merge,))).line == (
        "Moved here by you on 2026-05-01 (story 12 merged into 9)"
    )
    split = Correction("split", "2026-05-02T08:00:00Z", 9, 14)
    assert describe(moved, Context(corrections=(split,))).line == "Split out by you on 2026-05-02"
    assert describe(Explanation.from_json("not json")).line == "no clustering record"


def test_an_explanation_of_the_first_version_still_reads() -> None:
    old = Explanation.from_json(
        {"new_story": False, "score": 0.5, "shared_entities": ["H20"], "matched_article_id": 4}
    )
    assert old is not None and old.decision == "joined" and old.matched_article_id == 4
    assert "share H20" in describe(old).line


def test_figures_are_written_as_people_write_them() -> None:
    assert format_figure("amt:4.5e+09") == "4.5 bn"
    assert format_figure("pct:15") == "15 %"
    assert format_figure("n:140") == "140"


def test_feed_text_in_an_explanation_is_cleaned() -> None:
    hostile = Explanation(decision="joined", shared_entities=("\x1b[31mred\x1b[0m",))
    assert "\x1b" not in describe(hostile, Context(matched=Matched("\x1b]8;;x\x07t", "f"))).line


def test_stored_text_is_what_json_dumps_writes() -> None:
    """to_json keeps the C encoder ``json.dumps(..., ensure_ascii=False)`` makes on
    each call, made once (session 29): the text must stay byte for byte the same, for
    every kind of value an explanation holds (ints where a sum over none was stored,
    None, non-ASCII names, quotes, control characters)."""
    full = Explanation(
        decision="joined",
        via="bridge",
        score=0,
        threshold=None,
        parts={"entities": 1, "numbers": 0, "time": 0.123456789, "same_feed": -0.1},
        shared_entities=('Société "Générale"', "華為", "a\\b\nc\x1f"),
        shared_figures=("pct:4",),
        shared_names=("ümlaut",),
        shared_words=("licenc",),
        matched_article_id=12,
        matched_hours=None,
        action=("licence.granted", ""),
        also=("sales.resumed",),
        conflict=("ban.imposed", "ban.lifted"),
        bridged=((3, 0.6123456), (9, 1)),
    )
    for explanation in (full, JOINED, Explanation()):
        stored = explanation.to_json()
        assert stored == json.dumps(explanation.to_dict(), ensure_ascii=False)
        assert Explanation.from_json(stored) == Explanation.from_json(explanation.to_dict())
