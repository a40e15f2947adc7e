"""docs/query.md stays true: every example parses against the built-in dictionary."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chipwatch.entities.tagger import build_tagger
from chipwatch.query.match import parse_query

DOC = Path(__file__).resolve().parent.parent / "docs" / "query.md"


def examples() -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    block = text.split("## Examples", 1)[1].split("```", 2)[1]
    return [re.split(r"\s{2,}", line.strip())[0] for line in block.splitlines() if line.strip()]


def test_the_examples_block_is_found() -> None:
    assert len(examples()) >= 5


@pytest.mark.parametrize("query", examples())
def test_every_documented_example_parses_and_resolves(query: str) -> None:
    parse_query(query, build_tagger(None))
