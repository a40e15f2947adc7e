"""`chipwatch feeds …` through the real command line, on a real config and store."""

from __future__ import annotations

import argparse
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from chipwatch.cli import main
from chipwatch.commands.feeds import run_list
from chipwatch.config import default_config_text, load_config
from chipwatch.context import Context
from chipwatch.store.db import open_db
from tests.faultserver import refused_url

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
        "--no-check",  # this test is about the config's text; adding with a check: test_feeds_add
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
    code, _, _ = cli(
        capsys, config, tmp_path / "s.db", "feeds", "add", "https://x.example/f", "--no-check"
    )
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
    assert code == 2 and "no feed with the URL, name or number 'https://nope.example/'" in err


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
    assert code == 0 and "imported 1 feed from" in out and "1 with unusable URLs" in out
    assert "1 already there" in out
    imported = load_config(config).feeds[-1]
    assert imported.url == "https://fab.example/f" and imported.tags == ("Asia",)
    out_file = tmp_path / "out.opml"
    code, _, _ = cli(capsys, config, db, "feeds", "export", "-o", str(out_file))
    assert code == 0
    body = ET.parse(out_file).getroot().find("body")
    urls = [o.get("xmlUrl") for o in body.iter("outline") if o.get("xmlUrl")]
    assert urls == [(DATA / "rss_basic.xml").resolve().as_uri(), "https://fab.example/f"]
    # the folder the import read is a folder again (and the tag "trade" is one too)
    assert [(o.get("text"), [c.get("xmlUrl") for c in o]) for o in body] == [
        ("trade", [(DATA / "rss_basic.xml").resolve().as_uri()]),
        ("Asia", ["https://fab.example/f"]),
    ]


def test_import_refuses_entity_bombs(setup, tmp_path: Path, capsys) -> None:
    config, db = setup
    opml = tmp_path / "bomb.opml"
    opml.write_bytes(b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "x">]><opml/>')
    before = config.read_text()
    code, _, err = cli(capsys, config, db, "feeds", "import", str(opml))
    assert code == 2 and "DTD" in err and config.read_text() == before


LONG = "https://feeds.example/" + "semiconductors/" * 6 + "export-controls.rss"
THREE = """[[feeds]]
name = "Wafer"
url = "{wafer}"

[[feeds]]
url = "{long}"

[[feeds]]
name = "Fab Weekly"
url = "https://fab.example/weekly.rss"
"""


@pytest.fixture
def three(tmp_path: Path) -> tuple[Path, Path]:
    config = tmp_path / "config.toml"
    config.write_text(THREE.format(wafer=DATA / "rss_basic.xml", long=LONG), encoding="utf-8")
    db = tmp_path / "s.db"
    open_db(db).close()
    return config, db


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_list_shows_whole_urls_when_piped_and_an_ellipsis_on_a_terminal(three, capsys) -> None:
    config, db = three
    code, out, _ = cli(capsys, config, db, "feeds", "list")  # captured: not a terminal
    assert code == 0 and LONG in out
    header = out.splitlines()[0].split()
    assert header[:3] == ["#", "name", "url"]
    terminal = _Terminal()
    args = argparse.Namespace(config=str(config), db=str(db), json=False, verbose=False)
    assert run_list(Context(args=args, stdout=terminal)) == 0
    shown = terminal.getvalue()
    assert LONG not in shown and LONG[:59] + "…" in shown


def test_list_verbose_shows_the_technical_detail(three, capsys) -> None:
    config, db = three
    config.write_text(
        config.read_text() + f'\n[[feeds]]\nurl = "{refused_url()}"\n',
        encoding="utf-8",
    )
    cli(capsys, config, db, "poll", "--once", "--now", "2025-07-16T12:00:00Z")
    code, out, _ = cli(capsys, config, db, "feeds", "list")
    assert code == 0 and "refused the connection" in out and "Errno" not in out
    code, out, _ = cli(capsys, config, db, "feeds", "list", "--verbose")
    assert "    detail: ConnectError" in out and "111" in out
    code, out, _ = cli(capsys, config, db, "feeds", "list", "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["index"] for r in rows] == [1, 2, 3, 4]
    assert "111" in rows[3]["last_error_detail"]


def test_remove_by_number_by_name_and_by_the_feeds_own_title(three, capsys) -> None:
    config, db = three
    code, out, _ = cli(capsys, config, db, "feeds", "remove", "2")
    assert code == 0 and f"removed {LONG}" in out
    code, out, _ = cli(capsys, config, db, "feeds", "remove", "fab weekly")
    assert code == 0 and "removed https://fab.example/weekly.rss" in out
    assert [f.name for f in load_config(config).feeds] == ["Wafer"]
    code, _, err = cli(capsys, config, db, "feeds", "remove", "7")
    assert code == 2 and "no feed with the URL, name or number '7'" in err


def test_remove_refuses_a_name_two_feeds_answer_to(three, capsys) -> None:
    config, db = three
    config.write_text(
        config.read_text() + '\n[[feeds]]\nname = "Wafer"\nurl = "https://w2.example/rss"\n',
        encoding="utf-8",
    )
    before = config.read_text()
    code, _, err = cli(capsys, config, db, "feeds", "remove", "Wafer")
    assert code == 2 and "'Wafer' names 2 feeds: 1 (" in err and "remove one by number" in err
    assert config.read_text() == before
