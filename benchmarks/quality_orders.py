"""Replaying the labelled sets in several arrival orders: the ``--orders`` table.

Used by ``python -m benchmarks.cluster_quality --orders …`` (see that module) and by
``benchmarks/bench_quality.py``: each set of :mod:`benchmarks.quality_sets` is replayed
through the real pipeline once per order and scored; one row per (set, order), then one
line per set: worst F1, most hard negatives merged, whether the partitions are identical.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ORDER_NAMES = ("published", "reverse", "shuffled", "poll")
SET_NAMES = ("labelled", "week", "demo", "realnews")


def parse_orders(text: str) -> list[str]:
    """``3`` → the first three of published, reverse, shuffled, poll; or names, comma-separated."""
    if text.strip().isdigit():
        count = int(text)
        if not 1 <= count <= len(ORDER_NAMES):
            raise argparse.ArgumentTypeError(f"--orders N: N from 1 to {len(ORDER_NAMES)}")
        return list(ORDER_NAMES[:count])
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in ORDER_NAMES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown order {', '.join(unknown) or '(none)'}; orders: {', '.join(ORDER_NAMES)}"
        )
    return names


def config_overrides(threshold: float | None, weights: Mapping[str, float]) -> str:
    """``[cluster]`` TOML for the replayed pipeline's config."""
    lines = []
    if threshold is not None:
        lines += ["[cluster]", f"threshold = {threshold!r}"]
    if weights:
        lines.append("[cluster.weights]")
        lines += [f"{name} = {value!r}" for name, value in weights.items()]
    return "\n".join(lines)


def build_set(name: str) -> Any:
    """The named :class:`~benchmarks.quality_sets.QualitySet` (None: realnews is absent)."""
    from benchmarks import quality_sets

    if name == "realnews":
        return quality_sets.realnews_set() if quality_sets.realnews_available() else None
    if name == "week":
        from benchmarks.background_week import week_set

        return week_set()
    if name == "demo":
        from benchmarks.demo_set import demo_set

        return demo_set()
    return quality_sets.labelled_set()


def run_orders(
    sets: Sequence[str],
    orders: Sequence[str],
    *,
    chunk: int = 1,
    live: bool = False,
    extra_config: str = "",
    out: Any = sys.stdout,
) -> dict[str, list[Any]]:
    """Replay every set in every order; print the table as it goes; the runs by set."""
    from benchmarks.quality_sets import run_order

    runs: dict[str, list[Any]] = {}
    print(
        _ROW.format("set", "order", "items", "P", "R", "F1", "whole", "merged", "rounds", "s"),
        file=out,
    )
    for name in sets:
        qs = build_set(name)
        if qs is None:
            print(f"{name:<9} skipped: no corpus at {_realnews_dir()} (set REALNEWS_DIR)", file=out)
            continue
        runs[name] = []
        for order in orders:
            run = run_order(qs, order, chunk=chunk, live=live, extra_config=extra_config)
            runs[name].append(run)
            print(_row(run), file=out, flush=True)
        print(summary_line(name, runs[name]), file=out)
    return runs


_ROW = "{:<9} {:<10} {:>5} {:>6} {:>6} {:>6} {:>6} {:>7} {:>6} {:>5}"


def _realnews_dir() -> Path:
    from benchmarks.quality_sets import realnews_dir

    return realnews_dir()


def _row(run: Any) -> str:
    s = run.score
    lenient = len(s.merged) - s.strict_merged
    merged = f"{s.strict_merged}" + (f"+{lenient}L" if lenient else "")
    return _ROW.format(
        run.set,
        run.order,
        s.items,
        f"{s.precision:.3f}",
        f"{s.recall:.3f}",
        f"{s.f1:.3f}",
        f"{s.whole}/{s.events}",
        merged,
        run.replay.rounds,
        f"{run.replay.seconds:.1f}",
    )


