"""`chipwatch feeds …` through the real command line, on a real config and store."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from chipwatch.cli import main
from chipwatch.config import default_config_text, load_config
from chipwatch.store.db import open_db

DATA = Path(__file__).parent / "data" / "feeds"

CONFIG = """# my feeds, hand-written
[poll]
interval = "30m"  # keep this comment

[[feeds]]
name = "Wafer"
url = "{wafer}"
tags = ["trade"]

# ---- watches below: this comment must stay above them
[[watch]]
name = "licences"
query = "licence~"
"""


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path]:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG.format(wafer=DATA / "rss_basic.xml"), encoding="utf-8")
    return config, tmp_path / "s.db"


def cli(
    capsys: pytest.CaptureFixture[str], config: Path, db: Path, *args: str
) -> tuple[int, str, str]:
    code = main(["--config", str(config), "--db", str(db), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_add_keeps_comments_and_places_the_table(setup, capsys) -> None:
    config, db = setup
    code, out, _ = cli(
        capsys,
        config,
        db,
        "feeds",
        "add",
        "https://new.example/feed",
        "--name",
        "New",
        "--tag",
        "fr",
        "--tag",
        "policy",
    )
    assert code == 0 and "added https://new.example/feed" in out
    text = config.read_text()
    assert "# my feeds, hand-written" in text and "# keep this comment" in text
    assert text.index('url = "https://new.example/feed"') < text.index("# ---- watches below")
    feeds = load_config(config).feeds
    assert [f.url for f in feeds][-1] == "https://new.example/feed"
    assert feeds[-1].tags == ("fr", "policy") and feeds[-1].name == "New"


def test_add_duplicate_changes_nothing(setup, capsys) -> None:
    config, db = setup
    before = config.read_text()
    code, out, _ = cli(capsys, config, db, "feeds", "add", str(DATA / "rss_basic.xml"))
    assert code == 0 and "already in" in out and config.read_text() == before


def test_add_into_the_shipped_default_keeps_it_valid(tmp_path: Path, capsys) -> None:
    config = tmp_path / "c.toml"
    config.write_text(default_config_text(), encoding="utf-8")
    code, _, _ = cli(capsys, config, tmp_path / "s.db", "feeds", "add", "https://x.example/f")
    assert code == 0
    text = config.read_text()
    assert text.index("https://x.example/f") < text.index(
        "# ---------------------------------------------------------------------------- watches"
    )


def test_bad_url_is_exit_2(setup, capsys) -> None:
    config, db = setup
    code, _, err = cli(capsys, config, db, "feeds", "add", "ftp://x.example/feed")
    assert code == 2 and "ftp://x.example/feed" in err and "Traceback" not in err


def test_remove(setup, capsys) -> None:
    config, db = setup
    code, out, _ = cli(capsys, config, db, "feeds", "remove", str(DATA / "rss_basic.xml"))
    assert code == 0 and "removed" in out
    assert load_config(config).feeds == () and "# ---- watches below" in config.read_text()
    code, _, err = cli(capsys, config, db, "feeds", "remove", "https://nope.example/")
    assert code == 2 and "no [[feeds]]" in err


def test_list_shows_health_after_a_poll(setup, capsys) -> None:
    config, db = setup
    code, _, err = cli(capsys, config, db, "feeds", "list")
    assert code == 1 and "no store at" in err and not db.exists()  # a listing creates nothing
    open_db(db).close()
    code, out, _ = cli(capsys, config, db, "feeds", "list")
    assert code == 0 and "Wafer" in out and "never" in out and "new" in out
    cli(capsys, config, db, "poll", "--once", "--now", "2025-07-16T12:00:00Z")
    code, out, _ = cli(capsys, config, db, "feeds", "list", "--json")
    (row,) = [json.loads(line) for line in out.splitlines()]
    assert row["status"] == "ok" and row["articles"] == 3 and row["name"] == "Wafer"
    assert row["last_fetch"] == "2025-07-16T12:00:00Z" and row["next_poll"]


def test_import_and_export(setup, tmp_path: Path, capsys) -> None:
    config, db = setup
    opml = tmp_path / "in.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head/><body>'
        '<outline text="Asia"><outline text="Fab" type="rss" xmlUrl="https://fab.example/f"/>'
        '<outline text="Bad" xmlUrl="gopher://old.example/"/></outline>'
        f'<outline text="Wafer again" type="rss" xmlUrl="{DATA / "rss_basic.xml"}"/>'
        "</body></opml>",
        encoding="utf-8",
    )
    code, out, _ = cli(capsys, config, db, "feeds", "import", str(opml), "--allow-local")
    assert code == 0 and "imported 1 feeds" in out and "1 with unusable URLs" in out
    assert "1 already there" in out
    imported = load_config(config).feeds[-1]
    assert imported.url == "https://fab.example/f" and imported.tags == ("Asia",)
    out_file = tmp_path / "out.opml"
    code, _, _ = cli(capsys, config, db, "feeds", "export", "-o", str(out_file))
    assert code == 0
    urls = [o.get("xmlUrl") for o in ET.parse(out_file).getroot().iter("outline")]
    assert urls == [(DATA / "rss_basic.xml").resolve().as_uri(), "https://fab.example/f"]


def test_import_refuses_entity_bombs(setup, tmp_path: Path, capsys) -> None:
    config, db = setup
    opml = tmp_path / "bomb.opml"
    opml.write_bytes(b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "x">]><opml/>')
    before = config.read_text()
    code, _, err = cli(capsys, config, db, "feeds", "import", str(opml))
    assert code == 2 and "DTD" in err and config.read_text() == before
