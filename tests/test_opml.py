"""OPML import (1.0 and 2.0, nested folders, categories) and OPML 2.0 export."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chipwatch.errors import UserError
from chipwatch.ingest.parse.opml import OpmlFeed, export_opml, parse_opml
from chipwatch.textsafe import clean_title

OPML1 = b"""<?xml version="1.0"?>
<opml version="1.0"><head><title>Old reader export</title></head><body>
  <outline text="Policy">
    <outline text="Rules desk" type="rss" xmlUrl="https://rules.example/feed"/>
    <outline text="Trade">
      <outline title="Tariff watch" text="tw" type="rss" xmlUrl="https://tariffs.example/rss"
               htmlUrl="https://tariffs.example/"/>
    </outline>
  </outline>
  <outline text="Loose feed" type="rss" xmlurl="https://loose.example/atom"/>
  <outline text="Rules desk again" type="rss" xmlUrl="https://rules.example/feed"/>
</body></opml>"""

OPML2 = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>x</title></head><body>
  <outline text="Fab notes" type="rss" xmlUrl="https://fab.example/feed"
           category="/Industry/Foundry,asia"/>
</body></opml>"""


def test_opml1_folders_become_tags_and_duplicates_are_dropped() -> None:
    feeds = parse_opml(OPML1)
    assert [f.url for f in feeds] == [
        "https://rules.example/feed",
        "https://tariffs.example/rss",
        "https://loose.example/atom",
    ]
    assert feeds[0].tags == ("Policy",) and feeds[0].name == "Rules desk"
    assert feeds[1].tags == ("Policy", "Trade") and feeds[1].name == "Tariff watch"
    assert feeds[1].site_url == "https://tariffs.example/"
    assert feeds[2].tags == ()


def test_opml2_category_attribute_becomes_tags() -> None:
    (feed,) = parse_opml(OPML2)
    assert feed.tags == ("Industry", "Foundry", "asia")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaa">]><opml><body/></opml>', "DTD"),
        (b"<opml><body><outline></body></opml>", "f.opml:1:"),
        (b"<rss><channel/></rss>", "not an OPML file"),
        (b"<opml><head/></opml>", "no <body>"),
    ],
)
def test_bad_opml_is_one_clear_user_error(data: bytes, message: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_opml(data, label="f.opml")
    assert message in str(caught.value) and str(caught.value).startswith("f.opml")


def test_export_is_valid_opml2_and_round_trips() -> None:
    feeds = [
        OpmlFeed(
            "https://a.example/feed?x=1&y=2", "A <&> feed", ("policy", "us"), "https://a.example/"
        ),
        OpmlFeed("https://b.example/rss"),
    ]
    text = export_opml(feeds, now=datetime(2025, 7, 16, 12, 0, tzinfo=UTC))
    root = ET.fromstring(text.encode())
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert root.find("head/dateCreated").text == "Wed, 16 Jul 2025 12:00:00 GMT"
    [feed] = root.findall("body/outline/outline/outline")  # in folder policy > us
    assert feed.get("xmlUrl") == "https://a.example/feed?x=1&y=2"
    assert feed.get("text") == "A <&> feed" and feed.get("type") == "rss"
    assert parse_opml(text.encode()) == feeds


NESTED = b"""<?xml version="1.0"?><opml version="2.0"><head/><body>
<outline text="Chips"><outline text="Policy">
  <outline text="BIS" type="rss" xmlUrl="https://bis.example/rss"/>
  <outline text="Register" type="rss" xmlUrl="https://reg.example/rss"/>
</outline>
<outline text="Fabs" type="rss" xmlUrl="https://fabs.example/rss"/></outline>
<outline text="Loose" type="rss" xmlUrl="https://loose.example/rss"/>
</body></opml>"""


def _tree(element: ET.Element) -> list[object]:
    """Folders as (name, children), feeds as their URL: the file's shape."""
    shape: list[object] = []
    for outline in element.findall("outline"):
        url = outline.get("xmlUrl")
        shape.append(url if url else (outline.get("text"), _tree(outline)))
    return shape


def test_export_keeps_the_folders_an_import_read() -> None:
    feeds = parse_opml(NESTED)
    assert [f.tags for f in feeds] == [("Chips", "Policy"), ("Chips", "Policy"), ("Chips",), ()]
    text = export_opml(feeds, now=datetime(2025, 7, 16, 12, 0, tzinfo=UTC))
    assert _tree(ET.fromstring(text.encode()).find("body")) == _tree(
        ET.fromstring(NESTED).find("body")
    )
    assert parse_opml(text.encode()) == feeds


_TAG = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=12
)


@settings(deadline=None, max_examples=60)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(
                ["https://a.example/rss", "https://b.example/f", "https://c.example/x"]
            ),
            st.lists(_TAG, max_size=4, unique=True),
        ),
        max_size=6,
        unique_by=lambda pair: pair[0],
    )
)
def test_export_then_import_gives_the_same_feeds_and_tags(pairs) -> None:
    feeds = [OpmlFeed(url, tags=tuple(clean_title(t) for t in tags)) for url, tags in pairs]
    feeds = [f for f in feeds if all(f.tags) and len(set(f.tags)) == len(f.tags)]
    text = export_opml(feeds, now=datetime(2025, 7, 16, 12, 0, tzinfo=UTC))
    assert parse_opml(text.encode()) == feeds
