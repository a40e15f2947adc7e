"""Parsing and normalization: table tests over our own fixture feeds."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chipwatch.ingest.parse.feed import parse_feed
from chipwatch.ingest.parse.htmltext import html_to_text
from chipwatch.ingest.parse.langdetect import detect_language
from chipwatch.ingest.parse.normalize import (
    article_key,
    canonical_url,
    normalize_lang,
)
from chipwatch.textsafe import first_sentence

DATA = Path(__file__).parent / "data" / "feeds"
FETCHED = datetime(2025, 7, 16, 12, 0, tzinfo=UTC)
FEED_URL = "https://wafer-weekly.example/feed.xml"


def rss(items: str, channel: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Test feed</title><link>https://site.example/</link>{channel}"
        f"{items}</channel></rss>"
    ).encode()


def only_article(items: str, channel: str = ""):
    parsed = parse_feed(rss(items, channel), {}, FEED_URL, FETCHED)
    assert parsed.error is None, parsed.error
    assert len(parsed.articles) == 1
    return parsed.articles[0]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://a.example/x?utm_source=rss&utm_campaign=c&id=4", "https://a.example/x?id=4"),
        ("https://a.example/x?fbclid=abc", "https://a.example/x"),
        ("https://a.example/x?gclid=1&q=chips&mc_cid=9#section", "https://a.example/x?q=chips"),
        ("HTTPS://A.Example:443/x", "https://a.example/x"),
        ("/news/item?id=5", "https://wafer-weekly.example/news/item?id=5"),
        ("item.html", "https://wafer-weekly.example/item.html"),
        ("https://a.example", "https://a.example/"),
        ("mailto:someone@example.org", "mailto:someone@example.org"),
        ("", ""),
    ],
)
def test_canonical_url(raw: str, expected: str) -> None:
    assert canonical_url(raw, FEED_URL) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Chip exports resume. More later.", "Chip exports resume"),
        ("Is the ban over? Officials say no.", "Is the ban over?"),
        ("Une seule phrase sans point", "Une seule phrase sans point"),
        ("出口许可恢复。后续报道。", "出口许可恢复。"),
        ("", ""),
    ],
)
def test_first_sentence(text: str, expected: str) -> None:
    assert first_sentence(text) == expected


def test_long_first_sentence_is_cut_at_a_word() -> None:
    title = first_sentence("word " * 100)
    assert len(title) <= 160 and title.endswith("…") and "wor…" not in title


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>One</p><p>Two &amp; three</p>", "One\nTwo & three"),
        ("plain &lt;tag&gt; text", "plain <tag> text"),
        ("<script>evil()</script><style>p{}</style>Shown", "Shown"),
        ("a<br>b<br/>c", "a\nb\nc"),
        ('<img src="x.png" alt="A wafer"> caption', "A wafer caption"),
        ("<ul><li>first</li><li>second</li></ul>", "first\nsecond"),
        ("unclosed <b>bold <i>text", "unclosed bold text"),
        ("", ""),
    ],
)
def test_html_to_text(html: str, expected: str) -> None:
    assert html_to_text(html) == expected


@given(st.text(max_size=300))
def test_html_to_text_never_raises_and_leaves_no_tags(text: str) -> None:
    result = html_to_text(text)
    assert "<script" not in result.lower() or "<script" in text.lower()


def test_fixture_feed_normalized() -> None:
    parsed = parse_feed(
        (DATA / "rss_basic.xml").read_bytes(),
        {"content-type": "application/rss+xml"},
        FEED_URL,
        FETCHED,
    )
    first, second, third = parsed.articles
    assert parsed.title == "Wafer Weekly" and parsed.min_interval_s == 1800
    assert first.url == "https://wafer-weekly.example/news/arizona-line?id=77"
    assert first.summary == "The plant will double its output by 2027.\nTools arrive in spring."
    assert first.author == "R. Okafor" and first.lang == "en"
    assert first.published == datetime(2025, 7, 15, 7, 30, tzinfo=UTC)
    assert not first.published_estimated
    assert second.url == "https://wafer-weekly.example/news/licence-checklist"
    assert second.published == datetime(2025, 7, 15, 7, 0, tzinfo=UTC)  # +0200 → UTC
    assert third.title == "Memory prices rose for a third month"  # no title: first sentence
    assert third.published == FETCHED and third.published_estimated  # a year ahead: clamped


def test_atom_language_relative_links_and_updated_fallback() -> None:
    parsed = parse_feed(
        (DATA / "atom_fr.xml").read_bytes(), {}, "https://puces.example/atom", FETCHED
    )
    first, second = parsed.articles
    assert parsed.title == "Puces & Politique"
    assert first.lang == "fr" and second.lang == "fr"
    assert first.published == datetime(2025, 7, 15, 9, 45, tzinfo=UTC)
    assert first.published_estimated  # only <updated>
    assert second.published == datetime(2025, 7, 14, 14, 20, tzinfo=UTC)
    assert second.url == "https://puces.example/articles/usine-baviere"
    assert second.summary == "Le chantier doit commencer l'an prochain."


def test_missing_dates_fall_back_to_fetch_time() -> None:
    article = only_article("<item><title>Undated</title><link>https://x.example/u</link></item>")
    assert article.published == FETCHED and article.published_estimated


def test_future_date_within_a_day_is_kept() -> None:
    article = only_article(
        "<item><title>Soon</title><link>https://x.example/s</link>"
        "<pubDate>Wed, 16 Jul 2025 20:00:00 GMT</pubDate></item>"
    )
    assert article.published == datetime(2025, 7, 16, 20, 0, tzinfo=UTC)
    assert not article.published_estimated


def test_entities_unescaped_and_whitespace_folded() -> None:
    article = only_article(
        "<item><title>  AT&amp;amp;T   and\n  &#8220;chips&#8221; </title>"
        "<link>https://x.example/t</link></item>"
    )
    assert article.title == "AT&T and \u201cchips\u201d"


def test_hostile_text_is_cleaned() -> None:
    article = only_article(
        "<item><title>Boom \u202e\u200b[bold]x[/bold]</title>"
        "<description>line\u2028two</description>"
        "<link>https://x.example/h</link></item>"
    )
    assert "\u202e" not in article.title and "\u200b" not in article.title
    assert "[bold]" in article.title  # literal: escaping for Rich happens at render time


@pytest.mark.parametrize(
    ("item_lang", "channel", "text", "expected"),
    [
        ("", "<language>de-DE</language>", "Chips", "de"),
        ("", "", "Le gouvernement a publié une règle pour les exportations de puces", "fr"),
        ("", "", "The government published a rule on the export of chips", "en"),
        ("", "", "美国恢复对华芯片出口许可", "zh"),
        ("", "", "Chips", "und"),
    ],
)
def test_language_fallbacks(item_lang: str, channel: str, text: str, expected: str) -> None:
    article = only_article(
        f"<item><title>{text}</title><link>https://x.example/l</link></item>", channel
    )
    assert article.lang == expected


def test_identity_guid_then_url_then_text() -> None:
    by_guid = article_key(feed_url=FEED_URL, guid="42", url="https://a/x", title="t", summary="")
    other_feed = article_key(
        feed_url="https://b/feed", guid="42", url="https://a/x", title="t", summary=""
    )
    by_url = article_key(feed_url=FEED_URL, guid=None, url="https://a/x", title="t", summary="")
    by_text = article_key(feed_url=FEED_URL, guid=None, url="", title="t", summary="s")
    assert len({by_guid, other_feed, by_url, by_text}) == 4
    assert by_guid.startswith("g:") and by_url.startswith("u:") and by_text.startswith("h:")
    permalink = article_key(
        feed_url=FEED_URL, guid="https://a/x?utm_source=z", url="", title="", summary=""
    )
    assert permalink == by_url  # a URL guid identifies the page itself


def test_edited_title_keeps_identity() -> None:
    items = "<item><title>{}</title><guid>id-9</guid><link>https://x.example/9</link></item>"
    before = only_article(items.format("Chip plant delayed"))
    after = only_article(items.format("Chip plant delayed to 2027"))
    assert before.key == after.key and before.title != after.title


def test_repeated_guids_are_not_trusted() -> None:
    items = (
        "<item><title>A</title><guid>same</guid><link>https://x.example/a</link></item>"
        "<item><title>B</title><guid>same</guid><link>https://x.example/b</link></item>"
    )
    parsed = parse_feed(rss(items), {}, FEED_URL, FETCHED)
    keys = {a.key for a in parsed.articles}
    assert len(keys) == 2


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"<!DOCTYPE html><html><head><title>x</title></head><body>Hi</body></html>", "HTML page"),
        (b'{"hello": "world"}', "JSON"),
        (b"/etc/passwd", "not a feed"),
    ],
)
def test_not_a_feed_is_a_readable_error(body: bytes, reason: str) -> None:
    parsed = parse_feed(body, {}, FEED_URL, FETCHED)
    assert parsed.error and reason in parsed.error and not parsed.articles


def test_bozo_feed_keeps_its_entries_with_a_warning() -> None:
    body = rss(
        "<item><title>Kept</title><link>https://x.example/k</link></item>"
        "<item><title>Broken &nbsp; entity</title></item>"
    ).replace(b"</rss>", b"")
    parsed = parse_feed(body, {}, FEED_URL, FETCHED)
    assert parsed.error is None and parsed.warning
    assert parsed.articles and parsed.articles[0].title == "Kept"


def test_json_feed() -> None:
    body = (
        b'{"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": ['
        b'{"id": "1", "url": "https://j.example/1", "title": "Fab news",'
        b' "content_text": "Body.", "date_published": "2025-07-15T10:00:00Z"}]}'
    )
    parsed = parse_feed(body, {"content-type": "application/feed+json"}, FEED_URL, FETCHED)
    assert [a.title for a in parsed.articles] == ["Fab news"]


def test_billion_laughs_does_not_expand() -> None:
    lol = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">'
        + b"".join(
            b'<!ENTITY %s "&%s;&%s;&%s;&%s;&%s;&%s;&%s;&%s;&%s;&%s;">'
            % ((chr(98 + i).encode(),) + (chr(97 + i).encode(),) * 10)
            for i in range(8)
        )
        + b']><rss version="2.0"><channel><title>&i;</title>'
        b"<item><title>&i;</title><link>https://x.example/</link></item></channel></rss>"
    )
    parsed = parse_feed(lol, {}, FEED_URL, FETCHED)
    assert all(len(a.title) < 1000 for a in parsed.articles)


def test_external_entity_is_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    body = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "{secret.as_uri()}">]>'
        '<rss version="2.0"><channel><title>t</title><item><title>&x;</title>'
        "<link>https://x.example/e</link></item></channel></rss>"
    ).encode()
    parsed = parse_feed(body, {}, FEED_URL, FETCHED)
    assert all("TOP-SECRET" not in a.title + a.summary for a in parsed.articles)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("en-US", "en"),
        ("FR", "fr"),
        ("zh_Hant", "zh"),
        ("und", None),
        ("", None),
        (None, None),
        ("12", None),
    ],
)
def test_normalize_lang(code: str | None, expected: str | None) -> None:
    assert normalize_lang(code) == expected


def test_detector_is_unsure_on_short_text() -> None:
    assert detect_language("H20") == "und"


def test_atom_plain_text_title_keeps_angle_brackets() -> None:
    body = (
        b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>F</title>'
        b'<entry><title type="text">Why &lt;3 nm&gt; matters &amp;amp; more</title>'
        b'<link href="https://x.example/p"/><id>p1</id>'
        b"<updated>2025-07-15T00:00:00Z</updated></entry></feed>"
    )
    (article,) = parse_feed(body, {}, FEED_URL, FETCHED).articles
    assert article.title == "Why <3 nm> matters & more"
