"""One explanation schema (stored JSON <-> Explanation) and one way to say it."""

from __future__ import annotations

import json

from chipwatch.clustering.explanation import Explanation, describe


def test_a_stored_explanation_reads_back_to_the_same_json() -> None:
    stored = Explanation(
        new_story=False,
        score=0.61234567,
        parts={"entities": 0.5, "numbers": 0, "same_feed": -0.25},
        shared_entities=("H20", "NVIDIA"),
        shared_words=("licence",),
        matched_article_id=7,
        threshold=0.4,
        shared_numbers=("amt:4.5e9",),
    ).to_json()
    assert list(json.loads(stored)) == [
        *("new_story", "score", "parts", "shared_entities", "shared_words"),
        *("matched_article_id", "threshold", "shared_numbers"),
    ]
    again = Explanation.from_json(stored)
    assert again is not None and again.to_json() == stored and again.score == 0.6123


def test_describe_says_the_same_for_every_reader() -> None:
    joined = Explanation(new_story=False, score=0.7, parts={"title": 0.5}, shared_entities=("H20",))
    said = describe(joined)
    assert said.line == "joined with score 0.70 · shared entities H20"
    assert said.signals == "title 0.50"
    assert describe(Explanation()).line == "started this story"
    moved = Explanation.from_json({"new_story": True, "locked": True})
    assert moved is not None and describe(moved).line.endswith("moved here by you")
    assert describe(Explanation.from_json("not json")).line == "no clustering record"


def test_feed_text_in_an_explanation_is_cleaned() -> None:
    hostile = Explanation(new_story=False, shared_words=("\x1b[31mred\x1b[0m",))
    assert "\x1b" not in describe(hostile).line
