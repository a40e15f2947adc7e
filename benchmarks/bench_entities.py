"""Entity tagging quality: recall and precision on chipwatch's own labelled set and, when
the shared corpora sit beside the repository, on the realnews set of real news.

``python -m benchmarks.bench_entities [--misses]`` prints the rows (and, with
``--misses``, every missed or extra entity with its item). The own set is
``tests/data/entities/labelled.toml`` (written for chipwatch); realnews is read from
``../shared/corpora/realnews/articles.jsonl`` (or ``$REALNEWS_DIR``) and never copied.

An item's title and summary are tagged in process; a label counts as found when a tag
has its name (case, width, spaces and hyphens aside). Labels name policy terms by
meaning and use "export controls" for bans, so an "export ban" tag counts as "export
controls"; implied ancestors never count. Precision counts the chip, company, agency
and policy tags whose name the set's labels use somewhere (a right tag outside the
set's vocabulary is not an error).
"""

from __future__ import annotations

import json
import os
import sys
import tomllib
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OWN = ROOT / "tests" / "data" / "entities" / "labelled.toml"
SIZES = ("small", "full")
TARGET = 0.95
SCORED_KINDS = {"chip", "company", "agency", "policy"}
_SAME = {"export ban": "export controls"}  # labels name a ban by its parent


@dataclass
class Score:
    """Recall and precision over a labelled set, with what was missed and added."""

    items: int = 0
    found: int = 0
    missed: Counter[str] = field(default_factory=Counter)
    extra: Counter[str] = field(default_factory=Counter)
    examples: list[tuple[str, list[str], list[str]]] = field(default_factory=list)

    @property
    def recall(self) -> float:
        total = self.found + sum(self.missed.values())
        return self.found / total if total else 1.0

    @property
    def precision(self) -> float:
        total = self.found + sum(self.extra.values())
        return self.found / total if total else 1.0


def realnews_path() -> Path | None:
    """The realnews set's articles file, when it is there."""
    base = os.environ.get("REALNEWS_DIR")
    folder = Path(base) if base else ROOT.parent / "shared" / "corpora" / "realnews"
    path = folder / "articles.jsonl"
    return path if path.is_file() else None


def own_items() -> list[dict[str, Any]]:
    return tomllib.loads(OWN.read_text(encoding="utf-8"))["article"]


def realnews_items(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _key(name: str) -> str:
    key = " ".join(unicodedata.normalize("NFKC", name).casefold().replace("-", " ").split())
    return _SAME.get(key, key)


def score(items: list[dict[str, Any]], tagger: Any) -> Score:
    """Tag every item and compare with its labels (see the module docstring)."""
    vocabulary = {_key(name) for item in items for name in item["entities"]}
    result = Score(items=len(items))
    for item in items:
        wanted = {_key(name) for name in item["entities"]}
        matches = tagger.tag(item.get("title") or "", item.get("summary") or "")
        have = {_key(m.entity) for m in matches}
        scored = {_key(m.entity) for m in matches if m.kind in SCORED_KINDS} & vocabulary
        result.found += len(wanted & have)
        result.missed.update(wanted - have)
        result.extra.update(scored - wanted)
        if wanted - have or scored - wanted:
            result.examples.append(
                ((item.get("title") or item["summary"])[:90], sorted(wanted - have),
                 sorted(scored - wanted))
            )  # fmt: skip
    return result


def _rows(label: str, result: Score, note: str) -> list[dict[str, Any]]:
    return [
        {
            "name": f"entities: {label}, {measure}",
            "value": round(getattr(result, measure), 3),
            "unit": "",
            "target": f">= {TARGET}",
            "note": f"{result.items} items; {note}",
        }
        for measure in ("recall", "precision")
    ]


def run(size: str) -> list[dict[str, Any]]:
    """Recall and precision on the own set, and on realnews when it is there."""
    from chipwatch.entities.tagger import build_tagger

    tagger = build_tagger()
    rows = _rows("own labelled set", score(own_items(), tagger), "tests/data/entities")
    path = realnews_path()
    if path is not None:
        rows += _rows("realnews", score(realnews_items(path), tagger), str(path.parent))
    return rows


def main() -> None:
    """Print the rows (three decimals); ``--misses`` also lists, by item, what was
    missed or added."""
    from chipwatch.entities.tagger import build_tagger

    tagger = build_tagger()
    sets = [("own labelled set", own_items())]
    if (path := realnews_path()) is not None:
        sets.append(("realnews", realnews_items(path)))
    else:
        print("realnews: not found (../shared/corpora/realnews or $REALNEWS_DIR)")
    for label, items in sets:
        result = score(items, tagger)
        print(f"entities, {label}: recall {result.recall:.3f} precision {result.precision:.3f}"
              f" ({result.items} items)")  # fmt: skip
        if "--misses" in sys.argv:
            for title, missed, extra in result.examples:
                print(f"  {title!r}: missed {missed} extra {extra}")


if __name__ == "__main__":
    main()
