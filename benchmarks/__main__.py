"""Run every benchmark module that exists and print one table.

``python -m benchmarks [--size small|full] [--json FILE] [--only NAME ...]``

The table is also written as JSON to ``benchmarks/results/latest-<size>.json`` (and to
``--json FILE`` when given), with a description of the machine, so runs can be diffed.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import platform
import re
import sys
import time
import traceback
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

MODULES = (
    "startup",
    "ingest",
    "parse",
    "poll",
    "peers",
    "tagging",
    "entities",
    "actions",
    "cluster",
    "quality",
    "digest",
    "tui",
)
RESULTS = Path(__file__).resolve().parent / "results"
COLUMNS = ("name", "value", "unit", "target", "baseline", "ratio", "met")
_TARGET = re.compile(r"^\s*(<=|>=|<|>|≤|≥)\s*([0-9.eE+-]+)\s*([x×])?\s*$")


def target_met(row: dict[str, Any]) -> bool | None:
    """Whether ``row`` meets its ``target`` (None when it has none or no value)."""
    if "met" in row and row["met"] is not None:
        return bool(row["met"])
    match = _TARGET.match(str(row.get("target") or ""))
    if not match:
        return None
    op, bound, on_ratio = match.group(1), float(match.group(2)), match.group(3)
    value = row.get("ratio") if on_ratio else row.get("value")
    if not isinstance(value, int | float) or math.isnan(value):
        return None
    return {
        "<": value < bound,
        "<=": value <= bound,
        "≤": value <= bound,
        ">": value > bound,
        ">=": value >= bound,
        "≥": value >= bound,
    }[op]


def run_module(name: str, size: str) -> list[dict[str, Any]]:
    """Import ``benchmarks.bench_<name>`` and run it; a failure becomes one error row."""
    try:
        module = importlib.import_module(f"benchmarks.bench_{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"benchmarks.bench_{name}":
            return []
        return [_error_row(name, exc)]
    started = time.perf_counter()
    try:
        rows = list(module.run(size))
    except Exception as exc:  # a broken benchmark must not hide the others' figures
        traceback.print_exc(file=sys.stderr)
        return [_error_row(name, exc)]
    elapsed = time.perf_counter() - started
    for row in rows:
        row.setdefault("module", name)
        row["met"] = target_met(row)
    print(f"  {name}: {len(rows)} rows in {elapsed:.1f} s", file=sys.stderr)
    return rows


def _error_row(name: str, exc: BaseException) -> dict[str, Any]:
    return {
        "module": name,
        "name": f"{name}: FAILED",
        "value": float("nan"),
        "unit": "",
        "target": "",
        "met": False,
        "note": f"{type(exc).__name__}: {exc}"[:200],
    }


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": cpu or platform.processor(),
        "cores": os.cpu_count(),
    }


def _fmt(value: Any) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        if math.isnan(value):
            return "n/a"
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)


def format_table(rows: Sequence[dict[str, Any]], *, markdown: bool = False) -> str:
    """The rows as an aligned text table (or a Markdown table)."""
    cells = [[_fmt(row.get(column)) for column in COLUMNS] for row in rows]
    if markdown:
        lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in line) + " |" for line in cells]
        return "\n".join(lines)
    widths = [
        max(len(column), *(len(line[i]) for line in cells)) if cells else len(column)
        for i, column in enumerate(COLUMNS)
    ]
    out = ["  ".join(c.ljust(w) for c, w in zip(COLUMNS, widths, strict=True))]
    out.append("  ".join("-" * w for w in widths))
    out += ["  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) for line in cells]
    return "\n".join(out)


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


def write_results(rows: list[dict[str, Any]], size: str, paths: Sequence[Path]) -> None:
    """Write the run as JSON to every path in ``paths``."""
    document = {
        "size": size,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "rows": [{k: _json_safe(v) for k, v in row.items()} for row in rows],
    }
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the suite; exit 0 even when targets are missed (the table says which)."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--size",
        choices=("small", "full"),
        default="small",
        help="small: seconds, for CI; full: the figures in docs/performance.md",
    )
    parser.add_argument("--json", metavar="FILE", type=Path, help="also write the JSON here")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=MODULES,
        metavar="NAME",
        help=f"run only these modules ({', '.join(MODULES)})",
    )
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args(argv)
    rows: list[dict[str, Any]] = []
    for name in args.only or MODULES:
        print(f"running {name} ({args.size})…", file=sys.stderr)
        rows.extend(run_module(name, args.size))
    print(format_table(rows, markdown=args.markdown))
    paths = [RESULTS / f"latest-{args.size}.json"] + ([args.json] if args.json else [])
    write_results(rows, args.size, paths)
    return 0


if __name__ == "__main__":
    sys.exit(main())
