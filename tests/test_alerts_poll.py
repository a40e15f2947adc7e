"""End to end: `chipwatch poll --once --json` over five fixture feeds reporting one event
(English, French, Chinese) raises exactly one alert, and its webhook receives the JSON."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from test_notify import Hook

from chipwatch.cli import main
from chipwatch.store.alerts import list_alerts, list_deliveries
from chipwatch.store.db import open_db

DATA = Path(__file__).parent / "data" / "alerts"
OUTLETS = {
    "wire.xml": "Chip Wire",
    "register.xml": "Silicon Register",
    "lemonde.xml": "Économie Tech",
    "echos.xml": "Les Puces",
    "caixin.xml": "芯片日报",
}
NOW = "2025-07-15T12:00:00Z"


@pytest.fixture
def hook():
    receiver = Hook(200)
    yield receiver
    receiver.close()


@pytest.fixture
def config_path(tmp_path: Path, hook: Hook) -> Path:
    lines = ["# test config: five outlets, one watch", "[poll]", "workers = 1", ""]
    for name, outlet in OUTLETS.items():
        shutil.copy(DATA / name, tmp_path / name)
        lines += ["[[feeds]]", f'name = "{outlet}"', f'url = "{tmp_path / name}"', ""]
    lines += [
        "[[watch]]",
        'name = "H20"',
        "query = '@H20 OR H20'",
        'notify = ["webhook"]',
        f'webhook = "{hook.url}"',
    ]
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def poll(config_path: Path, db_path: Path, capsys, expect: int = 0) -> list[dict]:
    code = main(
        [
            "--config",
            str(config_path),
            "--db",
            str(db_path),
            "poll",
            "--once",
            "--json",
            "--now",
            NOW,
        ]
    )
    assert code == expect, capsys.readouterr().err
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]


def test_one_event_from_five_outlets_raises_one_alert(
    config_path: Path, db_path: Path, hook: Hook, capsys
) -> None:
    events = poll(config_path, db_path, capsys)
    articles = [e for e in events if e["type"] == "article"]
    assert len(articles) == 6  # five reports of the event and one unrelated story
    alerts = [e for e in events if e["type"] == "alert"]
    raised = [a for a in alerts if a["created"]]
    assert len(raised) == 1, alerts
    alert = raised[0]
    assert alert["watch"] == "H20" and alert["url"].startswith("https://")
    assert {a["story"] for a in alerts} == {alert["story"]}
    # A first import: the articles are grouped at the round's end (their lines name
    # no story); the store holds where they went.
    assert all(a["story"] is None for a in articles)
    db = open_db(db_path)
    story_of = dict(db.execute("SELECT id, story_id FROM articles").fetchall())
    h20_articles = [a for a in articles if story_of[a["id"]] == alert["story"]]
    assert len(h20_articles) == 5

    (stored,) = list_alerts(db)
    assert stored.story_id == alert["story"] and stored.state == "new"
    assert stored.detail.startswith("5 outlets: ")

    assert len(hook.bodies) == 1
    body = hook.bodies[0]
    assert body["type"] == "alert" and body["watch"] == "H20"
    assert body["story"] == alert["story"] and body["articles"] and body["links"]
    assert [d["status"] for d in list_deliveries(db, stored.id)] == ["sent"]

    # polling again brings nothing new and raises nothing
    again = poll(config_path, db_path, capsys)
    assert not [e for e in again if e["type"] == "alert" and e["created"]]
    assert len(list_alerts(open_db(db_path))) == 1 and len(hook.bodies) == 1


def test_a_feed_failing_three_polls_in_a_row_raises_one_feed_alert(
    tmp_path: Path, db_path: Path, capsys
) -> None:
    config_path = tmp_path / "config.toml"
    missing = tmp_path / "gone.xml"
    config_path.write_text(
        f"[poll]\nworkers = 1\n\n[alerts]\nfeed_failures = 3\n\n"
        f'[[feeds]]\nname = "Vanished"\nurl = "{missing}"\n',
        encoding="utf-8",
    )
    raised = []
    for _ in range(4):
        events = poll(config_path, db_path, capsys, expect=1)  # every feed failed
        raised += [e for e in events if e["type"] == "alert" and e["created"]]
    assert len(raised) == 1
    (alert,) = raised
    assert alert["kind"] == "feed" and alert["watch"] == "feed health"
    assert alert["title"].startswith("Vanished: failing: 3 fetches in a row")


def test_human_report_lists_the_alert_once_not_once_per_article(
    config_path: Path, db_path: Path, capsys
) -> None:
    """Regression: the --once report printed one alert line per article joining the story."""
    args = ["--config", str(config_path), "--db", str(db_path), "poll", "--once", "--now", NOW]
    assert main(args) == 0
    out = capsys.readouterr().out
    alert_lines = [line for line in out.splitlines() if line.strip().startswith("alert ")]
    assert len(alert_lines) == 1, out
    assert "[H20]" in alert_lines[0]
    assert "2 stories, 1 alert\n" in out  # counted once, and in the singular
