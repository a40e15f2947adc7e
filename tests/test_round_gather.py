"""A first import's postings gathered as its articles are written give the stories of
the postings the pass gathers itself (issue 20, session 31).

The clusterer of a first import adds each article it leaves to the settle pass to the
round's postings as it goes (:mod:`chipwatch.clustering.round_gather`); the pass puts
them in canonical order instead of reading and decoding the whole round again. The
same synthetic feeds replayed through the real poller and a real SQLite store, once
each way (in one directory: article keys hold the feeds' addresses): every article's
story, score and explanation must be equal.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import chipwatch.clustering.settle_sweep as settle_sweep
from benchmarks.replay import Replay, first_import
from benchmarks.synth import write_feeds

COUNT = 1500
SPAN = timedelta(days=50)
ARTICLE_ID = re.compile(r'"article_id": (\d+)')


def _import(base: Path, feeds: list[Path], name: str) -> Replay:
    run = first_import(base / "run", feeds, count=COUNT, span=SPAN)
    (base / "run").rename(base / name)
    return run


def _explanations(run: Replay) -> dict[str, str]:
    """Each article's explanation, naming the article it matched by URL (ids follow the
    order feeds finished in)."""
    url_of = {str(i): url for url, i in run.ids.items()}
    return {
        url: ARTICLE_ID.sub(lambda m: f'"article": "{url_of[m[1]]}"', text)
        for url, text in run.explanations.items()
    }


def test_postings_gathered_while_writing_give_the_stories_of_the_pass_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    feeds = write_feeds(tmp_path / "synth", COUNT, per_feed=100, span=SPAN)
    real = settle_sweep.in_canonical_order
    used: list[bool] = []

    def spy(*args: Any) -> Any:
        found = real(*args)
        used.append(found is not None)
        return found

    monkeypatch.setattr(settle_sweep, "in_canonical_order", spy)
    gathered = _import(tmp_path, feeds, "gathered")
    assert used == [True]  # the round's gathered postings were the pass's
    monkeypatch.setattr(settle_sweep, "in_canonical_order", lambda *args: None)
    read = _import(tmp_path, feeds, "read")
    assert len(read.story_of) == COUNT
    assert gathered.story_of == read.story_of
    named = _explanations(read)
    assert sum('"article": "' in text for text in named.values()) > COUNT // 2
    assert _explanations(gathered) == named
    assert len(set(read.story_of.values())) < COUNT - 100, "nothing was grouped"
