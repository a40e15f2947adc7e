"""Digest formats: golden files, hostile feed text kept inert, valid Atom and JSON.

Regenerate the golden files after an intended change with
``CHIPWATCH_UPDATE_GOLDEN=1 python -m pytest tests/test_digest_formats.py`` and read
the diff before committing it.
"""

from __future__ import annotations

import csv
import html
import importlib.util
import io
import json
import os
import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import feedparser
import pytest
from markdown_it import MarkdownIt

from chipwatch.digest.build import (
    FORMATS,
    Digest,
    DigestAlert,
    DigestArticle,
    DigestEntity,
    DigestStory,
    build_digest,
    render,
)
from chipwatch.digest.text import CSV_COLUMNS, digest_to_dict


def _load_seed() -> Any:
    """The fixture store builder in tests/data/digest/seed.py."""
    path = Path(__file__).parent / "data" / "digest" / "seed.py"
    spec = importlib.util.spec_from_file_location("digest_seed", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


seed = _load_seed()
NOW = seed.NOW
GOLDEN = Path(__file__).parent / "data" / "digest"
ATOM = "{http://www.w3.org/2005/Atom}"
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@pytest.fixture
def digest(db):
    seed.seed_store(db)
    return build_digest(db, since=NOW - timedelta(hours=24), until=NOW, now=NOW)


@pytest.fixture
def outputs(digest) -> dict[str, str]:
    return {fmt: render(digest, fmt) for fmt in FORMATS}


# --------------------------------------------------------------------------- golden


@pytest.mark.parametrize("fmt", FORMATS)
def test_golden(outputs, fmt) -> None:
    path = GOLDEN / f"expected.{fmt}"
    if os.environ.get("CHIPWATCH_UPDATE_GOLDEN"):
        path.write_bytes(outputs[fmt].encode("utf-8"))
    assert outputs[fmt] == path.read_bytes().decode("utf-8")


def test_rendering_twice_gives_the_same_bytes(db, digest) -> None:
    again = build_digest(db, since=NOW - timedelta(hours=24), until=NOW, now=NOW)
    assert again == digest
    for fmt in FORMATS:
        assert render(again, fmt).encode() == render(digest, fmt).encode()


def test_now_is_the_only_clock(db, digest) -> None:
    later = NOW + timedelta(days=3)
    other = build_digest(db, since=NOW - timedelta(hours=24), until=NOW, now=later)
    assert other.stories == digest.stories
    assert json.loads(render(other, "json"))["generated_at"] == "2025-07-19T12:00:00Z"


# --------------------------------------------------------------------------- hostile text


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_terminal_escapes_or_controls_in_any_format(outputs, fmt) -> None:
    text = outputs[fmt].replace("\r\n", "\n")
    assert not CONTROL.search(text), repr(CONTROL.search(text))


def test_markdown_renders_hostile_titles_literally(outputs, digest) -> None:
    # CommonMark plus GitHub's additions (tables, strikethrough, bare-URL autolinks)
    renderer = MarkdownIt("commonmark", {"linkify": True}).enable(
        ["linkify", "table", "strikethrough"]
    )
    renderer.linkify.set({"fuzzy_link": False})
    rendered = renderer.render(outputs["md"])
    assert "<script" not in rendered and "<img" not in rendered and "<b>" not in rendered
    hrefs = re.findall(r'href="([^"]*)"', rendered)
    assert hrefs and all(href.startswith(("http://", "https://")) for href in hrefs)
    # the only links are the citations: none comes from feed text (the hostile alert's
    # =HYPERLINK("https://evil.example/x", …) stays text)
    cited = [a.url for story in digest.stories for a in story.articles if a.url]
    assert len(hrefs) == len(cited) and "https://evil.example/x" not in hrefs
    # emphasis only where the digest writes it: "_(earlier)_"
    assert rendered.count("<em>") == outputs["md"].count("_(earlier)_")
    assert "<s>" not in rendered and "<del>" not in rendered and "<code>" not in rendered
    text = html.unescape(re.sub(r"<[^>]+>", "", rendered))
    assert seed.HOSTILE_TITLE_CLEAN in text
    assert seed.HOSTILE_FORMULA in text
    assert seed.HOSTILE_FEED in text
    assert seed.HOSTILE_WATCH in text
    assert seed.HOSTILE_SUMMARY_CLEAN in text
    # Titles cannot add headings: one per story plus the document's own three.
    assert len(re.findall(r"<h[1-6]>", rendered)) == 3 + 4


class _Page(HTMLParser):
    """Collects tags, attributes and text of an HTML document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, Any]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_keeps_hostile_text_inert_and_literal(outputs) -> None:
    page = _Page()
    page.feed(outputs["html"])
    names = [tag for tag, _ in page.tags]
    assert "script" not in names and "img" not in names and "iframe" not in names
    assert "b" not in names and "i" not in names  # feed markup never became tags
    for _, attrs in page.tags:
        assert not [name for name in attrs if name.startswith("on")]
        href = attrs.get("href")
        if href is not None:
            assert href.startswith(("https://", "http://", "#")), href
    text = "".join(page.text)
    literals = (seed.HOSTILE_TITLE_CLEAN, seed.HOSTILE_FORMULA, seed.HOSTILE_FEED,
                seed.HOSTILE_SUMMARY_CLEAN)  # fmt: skip
    for literal in literals:
        assert literal in text
    assert "[red]watch[/red] <i>me</i>" in text


def test_html_is_self_contained_and_forbids_scripts(outputs) -> None:
    page = _Page()
    page.feed(outputs["html"])
    metas = [attrs for tag, attrs in page.tags if tag == "meta"]
    csp = next(m["content"] for m in metas if m.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp and "script-src" not in csp
    assert not [a for t, a in page.tags if t == "link" or a.get("src")]
    assert "@media print" in outputs["html"]
    assert [a["id"] for t, a in page.tags if t == "article"] == [
        "story-1",
        "story-2",
        "story-3",
        "story-4",
    ]


def test_csv_neutralizes_formulas_and_keeps_one_row_per_article(outputs, digest) -> None:
    rows = list(csv.reader(io.StringIO(outputs["csv"], newline="")))
    assert tuple(rows[0]) == CSV_COLUMNS
    body = rows[1:]
    assert len(body) == digest.article_count
    assert all(len(row) == len(CSV_COLUMNS) for row in body)
    for row in body:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@")), cell
    formula = next(row for row in body if row[5] == "10")
    assert formula[9] == "'" + seed.HOSTILE_FORMULA
    hostile = next(row for row in body if row[5] == "9")
    assert hostile[10] == ""  # javascript: URL dropped
    assert hostile[11] == "'" + seed.HOSTILE_ENTITY + "; NVIDIA"
    assert [row[0] for row in body] == ["1"] * 4 + ["2"] * 2 + ["3"] * 2 + ["4"] * 2


def test_atom_parses_without_bozo(outputs, digest) -> None:
    parsed = feedparser.parse(outputs["atom"].encode("utf-8"))
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert [e.id for e in parsed.entries] == [
        f"tag:chipwatch,2025:story:{s.id}" for s in digest.stories
    ]
    hostile = parsed.entries[3]
    assert hostile.title == seed.HOSTILE_TITLE_CLEAN
    assert hostile.summary == seed.HOSTILE_SUMMARY_CLEAN
    for entry in parsed.entries:
        for link in entry.links:
            assert link.href.startswith(("http://", "https://"))
    content = _Page()
    content.feed(hostile.content[0].value)
    assert {tag for tag, _ in content.tags} == {"p", "ul", "li", "b", "a"}
    assert seed.HOSTILE_TITLE_CLEAN in "".join(content.text)


def test_atom_content_is_escaped_at_the_source(outputs) -> None:
    # feedparser sanitizes on its own; a stricter reader must not have to.
    root = ET.fromstring(outputs["atom"].encode("utf-8"))
    hostile = root.findall(f"{ATOM}entry")[3]
    page = _Page()
    page.feed(hostile.find(f"{ATOM}content").text)
    assert "script" not in {tag for tag, _ in page.tags}
    assert seed.HOSTILE_TITLE_CLEAN in "".join(page.text)


def test_atom_has_the_elements_rfc_4287_requires(outputs) -> None:
    root = ET.fromstring(outputs["atom"].encode("utf-8"))
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM}{name}") is not None
    for entry in root.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated"):
            assert entry.find(f"{ATOM}{name}").text
        alternates = [x for x in entry.findall(f"{ATOM}link") if x.get("rel") == "alternate"]
        assert len(alternates) <= 1
        assert entry.find(f"{ATOM}id").text.startswith("tag:chipwatch,2025:")


def test_atom_entry_ids_are_stable_across_windows(db, digest) -> None:
    wider = build_digest(db, since=None, until=NOW + timedelta(days=1), now=NOW)
    narrow_ids = set(re.findall(r"<id>(tag:[^<]*story[^<]*)</id>", render(digest, "atom")))
    wide_ids = set(re.findall(r"<id>(tag:[^<]*story[^<]*)</id>", render(wider, "atom")))
    assert narrow_ids < wide_ids


# --------------------------------------------------------------------------- JSON shape


def _check_shape(value: Any, shape: Any, where: str = "$") -> None:
    """``shape`` is a type, a tuple of types, a [item shape] or a {key: shape} mapping."""
    if isinstance(shape, dict):
        assert isinstance(value, dict), where
        missing = set(shape) - set(value)
        assert not missing, f"{where}: missing {missing}"
        for key, inner in shape.items():
            _check_shape(value[key], inner, f"{where}.{key}")
    elif isinstance(shape, list):
        assert isinstance(value, list), where
        for index, item in enumerate(value):
            _check_shape(item, shape[0], f"{where}[{index}]")
    else:
        assert isinstance(value, shape), f"{where}: {value!r}"
        assert not isinstance(value, bool), f"{where}: a boolean where {shape} belongs"


ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
DOCUMENTED = {
    "generated_at": str,
    "since": (str, type(None)),
    "until": str,
    "stories": [
        {
            "id": str,
            "title": str,
            "first_seen": str,
            "last_updated": str,
            "outlets": int,
            "languages": [str],
            "entities": [{"name": str, "kind": str, "mentions": int}],
            "alerts": [str],
            "articles": [
                {
                    "id": str,
                    "title": str,
                    "url": str,
                    "feed": str,
                    "published": str,
                    "lang": str,
                    "entities": [str],
                }
            ],
        }
    ],
}


def test_json_has_the_documented_shape(outputs) -> None:
    data = json.loads(outputs["json"])
    _check_shape(data, DOCUMENTED)
    assert list(data)[:4] == ["generated_at", "since", "until", "stories"]
    times = [data["generated_at"], data["since"], data["until"]]
    for story in data["stories"]:
        times += [story["first_seen"], story["last_updated"]]
        times += [article["published"] for article in story["articles"]]
    assert all(ISO.match(t) for t in times)
    first = data["stories"][0]
    assert first["alerts"] == ["H20 exports"] and first["outlets"] == 4
    assert first["languages"] == ["de", "en", "fr"]
    assert {"name": "NVIDIA", "kind": "company", "mentions": 4} in first["entities"]
    assert data["stories"][3]["title"] == seed.HOSTILE_TITLE_CLEAN


def test_renderers_clean_again_at_the_edge() -> None:
    # A Digest built by hand (not by build_digest) with escapes left in its text.
    dirty = "\x1b[31mred\x1b[0m \x1b]8;;https://evil.example/\x07link\x1b]8;;\x07 \u202eetxt"
    article = DigestArticle(1, dirty, "https://a.example/1", dirty, "2025-07-16T09:00:00Z", "en")
    story = DigestStory(
        1, dirty, "2025-07-16T09:00:00Z", "2025-07-16T09:00:00Z", 1, ("en",),
        (DigestEntity(dirty, "company", 1),), (dirty,), (article,), summary=dirty,
    )  # fmt: skip
    alert = DigestAlert(1, "watch", dirty, dirty, dirty, "new", "2025-07-16T09:00:00Z",
                        "2025-07-16T09:00:00Z", 1)  # fmt: skip
    digest = Digest("2025-07-16T12:00:00Z", None, "2025-07-16T12:00:00Z", dirty, 1,
                    (alert,), (story,))  # fmt: skip
    for fmt in ("md", "html", "csv", "atom"):
        text = render(digest, fmt)
        assert "\x1b" not in text and "\u202e" not in text and "[31m" not in text, fmt
        assert "evil.example" not in text, fmt


def test_json_text_is_exactly_digest_to_dict(digest, outputs) -> None:
    assert json.loads(outputs["json"]) == digest_to_dict(digest)
    empty = Digest("2025-07-16T12:00:00Z", None, "2025-07-16T12:00:00Z", None, 1, (), ())
    assert json.loads(render(empty, "json")) == digest_to_dict(empty)
