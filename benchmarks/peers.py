"""chipwatch and the plain readers on the same feeds, each run as a process of its own.

Every runner fetches the same feeds over loopback HTTP from ``benchmarks.feedserver``
and is measured whole by :func:`benchmarks.proctree.measure` (wall, CPU, peak memory
of its process tree). The peers:

- ``feedparser``: fetch each feed (urllib, one at a time) and ``feedparser.parse`` its
  bytes; nothing is stored. The floor of "read feeds in Python".
- ``newsboat`` (Debian's ``newsboat``, when on PATH): ``newsboat -x reload`` into a
  fresh cache, its default single reload thread.
- ``reader`` (PyPI's ``reader``, when importable; never a dependency of chipwatch):
  ``update_feeds()`` into a fresh store.
- ``chipwatch``: ``chipwatch poll --once`` into a fresh store (parse, tag, cluster,
  store), with the interpreter and source tree given (so an older checkout can be
  measured in the same run: ``src``).

``python -m benchmarks.peers feedparser|reader URLS [DB]`` is the peers' own side.
"""

from __future__ import annotations

import compileall
import importlib.util
import os
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.proctree import Measured, measure

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Peer:
    name: str
    why_not: str = ""  # set when the peer cannot run here


def available(name: str) -> Peer:
    """The peer, or why it is skipped."""
    if name == "newsboat" and shutil.which("newsboat") is None:
        return Peer(name, "newsboat not on PATH (Debian: apt install newsboat)")
    if name == "reader" and importlib.util.find_spec("reader") is None:
        return Peer(name, "reader not importable (pip install reader; not a dependency)")
    return Peer(name)


def compiled_copy(checkout: Path, into: Path) -> Path:
    """A copy of ``checkout``'s ``chipwatch`` package with its bytecode, to run as ``src``.

    An installed chipwatch has bytecode (pip compiles it); a source checkout run with
    PYTHONDONTWRITEBYTECODE set (as on this machine) compiled its ~70 modules in every
    measured run: ~0.1 s of an unchanged poll's CPU that no user pays. The copy keeps
    the checkout itself untouched."""
    shutil.copytree(
        checkout / "chipwatch", into / "chipwatch", ignore=shutil.ignore_patterns("__pycache__")
    )
    compileall.compile_dir(into / "chipwatch", quiet=1)
    return into


def write_urls(directory: Path, urls: list[str]) -> Path:
    path = directory / "urls.txt"
    path.write_text("".join(f"{url}\n" for url in urls), encoding="utf-8")
    return path


def chipwatch_config(directory: Path, urls: list[str], poll: Sequence[str] = ()) -> Path:
    """A config polling ``urls``; every feed is on 127.0.0.1, so the per-host limit is
    raised to the overall one (real feeds live on many hosts). ``poll``: more ``[poll]``
    settings (``max_bytes = "64MiB"`` for a feed past the default's 20 MB)."""
    more = "".join(f"{setting}\n" for setting in poll)
    lines = [f'[poll]\ninterval = "15m"\nconcurrency = 16\nper_host = 16\ntimeout = "60s"\n{more}']
    lines += [f'[[feeds]]\nurl = "{url}"\n' for url in urls]
    path = directory / "config.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def run_peer(
    name: str,
    work: Path,
    urls: list[str],
    *,
    src: Path | None = None,
    db: Path | None = None,
    poll: Sequence[str] = (),
) -> Measured:
    """One measured first poll of ``urls`` by peer ``name`` (its store in ``work``);
    ``db``: an existing chipwatch store to poll again (an unchanged poll)."""
    work.mkdir(parents=True, exist_ok=True)
    url_file = write_urls(work, urls)
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT)
    if name == "newsboat":
        config = work / "newsboat.conf"
        config.write_text("reload-threads 1\nshow-read-feeds yes\n", encoding="utf-8")
        argv = ["newsboat", "-x", "reload", "-u", str(url_file), "-c", str(work / "cache.db")]
        argv += ["-C", str(config)]
        env["HOME"] = str(work)
        return measure(argv, env=env)
    if name in ("feedparser", "reader"):
        argv = [sys.executable, "-m", "benchmarks.peers", name, str(url_file), str(work / "r.db")]
        return measure(argv, env=env, cwd=ROOT)
    if name == "chipwatch":
        if src is not None:
            env["PYTHONPATH"] = f"{src}{os.pathsep}{ROOT}"
        config = chipwatch_config(work, urls, poll)
        store = db or work / "chipwatch.db"
        argv = [sys.executable, "-m", "chipwatch", "--config", str(config), "--db", str(store)]
        return measure([*argv, "poll", "--once"], env=env, cwd=work)
    raise ValueError(f"unknown peer {name!r}")


def _feedparser_side(url_file: Path) -> None:
    import urllib.request

    import feedparser

    entries = 0
    for url in url_file.read_text(encoding="utf-8").split():
        with urllib.request.urlopen(url, timeout=60) as answer:
            entries += len(feedparser.parse(answer.read()).entries)
    print(entries)


def _reader_side(url_file: Path, db: Path) -> None:
    from reader import make_reader  # type: ignore[import-not-found]

    reader = make_reader(str(db))
    for url in url_file.read_text(encoding="utf-8").split():
        reader.add_feed(url)
    reader.update_feeds()
    print(reader.get_entry_counts().total)
    reader.close()


if __name__ == "__main__":
    if sys.argv[1] == "feedparser":
        _feedparser_side(Path(sys.argv[2]))
    else:
        _reader_side(Path(sys.argv[2]), Path(sys.argv[3]))
