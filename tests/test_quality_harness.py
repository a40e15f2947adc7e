"""The clustering-quality harness itself: its metric on hand-made partitions, its arrival
orders, its feed files and one replay through the real pipeline (benchmarks/replay.py)."""

from __future__ import annotations

import argparse
import importlib.util
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.demo_set import DemoComparison, compare  # noqa: E402
from benchmarks.quality_metrics import (  # noqa: E402
    HardNegative,
    bcubed,
    events_whole,
    merged_pairs,
    partition,
    score_partition,
)
from benchmarks.quality_orders import parse_orders, summary_line  # noqa: E402
from benchmarks.quality_sets import QualitySet, event_pairs, realnews_dir  # noqa: E402
from benchmarks.replay import (  # noqa: E402
    Item,
    Replay,
    arrange,
    chunks,
    item_rounds,
    merge_toml,
    render_rss,
    replay,
    url_key,
)

GOLD = {"a": "E1", "b": "E1", "c": "E2"}


def test_bcubed_of_a_perfect_partition_is_one() -> None:
    assert bcubed(GOLD, {"a": 1, "b": 1, "c": 2}) == (1.0, 1.0, 1.0)


def test_bcubed_of_a_partition_worked_by_hand() -> None:
    # a alone: P 1, R 1/2; b with c: P 1/2, R 1/2; c with b: P 1/2, R 1
    p, r, f = bcubed(GOLD, {"a": 1, "b": 2, "c": 2})
    assert (p, r, f) == pytest.approx((2 / 3, 2 / 3, 2 / 3))


def test_bcubed_of_everything_in_one_story() -> None:
    p, r, f = bcubed(GOLD, {"a": 7, "b": 7, "c": 7})
    # a, b: 2/3 of their story is their event; c: 1/3. Recall is perfect.
    assert (p, r) == pytest.approx(((2 / 3 + 2 / 3 + 1 / 3) / 3, 1.0))
    assert f == pytest.approx(2 * p / (p + 1))


def test_bcubed_of_a_subset_counts_the_other_items_in_its_stories() -> None:
    p, r, _ = bcubed(GOLD, {"a": 1, "b": 2, "c": 2}, subset=["c"])
    assert (p, r) == (0.5, 1.0)


def test_events_kept_whole_count_only_events_with_two_items() -> None:
    assert events_whole(GOLD, {"a": 1, "b": 1, "c": 2}) == (1, 1)
    assert events_whole(GOLD, {"a": 1, "b": 2, "c": 2}) == (0, 1)


def test_hard_negative_pairs_merged_and_lenient_ones_apart() -> None:
    pairs = [HardNegative("E1", "E2"), HardNegative("E2", "E3", lenient=True)]
    gold = {**GOLD, "d": "E3"}
    merged = merged_pairs(gold, {"a": 1, "b": 2, "c": 2, "d": 2}, pairs)
    assert merged == pairs
    score = score_partition(gold, {"a": 1, "b": 2, "c": 2, "d": 2}, pairs)
    assert score.strict_merged == 1 and len(score.merged) == 2
    assert merged_pairs(gold, {"a": 1, "b": 1, "c": 2, "d": 3}, pairs) == []


def test_partition_ignores_story_ids() -> None:
    assert partition({"a": 1, "b": 1, "c": 2}) == partition({"a": 9, "b": 9, "c": 4})
    assert partition({"a": 1, "b": 1, "c": 2}) != partition({"a": 1, "b": 2, "c": 2})


def test_items_the_run_did_not_store_count_as_missing_singletons() -> None:
    score = score_partition(GOLD, {"a": 1, "c": 2})
    assert score.missing == 1
    assert score.recall == pytest.approx((0.5 + 0.5 + 1) / 3)


def test_event_pairs_come_from_both_kinds_of_lists_once() -> None:
    events = {
        "x": {"hard_negatives": ["y"], "lenient_negatives": ["z"]},
        "y": {"hard_negatives": ["x", "gone"]},
        "z": {},
    }
    assert event_pairs(events) == [HardNegative("x", "y"), HardNegative("x", "z", lenient=True)]


T0 = datetime(2025, 7, 15, 9, 0, tzinfo=UTC)


def _items() -> list[Item]:
    return [
        Item("Wire", f"https://wire.example.org/{n}", f"Text {n}.", T0 + timedelta(hours=n))
        for n in range(5)
    ]


def test_orders_are_published_its_exact_reverse_and_a_fixed_shuffle() -> None:
    items = _items()
    key = lambda i: i.published  # noqa: E731
    published = arrange(items[::-1], "published", key=key)
    assert published == items
    assert arrange(items, "reverse", key=key) == items[::-1]
    shuffled = arrange(items, "shuffled", key=key)
    assert shuffled == arrange(items, "shuffled", key=key)
    assert sorted(shuffled, key=key) == items and shuffled != items
    with pytest.raises(ValueError, match="unknown order"):
        arrange(items, "sideways", key=key)


def test_orders_on_the_command_line() -> None:
    assert parse_orders("3") == ["published", "reverse", "shuffled"]
    assert parse_orders("reverse,poll") == ["reverse", "poll"]
    for bad in ("0", "9", "sideways"):
        with pytest.raises(argparse.ArgumentTypeError):
            parse_orders(bad)


def test_chunks_cut_in_runs_and_zero_means_one_run() -> None:
    assert chunks([1, 2, 3], 2) == [[1, 2], [3]]
    assert chunks([1, 2, 3], 0) == [[1, 2, 3]]


