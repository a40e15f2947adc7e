"""(6) the monitor: first paint and memory over a big store; event-loop stalls in a poll.

Each measurement runs the real monitor (``make_app``, headless through Textual's
``run_test``) in a fresh interpreter, so import time and memory are those of a user's
start. *First paint* is the time from launching the process until the timeline shows
its first rows; *memory* is the process's peak RSS at that moment. The *stall* probe is
a coroutine on the monitor's event loop that wakes every 5 ms while the monitor's own
poller child ingests new feeds; the longest lateness of a wake-up is the longest stall
a user's key press could see.

``python -m benchmarks.bench_tui paint|bare|stall DB CONFIG`` is the probes' entry point
(``loop STOP_FILE -`` the stall baseline's).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

NOW = datetime(2026, 1, 1, tzinfo=UTC)
SIZES = {"small": (5_000, 1_000), "full": (100_000, 10_000)}  # stored, polled
SIZE = (160, 48)
TICK = 0.005


def _app(db_path: Path, config_path: Path, *, poller: bool):
    from chipwatch.config import load_config
    from chipwatch.timeutil import iso
    from chipwatch.tui.app import make_app
    from chipwatch.tui.poller import poll_command

    command = [*poll_command(config_path, db_path), "--once", "--now", iso(NOW)]
    return make_app(
        load_config(config_path),
        config_path,
        db_path,
        clock=lambda: NOW,
        start_poller=poller,
        poller_command=command,
    )


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM). Not ``ru_maxrss``: Linux carries that across
    fork and exec, so a child started by a big parent would report the parent's size."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _paint(db_path: Path, config_path: Path) -> dict[str, float]:
    import asyncio

    app = _app(db_path, config_path, poller=False)
    async with app.run_test(size=SIZE) as pilot:
        while not app.main_screen.timeline.rows:
            await asyncio.sleep(0.002)
        await pilot.pause()
        painted = time.monotonic()
        rss_mb = peak_rss_mb()
        rows = len(app.main_screen.timeline.rows)
    return {"painted_at": painted, "rss_mb": rss_mb, "rows": rows}


async def _bare(db_path: Path, config_path: Path) -> dict[str, float]:
    """The first paint's baseline: a minimal Textual app (a line of text, a 60-option
    list, the key footer) started and painted the same way, in the same run."""
    from textual.app import App, ComposeResult
    from textual.widgets import Footer, OptionList, Static

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Static("chipwatch")
            yield OptionList(*[f"option {n}" for n in range(60)])
            yield Footer()

    app = Bare()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        painted = time.monotonic()
    return {"painted_at": painted}


async def _stall(db_path: Path, config_path: Path) -> dict[str, float]:
    import asyncio

    app = _app(db_path, config_path, poller=True)
    lateness: list[float] = []
    async with app.run_test(size=SIZE) as pilot:
        while not app.main_screen.timeline.rows:
            await asyncio.sleep(0.01)
        started = time.perf_counter()
        while True:
            before = time.perf_counter()
            await asyncio.sleep(TICK)
            lateness.append(time.perf_counter() - before - TICK)
            process = app.poller.process if app.poller else None
            if process is not None and process.returncode is not None:
                break
            if time.perf_counter() - started > 600:
                break
        for _ in range(40):  # the last batch's refresh
            before = time.perf_counter()
            await asyncio.sleep(TICK)
            lateness.append(time.perf_counter() - before - TICK)
        await pilot.pause()
        elapsed = time.perf_counter() - started
    lateness.sort()
    return {
        "max_ms": lateness[-1] * 1000,
        "p99_ms": lateness[int(len(lateness) * 0.99)] * 1000,
        "poll_s": elapsed,
        "ticks": len(lateness),
    }


def _child(mode: str, db_path: Path, config_path: Path) -> None:
    import asyncio

    if mode == "loop":
        print(json.dumps(asyncio.run(_bare_loop(db_path))), flush=True)
        return
    probe = {"paint": _paint, "bare": _bare, "stall": _stall}[mode]
    print(json.dumps(asyncio.run(probe(db_path, config_path))), flush=True)


async def _bare_loop(stop_file: Path) -> dict[str, float]:
    """The stall's baseline: the same 5 ms timer on an event loop doing nothing else, in
    its own process, for as long as the monitor's poll runs beside it (until
    ``stop_file`` exists): what the machine's other work alone costs a loop."""
    import asyncio

    longest = 0.0
    while not stop_file.exists():
        before = time.perf_counter()
        await asyncio.sleep(TICK)
        longest = max(longest, time.perf_counter() - before - TICK)
    return {"max_ms": longest * 1000}


