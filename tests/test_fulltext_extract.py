"""Article pages → main text (ingest/pages.py): our own realistic pages in five scripts,
and hostile bytes (wrong charsets, binary, script-only, huge inline code)."""

from __future__ import annotations

import codecs
import tomllib
from pathlib import Path

import pytest

from chipwatch.ingest.pages import (
    MAX_TEXT_CHARS,
    NO_TEXT,
    decode_page,
    extractor_name,
    read_page,
    strip_code,
)

PAGES = Path(__file__).resolve().parent / "data" / "pages"
EXPECTED = tomllib.loads((PAGES / "expected.toml").read_text(encoding="utf-8"))
HTML = {"content-type": "text/html; charset=utf-8"}
# What the extractor keeps that a reader would not (measured: docs/fulltext.md): an
# inline "related" box and two ad labels. A leak outside this list is a regression.
KNOWN_LEAKS = {
    "de-fach": {"TSMC beschleunigt Ausbau in Arizona", "Anzeige"},
    "es-noticias": {"AMD confía en retomar"},
    "zh-news": {"广告"},
}


def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("page", sorted(EXPECTED))
def test_main_text_of_our_pages_keeps_the_article_and_drops_the_boilerplate(page: str) -> None:
    want = EXPECTED[page]
    text, error = read_page((PAGES / f"{page}.html").read_bytes(), HTML)
    assert error is None
    flat = squash(text)
    missing = [b for b in want["body"] if squash(b) not in flat]
    leaked = {b for b in want["boilerplate"] if squash(b) in flat}
    assert missing == []
    assert leaked <= KNOWN_LEAKS.get(page, set())
    assert "\n\n" in text and "<" not in text  # paragraphs, no markup


def test_extractor_name_carries_its_version() -> None:
    name = extractor_name()
    assert name.startswith("trafilatura ") and name.split()[1][0].isdigit()


def article(paragraph: str, *, charset: str = "") -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    return (
        f"<html><head>{meta}<title>t</title></head><body><nav>Home | World</nav>"
        f"<article><h1>Export rules</h1>{''.join(f'<p>{paragraph} {i}</p>' for i in range(6))}"
        "</article><footer>(c) 2025</footer></body></html>"
    )


FRENCH = "Les licences d'exportation seront accordées, a précisé le ministère de l'Économie"


def test_a_page_whose_declared_charset_lies_is_still_read() -> None:
    body = article(FRENCH).encode("cp1252")  # the server says UTF-8
    text, error = read_page(body, {"content-type": "text/html; charset=utf-8"})
    assert error is None and "a précisé le ministère de l'Économie" in text


def test_gb2312_label_reads_gbk_characters_and_unknown_labels_fall_back() -> None:
    chinese = "英伟达称将恢复H20芯片供应，镕铼等字不在GB2312中"
    body = article(chinese, charset="gb2312").encode("gb18030")
    assert chinese in decode_page(body, "text/html")
    assert decode_page("é".encode(), "text/html; charset=no-such-charset") == "é"
    assert decode_page(codecs.BOM_UTF16_LE + "Ü".encode("utf-16-le")) == "Ü"
    # a UTF-16 label on an ASCII-compatible page (a classic mistake) is ignored
    assert (
        decode_page(b'<meta charset="utf-16"><p>plain</p>') == '<meta charset="utf-16"><p>plain</p>'
    )


def test_shift_jis_page_by_its_meta_charset() -> None:
    japanese = "エヌビディアのH20、対中輸出を再開へ。①の記号も読める"
    body = article(japanese, charset="Shift_JIS").encode("cp932")
    text, error = read_page(body, {"content-type": "text/html"})
    assert error is None and japanese in text


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (b"%PDF-1.7 binary", "application/pdf", "not a web page (application/pdf)"),
        (bytes(range(256)) * 40, "text/html", "not a web page (binary data)"),
        (b"\x89PNG\r\n\x1a\n" + bytes(3000), "", "not a web page (binary data)"),
        (b"   \n ", "text/html", "the page was empty"),
        (
            b"<html><head><script>" + b"var a = 1;" * 20000 + b"</script></head>"
            b"<body><script>document.write('app')</script><div id=root></div></body></html>",
            "text/html",
            NO_TEXT,
        ),
    ],
    ids=["pdf", "binary-as-html", "png-untyped", "empty", "script-only"],
)
def test_what_is_not_an_article_page_gives_a_plain_reason(
    body: bytes, content_type: str, reason: str
) -> None:
    assert read_page(body, {"content-type": content_type} if content_type else {}) == ("", reason)


def test_megabytes_of_inline_code_do_not_hide_the_article() -> None:
    blob = "<script>window.__DATA__=" + '{"k":"' + "x" * 3_000_000 + '"}</script>'
    page = article(FRENCH).replace("<article>", blob + "<article>")
    text, error = read_page(page.encode(), HTML)
    assert error is None and FRENCH in text and "__DATA__" not in text


def test_strip_code_is_one_pass_and_an_open_element_cuts_the_rest() -> None:
    assert strip_code("a<SCRIPT x>b</script >c<style>d</STYLE>e") == "ace"
    assert strip_code("keep<script>never closed <p>text</p>") == "keep"
    hostile = "<script>" * 50_000  # each opener would rescan the rest in a naive regex
    assert strip_code("x" + hostile) == "x"


def test_page_text_is_data_never_markup_or_escapes() -> None:
    hostile = "[bold red]boom[/] \x1b[2J\x1b]8;;https://evil.example\x07link\x1b]8;;\x07 \u202eevil"
    text, error = read_page(article(hostile).encode(), HTML)
    assert error is None
    assert "[bold red]boom[/]" in text
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text


def test_a_huge_article_is_cut_at_the_text_limit() -> None:
    paragraphs = "".join(
        f"<p>Paragraph {i}: the accelerator ships again after licence review {i * 7919}.</p>"
        for i in range(3000)
    )
    text, error = read_page(
        f"<html><body><article>{paragraphs}</article></body></html>".encode(), HTML
    )
    assert error is None and len(text) <= MAX_TEXT_CHARS and text.endswith("…")
