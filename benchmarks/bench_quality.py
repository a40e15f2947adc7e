"""(8) Story quality in three arrival orders: rows for ``python -m benchmarks``.

Each labelled set (:mod:`benchmarks.quality_sets`: ``labelled``, ``week``, ``demo``, and
``realnews`` when ``../shared`` is there) is replayed through the real pipeline in the
published order, its reverse and a fixed-seed shuffle. Rows per set: the worst B-cubed
F1, the most strict hard-negative pairs merged, the fewest events kept whole, and how
many distinct partitions the three orders gave (the bar is one: the same feeds must give
the same stories whatever order they arrive in). The demo adds how many orders gave
exactly its labelled stories with one alert per (watch, event); the week, how many
orders joined the seed-like pair. Bars for realnews are issue 18's; the other sets'
F1 bar is the floor tests/test_cluster.py holds. Both sizes run the same sets, one
article a round (``full``) or ten (``small``).

``python -m benchmarks.bench_quality`` (the detailed table: ``python -m
benchmarks.cluster_quality --orders 3 --realnews``)
"""

from __future__ import annotations

from typing import Any

from benchmarks import module_main

ORDERS = ("published", "reverse", "shuffled")
SETS = ("labelled", "week", "demo", "realnews")
F1_BAR = {"realnews": ">= 0.95", "labelled": ">= 0.95"}


def run(size: str) -> list[dict[str, Any]]:
    from benchmarks.quality_orders import build_set
    from benchmarks.quality_sets import realnews_dir, run_order

    rows: list[dict[str, Any]] = []
    for name in SETS:
        qs = build_set(name)
        if qs is None:
            rows.append(_skipped(name, f"no corpus at {realnews_dir()}"))
            continue
        # The small size delivers ten articles a round: the same stories (the settle pass
        # is order-free), in a tenth of the rounds.
        runs = [run_order(qs, order, chunk=1 if size == "full" else 10) for order in ORDERS]
        rows += _rows(name, runs, has_pairs=bool(qs.pairs))
        if name == "demo":
            rows.append(_demo_row(qs, runs))
        if qs.seed_pair is not None:
            alone = sum(1 for r in runs if r.seed_alone)
            joined = sum(1 for r in runs if r.seed_joined)
            rows.append(
                _row(
                    f"quality: {name}, seed pair joined, alone (orders of 3)",
                    alone,
                    ">= 3",
                    f"joined in {joined}, with nothing else in {alone}",
                )
            )
    return rows


def _row(name: str, value: float, target: str = "", note: str = "") -> dict[str, Any]:
    row: dict[str, Any] = {"name": name, "value": value, "unit": "", "target": target}
    if note:
        row["note"] = note
    return row


def _rows(name: str, runs: list[Any], *, has_pairs: bool) -> list[dict[str, Any]]:
    worst = min(runs, key=lambda r: r.score.f1)
    fewest = min(runs, key=lambda r: r.score.whole)
    most = max(runs, key=lambda r: r.score.strict_merged)
    per_order = ", ".join(f"{r.order} {r.score.f1:.3f}" for r in runs)
    rows = [
        _row(
            f"quality: {name}, worst F1 of 3 orders",
            worst.score.f1,
            F1_BAR.get(name, ""),
            per_order,
        ),
        _row(
            f"quality: {name}, distinct partitions in 3 orders",
            len({r.partition for r in runs}),
            "<= 1",
        ),
        _row(
            f"quality: {name}, events kept whole (fewest of 3 orders)",
            fewest.score.whole / max(fewest.score.events, 1),
            "",
            f"{fewest.score.whole}/{fewest.score.events} in {fewest.order}",
        ),
    ]
    if has_pairs:
        rows.insert(
            2,
            _row(
                f"quality: {name}, hard negatives merged (most of 3 orders)",
                most.score.strict_merged,
                "<= 0" if name in F1_BAR else "",
                f"{most.order}; lenient ones apart",
            ),
        )
    return rows


def _demo_row(qs: Any, runs: list[Any]) -> dict[str, Any]:
    from benchmarks.demo_set import compare, expected_alerts

    expected = expected_alerts()
    results = [compare(qs, r.replay, expected) for r in runs]
    exact = sum(1 for result in results if result.exact)
    worst = max(results, key=lambda result: len(result.lines()))
    return _row(
        "quality: demo, orders giving exactly the labelled stories and alerts",
        exact,
        ">= 3",
        f"{len(worst.lines())} differences at worst",
    )


def _skipped(name: str, why: str) -> dict[str, Any]:
    return _row(f"quality: {name}, skipped", float("nan"), "", why)


if __name__ == "__main__":
    module_main(__doc__, ("small", "full"), run)
