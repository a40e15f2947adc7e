"""Feed text is data, never markup or terminal control.

``clean_text`` is applied at ingest and again at every edge where text is rendered:
it removes what could act on a terminal or reorder what a reader sees. The escapers
make the cleaned text literal in Markdown and spreadsheet cells (HTML uses
``html.escape``; Rich uses ``rich.markup.escape`` or ``rich.text.Text``).
"""

from __future__ import annotations

import re

# ESC-introduced sequences: CSI (ESC [ … final), OSC (ESC ] … BEL or ST), DCS/SOS/PM/APC
# (ESC P/X/^/_ … ST), and two-character escapes. A string body stops at a newline too, so
# an unterminated sequence cannot swallow the rest of an article. The 8-bit C1 forms
# (U+009B CSI, U+009D OSC, …) are removed one character at a time by _INVISIBLE: they
# appear by accident in mojibake ("â€\x9d"), and treating them as introducers would
# eat the legitimate text after them; alone they are inert.
_ESCAPES = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]?                          # CSI
    | \x1b\][^\x07\x1b\x9c\n]*(?:\x07|\x1b\\|\x9c)?      # OSC … BEL/ST
    | \x1b[PX^_][^\x1b\x9c\n]*(?:\x1b\\|\x9c)?             # DCS/SOS/PM/APC … ST
    | \x1b[ -/]*[0-~]?                                # other ESC sequences
    """,
    re.VERBOSE,
)
# C0 controls except tab and newline, DEL, C1 controls; bidi embeddings, overrides,
# isolates and marks (incl. U+061C); zero-width and invisible filler characters (soft
# hyphen, combining grapheme joiner, Hangul fillers, Mongolian vowel separator, the
# BOM); interlinear annotation; lone surrogates (unprintable: they would crash UTF-8
# output) and the non-characters U+FFFE/U+FFFF; the invisible "tag" block U+E0000-E007F.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u034f\u061c\u115f\u1160\u180e"
    "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufeff\uffa0"
    "\ufff9-\ufffb\ufffe\uffff\ud800-\udfff\U000e0000-\U000e007f]"
)
_SEPARATORS = re.compile("[\u2028\u2029\r\x0b\x0c]")
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
_BLANK_LINES = re.compile(r"\n{3,}")  # compiled once: clean_text runs per article

MAX_TITLE_CHARS = 500
MAX_SUMMARY_CHARS = 20_000


def clean_text(text: str, *, limit: int | None = None, single_line: bool = False) -> str:
    """Remove escape sequences, control, bidi and zero-width characters.

    ``single_line`` folds all whitespace (titles); ``limit`` cuts with an ellipsis.
    """
    if not text:
        return ""
    text = _ESCAPES.sub("", text)
    text = _SEPARATORS.sub("\n", text)
    text = _INVISIBLE.sub("", text)
    if single_line:
        text = " ".join(text.split())
    elif "\n" in text:
        text = "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))
        text = _BLANK_LINES.sub("\n\n", text).strip()
    else:  # one line (most summaries): what the lines' join gives for it
        text = _SPACES.sub(" ", text).strip()
    if limit is not None and len(text) > limit:
        text = text[: max(0, limit - 1)].rstrip() + "…"
    return text


def clean_title(text: str) -> str:
    """A title as shown anywhere: one line, clean, at most MAX_TITLE_CHARS."""
    return clean_text(text, limit=MAX_TITLE_CHARS, single_line=True)


# Markdown escaping: only where a CommonMark or GitHub renderer would read syntax, so a
# digest stays readable and diffable ("11.7×", "(EN)", "rare-earth" stay as written).
# Anywhere in the text: backslash, code, emphasis (* always; _ unless inside a word),
# link and image brackets, HTML and autolinks (<), strikethrough (~), entity
# references (&name; &#12;), GitHub's bare-URL, www. and e-mail autolinks (the first
# "/" of "://", the "." of "www.", an "@" between word characters), and a closing run
# of # at the end (it would be cut from a heading). At the start only: what opens a
# block (#, >, -, +, "1." / "1)" lists).
_MD_INLINE = re.compile(
    # the lookahead first: a position that cannot start a match fails at once (3x faster)
    r"(?=[\\`*\[\]<~_&/.@#])(?:"
    r"[\\`*\[\]<~]"
    r"|_"
    r"|&(?=#[0-9]{1,7}(?:;|$)|#[xX][0-9a-fA-F]{1,6}(?:;|$)|[A-Za-z][A-Za-z0-9]{0,31}(?:;|$))"
    r"|(?<=:)/(?=/)"
    r"|(?<![^\W_][Ww]{3})(?<=[Ww]{3})\."
    r"|(?<=[^\W_])@(?=[^\W_])"
    r"|(?:(?<= )|^)#(?=#*$)"
    r")"
)
_MD_BLOCK_START = re.compile(r"[-+>]|#{1,6}(?= |$)|[0-9]{1,9}(?=[.)](?: |$))")


def _md_inline(match: re.Match[str]) -> str:
    char = match.group()
    if char == "_":
        text, at = match.string, match.start()
        if 0 < at < len(text) - 1 and text[at - 1].isalnum() and text[at + 1].isalnum():
            return char  # inside a word: never emphasis (rare_earth, snake_case)
    return "\\" + char


def md_escape_clean(text: str) -> str:
    """:func:`md_escape` of text that is already one clean line (the digest's fast path)."""
    parts: list[str] = []
    done = 0
    start = _MD_BLOCK_START.match(text)
    if start is not None:
        done = start.end() + 1 if start.group()[0].isdigit() else 1
        marker = done - 1  # "-" → "\-"; "1." → "1\." (not a list item)
        parts += [text[:marker], "\\", text[marker]]
    for match in _MD_INLINE.finditer(text, done):
        parts += [text[done : match.start()], _md_inline(match)]
        done = match.end()
    if not parts:
        return text  # most titles: nothing a renderer would misread
    parts.append(text[done:])
    return "".join(parts)


def md_escape(text: str) -> str:
    """Literal text in Markdown: no links, emphasis, HTML, headings or lists can be
    injected, and nothing is escaped that a renderer would read as written."""
    return md_escape_clean(clean_text(text, single_line=True))


def md_url(url: str) -> str:
    """A URL safe inside ``<…>`` autolink-style Markdown link targets."""
    cleaned = clean_text(url, single_line=True)
    if not cleaned.lower().startswith(("http://", "https://")):
        return ""
    return cleaned.replace(" ", "%20").replace("<", "%3C").replace(">", "%3E")


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(text: str) -> str:
    """A spreadsheet-safe cell: a leading = + - @ is neutralized with an apostrophe."""
    cleaned = clean_text(text, single_line=True)
    if cleaned.startswith(_FORMULA_START):
        return "'" + cleaned
    return cleaned


def safe_url(url: str) -> str:
    """Only http(s) links are ever rendered as links (no javascript:, data:, file:)."""
    cleaned = clean_text(url, single_line=True)
    return cleaned if cleaned.lower().startswith(("http://", "https://")) else ""


_RICH_OPEN = re.compile(r"(\\*)\[")
_RICH_TAG_AT = re.compile(r"\[[a-z#/@][^[]*?]")
_TRAILING_BACKSLASHES = re.compile(r"(\\+)$")


def _escape_open_bracket(match: re.Match[str]) -> str:
    backslashes = len(match.group(1))
    if _RICH_TAG_AT.match(match.string, match.end() - 1):
        # a tag: 2k+1 backslashes render as k backslashes and the literal tag
        return "\\" * (2 * backslashes + 1) + "["
    # not a tag: Rich only turns one "\\[" into "[", so add one backslash back
    return "\\" * (backslashes + 1 if backslashes else 0) + "["


def rich_escape(text: str) -> str:
    """Cleaned text made literal inside Rich markup, e.g. ``f"[b]{rich_escape(t)}[/b]"``.

    Exact where ``rich.markup.escape`` is not: backslashes before a bracket and at the
    end survive, and a trailing backslash cannot escape the closing tag after it.
    Render with ``emoji=False`` so ``:name:`` stays text. Prefer ``rich.text.Text``
    objects (no markup at all) where no styling is needed.
    """
    escaped = _RICH_OPEN.sub(_escape_open_bracket, clean_text(text, single_line=True))
    return _TRAILING_BACKSLASHES.sub(lambda m: m.group(1) * 2, escaped)


# --------------------------------------------------------------------------- derived titles

# A sentence ends at . ! ? (then closing quotes or brackets, then a space) or at CJK
# full stops, which need no space after them.
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])[\"'”’»)]*\s+|(?<=[。！？])")
MAX_DERIVED_TITLE = 160


def first_sentence(text: str, *, limit: int = MAX_DERIVED_TITLE) -> str:
    """The first sentence of ``text``, at most ``limit`` characters cut at a word: the
    title of an entry that has none (the parser, clustering and story headlines)."""
    text = " ".join(text.split())
    if not text:
        return ""
    match = _SENTENCE_END.search(text)
    sentence = text[: match.start()].strip() if match else text
    if sentence.endswith(".") and not sentence.endswith(".."):
        sentence = sentence[:-1]
    if len(sentence) > limit:
        cut = (
            sentence[: limit - 1].rsplit(" ", 1)[0]
            if " " in sentence[:limit]
            else sentence[: limit - 1]
        )
        sentence = cut.rstrip(" ,;:") + "…"
    return sentence
