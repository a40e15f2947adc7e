"""OPML import (1.0 and 2.0, nested folders, categories) and OPML 2.0 export."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest

from chipwatch.errors import UserError
from chipwatch.ingest.parse.opml import OpmlFeed, export_opml, parse_opml

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
    outlines = root.findall("body/outline")
    assert outlines[0].get("xmlUrl") == "https://a.example/feed?x=1&y=2"
    assert outlines[0].get("text") == "A <&> feed" and outlines[0].get("type") == "rss"
    assert parse_opml(text.encode()) == [
        OpmlFeed(
            "https://a.example/feed?x=1&y=2", "A <&> feed", ("policy", "us"), "https://a.example/"
        ),
        OpmlFeed("https://b.example/rss", "https://b.example/rss"),
    ]
