"""Digest identity: the demo store, built deterministically, and what chipwatch prints of it.

A restructuring must not change what users see. This script replays the demo's bundled
outlets through the real poll pipeline (``poll_once``) with an injected clock, over an
``httpx.MockTransport`` in front of the demo's own feed site (no sockets, no port in any
URL), one round per replay step, then writes through the real command line (a child
process each, ``--now`` fixed):

- the digest in md, html, json, csv and atom, for the whole store, a ``--query``, a
  window and ``--min-outlets 2``;
- ``search``, ``search --explain`` and ``search --json``, and ``watch test``;
- every ``poll --json`` line the rounds emitted (articles, stories, alerts, feed status).

``python -m benchmarks.digest_identity --write DIR`` writes the outputs into DIR;
``--compare DIR`` builds them again and reports each file that differs (exit 1 if any).
Run ``--write`` on the commit before a change and ``--compare`` after it: byte-identical
output proves the change kept behaviour (an intended change is named in its commit).
Two runs on one commit give the same bytes: ``[poll] concurrency = 1`` fetches one feed
at a time, so articles reach the store in one order; the rng is seeded; a round's event
lines are sorted; ``PYTHONHASHSEED=0`` fixes the order of sets (ties).
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import random
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta
from functools import partial
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

import httpx

from chipwatch.config import load_config
from chipwatch.demo import render
from chipwatch.demo.content import ANCHOR, Outlet, replay_length
from chipwatch.demo.server import DemoSite
from chipwatch.pipeline.poller import poll_once
from chipwatch.timeutil import iso

BASE_URL = "http://demo.chipwatch.test"
STEP = 6.0  # replay seconds between polling rounds (articles are released over ~120 s)
UNNAMED = "techhebdo-fr"  # one outlet left without a configured name: it goes by its title
FORMATS = ("md", "html", "json", "csv", "atom")
DIGESTS = {
    "all": ["--since", "all"],
    "query": ["--since", "all", "--query", "@H20 OR @Huawei OR lang:fr"],
    "week": ["--since", "7d"],
    "outlets2": ["--since", "all", "--min-outlets", "2"],
}
SEARCHES = {
    "h20": ["@H20", "--since", "all", "--limit", "50"],
    "bis": ['@BIS OR title:"Entity List"', "--since", "all", "--limit", "50"],
    "words": ["licence~ OR export", "--since", "all", "--limit", "50"],
}


class ReplayAt:
    """The demo's replay clock, set by hand: ``start_wall`` is ANCHOR (no date shift)."""

    def __init__(self) -> None:
        self.start_wall = ANCHOR
        self.seconds = 0.0

    def elapsed(self) -> float:
        return self.seconds

    def wall_at(self, replay_seconds: float) -> datetime:
        return self.start_wall + timedelta(seconds=replay_seconds)


def transport(site: DemoSite) -> httpx.MockTransport:
    """The demo site answering the pipeline's requests in-process."""

    def handle(request: httpx.Request) -> httpx.Response:
        answer = site.handle(request.url.raw_path.decode(), dict(request.headers))
        return httpx.Response(answer.status, headers=dict(answer.headers), content=answer.body)

    return httpx.MockTransport(handle)


def config_text(site: DemoSite) -> str:
    """The demo's config template, its feeds on BASE_URL, one of them unnamed."""
    template = resources.files("chipwatch.demo").joinpath("config_template.toml")
    feeds = "\n".join(_feed_table(outlet) for outlet in site.outlets)
    text = Template(template.read_text(encoding="utf-8")).substitute(
        anchor=ANCHOR.strftime("%d %B %Y %H:%M UTC"), speed="1", interval="4s", feeds=feeds
    )
    # One feed at a time: the order articles reach the store (story ids) is fixed.
    return text.replace("concurrency = 16", "concurrency = 1")


def _feed_table(outlet: Outlet) -> str:
    lines = ["[[feeds]]", f"url = {json.dumps(BASE_URL + render.feed_path(outlet))}"]
    if outlet.id != UNNAMED:
        lines.append(f"name = {json.dumps(outlet.name, ensure_ascii=False)}")
    lines.append(f'tags = ["demo", "{outlet.lang}"]')
    if outlet.fails_after is not None:
        lines.append('must_not_miss = "1h"')
    return "\n".join(lines) + "\n"


