"""chipwatch's reproducible performance suite: ``python -m benchmarks [--size small|full]``.

Each ``benchmarks/bench_<area>.py`` module exposes ``run(size: str) -> list[dict]``;
``size`` is ``"small"`` (CI: seconds, proves the suite still works) or ``"full"``
(the figures recorded in docs/performance.md). A row is a dict:

``name``      what is measured, e.g. ``"ingest: first poll"``
``value``     the absolute figure (a number)
``unit``      ``"articles/s"``, ``"s"``, ``"ms"``, ``"µs"``, ``"MB"``, ``"×"`` …
``target``    the bar as text: ``"< 3"``, ``">= 50000"``; a trailing ``x`` (``"<= 0.3x"``)
              compares ``ratio`` instead of ``value``; ``""`` when there is no bar
``baseline``  (optional) the reference figure measured in the same run
``ratio``     (optional) value / baseline, or whatever ratio the target is about
``note``      (optional) one short remark (what was skipped, which size was used)

The harness adds ``met`` (True/False/None) from ``target``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any


def module_main(doc: str, sizes: Iterable[str], run: Callable[[str], list[dict[str, Any]]]) -> None:
    """``python -m benchmarks.bench_<area> [--size …]``: print one module's rows."""
    import argparse

    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--size", choices=tuple(sizes), default="small")
    args = parser.parse_args()
    for row in run(args.size):
        print(
            ", ".join(
                f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()
            )
        )
