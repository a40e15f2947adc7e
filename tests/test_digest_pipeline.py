"""End to end: feeds ingested by the real `chipwatch poll --once`, then `chipwatch digest`
in every format: every article is cited exactly once, with its outlet and link."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import feedparser
import pytest

from chipwatch.cli import main

FEEDS = Path(__file__).parent / "data" / "digest" / "feeds"
OUTLETS = {"puces.xml": "Le Journal des Puces", "silicium.xml": "Gazette Silicium",
           "wire.xml": "Chip Wire"}  # fmt: skip
LINKS = {
    "https://puces.example.fr/2025/07/nvidia-h20-chine",
    "https://puces.example.fr/2025/07/asml-licences",
    "https://silicium.example.org/articles/nvidia-h2o-chine",
    "https://chipwire.example.com/2025/07/nvidia-h20-licences",
}
NOW = "2025-07-15T12:00:00Z"


@pytest.fixture
def polled(tmp_path: Path, db_path: Path, capsys) -> list[str]:
    """Config and store after one real poll; returns the global CLI arguments."""
    lines = ["[poll]", "workers = 1", ""]
    for name, outlet in OUTLETS.items():
        shutil.copy(FEEDS / name, tmp_path / name)
        lines += ["[[feeds]]", f'name = "{outlet}"', f'url = "{tmp_path / name}"', ""]
    lines += ["[[watch]]", 'name = "H20 exports"', "query = '@H20'"]
    config = tmp_path / "config.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    args = ["--config", str(config), "--db", str(db_path)]
    assert main([*args, "poll", "--once", "--now", NOW]) == 0, capsys.readouterr().err
    capsys.readouterr()
    return args


def digest(args: list[str], capsys, *extra: str) -> str:
    code = main([*args, "digest", "--now", NOW, "--since", "24h", *extra])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out


def test_every_ingested_article_is_cited_once(polled, capsys) -> None:
    data = json.loads(digest(polled, capsys, "--format", "json"))
    cited = [a["url"] for story in data["stories"] for a in story["articles"]]
    assert sorted(cited) == sorted(LINKS)
    feeds = {a["feed"] for story in data["stories"] for a in story["articles"]}
    assert feeds == set(OUTLETS.values())
    for story in data["stories"]:
        assert story["outlets"] == len({a["feed"] for a in story["articles"]})


def test_watched_story_carries_its_alert_and_entities(polled, capsys) -> None:
    data = json.loads(digest(polled, capsys, "--format", "json"))
    watched = [s for s in data["stories"] if "H20 exports" in s["alerts"]]
    assert watched, "the @H20 watch raised no alert on any story"
    names = {e["name"] for s in watched for e in s["entities"]}
    assert {"NVIDIA", "H20"} <= names
    assert data["alerts"] and data["alerts"][0]["watch"] == "H20 exports"


def test_other_formats_cite_the_same_links(polled, capsys) -> None:
    for fmt in ("md", "html", "csv"):
        text = digest(polled, capsys, "--format", fmt)
        for link in LINKS:
            assert link in text, (fmt, link)
    atom = feedparser.parse(digest(polled, capsys, "--format", "atom").encode())
    assert not atom.bozo
    related = {link.href for entry in atom.entries for link in entry.links}
    assert related >= LINKS