def _beside(stop_file: Path) -> subprocess.Popen[str]:
    """Start the bare loop (``_bare_loop``) in a process of its own."""
    return subprocess.Popen(
        [sys.executable, "-m", "benchmarks.bench_tui", "loop", str(stop_file), "-"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )


def _run_child(mode: str, db_path: Path, config_path: Path) -> tuple[dict[str, float], float]:
    launched = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_tui", mode, str(db_path), str(config_path)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        cwd=Path(__file__).resolve().parent.parent,
    )
    if result.returncode != 0:
        raise RuntimeError(f"monitor {mode} probe failed: {result.stderr.strip()[-300:]}")
    return json.loads(result.stdout.strip().splitlines()[-1]), launched


def _poll_feeds(root: Path, count: int) -> list[Path]:
    from benchmarks.synth import write_feeds

    return write_feeds(
        root / "new",
        count,
        seed=99,
        per_feed=100,
        span=timedelta(hours=20),
        start=NOW - timedelta(hours=21),
    )


def _config(path: Path, feeds: list[Path]) -> Path:
    text = '[ui]\nwindow = "7d"\n\n' + "".join(
        f'[[feeds]]\nurl = "{p.as_uri()}"\n\n' for p in feeds
    )
    path.write_text(text, encoding="utf-8")
    return path


def run(size: str) -> list[dict[str, Any]]:
    """First paint and memory over the stored archive, then the longest stall in a poll."""
    from benchmarks.storefill import fill_store

    stored, polled = SIZES[size]
    with tempfile.TemporaryDirectory(prefix="chipwatch-bench-tui-") as tmp:
        root = Path(tmp)
        db_path = root / "store.db"
        fill_store(db_path, stored, now=NOW - timedelta(days=1))
        empty_config = _config(root / "paint.toml", [])
        bare, bare_launched = _run_child("bare", db_path, empty_config)
        paint, launched = _run_child("paint", db_path, empty_config)
        shutil.copy(db_path, root / "stall.db")
        stall_config = _config(root / "stall.toml", _poll_feeds(root, polled))
        stop_file = root / "stop-loop"
        loop = _beside(stop_file)
        try:
            stall, _ = _run_child("stall", root / "stall.db", stall_config)
        finally:
            stop_file.touch()
            out, _ = loop.communicate(timeout=60)
        floor_ms = json.loads(out.strip().splitlines()[-1])["max_ms"]
        load = os.getloadavg()[0]
    first_paint = paint["painted_at"] - launched
    bare_paint = bare["painted_at"] - bare_launched
    return [
        {
            "name": f"monitor: first paint, {stored:,} articles",
            "value": first_paint,
            "baseline": bare_paint,
            "ratio": first_paint / bare_paint,
            "unit": "s",
            "target": "< 0.5",
            "note": "process launch → timeline rows shown; baseline: a minimal Textual "
            "app (text, a 60-option list, the footer) launched and painted the same way",
        },
        {
            "name": f"monitor: peak memory, {stored:,} articles",
            "value": paint["rss_mb"],
            "unit": "MB",
            "target": "< 150",
            "note": "peak RSS at first paint",
        },
        {
            "name": f"monitor: longest stall, {polled:,}-article poll",
            "value": stall["max_ms"],
            "unit": "ms",
            "target": "< 50",
            "baseline": floor_ms,
            "ratio": stall["max_ms"] / floor_ms if floor_ms else None,
            "note": f"p99 {stall['p99_ms']:.1f} ms over {stall['poll_s']:.1f} s of polling; "
            f"load average {load:.1f}; baseline: the longest stall of a bare event loop "
            "run beside it in its own process (the machine's other work)",
        },
    ]


if __name__ == "__main__":
    _child(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]))
