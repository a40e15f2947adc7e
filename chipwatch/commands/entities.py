"""chipwatch entities: list the dictionary with mention counts, or test the tagger."""

from __future__ import annotations

import json
import sys
import unicodedata
from collections.abc import Sequence
from typing import Any

from chipwatch.context import Context
from chipwatch.entities.tagger import build_tagger
from chipwatch.errors import UserError
from chipwatch.model import ENTITY_KINDS, Entity, EntityMatch
from chipwatch.textsafe import clean_text
from chipwatch.words import plural

MAX_CELL = 48


COUNTS = ("mentions", "articles", "stories")


def run_list(ctx: Context) -> int:
    """``entities list [--kind K] [--json]``: name, kind, parent, aliases and mentions.

    Counts come from the store: every tagged span (mentions), distinct articles and
    distinct stories; entities added in config.toml are listed too.
    """
    tagger = build_tagger(ctx.config)
    kind = getattr(ctx.args, "kind", None)
    counts = _counts(ctx, kind)
    entities = sorted(
        (e for e in tagger.entities.values() if kind is None or e.kind == kind),
        key=lambda e: (ENTITY_KINDS.index(e.kind), e.name.casefold()),
    )
    if getattr(ctx.args, "json", False):
        for entity in entities:
            ctx.out(json.dumps(_list_row(entity, counts), ensure_ascii=False))
        return 0
    rows = [
        [e.name, e.kind, e.parent or "", str(len(e.aliases)),
         *(str(counts[by].get(e.name, 0)) for by in COUNTS)]
        for e in entities
    ]  # fmt: skip
    header = ["ENTITY", "KIND", "PARENT", "ALIASES", *(by.upper() for by in COUNTS)]
    _table(ctx, header, rows, numeric={3, 4, 5, 6})
    tagged = sum(1 for e in entities if counts["articles"].get(e.name))
    ctx.out(f"\n{plural(len(entities), 'entity')}, {tagged} mentioned in the store")
    return 0


def _counts(ctx: Context, kind: str | None) -> dict[str, dict[str, int]]:
    """Counts per entity for each of COUNTS (no store: one line, exit 1)."""
    from chipwatch.store.tags import entity_counts

    db = ctx.open_db(create=False)
    try:
        return {by: entity_counts(db, kind=kind, by=by) for by in COUNTS}
    finally:
        db.close()


def _list_row(entity: Entity, counts: dict[str, dict[str, int]]) -> dict[str, Any]:
    return {
        "name": entity.name,
        "kind": entity.kind,
        "parent": entity.parent,
        "aliases": [a.text for a in entity.aliases],
        **{by: counts[by].get(entity.name, 0) for by in COUNTS},
    }


def run_test(ctx: Context) -> int:
    """``entities test TEXT|-``: every match with its span, matched text and rule."""
    text = _read_text(ctx.args.text)
    tagger = build_tagger(ctx.config)
    matches = tagger.tag(text)
    if getattr(ctx.args, "json", False):
        for match in matches:
            ctx.out(json.dumps(_match_row(match), ensure_ascii=False))
        return 0
    if not matches:
        ctx.out("no entities found")
        return 0
    rows = [[f"{m.start}-{m.end}", m.entity, m.kind, _cell(m.text), m.rule] for m in matches]
    _table(ctx, ["SPAN", "ENTITY", "KIND", "TEXT", "RULE"], rows)
    names = list(dict.fromkeys(m.entity for m in matches))
    ctx.out(
        f"\n{plural(len(matches), 'match')} of {plural(len(names), 'entity')}: {', '.join(names)}"
    )
    return 0


def _read_text(value: str) -> str:
    """TEXT itself, or standard input for ``-``; spans index this text."""
    if value != "-":
        return value
    try:
        return sys.stdin.read()
    except UnicodeDecodeError as exc:
        raise UserError(
            f"standard input: not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from exc


def _match_row(match: EntityMatch) -> dict[str, Any]:
    return {
        "entity": match.entity,
        "kind": match.kind,
        "start": match.start,
        "end": match.end,
        "text": match.text,
        "rule": match.rule,
    }


def _cell(text: str) -> str:
    """Feed text is data: no control characters or line breaks reach the terminal."""
    cell = clean_text(text, single_line=True)
    return cell if len(cell) <= MAX_CELL else cell[: MAX_CELL - 1] + "…"


def _width(text: str) -> int:
    """Terminal columns: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _table(
    ctx: Context,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    numeric: set[int] | frozenset[int] = frozenset(),
) -> None:
    cells = [[clean_text(c, single_line=True) for c in row] for row in rows]
    widths = [max([len(h), *(_width(r[i]) for r in cells)]) for i, h in enumerate(header)]

    def line(row: Sequence[str]) -> str:
        parts = []
        for i, (cell, width) in enumerate(zip(row, widths, strict=True)):
            pad = " " * (width - _width(cell))
            parts.append(pad + cell if i in numeric else cell + pad)
        return "  ".join(parts).rstrip()

    ctx.out(line(header))
    for row in cells:
        ctx.out(line(row))