def build_store(folder: Path) -> tuple[Path, Path, list[str]]:
    """Replay the demo into ``folder``: (config path, store path, the poll event lines)."""
    clock = ReplayAt()
    site = DemoSite(clock, base_url=BASE_URL)
    config_path, db_path = folder / "config.toml", folder / "chipwatch.db"
    config_path.write_text(config_text(site), encoding="utf-8")
    config = load_config(config_path)
    mock = transport(site)
    events: list[str] = []
    steps = int(replay_length() // STEP) + 2
    for step in range(steps):
        clock.seconds = step * STEP
        lines: list[str] = []
        poll_once(
            db_path,
            config,
            now=clock.wall_at(clock.seconds),
            on_event=partial(_record, lines),
            rng=random.Random(step),
            transport=mock,
            notify=False,
        )
        # A feed answering 304 is written in a batch that may finish before or after
        # the next feed's articles: the store is the same, the lines' order is not.
        events.extend(sorted(lines))
    return config_path, db_path, events


def _record(lines: list[str], event: dict[str, Any]) -> None:
    lines.append(json.dumps(event, ensure_ascii=False, sort_keys=True))


def _cli(config: Path, db: Path, *args: str) -> bytes:
    argv = [sys.executable, "-m", "chipwatch", "--config", str(config), "--db", str(db), *args]
    done = subprocess.run(argv, capture_output=True, check=False, timeout=300)
    return done.stdout + f"\n[exit {done.returncode}] {done.stderr.decode()}".encode()


def outputs(folder: Path) -> dict[str, bytes]:
    """Every output this script compares, by file name."""
    config, db, events = build_store(folder)
    now = iso(ANCHOR + timedelta(seconds=replay_length() + 3600))
    files = {"poll-events.jsonl": ("\n".join(events) + "\n").encode()}
    for name, args in DIGESTS.items():
        for fmt in FORMATS:
            digest = _cli(config, db, "digest", *args, "--format", fmt, "--now", now)
            files[f"digest-{name}.{fmt}"] = digest
    for name, args in SEARCHES.items():
        files[f"search-{name}.txt"] = _cli(config, db, "search", *args, "--now", now)
        files[f"search-{name}-explain.txt"] = _cli(
            config, db, "search", *args, "--explain", "--now", now
        )
        files[f"search-{name}.json"] = _cli(
            config, db, "search", *args, "--json", "--explain", "--now", now
        )
    files["watch-test.txt"] = _cli(
        config, db, "watch", "test", "@H20 AND licence~", "--since", "all", "--now", now
    )
    return files


def main(argv: list[str] | None = None) -> int:
    if os.environ.get("PYTHONHASHSEED") != "0":
        # Set order decides ties (the shared words an explanation lists first): fix it.
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        command = [sys.executable, "-m", "benchmarks.digest_identity", *(argv or sys.argv[1:])]
        return subprocess.run(command, env=env, check=False).returncode
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", metavar="DIR", help="write the outputs into DIR")
    mode.add_argument("--compare", metavar="DIR", help="compare the outputs with DIR's")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="chipwatch-identity-") as temp:
        files = outputs(Path(temp))
    if args.write:
        target = Path(args.write)
        target.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            (target / name).write_bytes(data)
        print(f"wrote {len(files)} files to {target}")
        return 0
    return compare(files, Path(args.compare))


def compare(files: dict[str, bytes], folder: Path) -> int:
    """Print a diff head for each file that differs from ``folder``'s; 1 if any did."""
    expected = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    differing = sorted(n for n in files.keys() | expected.keys() if files.get(n) != expected.get(n))
    for name in differing:
        old = expected.get(name, b"").decode(errors="replace").splitlines()
        new = files.get(name, b"").decode(errors="replace").splitlines()
        diff = list(difflib.unified_diff(old, new, f"before/{name}", f"after/{name}", lineterm=""))
        print("\n".join(diff[:40]))
    same = len(files.keys() & expected.keys()) - len(set(differing) & expected.keys())
    print(f"{same} identical, {len(differing)} differing: {', '.join(differing) or 'none'}")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
