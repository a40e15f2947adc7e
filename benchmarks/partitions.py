"""The labelled set's partitions, committed, so a change that must not move a story
is proven not to.

``python -m benchmarks.partitions --write`` replays ``tests/data/cluster/labelled.toml``
through the real pipeline in three arrival orders (every feed in one concurrent
round, as ``poll --once`` does; published order and a fixed shuffle, ten articles a
round) and writes each order's partition (which articles share a story; story ids left
out) to :data:`EXPECTED`. ``tests/test_labelled_partitions.py`` replays again and
compares. Regenerate ONLY when the clusterer is deliberately changed (and say so in
the commit): a performance change, a pipeline change or a refactoring must leave the
file as it is.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = ROOT / "tests" / "data" / "cluster" / "labelled_partitions.json"
ORDERS = (("poll", 0), ("published", 10), ("shuffled", 10))


def partitions() -> dict[str, list[list[str]]]:
    """``{"order/chunk": [sorted keys of each story, sorted]}`` for every order."""
    from benchmarks.quality_sets import labelled_set, run_order

    labelled = labelled_set()
    found = {}
    for order, chunk in ORDERS:
        run = run_order(labelled, order, chunk=chunk)
        found[f"{order}/{chunk}"] = sorted(
            sorted(str(key) for key in group) for group in run.partition
        )
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help=f"write {EXPECTED.name}")
    args = parser.parse_args()
    found = partitions()
    if args.write:
        EXPECTED.write_text(
            json.dumps(found, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    expected = json.loads(EXPECTED.read_text(encoding="utf-8")) if EXPECTED.exists() else {}
    for name, groups in found.items():
        same = "identical" if expected.get(name) == groups else "DIFFERENT"
        print(f"{name}: {len(groups)} stories, {same} to {EXPECTED.name}")


if __name__ == "__main__":
    main()