def summary_line(name: str, runs: Sequence[Any]) -> str:
    """``worst F1, most strict merges, partitions identical`` over the orders of one set."""
    if not runs:
        return f"{name:<9} no run"
    distinct = len({run.partition for run in runs})
    same = "yes" if distinct == 1 else f"NO ({distinct} distinct)"
    line = (
        f"{name:<9} {len(runs)} orders: worst F1 {min(r.score.f1 for r in runs):.3f}, "
        f"most strict hard negatives merged {max(r.score.strict_merged for r in runs)}, "
        f"partitions identical: {same}"
    )
    seeds = [r for r in runs if r.seed_joined is not None]
    if seeds:
        joined = sum(1 for r in seeds if r.seed_joined)
        alone = sum(1 for r in seeds if r.seed_alone)
        line += f"; seed pair joined in {joined}/{len(seeds)} (alone in {alone})"
    return line


def print_detail(runs: Sequence[Any], out: Any = sys.stdout) -> None:
    """Per part and per phenomenon F1, then each order's merged pairs and split events."""
    for run in runs:
        parts = ", ".join(f"{k} {v.f1:.3f}" for k, v in run.parts.items())
        feats = ", ".join(f"{k} ({v.items}) {v.f1:.3f}" for k, v in sorted(run.features.items()))
        print(f"  {run.order}: parts: {parts or '-'}", file=out)
        print(f"  {run.order}: phenomena: {feats or '-'}", file=out)
        if run.seed_joined is not None:
            print(f"  {run.order}: seed pair: {seed_line(run)}", file=out)
        for pair in run.score.merged:
            flag = " (lenient)" if pair.lenient else ""
            print(f"    merged{flag}: {pair.a} + {pair.b}", file=out)
        for event, pieces in run.splits:
            print(f"    split: {event} into {len(pieces)}:", file=out)
            for number, piece in enumerate(pieces, 1):
                for title in piece:
                    print(f"      {number}. {title[:100]}", file=out)


def chosen_sets(text: str | None, realnews: bool) -> list[str]:
    names = [n.strip() for n in text.split(",")] if text else ["labelled", "week", "demo"]
    unknown = [n for n in names if n not in SET_NAMES]
    if unknown:
        raise SystemExit(f"unknown set {', '.join(unknown)}; sets: {', '.join(SET_NAMES)}")
    if realnews and "realnews" not in names:
        names.append("realnews")
    return names


def runs_json(runs: Mapping[str, Sequence[Any]]) -> dict[str, Any]:
    """The figures as plain data (for --json and the benchmark rows)."""

    def score(s: Any) -> dict[str, Any]:
        return {
            "precision": round(s.precision, 4),
            "recall": round(s.recall, 4),
            "f1": round(s.f1, 4),
            "items": s.items,
            "whole": s.whole,
            "events": s.events,
            "merged": [[p.a, p.b, p.lenient] for p in s.merged],
            "strict_merged": s.strict_merged,
            "missing": s.missing,
        }

    return {
        name: {
            "identical_partitions": len({r.partition for r in set_runs}) == 1,
            "orders": {
                r.order: {
                    **score(r.score),
                    "parts": {k: score(v) for k, v in r.parts.items()},
                    "phenomena": {k: score(v) for k, v in r.features.items()},
                    "seed_joined": r.seed_joined,
                    "seed_alone": r.seed_alone,
                    "rounds": r.replay.rounds,
                    "seconds": round(r.replay.seconds, 2),
                }
                for r in set_runs
            },
        }
        for name, set_runs in runs.items()
    }


def seed_line(run: Any) -> str:
    """How the seed pair fared: together (alone or not), and the later one's decision."""
    import json

    keys = sorted(
        (k for k, e in run.replay.ids.items() if k in run.seed_keys), key=run.replay.ids.get
    )
    state = "joined" if run.seed_joined else "split"
    if run.seed_joined:
        state += ", alone" if run.seed_alone else ", with other events"
    if len(keys) < 2:
        return state
    try:
        why = json.loads(run.replay.explanations.get(keys[1]) or "{}")
    except ValueError:
        why = {}
    first = run.replay.ids[keys[0]]
    matched = why.get("matched_article_id") or why.get("closest_article_id")
    score = why.get("score") if why.get("matched_article_id") else why.get("closest_score")
    target = "the other seed report" if matched == first else f"article {matched}"
    return f"{state}; the later one's best match: {target} at {score} (threshold {why.get('threshold')})"
