"""How well the action recognizer reads what happened, on the realnews set.

``python -m benchmarks.actions_quality [--misses]`` reads
``../shared/corpora/realnews/articles.jsonl`` (or ``$REALNEWS_DIR``; nothing of it is
kept in the repository) and ``benchmarks/actions_realnews.toml`` (chipwatch's own
judgement of each event's action), tags every item and prints:

- recall: items where some action found is one of the event's; primary recall: the
  same over :func:`~chipwatch.clustering.actions.primary` (title, or lead sentence
  when there is no title), overall and per language;
- same-event pairs (two items of one event): how many share evidence
  (``article_evidence`` >= 0.5) and how many conflict (``article_conflict``; apart, with
  planned vs done counted too);
- hard-negative pairs (items of two related events, ``related_events.json``): how
  many conflict and how many share evidence (the lower the better).

``--misses`` lists each item whose primary misses its label, with what was found;
``--pairs`` the same-event pairs in conflict and the hard negatives sharing evidence.
"""

from __future__ import annotations

import json
import sys
import tomllib
from collections import Counter
from itertools import combinations
from pathlib import Path
from typing import Any

from benchmarks.bench_entities import realnews_items, realnews_path
from chipwatch.clustering.actions import (
    article_conflict,
    article_evidence,
    find_actions,
    primary,
)

LABELS = Path(__file__).resolve().parent / "actions_realnews.toml"
STRONG = 0.5  # article_evidence from which two articles "share" what happened


def read(tagger: Any, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each item with its mentions and primary mentions."""
    out = []
    for item in items:
        title, summary = item.get("title") or "", item.get("summary") or ""
        found = find_actions(title, summary, item["lang"], tagger.tag(title, summary))
        out.append({**item, "found": found, "primary": primary(found, titled=bool(title))})
    return out


def _best(a: dict[str, Any], b: dict[str, Any]) -> float:
    return article_evidence(a["found"], b["found"], titled_a=bool(a.get("title")), titled_b=bool(b.get("title")))  # fmt: skip


def _conflict(a: dict[str, Any], b: dict[str, Any], *, modality: bool = False) -> bool:
    """The articles' primaries in conflict (a listed pair or a frame, neither side
    reporting the other's class); with ``modality``, planned vs done counts too."""
    found = article_conflict(a["found"], b["found"], titled_a=bool(a.get("title")), titled_b=bool(b.get("title")))  # fmt: skip
    return found is not None and (modality or found[2] != "modality")


def report(read_items: list[dict[str, Any]], labels: dict[str, list[str]], pairs: list[dict[str, str]]) -> dict[str, Any]:  # fmt: skip
    """The figures of the module docstring."""
    hits = primary_hits = 0
    by_lang: Counter[str] = Counter()
    lang_hits: Counter[str] = Counter()
    misses = []
    for item in read_items:
        wanted = set(labels.get(item["event"], ()))
        any_hit = bool(wanted & {m.action for m in item["found"]})
        primary_hit = bool(wanted & {m.action for m in item["primary"]})
        hits += any_hit
        primary_hits += primary_hit
        by_lang[item["lang"]] += 1
        lang_hits[item["lang"]] += primary_hit
        if not primary_hit:
            misses.append(item)
    by_event: dict[str, list[dict[str, Any]]] = {}
    for item in read_items:
        by_event.setdefault(item["event"], []).append(item)
    same = [(a, b) for group in by_event.values() for a, b in combinations(group, 2)]
    negatives = [
        (a, b) for pair in pairs for a in by_event.get(pair["a"], ()) for b in by_event.get(pair["b"], ())
    ]  # fmt: skip
    return {
        "items": len(read_items),
        "recall": hits / len(read_items),
        "primary recall": primary_hits / len(read_items),
        "by language": {lang: (lang_hits[lang], n) for lang, n in sorted(by_lang.items())},
        "same-event pairs": len(same),
        "same-event pairs sharing evidence >= 0.5": sum(_best(a, b) >= STRONG for a, b in same),
        "same-event pairs in conflict": sum(_conflict(a, b) for a, b in same),
        "hard-negative pairs": len(negatives),
        "hard-negative pairs in conflict": sum(_conflict(a, b) for a, b in negatives),
        "hard-negative pairs in conflict, with modality": sum(_conflict(a, b, modality=True) for a, b in negatives),
        "same-event pairs in conflict, with modality": sum(_conflict(a, b, modality=True) for a, b in same),
        "hard-negative pairs sharing evidence >= 0.5": sum(_best(a, b) >= STRONG for a, b in negatives),
        "misses": misses,
        "conflicting same-event pairs": [(a, b) for a, b in same if _conflict(a, b)],
        "hard negatives sharing evidence": [(a, b) for a, b in negatives if _best(a, b) >= STRONG],
    }  # fmt: skip


def realnews_report() -> dict[str, Any] | None:
    """The report on realnews, or None when the set is not beside the repository."""
    from chipwatch.entities.tagger import build_tagger

    path = realnews_path()
    if path is None:
        return None
    labels = tomllib.loads(LABELS.read_text(encoding="utf-8"))["events"]
    related = path.parent / "related_events.json"
    pairs = json.loads(related.read_text(encoding="utf-8")) if related.is_file() else []
    return report(read(build_tagger(), realnews_items(path)), labels, pairs)


def main() -> None:
    """Print the figures; ``--misses`` also lists the items whose primary misses."""
    result = realnews_report()
    if result is None:
        print("realnews: not found (../shared/corpora/realnews or $REALNEWS_DIR)")
        return
    for key, value in result.items():
        if isinstance(value, list):
            continue
        print(f"{key}: {value:.3f}" if isinstance(value, float) else f"{key}: {value}")
    if "--misses" in sys.argv:
        for item in result["misses"]:
            text = (item.get("title") or item["summary"])[:100]
            found = ", ".join(f"{m.action}@{m.object}" for m in item["found"]) or "-"
            print(f"\n{item['event']} [{item['lang']}] {text}\n   found: {found}")
    if "--pairs" in sys.argv:
        for label in ("conflicting same-event pairs", "hard negatives sharing evidence"):
            print(f"\n== {label}")
            for a, b in result[label]:
                print(f"{a['event']} / {b['event']}: {_brief(a)} | {_brief(b)}")


def _brief(item: dict[str, Any]) -> str:
    return f"[{item['lang']}] " + ", ".join(
        f"{m.action}{'?' if m.planned else ''}@{m.object}" for m in item["primary"]
    )


if __name__ == "__main__":
    main()
