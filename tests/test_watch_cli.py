"""chipwatch watch add / list / remove / test through the real CLI entry point."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlite_utils import Database
from test_query_match import small_tagger
from test_query_search import Archive

from chipwatch.cli import main
from chipwatch.config import load_config
from chipwatch.store.alerts import upsert_alert
from chipwatch.store.db import open_db, write_transaction

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    shutil.copy(ROOT / "config.toml", path)
    return path


def run(config_path: Path, db_path: Path, *args: str) -> int:
    return main(["--config", str(config_path), "--db", str(db_path), *args])


def comments(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.lstrip().startswith("#")]


def test_add_keeps_every_comment_and_saves_the_watch(
    config_path: Path, db_path: Path, capsys
) -> None:
    before = config_path.read_text()
    assert run(config_path, db_path, "watch", "add", "@H20 OR H20") == 0
    after = config_path.read_text()
    assert comments(after) == comments(before)
    assert after.startswith(before.split("[[watch]]")[0])  # everything above is untouched
    assert "[[watch]]\nname = \"@H20 OR H20\"\nquery = '@H20 OR H20'\n" in after
    watch = load_config(config_path).watches[-1]
    assert (watch.name, watch.query, watch.notify) == ("@H20 OR H20", "@H20 OR H20", ())
    assert "added watch '@H20 OR H20'" in capsys.readouterr().out


def test_add_with_name_channels_and_webhook(config_path: Path, db_path: Path) -> None:
    code = run(
        config_path,
        db_path,
        "watch",
        "add",
        '@"RTX Pro 6000" licence~',
        "--name",
        "RTX licences",
        "--notify",
        "bell",
        "--notify",
        "bell",
        "--webhook",
        "https://hooks.example/cw",
    )
    assert code == 0
    watch = load_config(config_path).watches[-1]
    assert watch.name == "RTX licences" and watch.query == '@"RTX Pro 6000" licence~'
    assert watch.notify == ("bell", "webhook") and watch.webhook == "https://hooks.example/cw"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["(@H20 AND"], "expected a term after 'AND'"),
        (["@Nvidai"], "unknown entity @Nvidai; did you mean @NVIDIA?"),
        (["h20", "--name", "H20 exports"], "a watch named 'H20 exports' already exists"),
        (["h20", "--notify", "webhook"], "--notify webhook needs --webhook URL"),
        (["h20", "--webhook", "ftp://x"], "must be an http(s):// URL"),
    ],
)
def test_a_bad_watch_exits_2_and_leaves_the_file_untouched(
    config_path: Path, db_path: Path, capsys, args: list[str], message: str
) -> None:
    before = config_path.read_bytes()
    assert run(config_path, db_path, "watch", "add", *args) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert config_path.read_bytes() == before


def test_a_bad_query_shows_the_caret(config_path: Path, db_path: Path, capsys) -> None:
    assert run(config_path, db_path, "watch", "add", "(@H20 AND") == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines[-2:] == ["  (@H20 AND", "           ^"]


def test_remove_keeps_comments_and_other_watches(config_path: Path, db_path: Path, capsys) -> None:
    before = config_path.read_text()
    assert run(config_path, db_path, "watch", "remove", "BIS rules") == 0
    after = config_path.read_text()
    assert comments(after) == comments(before)
    assert [w.name for w in load_config(config_path).watches] == ["H20 exports", "Huawei Ascend"]
    assert run(config_path, db_path, "watch", "remove", "Huawei Ascend") == 0
    assert comments(config_path.read_text()) == comments(before)
    assert "removed watch 'Huawei Ascend'" in capsys.readouterr().out


def test_add_then_remove_restores_the_file_byte_for_byte(config_path: Path, db_path: Path) -> None:
    before = config_path.read_text()
    assert run(config_path, db_path, "watch", "add", "h20", "--name", "tmp") == 0
    assert run(config_path, db_path, "watch", "remove", "tmp") == 0
    assert config_path.read_text() == before


def test_remove_an_unknown_watch_suggests_the_closest(
    config_path: Path, db_path: Path, capsys
) -> None:
    before = config_path.read_bytes()
    assert run(config_path, db_path, "watch", "remove", "BIS rule") == 2
    assert "no watch named 'BIS rule'; did you mean 'BIS rules'?" in capsys.readouterr().err
    assert config_path.read_bytes() == before


def test_add_to_a_config_without_watches(tmp_path: Path, db_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('# my feeds\n[poll]\ninterval = "30m"  # slower\n')
    assert run(path, db_path, "watch", "add", "@H20", "--name", "h20") == 0
    text = path.read_text()
    assert text.startswith('# my feeds\n[poll]\ninterval = "30m"  # slower\n')
    assert [w.name for w in load_config(path).watches] == ["h20"]
    assert run(path, db_path, "watch", "remove", "h20") == 0
    assert load_config(path).watches == () and "# my feeds" in path.read_text()


def test_list_shows_queries_channels_and_alert_counts(
    config_path: Path, db: Database, db_path: Path, now: datetime, capsys
) -> None:
    with write_transaction(db):
        for subject in ("story:1", "story:2"):
            upsert_alert(db, kind="watch", watch="H20 exports", subject=subject, title="t", now=now)
    assert run(config_path, db_path, "watch", "list") == 0
    out = capsys.readouterr().out
    assert "H20 exports\n    query: @H20 AND (export~" in out
    assert "notify: bell" in out and "2 alerts (2 new, 0 seen, 0 dismissed)" in out
    assert "BIS rules" in out and "notify: monitor only" in out


def test_test_replays_the_archive(
    config_path: Path, db: Database, db_path: Path, now: datetime, capsys
) -> None:
    archive = Archive(db, small_tagger(), now)
    story = archive.story(now)
    archive.article(story, "Nvidia may sell H20 chips in China", feed="Wire")
    archive.article(story, "Licences H20 : Nvidia peut revendre", feed="Le Monde", lang="fr")
    old = now - timedelta(days=40)
    archive.article(archive.story(old), "H20 launch", published=old)
    archive.article(archive.story(now), "AMD MI308 news", feed="Wire")
    code = run(
        config_path,
        db_path,
        "watch",
        "test",
        "@H20",
        "--since",
        "30d",
        "--now",
        "2025-07-16T12:00:00Z",
    )
    assert code == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "1 story would have alerted (2 matching articles, since 30d)"
    assert out[1] == "2025-07-16 12:00  Nvidia may sell H20 chips in China"
    assert out[2].startswith("    #1 · 2 outlets: Wire, Le Monde · ")
    assert run(config_path, db_path, "watch", "test", "@H20", "--since", "all") == 0
    assert capsys.readouterr().out.startswith("2 stories would have alerted")


def test_list_describes_spike_watches(tmp_path: Path, db_path: Path, capsys) -> None:
    path = tmp_path / "spike.toml"
    path.write_text(
        '[alerts]\nspike_factor = 2.5\n\n[[watch]]\nname = "NVIDIA spike"\nkind = "spike"\n'
        'entity = "NVIDIA"\nmin_stories = 4\n'
    )
    open_db(db_path).close()
    assert run(path, db_path, "watch", "list") == 0
    out = capsys.readouterr().out
    assert "spike: @NVIDIA ≥ 2.5× its 7-day daily average and ≥ 4 stories in 24h" in out


def test_list_without_watches_says_how_to_add_one(tmp_path: Path, db_path: Path, capsys) -> None:
    path = tmp_path / "empty.toml"
    path.write_text("[poll]\n")
    assert run(path, db_path, "watch", "list") == 0
    assert "chipwatch watch add QUERY" in capsys.readouterr().err
