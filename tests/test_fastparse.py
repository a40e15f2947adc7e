"""The lxml fast path: what it accepts, what it leaves to feedparser, and that hostile
XML stays inert and goes down the fallback."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from feedparser.api import StrictFeedParser
from feedparser.urls import _urljoin
from hypothesis import given, settings
from hypothesis import strategies as st

from chipwatch.ingest.parse.fastpath import emu as fastemu
from chipwatch.ingest.parse.fastpath import tables as fasttables
from chipwatch.ingest.parse.fastpath.parse import fast_parse
from chipwatch.ingest.parse.feed import parse_feed, response_headers
from chipwatch.ingest.parse.htmltext import html_to_text, parser_text
from chipwatch.ingest.parse.langdetect import detect_language
from chipwatch.ingest.parse.normalize import canonical_url, canonicalize
from tests.test_fastparse_equal import parsed_differences
from tests.test_hostile_xml import SECRET, billion_laughs, external_entity, parameter_entity_dtd

NOW = datetime(2025, 7, 16, 12, 0, tzinfo=UTC)
URL = "https://wire.example/semis/feed.xml"

NEWS_RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:atom="http://www.w3.org/2005/Atom"
     xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"
     xmlns:media="http://search.yahoo.com/mrss/"
     xmlns:slash="http://purl.org/rss/1.0/modules/slash/">
<channel>
  <title>Fab Wire &amp; Friends</title>
  <atom:link href="https://wire.example/semis/feed.xml" rel="self" type="application/rss+xml"/>
  <link>https://wire.example/semis/</link>
  <description>Chips, tools and the rules around them</description>
  <language>en-GB</language>
  <lastBuildDate>Tue, 15 Jul 2025 09:30:00 +0000</lastBuildDate>
  <sy:updatePeriod>hourly</sy:updatePeriod>
  <sy:updateFrequency>2</sy:updateFrequency>
  <image><url>https://wire.example/logo.png</url><title>Fab Wire</title>
    <link>https://wire.example/semis/</link></image>
  <item>
    <title>Lithography exports: new licence rules for deep-UV tools</title>
    <link>https://wire.example/semis/duv-licences?utm_source=rss&amp;id=7</link>
    <comments>https://wire.example/semis/duv-licences#comments</comments>
    <dc:creator><![CDATA[Ana Ruiz]]></dc:creator>
    <pubDate>Tue, 15 Jul 2025 08:00:00 +0000</pubDate>
    <category><![CDATA[Export controls]]></category>
    <guid isPermaLink="false">https://wire.example/semis/?p=7001</guid>
    <description><![CDATA[<p>Regulators widened the licence requirement to older
      immersion scanners.</p>]]></description>
    <content:encoded><![CDATA[<p>Regulators widened the licence requirement.</p>
      <p>Suppliers say deliveries already booked are unaffected.</p>]]></content:encoded>
    <media:content url="https://wire.example/img/duv.jpg" medium="image">
      <media:title>A scanner in a clean room</media:title>
      <media:description>Photo of a DUV scanner</media:description>
      <media:credit role="photographer">Wire staff</media:credit>
    </media:content>
    <slash:comments>4</slash:comments>
    <enclosure url="https://wire.example/a.mp3" length="1" type="audio/mpeg"/>
  </item>
  <item>
    <title>Memory makers lift HBM output   </title>
    <link>/semis/hbm-output</link>
    <guid>hbm-output-2025</guid>
    <pubDate>Mon, 14 Jul 2025 18:15:00 GMT</pubDate>
    <author>desk@wire.example (Desk)</author>
    <description>Three suppliers &lt;b&gt;raised&lt;/b&gt; their stacked-DRAM plans.</description>
  </item>
</channel>
</rss>
"""

NEWS_ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="de-DE">
  <title type="text">Halbleiter-Ticker</title>
  <subtitle>Meldungen aus der Chipbranche</subtitle>
  <link rel="self" href="https://ticker.example/atom.xml"/>
  <link rel="alternate" type="text/html" href="https://ticker.example/"/>
  <id>tag:ticker.example,2025:feed</id>
  <updated>2025-07-15T10:00:00+02:00</updated>
  <author><name>Redaktion</name><email>red@ticker.example</email></author>
  <entry>
    <title type="html">Neue Exportregeln f&#252;r &lt;em&gt;KI-Chips&lt;/em&gt;</title>
    <link rel="alternate" href="https://ticker.example/2025/07/exportregeln"/>
    <link rel="related" href="https://elsewhere.example/"/>
    <id>tag:ticker.example,2025:4711</id>
    <published>2025-07-15T09:12:00+02:00</published>
    <updated>2025-07-15T09:40:00+02:00</updated>
    <author><name>Jonas Weber</name></author>
    <category term="Exportkontrolle"/>
    <summary type="html">&lt;p&gt;Die Regeln betreffen Rechenzentren.&lt;/p&gt;</summary>
    <content type="html">&lt;p&gt;L&#228;ngerer Text.&lt;/p&gt;</content>
  </entry>
  <entry xml:lang="en">
    <title>Foundry adds a second 2 nm line</title>
    <id>https://ticker.example/2025/07/2nm</id>
    <updated>2025-07-14T16:00:00Z</updated>
    <content>Plain text body with a &lt;tag&gt; that is only text.</content>
  </entry>
