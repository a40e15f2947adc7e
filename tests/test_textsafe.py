"""Feed text is data: property tests for the normalizers and escapers in textsafe."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from rich.console import Console
from rich.text import Text

from chipwatch.textsafe import (
    MAX_TITLE_CHARS,
    clean_text,
    clean_title,
    csv_cell,
    md_escape,
    md_url,
    rich_escape,
    safe_url,
)

# Everything that may act on a terminal or hide/reorder text: none may survive cleaning.
FORBIDDEN = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u034f\u061c\u115f\u1160\u180e\u200b-\u200f"
    "\u2028\u2029\u202a-\u202e\u2060-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb\ufffe\uffff"
    "\ud800-\udfff\U000e0000-\U000e007f]"
)
HOSTILE_PIECES = [
    "\x1b[31m",
    "\x1b[2J",
    "\x1b[H",
    "\x1b]8;;https://evil.example\x1b\\",
    "\x1b]8;;\x07",
    "\x1b]52;c;ZWNobyBoYWNrZWQ=\x07",
    "\x1b]0;title\x9c",
    "\x1bP+q\x1b\\",
    "\x9b31m",
    "\x9d",
    "\x07",
    "\x08",
    "\r",
    "\x00",
    "\x85",
    "\u202e",
    "\u2066",
    "\u200b",
    "\u200d",
    "\ufeff",
    "[bold]",
    "[/]",
    "[link=https://evil.example]",
    "\\[",
    "\\",
    "*",
    "_",
    "`",
    "<b>",
    "&amp;",
    "=cmd|' /C calc'!A0",
    "\ud83d",
    "\U000e0041",
    "\u00ad",
    "](javascript:x)",
]
hostile_text = st.lists(
    st.one_of(st.sampled_from(HOSTILE_PIECES), st.text(max_size=8)), max_size=12
).map("".join)
any_text = st.one_of(st.text(), hostile_text)


@settings(deadline=None)  # a loaded CI machine must not make these flaky
@given(any_text, st.booleans())
@example("a\x1b]52;c;Zm9v\x07b", False)
@example("\x1b[31mred\x1b[0m", True)
def test_clean_text_leaves_no_control_bidi_or_invisible_characters(text: str, single: bool) -> None:
    cleaned = clean_text(text, single_line=single)
    assert not FORBIDDEN.search(cleaned)
    if single:
        assert "\n" not in cleaned and "\t" not in cleaned


@settings(deadline=None)  # a loaded CI machine must not make these flaky
@given(any_text, st.booleans())
def test_clean_text_is_idempotent(text: str, single: bool) -> None:
    once = clean_text(text, single_line=single)
    assert clean_text(once, single_line=single) == once


@settings(deadline=None)  # a loaded CI machine must not make these flaky
@given(any_text, st.integers(min_value=1, max_value=60))
def test_limit_bounds_the_length_and_marks_the_cut(text: str, limit: int) -> None:
    cleaned = clean_text(text, limit=limit, single_line=True)
    assert len(cleaned) <= limit
    if len(clean_text(text, single_line=True)) > limit:
        assert cleaned.endswith("…")


@settings(deadline=None)  # a loaded CI machine must not make these flaky
@given(st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N")), max_size=40))
def test_plain_words_survive_unchanged(word: str) -> None:
    assert clean_text(f"{word} chips", single_line=True) == f"{word} chips".strip()


def test_escape_sequences_are_removed_but_their_text_kept() -> None:
    text = "\x1b[1;31mNVIDIA\x1b[0m cleared \x1b]8;;https://evil.example\x1b\\H20\x1b]8;;\x1b\\"
    assert clean_text(text) == "NVIDIA cleared H20"


def test_clipboard_write_and_screen_clear_are_removed() -> None:
    assert clean_text("a\x1b]52;c;cm0gLXJmIH4=\x07b\x1b[2J\x1b[Hc") == "abc"


def test_unterminated_osc_stops_at_the_line_end() -> None:
    assert clean_text("head\x1b]0;hidden\nbody text") == "head\nbody text"


def test_c1_mojibake_does_not_swallow_the_text_after_it() -> None:
    # regression: U+009D was treated as an OSC introducer and ate the whole summary
    assert clean_text("the chip\u00e2\u20ac\x9d is back on sale") == "the chipâ€ is back on sale"


def test_bidi_override_cannot_reverse_a_title() -> None:
    assert clean_title("file\u202egnp.exe") == "filegnp.exe"


def test_lone_surrogates_are_dropped_so_output_can_be_encoded() -> None:
    cleaned = clean_title("H20 \ud800 export")
    assert cleaned == "H20 export"
    cleaned.encode("utf-8")


def test_a_megabyte_title_is_cut_to_the_title_limit() -> None:
    title = clean_title("NVIDIA " * 150_000)
    assert len(title) == MAX_TITLE_CHARS
    assert title.endswith("…")


def test_emoji_and_scripts_stay_legible() -> None:
    text = "英伟达 H20 芯片 · Лицензия · ترخيص · 🇨🇳"
    assert clean_text(text) == text


# --------------------------------------------------------------------------- Rich


@settings(deadline=None)  # a loaded CI machine must not make these flaky
@given(any_text)
@example("ends with a backslash \\")
@example("two \\\\")
@example("\\[bold]x")
def test_rich_escape_renders_literally_inside_markup(text: str) -> None:
    cleaned = clean_text(text, single_line=True)
    rendered = Text.from_markup(f"[b]{rich_escape(text)}[/b] [i]tail[/i]", emoji=False)
    assert rendered.plain == f"{cleaned} tail"
    assert [str(span.style) for span in rendered.spans] == ["bold", "italic"]


@settings(deadline=None, max_examples=50)
@given(any_text)
def test_console_output_of_clean_text_has_no_escape_sequences(text: str) -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=False, color_system=None, width=200)
    console.print(Text(clean_text(text)), markup=False)
    assert "\x1b" not in buffer.getvalue() and "\x9b" not in buffer.getvalue()


# --------------------------------------------------------------------------- Markdown

# CommonMark, plus what GitHub adds: tables, strikethrough, and bare URL and e-mail
# autolinks (linkify without fuzzy domains: GitHub links "https://…", "www.…" and
# e-mail addresses, not a bare "nvidia.com").
_markdown = MarkdownIt("commonmark", {"linkify": True}).enable(
    ["linkify", "table", "strikethrough"]
)
_markdown.linkify.set({"fuzzy_link": False})


@settings(deadline=None)  # a loaded CI machine must not make these flaky
@given(any_text)
@example("[click](javascript:alert(1)) **bold** <img src=x onerror=y> # head")
@example("1. item")
@example("- item")
@example("&copy; `code` ~~gone~~ ![img](http://x)")
def test_md_escape_renders_as_the_literal_text(text: str) -> None:
    cleaned = clean_text(text, single_line=True)
    rendered = _markdown.render(md_escape(text))
    if not cleaned:
        assert rendered == ""
        return
    assert rendered.startswith("<p>") and rendered.endswith("</p>\n")
    inner = rendered[len("<p>") : -len("</p>\n")]
    assert "<" not in inner  # no tag: no link, image, emphasis or raw HTML
    assert html.unescape(inner) == cleaned


# Where the digest puts feed text: a paragraph, a heading, a quote, a link's text, a
# list item after our own words. In each, the text must come out as written.
_CONTEXTS = [
    ("{}", "<p>{}</p>\n"),
    ("### 1. {}", "<h3>1. {}</h3>\n"),
    ("> {}", "<blockquote>\n<p>{}</p>\n</blockquote>\n"),
    ("[{}](<https://x.example/a>)", '<p><a href="https://x.example/a">{}</a></p>\n'),
    ("- 08:00 · **{}** (en): x", "<ul>\n<li>08:00 · <strong>{}</strong> (en): x</li>\n</ul>\n"),
]
_HOSTILE = [
    "[click](javascript:alert(1))",
    "![img](http://x)",
    "<img src=x onerror=y>",
    "<https://evil.example>",
    "https://evil.example/x and www.evil.example",
    "press@evil.example",
    "**bold** __bold__ *em* _em_",
    "# heading",
    "Breaking #",
    "1. item",
    "2) item",
    "- item",
    "+ item",
    "> quote",
    "---",
    "***",
    "~~gone~~ ~gone~",
    "`code` ``code``",
    "&copy; &#169; &#xA9; &amp",
    "a\\",
    "[ref]: https://evil.example",
    "| a | b |",
]


# Short strings of Markdown's own characters: every combination a renderer might read.
_MARKDOWN_SOUP = st.text(alphabet="*_[]()<>#!`~&;@:/.w -+>|\\=1ax\u00e9", max_size=24)


@settings(deadline=None, max_examples=400)
@given(st.one_of(any_text, st.sampled_from(_HOSTILE), _MARKDOWN_SOUP))
@example("Breaking ##")
@example("foo_")
def test_md_escape_stays_literal_wherever_the_digest_puts_it(text: str) -> None:
    cleaned = clean_text(text, single_line=True)
    if not cleaned:
        return
    for template, shape in _CONTEXTS:
        rendered = _markdown.render(template.format(md_escape(text)))
        expected = shape.format(html.escape(cleaned, quote=False))
        assert html.unescape(rendered) == html.unescape(expected), (template, rendered)
        tags = re.findall(r"<(/?[a-z0-9]+)", rendered)
        assert tags == re.findall(r"<(/?[a-z0-9]+)", shape), (template, rendered)


@pytest.mark.parametrize(
    "text",
    [
        "TSMC's 2nm yields hit 11.7× the 2023 figure (EN)",
        "U.S. tightens rare-earth and HBM export rules; AI chips +15%",
        "Nvidia H20: China sales resume – what changes? (FR/EN)",
        "snake_case_name and C# and 3.5-inch wafers, 50/50 split",
        "AT&T signs 5G deal; Q2 revenue $1.2bn {guidance} | analysts!",
    ],
)
def test_md_escape_leaves_ordinary_news_text_as_written(text: str) -> None:
    # Nothing here could be misread by a Markdown renderer: escaping it made the digest
    # hard to read and to diff (`11\.7×`, `\(EN\)`, `rare\-earth`).
    assert md_escape(text) == text


@settings(deadline=None)  # a loaded CI machine must not make these flaky
@given(any_text)
def test_md_url_is_empty_or_an_http_url_without_breaking_characters(url: str) -> None:
    result = md_url(url)
    assert result == "" or result.lower().startswith(("http://", "https://"))
    assert not set(result) & set(" <>\n")


# --------------------------------------------------------------------------- CSV and URLs


@settings(deadline=None)  # a loaded CI machine must not make these flaky
@given(any_text)
@example('=HYPERLINK("http://evil","x")')
@example(" \t=1+1")
@example("\u3000@SUM(A1)")
def test_csv_cell_never_starts_a_formula_and_round_trips(text: str) -> None:
    cell = csv_cell(text)
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    buffer = io.StringIO()
    csv.writer(buffer).writerow([cell, "next"])
    assert next(csv.reader(io.StringIO(buffer.getvalue()))) == [cell, "next"]


@settings(deadline=None)  # a loaded CI machine must not make these flaky
@given(any_text)
@example("javascript:alert(1)")
@example("  JavaScript:alert(1)")
@example("java\x00script:alert(1)")
@example("data:text/html,<script>")
@example("file:///etc/passwd")
def test_safe_url_only_lets_http_links_through(url: str) -> None:
    result = safe_url(url)
    assert result == "" or result.lower().startswith(("http://", "https://"))
    assert not FORBIDDEN.search(result)
