"""(1c) chipwatch beside the plain readers: first import and unchanged poll, same feeds.

Corpora (``benchmarks.synth``, 100 items a feed): *spread* (each outlet's items over
700 days, as a first import of real archives looks), *burst* (two days, as after an
OPML import of live feeds) and *single* (one feed holding every item). Each peer
(:mod:`benchmarks.peers`: newsboat, reader, bare feedparser, chipwatch) fetches them
from one loopback server and is measured as a whole process tree
(:mod:`benchmarks.proctree`): wall, CPU, peak memory of the tree (PSS) and of the
main process. Peers that are not installed are skipped with a note.

``python -m benchmarks.bench_peers --count 10000 --corpus spread --repeat 3
[--peers chipwatch,feedparser] [--src base=/tmp/old-checkout] [--unchanged
[--idle-repeat 5]]`` prints medians; ``--src`` measures another checkout's chipwatch in
the same run (old/new side by side on a shared, noisy machine). An unchanged poll is
made on each store after its first poll (for newsboat after its second reload, the
first that sends conditional requests), ``--idle-repeat`` times, alternating.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.bench_poll import start_server
from benchmarks.peers import ROOT, available, compiled_copy, run_peer
from benchmarks.proctree import Measured
from benchmarks.synth import write_feeds

CORPORA = {"spread": (timedelta(days=700), 100), "burst": (timedelta(days=2), 100)}
PEERS = ("newsboat", "reader", "feedparser", "chipwatch")
SIZES = {"small": (300,), "full": (1_000, 10_000, 50_000, 100_000)}


def write_corpus(directory: Path, count: int, corpus: str) -> list[Path]:
    """``count`` articles ending an hour ago (every reader keeps them: none is in the
    future), in feeds of 100 items, or all in one feed for ``single``."""
    span, per_feed = CORPORA.get(corpus, (timedelta(days=700), count))
    start = datetime.now(UTC).replace(microsecond=0) - span - timedelta(hours=1)
    return write_feeds(directory, count, seed=20, per_feed=per_feed, span=span, start=start)


def measured(
    peer: str, work: Path, urls: list[str], src: Path | None, poll: Sequence[str] = ()
) -> Measured:
    result = run_peer(peer, work, urls, src=src, poll=poll)
    if result.returncode != 0:
        raise RuntimeError(f"{peer} exited {result.returncode}: {result.stderr}")
    return result


def _brief(m: Measured) -> str:
    return (
        f"wall {m.wall:.2f} s, CPU {m.cpu:.2f} s, tree {m.tree_mb:.0f} MB, main {m.main_mb:.0f} MB"
    )


def medians(results: list[Measured]) -> dict[str, float]:
    return {
        key: statistics.median(getattr(r, key) for r in results)
        for key in ("wall", "cpu", "tree_mb", "main_mb")
    }


def compare(
    count: int,
    corpus: str,
    peers: list[str],
    repeat: int,
    sources: dict[str, Path | None],
    *,
    unchanged: bool = False,
    idle_repeat: int = 1,
    verbose: bool = False,
    poll_settings: Sequence[str] = (),
) -> list[tuple[str, dict[str, float]]]:
    """Median figures of every peer (and every chipwatch source) on one corpus; runs
    alternate between peers so that load from elsewhere falls on all of them.
    ``unchanged``: then poll each store again ``idle_repeat`` times (all 304),
    alternating, once newsboat has made its second reload."""
    table: dict[str, list[Measured]] = {}
    with tempfile.TemporaryDirectory(prefix="chipwatch-bench-peers-") as tmp:
        root = Path(tmp)
        paths = write_corpus(root / "feeds", count, corpus)
        server, port = start_server(root / "feeds", 0.0)
        urls = [f"http://127.0.0.1:{port}/{p.name}" for p in paths]
        if "chipwatch" in peers:  # every checkout run from a copy with its bytecode
            sources = {
                label: compiled_copy(src or ROOT, root / f"src-{n}")
                for n, (label, src) in enumerate(sources.items())
            }

        def poll(label: str, peer: str, work: Path, src: Path | None) -> None:
            result = measured(peer, work, urls, src, poll_settings)
            table.setdefault(label, []).append(result)
            if verbose:
                print(f"  {label}: {_brief(result)}", flush=True)

        try:
            for attempt in range(repeat):
                stores: list[tuple[str, str, Path, Path | None]] = []
                for peer in peers:
                    for label, src in sources.items() if peer == "chipwatch" else [(peer, None)]:
                        work = root / f"{label}-{attempt}"
                        poll(label, peer, work, src)
                        if peer in ("chipwatch", "newsboat"):
                            stores.append((label, peer, work, src))
                if not unchanged:
                    continue
                for label, peer, work, src in stores:
                    if peer == "newsboat":
                        # newsboat 2.21 stores a feed's ETag and Last-Modified only on its
                        # second reload (newsboat#2734), which downloads everything again;
                        # its conditional requests start with the third.
                        poll(f"{label} second reload", peer, work, src)
                for _ in range(idle_repeat):
                    for label, peer, work, src in stores:
                        poll(f"{label} unchanged", peer, work, src)
        finally:
            server.terminate()
            server.wait(timeout=10)
    return [(label, medians(results)) for label, results in table.items()]


def _row(label: str, figures: dict[str, float], count: int, corpus: str) -> dict[str, Any]:
    return {
        "name": f"peers: {label}, {count} {corpus}",
        "value": figures["wall"],
        "unit": "s",
        "target": "",
        "note": (
            f"CPU {figures['cpu']:.2f} s, tree {figures['tree_mb']:.0f} MB, main "
            f"{figures['main_mb']:.0f} MB, {1000 * figures['wall'] / count:.3f} ms/article"
        ),
    }


def _mine(figures: dict[str, dict[str, float]], count: int, corpus: str) -> list[dict[str, Any]]:
    """chipwatch against bare feedparser, and its memory, on one corpus."""
    mine, floor = figures["chipwatch"], figures.get("feedparser")
    rows = []
    if floor:
        rows.append(
            {
                "name": f"peers: chipwatch / feedparser time, {count} {corpus}",
                "value": mine["wall"],
                "unit": "s",
                "target": "<= 1.5x" if corpus == "spread" else "<= 1.0x",
                "baseline": floor["wall"],
                "ratio": mine["wall"] / floor["wall"],
                "note": "one run each; the machine's load falls on both",
            }
        )
    rows.append(
        {
            "name": f"peers: chipwatch peak memory (poller), {count} {corpus}",
            "value": mine["main_mb"],
            "unit": "MB",
            "target": "<= 200",
            "note": f"whole tree {mine['tree_mb']:.0f} MB (PSS, poller + workers)",
        }
    )
    idle, newsboat = figures.get("chipwatch unchanged"), figures.get("newsboat unchanged")
    if idle:
        rows.append(
            {
                "name": f"peers: chipwatch unchanged poll CPU, {count // 100} feeds",
                "value": idle["cpu"],
                "unit": "s",
                "target": "<= 1x" if newsboat else "",
                "baseline": newsboat["cpu"] if newsboat else None,
                "ratio": idle["cpu"] / newsboat["cpu"] if newsboat else None,
                "note": "all 304; baseline: newsboat -x reload" if newsboat else "all 304",
            }
        )
    return rows


def run(size: str) -> list[dict[str, Any]]:
    """Every available peer on the spread corpus at each size (and the burst one at
    10k), then chipwatch's cost per article from the smallest size to the largest."""
    peers = [p for p in PEERS if not available(p).why_not]
    rows: list[dict[str, Any]] = [
        {"name": f"peers: {p}", "value": float("nan"), "unit": "", "target": "", "note": why}
        for p in PEERS
        if (why := available(p).why_not)
    ]
    sizes = SIZES[size]
    cost: dict[int, float] = {}
    corpora = [(n, "spread") for n in sizes] + ([(10_000, "burst")] if size == "full" else [])
    for count, corpus in corpora:
        unchanged = corpus == "spread" and count == (10_000 if size == "full" else sizes[0])
        chosen = peers if count <= 50_000 else ["chipwatch"]  # 100k: chipwatch alone
        figures = dict(compare(count, corpus, chosen, 1, {"chipwatch": None}, unchanged=unchanged))
        rows += [_row(label, f, count, corpus) for label, f in figures.items()]
        rows += _mine(figures, count, corpus)
        if corpus == "spread":
            cost[count] = figures["chipwatch"]["wall"] / count
    first, last = min(cost), max(cost)
    if last != first:
        rows.append(
            {
                "name": f"peers: chipwatch cost per article, {last} vs {first} spread",
                "value": 1000 * cost[last],
                "unit": "ms",
                "target": "<= 1.2x",
                "baseline": 1000 * cost[first],
                "ratio": cost[last] / cost[first],
                "note": "flat within 20 % is the target",
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--corpus", choices=(*CORPORA, "single"), default="spread")
    parser.add_argument("--peers", default=",".join(PEERS))
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--src", action="append", default=[], metavar="LABEL=DIR")
    parser.add_argument("--unchanged", action="store_true", help="also poll again (all 304)")
    parser.add_argument(
        "--idle-repeat", type=int, default=1, help="unchanged polls of each store, alternating"
    )
    parser.add_argument(
        "--no-current", action="store_true", help="only the --src checkouts' chipwatch"
    )
    parser.add_argument(
        "--poll",
        action="append",
        default=[],
        metavar="SETTING",
        help="a [poll] setting for chipwatch, e.g. 'max_bytes = \"64MiB\"' (repeatable)",
    )
    args = parser.parse_args()
    peers = []
    for peer in args.peers.split(","):
        why_not = available(peer).why_not
        if why_not:
            print(f"skipped {peer}: {why_not}")
        else:
            peers.append(peer)
    sources: dict[str, Path | None] = {} if args.no_current else {"chipwatch": None}
    for item in args.src:
        label, _, directory = item.partition("=")
        sources[f"chipwatch[{label}]"] = Path(directory)
    results = compare(
        args.count,
        args.corpus,
        peers,
        args.repeat,
        sources,
        unchanged=args.unchanged,
        idle_repeat=args.idle_repeat,
        verbose=True,
        poll_settings=args.poll,
    )
    print(
        f"{args.count} articles, {args.corpus}, medians of {args.repeat} (unchanged: ×{args.idle_repeat})"
    )
    print(f"{'':28} {'wall s':>8} {'CPU s':>8} {'tree MB':>8} {'main MB':>8} {'ms/art':>7}")
    for label, f in results:
        print(
            f"{label:28} {f['wall']:8.2f} {f['cpu']:8.2f} {f['tree_mb']:8.0f} "
            f"{f['main_mb']:8.0f} {1000 * f['wall'] / args.count:7.3f}"
        )


if __name__ == "__main__":
    main()
