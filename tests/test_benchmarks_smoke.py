"""The benchmark suite keeps working: the harness, the generator and a small run.

No timing is asserted (speed is measured by ``python -m benchmarks``, not tested):
these tests check that every benchmark produces its rows with sane values.
"""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import feedparser
import pytest

import benchmarks.__main__ as harness
from benchmarks.synth import generate_articles, write_feeds

# Rows the harness's own modules must always produce (the other modules add theirs).
OWN_ROWS = {
    "startup": ["startup: chipwatch --help", "startup: heavy imports in --help"],
    "ingest": [
        "baseline: bare feedparser.parse",
        "ingest: first poll, end to end",
        "ingest: second poll, unchanged",
        "ingest: first poll, 30-day archive",
    ],
    "poll": [
        "poll: 50 feeds × 50 ms, first (fetch + ingest)",
        "poll: 50 feeds × 50 ms, unchanged (304)",
    ],
}


def test_the_generator_is_deterministic_and_multilingual() -> None:
    first = list(generate_articles(400, seed=7))
    again = list(generate_articles(400, seed=7))
    other = list(generate_articles(400, seed=8))
    assert first == again and first != other
    assert len({a.lang for a in first}) >= 4
    events = {}
    for article in first:
        events.setdefault(article.event, []).append(article)
    retold = [group for group in events.values() if len(group) > 1]
    assert retold, "some events must be retold by several articles"
    assert any(len({a.title for a in group}) > 1 for group in retold)
    assert [a.published for a in first] == sorted(a.published for a in first)


def test_written_feeds_parse_as_rss_and_atom_with_every_article(tmp_path: Path) -> None:
    paths = write_feeds(tmp_path, 250, seed=3, per_feed=100)
    assert len(paths) == 3
    versions = set()
    guids = set()
    for path in paths:
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo, parsed.get("bozo_exception")
        versions.add(parsed.version)
        guids |= {entry.id for entry in parsed.entries}
    assert versions == {"rss20", "atom10"}
    assert len(guids) == 250
    again = tmp_path / "again"
    assert [p.read_bytes() for p in write_feeds(again, 250, seed=3, per_feed=100)] == [
        p.read_bytes() for p in paths
    ]


@pytest.mark.parametrize(
    ("row", "met"),
    [
        ({"value": 0.2, "target": "< 0.3"}, True),
        ({"value": 0.4, "target": "< 0.3"}, False),
        ({"value": 60_000, "target": ">= 50000"}, True),
        ({"value": 9.0, "ratio": 0.25, "target": "<= 0.3x"}, True),
        ({"value": 1.0, "ratio": 0.5, "target": "<= 0.3x"}, False),
        ({"value": 1.0, "target": ""}, None),
        ({"value": float("nan"), "target": "< 1"}, None),
    ],
)
def test_targets_are_judged(row: dict, met: bool | None) -> None:
    assert harness.target_met(row) is met


@pytest.mark.slow
@pytest.mark.timeout(900)  # a hang guard: every module's small run, ~190 s on a busy 2-core machine
def test_a_small_run_prints_every_row_and_writes_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``python -m benchmarks --size small``, every module: rows present, values sane."""
    monkeypatch.setattr(harness, "RESULTS", tmp_path / "results")
    out_json = tmp_path / "run.json"
    assert harness.main(["--size", "small", "--json", str(out_json)]) == 0
    printed = capsys.readouterr().out
    document = json.loads(out_json.read_text())
    assert document == json.loads((tmp_path / "results" / "latest-small.json").read_text())
    assert document["machine"]["cores"] >= 1
    rows = {row["name"]: row for row in document["rows"]}
    failed = [row for row in document["rows"] if row["name"].endswith(": FAILED")]
    assert not failed, failed
    for names in OWN_ROWS.values():
        for name in names:
            assert name in rows, f"missing row {name}"
            assert name in printed
            value = rows[name]["value"]
            assert isinstance(value, int | float) and math.isfinite(value) and value >= 0
    assert rows["ingest: first poll, end to end"]["ratio"] > 0
    assert rows["startup: heavy imports in --help"]["value"] == 0
    modules_with_rows = {row["module"] for row in document["rows"]}
    for name in harness.MODULES:
        if importlib.util.find_spec(f"benchmarks.bench_{name}") is not None:
            assert name in modules_with_rows, f"benchmarks/bench_{name}.py produced no row"


def test_every_benchmark_module_that_exists_has_run() -> None:
    for name in harness.MODULES:
        spec = importlib.util.find_spec(f"benchmarks.bench_{name}")
        if spec is not None:
            module = importlib.import_module(f"benchmarks.bench_{name}")
            assert callable(module.run), name
