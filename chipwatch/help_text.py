"""How ``--help`` is laid out: the commands' descriptions wrapped at words to the
terminal, the top-level help kept as written where it fits (used by :mod:`.cli`)."""

from __future__ import annotations

import argparse
import re
import textwrap


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions keep their own line breaks (the top-level help is laid out by hand),
    but a line longer than the terminal is wrapped at words: the commands' descriptions
    are one long sentence each, and were cut mid-word by an 80-column terminal."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=30)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        paragraphs = text.split("\n\n")
        return "\n\n".join(_fit_paragraph(p, width, indent) for p in paragraphs)


_LABELLED = re.compile(r"^[a-z][a-z ]*:\s+")  # "store:  --db, else …" lines of the epilog


def _fit_paragraph(paragraph: str, width: int, indent: str) -> str:
    """A paragraph that fits stays as written; prose is refilled to ``width``; labelled
    lines are wrapped one by one, continued under the text after their label."""
    lines = paragraph.splitlines()
    if all(len(indent + line) <= width for line in lines):
        return "\n".join(indent + line for line in lines)
    if not all(_LABELLED.match(line) for line in lines):
        return textwrap.fill(
            " ".join(lines), width, initial_indent=indent, subsequent_indent=indent
        )
    out = []
    for line in lines:
        label = _LABELLED.match(line)
        hang = indent + " " * (label.end() if label else 0)
        out += textwrap.wrap(line, width, initial_indent=indent, subsequent_indent=hang)
    return "\n".join(out)
