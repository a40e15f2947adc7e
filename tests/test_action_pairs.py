"""The memoized action readings of article pairs equal their plain forms.

:mod:`chipwatch.clustering.action_pairs` replaces, inside ``score_pair``, the direct
calls of :func:`~chipwatch.clustering.actions.article_evidence` and
:func:`~chipwatch.clustering.actions.article_conflict` and the two loops that read the
shared action and whether the news agrees. Every pair of the labelled set (and of its
background week) must read the same, to the last bit, with the tables warm, cold and
restarted in the middle.
"""

from __future__ import annotations

import threading
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from chipwatch.clustering import action_pairs
from chipwatch.clustering import actions as what
from chipwatch.clustering.candidates import Doc
from chipwatch.clustering.documents import build_doc
from chipwatch.model import Article
from tests.test_cluster import TAGGER

DATA = Path(__file__).parent / "data" / "cluster"


def _when(value: object) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


@pytest.fixture(scope="module")
def docs() -> list[Doc]:
    out = []
    for name in ("labelled.toml", "week.toml"):
        data = tomllib.loads((DATA / name).read_text(encoding="utf-8"))
        for article in data.get("article", []):
            title = (article.get("title") or "").strip()
            summary = article["summary"]
            published = _when(article["published"])
            url = f"https://{name}.example.org/{len(out)}"
            item = Article(
                key=url,
                feed_url=f"https://{article['feed']}.example.org/feed",
                title=title or summary.split(".")[0],
                summary=summary,
                url=url,
                published=published,
                fetched_at=published,
                lang=article["lang"],
                title_derived=not title,
            )
            matches = TAGGER.tag(item.title, item.summary)
            out.append(build_doc(len(out) + 1, len(out) + 1, 1, item, matches))
    return [doc for doc in out if doc.actions]


def _plain_shared_action(new: Doc, old: Doc) -> tuple[str, str] | None:
    """The loop ``score_pair`` ran before the memo (the reference)."""
    best: tuple[float, str, str] | None = None
    for mine in new.actions:
        for theirs in old.actions:
            value = what.same_event_evidence(mine, theirs)
            if mine in new.primary and theirs in old.primary:
                value += 1.0
            if value > 0.0 and (best is None or value > best[0]):
                obj = mine.object if mine.object and mine.object == theirs.object else ""
                best = (value, mine.action, obj or "")
    return (best[1], best[2]) if best is not None else None


def _plain(new: Doc, old: Doc) -> tuple[object, ...]:
    titled = bool(new.title), bool(old.title)
    found = what.article_conflict(new.actions, old.actions, titled_a=titled[0], titled_b=titled[1])
    return (
        what.article_evidence(new.actions, old.actions, titled_a=titled[0], titled_b=titled[1]),
        None if found is None else (found[0].action, found[1].action, found[2]),
        _plain_shared_action(new, old),
        any(
            what.same_event_evidence(mine, theirs) > 0.0
            for mine in new.primary
            for theirs in old.primary
        ),
    )


def _memoized(new: Doc, old: Doc) -> tuple[object, ...]:
    a, b = action_pairs.pair_profiles(new, old)
    found = action_pairs.conflict_of(a, b)
    each = (
        action_pairs.evidence(a, b),
        None if found is None else (found[0].action, found[1].action, found[2]),
        action_pairs.shared_action(a, b),
        action_pairs.news_agrees(a, b),
    )
    # The whole pair's readings, memoized by the two profiles, read the same (the
    # shared action is looked for only when there is evidence, as score_pair does).
    evidence, shared, conflict, agrees = action_pairs.readings(a, b)
    assert (evidence, conflict, agrees) == (each[0], each[1], each[3])
    assert shared == (each[2] if evidence > 0.0 else None)
    return each


def test_memoized_action_readings_equal_the_plain_ones_on_every_labelled_pair(docs):
    assert len(docs) > 100  # the set reports actions: the comparison means something
    pairs = [(a, b) for a in docs for b in docs if a is not b]
    differ = [(a.article_id, b.article_id) for a, b in pairs if _memoized(a, b) != _plain(a, b)]
    assert differ == []
    # Some pairs of each reading are not trivial.
    readings = [_memoized(a, b) for a, b in pairs]
    assert any(r[0] > 0 for r in readings) and any(r[1] for r in readings)
    assert any(r[2] for r in readings) and any(r[3] for r in readings)


def test_restarted_tables_read_the_same(docs, monkeypatch):
    # Tables just larger than one doc's mentions restart often, also while a pair
    # is read (the first doc's profile is then rebuilt).
    some = docs[:60]
    expected = [_plain(a, b) for a in some for b in some if a is not b]
    before = action_pairs._TABLES.generation
    for doc in some:
        doc.action_pairs = None  # as if never read
    monkeypatch.setattr(action_pairs, "MAX_SIGNATURES", max(len(d.actions) for d in some) + 1)
    monkeypatch.setattr(action_pairs, "MAX_PAIRS", 5)
    monkeypatch.setattr(action_pairs, "MAX_PROFILES", 7)
    found = [_memoized(a, b) for a in some for b in some if a is not b]
    assert found == expected
    assert action_pairs._TABLES.generation > before + 10


def test_threads_reading_while_the_tables_restart_read_the_plain_values(docs, monkeypatch):
    # A TUI's worker thread and a writer may score at once; a restart by one must not
    # leave the other with signatures of forgotten tables.
    some = docs[:40]
    pairs = [(a, b) for a in some for b in some if a is not b]
    expected = [_plain(a, b) for a, b in pairs]
    monkeypatch.setattr(action_pairs, "MAX_SIGNATURES", max(len(d.actions) for d in some) + 1)
    monkeypatch.setattr(action_pairs, "MAX_PROFILES", 3)
    results: dict[int, list[tuple[object, ...]]] = {}

    def run(number: int) -> None:
        out = []
        for a, b in pairs:
            evidence, _, conflict, agrees = action_pairs.read(a, b)
            out.append((evidence, conflict, agrees))
        results[number] = out

    threads = [threading.Thread(target=run, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    plain = [(e[0], e[1], e[3]) for e in expected]
    assert results == {n: plain for n in range(3)}
