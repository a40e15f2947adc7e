"""Property tests for the normalizers and the parser: no input makes them misbehave."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from chipwatch.ingest.parse.feed import parse_feed
from chipwatch.ingest.parse.normalize import canonical_url, is_tracking_param
from chipwatch.textsafe import first_sentence

FETCHED = datetime(2025, 7, 16, 12, 0, tzinfo=UTC)
params = st.lists(
    st.tuples(
        st.sampled_from(["utm_source", "id", "fbclid", "q", "gclid", "p", "utm_medium", "mc_cid"]),
        st.text("abc123", max_size=4),
    ),
    max_size=5,
)


@given(
    st.sampled_from(["http://A.example", "https://b.example:443", "https://c.example/x/y"]),
    params,
    st.text("abcxyz", max_size=5),
)
def test_canonical_url_drops_tracking_and_is_idempotent(
    base: str,
    query: list,
    fragment: str,
) -> None:
    url = base + ("?" + "&".join(f"{k}={v}" for k, v in query) if query else "")
    url += f"#{fragment}" if fragment else ""
    once = canonical_url(url)
    assert canonical_url(once) == once
    parts = urlsplit(once)
    assert not parts.fragment
    assert not any(is_tracking_param(k) for k, _ in parse_qsl(parts.query))
    kept = [(k, v) for k, v in query if not is_tracking_param(k)]
    assert parse_qsl(parts.query, keep_blank_values=True) == kept


@given(st.text(max_size=600))
def test_first_sentence_is_short_and_one_line(text: str) -> None:
    sentence = first_sentence(text)
    assert len(sentence) <= 160 and "\n" not in sentence


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2000))
def test_parse_feed_never_raises_on_bytes(body: bytes) -> None:
    parsed = parse_feed(body, {}, "https://x.example/feed", FETCHED)
    assert parsed.articles or parsed.error or parsed.warning


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200), st.text(max_size=400))
def test_any_item_text_yields_clean_articles(title: str, summary: str) -> None:
    from xml.sax.saxutils import escape

    def xml_safe(text: str) -> str:
        return "".join(
            c
            for c in text
            if c in "\t\n\r" or (" " <= c <= "\ud7ff") or ("\ue000" <= c <= "\ufffd")
        )

    body = (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        f"<item><title>{escape(xml_safe(title))}</title>"
        f"<description>{escape(xml_safe(summary))}</description>"
        "<link>https://x.example/a</link></item></channel></rss>"
    ).encode()
    parsed = parse_feed(body, {}, "https://x.example/feed", FETCHED)
    for article in parsed.articles:
        assert "\n" not in article.title and len(article.title) <= 500
        assert not any(c in article.title + article.summary for c in "\x1b\x00\u202e\u200b")