</feed>
"""

NEWS_RDF = """<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://kanal.example/">
    <title>Kanal</title><link>https://kanal.example/</link><description>d</description>
    <dc:language>fr</dc:language>
    <items><rdf:Seq><rdf:li rdf:resource="https://kanal.example/1"/></rdf:Seq></items>
  </channel>
  <item rdf:about="https://kanal.example/1">
    <title>Les fonderies relèvent leurs prix</title>
    <link>https://kanal.example/1</link>
    <dc:date>2025-07-15T07:00:00+01:00</dc:date>
    <dc:creator>Claire</dc:creator>
  </item>
</rdf:RDF>
""".encode()


@pytest.mark.parametrize("body", [NEWS_RSS, NEWS_ATOM, NEWS_RDF], ids=["rss", "atom", "rdf"])
@pytest.mark.parametrize("headers", [{}, {"Content-Type": "application/xml"}], ids=["bare", "xml"])
def test_ordinary_feeds_take_the_fast_path_and_equal_feedparser(
    body: bytes, headers: dict[str, str]
) -> None:
    assert fast_parse(body, response_headers(headers, URL)) is not None
    fast = parse_feed(body, headers, URL, NOW, feed_name="Wire")
    slow = parse_feed(body, headers, URL, NOW, feed_name="Wire", fast=False)
    assert parsed_differences(fast, slow) == []
    assert fast.articles and fast.title


def test_namespaces_declared_on_inner_elements_are_read_alike() -> None:
    body = (
        b"<rss version='2.0'><channel><title>t</title>"
        b"<item xmlns:dc='http://purl.org/dc/elements/1.1/'><title>a</title>"
        b"<dc:creator>Ana</dc:creator><dc:date>2025-07-15T08:00:00Z</dc:date></item>"
        b"<item><title>b</title><dc:creator xmlns:dc='http://purl.org/dc/elements/1.1/'>"
        b"Ben</dc:creator><x:n xmlns:x='urn:x'>1</x:n></item></channel></rss>"
    )
    assert fast_parse(body, response_headers({}, URL)) is not None
    fast = parse_feed(body, {}, URL, NOW)
    assert [a.author for a in fast.articles] == ["Ana", "Ben"]
    assert parsed_differences(fast, parse_feed(body, {}, URL, NOW, fast=False)) == []


def test_fast_result_reads_like_a_news_feed() -> None:
    parsed = parse_feed(NEWS_RSS, {}, URL, NOW)
    first, second = parsed.articles
    assert parsed.title == "Fab Wire & Friends"
    assert parsed.min_interval_s == 1800  # hourly, twice
    assert parsed.lang == "en"
    assert first.url == "https://wire.example/semis/duv-licences?id=7"
    assert first.summary.startswith("Regulators widened the licence requirement to older")
    assert first.author == "Ana Ruiz"
    assert second.url == "https://wire.example/semis/hbm-output"
    assert second.summary == "Three suppliers raised their stacked-DRAM plans."


FALLBACKS = {
    "not well-formed": b"<rss version='2.0'><channel><title>x</channel></rss>",
    "a DOCTYPE": b"<!DOCTYPE rss SYSTEM 'x.dtd'><rss version='2.0'><channel/></rss>",
    "xml:base": (
        b"<feed xmlns='http://www.w3.org/2005/Atom' xml:base='https://b.example/'>"
        b"<entry><title>t</title><link href='x'/></entry></feed>"
    ),
    "xhtml content": (
        b"<feed xmlns='http://www.w3.org/2005/Atom'><entry><title>t</title>"
        b"<content type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'>a</div></content>"
        b"</entry></feed>"
    ),
    "markup inside a title": b"<rss version='2.0'><channel><item><title>a <b>b</b></title>"
    b"</item></channel></rss>",
    "a prefix bound to two namespaces": (
        b"<rss version='2.0'><channel><item xmlns:x='urn:one'><x:a>1</x:a></item>"
        b"<item xmlns:x='urn:two'><x:a>2</x:a></item></channel></rss>"
    ),
    "an unported handler (georss:point)": (
        b"<rss version='2.0' xmlns:georss='http://www.georss.org/georss'><channel><item>"
        b"<title>a</title><georss:point>45.2 4.1</georss:point></item></channel></rss>"
    ),
    "an unknown root": b"<html><body>not a feed</body></html>",
    "Atom 0.3": b"<feed version='0.3' xmlns='http://purl.org/atom/ns#'><title>t</title></feed>",
    "UTF-16": "<rss version='2.0'><channel><title>é</title></channel></rss>".encode("utf-16"),
}


@pytest.mark.parametrize("body", list(FALLBACKS.values()), ids=list(FALLBACKS))
def test_what_the_fast_path_is_unsure_of_goes_to_feedparser(body: bytes) -> None:
    assert fast_parse(body, response_headers({}, URL)) is None
    fast = parse_feed(body, {}, URL, NOW)
    assert parsed_differences(fast, parse_feed(body, {}, URL, NOW, fast=False)) == []


def test_a_name_libxml2_accepts_but_expat_refuses_is_left_to_feedparser() -> None:
    """XML 1.0 5th-edition name characters: lxml reads them, feedparser's expat does
    not (it falls back to its loose parser and flags the feed)."""
    from lxml import etree

    from chipwatch.ingest.parse.fastpath.parse import _parser

    body = "<rss version='2.0'><channel><title>t</title><item><title>a</title>"
    body = (body + "<x\u0370>odd name</x\u0370></item></channel></rss>").encode()
    etree.fromstring(body, _parser())  # well-formed for libxml2
    assert fast_parse(body, response_headers({}, URL)) is None
    parsed = parse_feed(body, {}, URL, NOW)
    assert parsed.warning  # feedparser's loose parser flagged it
    assert parsed_differences(parsed, parse_feed(body, {}, URL, NOW, fast=False)) == []


def test_a_charset_that_disagrees_with_the_bytes_is_left_to_feedparser() -> None:
    body = "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
    body += "<title>Fonderie à Dresde</title></channel></rss>"
    headers = {"Content-Type": "text/xml"}  # RFC 3023: us-ascii, whatever the document says
    assert fast_parse(body.encode(), response_headers(headers, URL)) is None
    fast = parse_feed(body.encode(), headers, URL, NOW)
    assert fast.warning and "CharacterEncodingOverride" in (fast.detail or "")


@pytest.mark.parametrize(
    "body",
    [billion_laughs(), external_entity(Path("/etc/hostname").as_uri()), parameter_entity_dtd(URL)],
    ids=["billion-laughs", "external-entity", "parameter-entity"],
)
def test_hostile_xml_goes_down_the_fallback_and_stays_inert(body: bytes) -> None:
    assert fast_parse(body, response_headers({}, URL)) is None
    parsed = parse_feed(body, {}, URL, NOW)
    text = " ".join(f"{a.title} {a.summary}" for a in parsed.articles) + parsed.title
    assert "lollollol" not in text
    assert SECRET not in text


def test_hostile_xml_is_refused_by_the_lxml_parser_itself(tmp_path: Path) -> None:
    """Even if the DOCTYPE screen were bypassed, lxml neither expands nor reads."""
    from lxml import etree

    from chipwatch.ingest.parse.fastpath.parse import _parser

    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    for body in (billion_laughs(), external_entity(secret.as_uri())):
        try:
            root = etree.fromstring(body, _parser())
        except etree.XMLSyntaxError:
            continue
        assert SECRET not in etree.tostring(root, encoding="unicode")
        assert "lollollollol" not in etree.tostring(root, encoding="unicode")


def test_ported_handlers_match_feedparser_handlers() -> None:
    """Each ported element has feedparser handlers of the same shape: a start exactly
    where feedparser has one, an end exactly where feedparser has one."""
    assert len(fasttables.HANDLED) > 60
    for name in fasttables.HANDLED:
        assert (name in fasttables.STARTS) == hasattr(StrictFeedParser, "_start_" + name), name
        assert (name in fasttables.ENDS) == hasattr(StrictFeedParser, "_end_" + name), name


def test_never_raises_on_odd_bytes() -> None:
    for body in (b"\x00\x01", b"<", b"<?xml version='1.0' encoding='klingon'?><rss/>", b"\xff" * 9):
        assert fast_parse(body, {}) is None


URL_PIECES = st.sampled_from(
    [
        *("https://", "http://", "HTTPS://", "ftp://", "a.example", "B.Example", ":8080", ":"),
        *("/", "x", "..", ".", "//", "?", "q=1", "&", "#", "frag", ";p", " ", "%20", "é"),
        *("[", "~", "@", "urn:", "tag:", "URN:", "urn:/", "\t"),
    ]
)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(URL_PIECES, max_size=9).map("".join),
    st.sampled_from(["", "https://wire.example/feed", "http://h.example/a/b?c", "file:///t/f"]),
)
def test_resolve_is_feedparsers_urljoin(uri: str, base: str) -> None:
    assert fastemu.resolve(base, uri) == _urljoin(base, uri)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(URL_PIECES | st.sampled_from(["/a", "/b.html", ":80", ":443", "A"]), max_size=9).map(
        "".join
    ),
    st.sampled_from(["", "https://wire.example/feed", "http://[bad", "feed.xml"]),
)
def test_canonical_url_shortcut_gives_what_the_full_steps_give(url: str, base: str) -> None:
    stripped = url.strip()
    if stripped:
        assert canonical_url(url, base) == canonicalize(stripped, base)


HTML_PIECES = st.sampled_from(
    [
        *("<p>", "</p>", "<P >", "</p >", "<br/>", "<br />", "</br>", "<b>", "</B>", "<p/>"),
        *("</p/>", "<li>", "<h2>", "<img>", "<img alt='x'>", "<script>", "</script>", "<a href=x>"),
        *("<!-- c -->", "<!doctype html>", "< p>", "</ p>", "<", ">", "&", "&amp;", "&lt;b&gt;"),
        *(
            "&eacute;",
            "&#233;",
            "&#x2014;",
            "&nosuch;",
            "&amp",
            "text",
            " ",
            "\n",
            "\u00a0",
            "芯片",
        ),
        *("<o:p>", "<x-y>", "<p\n>", "]]>", "</>"),
    ]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(HTML_PIECES, max_size=12).map("".join))
def test_bare_tag_shortcut_gives_what_html_parser_gives(html: str) -> None:
    assert html_to_text(html) == (parser_text(html) if html else "")


def test_threads_parse_side_by_side_with_the_same_results() -> None:
    """Each thread gets its own lxml parser; results do not depend on the thread."""
    from concurrent.futures import ThreadPoolExecutor

    bodies = [NEWS_RSS, NEWS_ATOM, NEWS_RDF] * 20
    expected = [parse_feed(body, {}, URL, NOW) for body in bodies]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda body: parse_feed(body, {}, URL, NOW), bodies))
    assert results == expected


def reference_detect_language(text: str) -> str:
    """langdetect's algorithm as it was before its shortcuts (the reference)."""
    from chipwatch.ingest.parse import langdetect as ld

    if not text:
        return "und"
    counts: dict[str, int] = {}
    letters = 0
    for char in text[:2000]:
        if char.isalpha():
            letters += 1
            script = ld._script_of(char)
            if script:
                counts[script] = counts.get(script, 0) + 1
    if counts and letters:
        by_script = ld._script_language(text)  # the mapping part, same input
        if by_script:
            return by_script
    words = [w.lower() for w in ld._WORD.findall(text)]
    if len(words) < ld.MIN_WORDS:
        return "und"
    scores = {lang: sum(1 for w in words if w in stops) for lang, stops in ld._STOP_WORDS.items()}
    best = max(scores, key=lambda lang: scores[lang])
    ranked = sorted(scores.values(), reverse=True)
    if ranked[0] < 2 or ranked[0] == ranked[1]:
        return "und"
    return best


WORDS = st.sampled_from(
    [
        "the",
        "and",
        "of",
        "le",
        "la",
        "les",
        "des",
        "der",
        "die",
        "das",
        "el",
        "los",
        "del",
        "de",
        "que",
        "en",
        "un",
        "une",
        "is",
        "est",
        "ist",
        "es",
        "Chips",
        "Export",
        "芯片",
        "出口",
        "半導体",
        "輸出",
        "반도체",
        "чипы",
        "экспорт",
        "ρυθμός",
        "x",
        "7",
        ",",
        ".",
        "é",
        "ß",
    ]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(WORDS, max_size=30).map(" ".join))
def test_language_guess_shortcuts_guess_as_before(text: str) -> None:
    assert detect_language(text) == reference_detect_language(text)
