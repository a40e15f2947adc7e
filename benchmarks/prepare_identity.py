"""Prepare identity: what the parse workers compute of each article, written to compare.

A change to the workers' per-article work (:func:`chipwatch.pipeline.prepare.prepare_articles`:
tagging, features, their encoding) must not change one bit of it. This script parses
every feed file of the given directories (``parse_feed``, as a worker does) and writes,
for each article, its entity mentions, its features (sets sorted) and the encoded
bytes the store keeps: those follow the order of the features' sets, so two runs are
compared under one ``PYTHONHASHSEED`` (``--seed``, 0 unless told).

``python -m benchmarks.prepare_identity --write OUT.jsonl DIR...`` on the commit before
a change; ``--compare OUT.jsonl DIR...`` after it reports how many articles differ
(exit 1 if any), and the first few.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

FETCHED = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
SHOWN = 5  # differing articles printed


def article_lines(directories: list[str]) -> Iterator[str]:
    """One JSON line per article of every feed file under ``directories``, sorted."""
    from chipwatch.ingest.parse.feed import parse_feed
    from chipwatch.pipeline.prepare import prepare_articles

    for directory in directories:
        for path in sorted(Path(directory).iterdir()):
            kind = "atom" if ".atom" in path.name else "rss"
            headers = {"content-type": f"application/{kind}+xml"}
            parsed = parse_feed(
                path.read_bytes(), headers, f"http://feeds.test/{path.name}", FETCHED
            )
            for article, prepared in zip(
                parsed.articles, prepare_articles(parsed.articles, ()), strict=True
            ):
                yield json.dumps(
                    [f"{path.name} {article.key}", *_plain(prepared)], ensure_ascii=False
                )


def _plain(prepared: object) -> list[object]:
    from dataclasses import fields

    features = prepared.features  # type: ignore[attr-defined]
    values = {}
    for field in fields(features):
        value = getattr(features, field.name)
        values[field.name] = sorted(value) if isinstance(value, frozenset) else repr(value)
    matches = [list(match) for match in prepared.matches]  # type: ignore[attr-defined]
    encoded = prepared.encoded  # type: ignore[attr-defined]
    return [matches, values, encoded.hex() if encoded is not None else None]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", metavar="FILE", help="write the lines into FILE")
    mode.add_argument("--compare", metavar="FILE", help="compare the lines with FILE's")
    parser.add_argument("--seed", default="0", help="PYTHONHASHSEED of the run (default 0)")
    parser.add_argument("directories", nargs="+", help="directories of feed files")
    args = parser.parse_args(argv)
    if os.environ.get("PYTHONHASHSEED") != args.seed:  # set order decides the bytes
        env = {**os.environ, "PYTHONHASHSEED": args.seed}
        command = [sys.executable, "-m", "benchmarks.prepare_identity", *(argv or sys.argv[1:])]
        return subprocess.run(command, env=env, check=False).returncode
    lines = list(article_lines(args.directories))
    if args.write:
        Path(args.write).write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"{len(lines)} articles written to {args.write}")
        return 0
    before = Path(args.compare).read_text(encoding="utf-8").splitlines()
    differing = [(a, b) for a, b in zip(before, lines, strict=False) if a != b]
    for a, b in differing[:SHOWN]:
        print(f"- {a}\n+ {b}")
    if len(before) != len(lines):
        print(f"article counts differ: {len(before)} before, {len(lines)} now")
    print(f"{len(lines)} articles, {len(differing)} differ")
    return 1 if differing or len(before) != len(lines) else 0


if __name__ == "__main__":
    raise SystemExit(main())