def test_feed_files_grow_as_items_arrive_and_an_untitled_item_has_no_title() -> None:
    items = _items()
    untitled = Item("Desk", "https://desk.example.org/1", "Body only.", T0, "fr", None)
    titled = Item("Wire", "https://wire.example.org/9", "x", T0, "en", "A <b> & c")
    rounds = item_rounds([items[0], untitled, items[1], titled], chunk=1)
    assert [list(r.files) for r in rounds] == [["Wire"], ["Desk"], ["Wire"], ["Wire"]]
    third = ET.fromstring(rounds[2].files["Wire"])
    assert len(third.findall("./channel/item")) == 2  # the first Wire item is still listed
    desk = ET.fromstring(rounds[1].files["Desk"]).find("./channel/item")
    assert desk is not None and desk.find("title") is None
    last = ET.fromstring(rounds[3].files["Wire"])
    assert "A <b> & c" in [t.text for t in last.iter("title")]  # text, escaped as data
    assert render_rss("Desk", "fr", [untitled]) == rounds[1].files["Desk"]


def test_url_keys_ignore_what_chipwatch_ignores() -> None:
    same = {
        url_key("https://Example.org:443/a/?utm_source=rss#top"),
        url_key("https://example.org/a"),
    }
    assert same == {"https://example.org/a"}
    assert url_key("http://example.org:8080/a?id=2") == "http://example.org:8080/a?id=2"


def test_config_snippets_merge_tables_and_lists() -> None:
    text = merge_toml(
        '[cluster]\nthreshold = 0.4\n[[watch]]\nname = "a"\nquery = "x"',
        '[cluster]\nthreshold = 0.5\n[[watch]]\nname = "b"\nquery = "y"',
    )
    import tomllib

    data = tomllib.loads(text)
    assert data["cluster"]["threshold"] == 0.5
    assert [w["name"] for w in data["watch"]] == ["a", "b"]


@pytest.mark.slow
def test_a_replay_through_the_real_pipeline_stores_every_item_in_any_order() -> None:
    title = "Nvidia to resume H20 sales to China after US signals licences"
    body = "Nvidia said Washington assured it that H20 export licences will be granted."
    items = [
        Item("Wire", "https://wire.example.org/h20", body, T0, "en", title),
        Item("Desk", "https://desk.example.org/h20?utm_source=x", body, T0, "en", title),
        Item("Wire", "https://wire.example.org/fab", "A fab opens in Dresden.", T0, "en", None),
    ]
    parts = set()
    for order in ("published", "reverse"):
        arrived = arrange(items, order, key=lambda i: (i.published, i.url))
        run = replay(item_rounds(arrived), feeds=["Desk", "Wire"], now=T0 + timedelta(days=1))
        assert run.rounds == 3
        assert set(run.story_of) == {url_key(i.url) for i in items}
        story = run.story_of
        assert story[url_key(items[0].url)] == story[url_key(items[1].url)]  # same text
        assert story[url_key(items[2].url)] != story[url_key(items[0].url)]
        parts.add(partition(story))
    assert len(parts) == 1


def _demo_like() -> QualitySet:
    gold = {"u1": "resume", "u2": "resume", "u3": "expo"}
    return QualitySet("demo", gold, [], [], T0, lambda order, chunk: [])


def test_the_demo_comparison_is_exact_only_for_the_labelled_stories_and_alerts() -> None:
    qs = _demo_like()
    expected = {("H20", "resume")}
    good = Replay({"u1": 1, "u2": 1, "u3": 2}, [("H20", 1)], 3, 0.0)
    assert compare(qs, good, expected).exact
    split = compare(
        qs, Replay({"u1": 1, "u2": 3, "u3": 2}, [("H20", 1), ("H20", 3)], 3, 0), expected
    )
    assert split.split == ["resume"] and split.duplicate_alerts == [("H20", "resume", 2)]
    merged = compare(qs, Replay({"u1": 1, "u2": 1, "u3": 1}, [("H20", 1)], 3, 0), expected)
    assert merged.merged == [["expo", "resume"]]
    assert merged.unexpected_alerts == [("H20", "expo")]
    silent = compare(qs, Replay({"u1": 1, "u2": 1}, [], 3, 0), expected)
    assert silent.missing == ["u3"] and silent.missing_alerts == [("H20", "resume")]
    assert not silent.exact and any("no alert" in line for line in silent.lines())
    assert DemoComparison(2, 2).exact


def test_the_summary_line_says_whether_the_partitions_are_identical() -> None:
    class Run:
        def __init__(self, f1: float, part: frozenset, strict: int) -> None:
            self.score = type("S", (), {"f1": f1, "strict_merged": strict})()
            self.partition = part
            self.seed_joined = None
            self.seed_alone = None
            self.order = "x"

    one = frozenset({frozenset({"a"})})
    two = frozenset({frozenset({"a", "b"})})
    assert "identical: yes" in summary_line("s", [Run(0.9, one, 0), Run(0.8, one, 1)])
    line = summary_line("s", [Run(0.9, one, 0), Run(0.8, two, 1)])
    assert "worst F1 0.800" in line and "merged 1" in line and "NO (2 distinct)" in line


def _score_py():
    path = realnews_dir() / "score.py"
    if not path.is_file():
        pytest.skip("../shared/corpora/realnews is absent")
    spec = importlib.util.spec_from_file_location("realnews_score", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.corpus
def test_the_bcubed_here_equals_the_realnews_scorers() -> None:
    """Read at test time: the corpus's own scorer gives the same figures on a partition."""
    score_py = _score_py()
    gold = {f"u{i}": f"e{i % 7}" for i in range(40)}
    predicted = {f"u{i}": (i % 5) + 3 * (i % 2) for i in range(40)}
    assert bcubed(gold, predicted) == pytest.approx(score_py.bcubed(gold, predicted))
