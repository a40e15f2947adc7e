"""Storage faults: corrupt, newer, read-only and full stores.

Each fault gives one clear line (StoreError → exit 1) and leaves what is already
stored intact. Read-only and full disks are real: a read-only bind mount and a tiny
tmpfs inside a private mount namespace (``unshare --mount``; root bypasses file modes,
so chmod alone would prove nothing). Those tests skip where namespaces are unavailable.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from chipwatch.model import Article
from chipwatch.store.db import StoreError, open_db, write_transaction
from chipwatch.store.queries import feed_id_for, upsert_article

NOW = datetime(2025, 7, 16, 12, 0, tzinfo=UTC)
FEED = "https://outlet.example/feed.xml"


def _article(index: int) -> Article:
    return Article(
        key=f"guid-{index}",
        feed_url=FEED,
        title=f"Fab news number {index}",
        summary="A plant, a budget and a timeline. " * 20,
        url=f"https://outlet.example/{index}",
        published=NOW,
        fetched_at=NOW,
    )


def seed_store(path: Path, count: int, start: int = 0) -> None:
    """A real store holding ``count`` articles, checkpointed into the main file."""
    db = open_db(path)
    with write_transaction(db):
        feed_id = feed_id_for(db, FEED, now=NOW)
        for index in range(start, start + count):
            upsert_article(db, _article(index), feed_id=feed_id, now=NOW)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def article_keys(path: Path) -> list[str]:
    db = open_db(path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return [row[0] for row in db.execute("SELECT key FROM articles ORDER BY key")]
    finally:
        db.close()


def digest_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_cli(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "chipwatch", *argv],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
    )


def digest_cli(tmp_path: Path, store: Path) -> subprocess.CompletedProcess[str]:
    """``chipwatch digest --since all`` on ``store`` with an empty config, in a subprocess."""
    config = tmp_path / "config.toml"
    config.write_text("", encoding="utf-8")
    return run_cli(
        *("--config", str(config), "--db", str(store)),
        *("digest", "--since", "all", "--now", "2025-07-17T00:00:00Z"),
        cwd=tmp_path,
    )


def assert_one_clear_line(result: subprocess.CompletedProcess[str], *words: str) -> None:
    lines = result.stderr.strip().splitlines()
    errors = [line for line in lines if not line.startswith("chipwatch: warning:")]
    assert len(errors) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in errors[0], errors[0]


# --------------------------------------------------------------------------- corrupt


def test_a_file_that_is_not_a_store_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"these are my notes, not a database\n" * 200)
    before = digest_of(path)
    with pytest.raises(StoreError, match="corrupt or not a chipwatch database"):
        open_db(path)
    assert digest_of(path) == before


def test_a_truncated_store_is_refused(tmp_path: Path) -> None:
    good = tmp_path / "good.db"
    seed_store(good, 200)
    cut = tmp_path / "cut.db"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 3])
    with pytest.raises(StoreError, match="corrupt"):
        open_db(cut)


def test_cli_on_a_corrupt_store_prints_one_line_and_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "broken.db"
    path.write_bytes(b"\x00garbage" * 4096)
    before = digest_of(path)
    result = digest_cli(tmp_path, path)
    assert result.returncode == 1, result.stderr
    assert_one_clear_line(result, str(path), "corrupt")
    assert digest_of(path) == before


def test_cli_on_a_store_corrupt_inside_prints_one_line(tmp_path: Path) -> None:
    path = tmp_path / "damaged.db"
    seed_store(path, 300)
    db = open_db(path)
    with write_transaction(db):  # one story holding every article, so a digest reads them
        db.execute(
            "INSERT INTO stories (id, title, first_seen, last_updated, created_at, "
            "article_count, outlet_count) VALUES (1, 'Fab news', ?, ?, ?, 300, 1)",
            ["2025-07-16T12:00:00Z"] * 3,
        )
        db.execute("UPDATE articles SET story_id = 1")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = db.execute("PRAGMA page_size").fetchone()[0]
    root = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'articles'").fetchone()[0]
    db.close()
    with path.open("r+b") as handle:  # the schema is readable; the articles table is not
        handle.seek((root - 1) * page_size)
        handle.write(b"\xff" * page_size)
    result = digest_cli(tmp_path, path)
    assert result.returncode == 1
    assert_one_clear_line(result, str(path))


# --------------------------------------------------------------------------- newer version


def _mark_as_newer(path: Path) -> None:
    db = open_db(path)
    db.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
        "VALUES ('chipwatch', 'm900_from_the_future', '2030-01-01T00:00:00')"
    )
    db.conn.commit()
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def test_a_store_from_a_newer_chipwatch_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "newer.db"
    seed_store(path, 20)
    _mark_as_newer(path)
    before = digest_of(path)
    with pytest.raises(StoreError, match=r"newer chipwatch .*m900_from_the_future"):
        open_db(path)
    assert digest_of(path) == before


def test_cli_on_a_newer_store_exits_1_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "newer.db"
    seed_store(path, 5)
    _mark_as_newer(path)
    result = digest_cli(tmp_path, path)
    assert result.returncode == 1
    assert_one_clear_line(result, "newer chipwatch", "upgrade")


# --------------------------------------------------------------------------- namespaces


def _namespaces_available() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "--mount", "true"], capture_output=True)
    return probe.returncode == 0


needs_namespace = pytest.mark.skipif(
    not _namespaces_available(), reason="needs unshare --mount (a private mount namespace)"
)

_PROBE = textwrap.dedent(
    """
    import json, sys
    from datetime import UTC, datetime
    sys.path.insert(0, {tests!r})
    from test_storage_faults import seed_store
    from chipwatch.store.db import StoreError
    try:
        seed_store(__import__("pathlib").Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
        print(json.dumps({{"ok": True}}))
    except StoreError as exc:
        print(json.dumps({{"ok": False, "kind": "StoreError", "message": str(exc)}}))
    except Exception as exc:
        print(json.dumps({{"ok": False, "kind": type(exc).__name__, "message": str(exc)}}))
    """
)


def _in_namespace(setup: str, probe_args: list[str], tmp_path: Path) -> dict[str, object]:
    """Run ``setup`` (shell) then the write probe inside a private mount namespace."""
    script = tmp_path / "probe.py"
    script.write_text(_PROBE.format(tests=str(Path(__file__).parent)), encoding="utf-8")
    command = f"{setup} && {sys.executable} {script} {' '.join(probe_args)}"
    result = subprocess.run(
        ["unshare", "--mount", "sh", "-c", command], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@needs_namespace
def test_a_read_only_folder_gives_a_clear_error_and_keeps_the_store(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    folder.mkdir()
    path = folder / "chipwatch.db"
    seed_store(path, 30)
    before = digest_of(path)
    outcome = _in_namespace(
        f"mount --bind {folder} {folder} && mount -o remount,ro,bind {folder} {folder}",
        [str(path), "10", "100"],
        tmp_path,
    )
    assert outcome["kind"] == "StoreError"
    assert "read-only" in str(outcome["message"]) and str(path) in str(outcome["message"])
    assert digest_of(path) == before
    assert len(article_keys(path)) == 30


@needs_namespace
def test_a_read_only_store_file_refuses_writes_and_keeps_its_articles(tmp_path: Path) -> None:
    path = tmp_path / "chipwatch.db"
    seed_store(path, 30)
    before = digest_of(path)
    outcome = _in_namespace(
        f"mount --bind {path} {path} && mount -o remount,ro,bind {path} {path}",
        [str(path), "10", "100"],
        tmp_path,
    )
    assert outcome["ok"] is False
    assert "readonly" in str(outcome["message"]) or "read-only" in str(outcome["message"])
    assert digest_of(path) == before
    assert len(article_keys(path)) == 30


@needs_namespace
def test_a_full_disk_fails_the_write_and_keeps_every_committed_article(tmp_path: Path) -> None:
    mount = tmp_path / "small"
    mount.mkdir()
    original = tmp_path / "seed.db"
    seed_store(original, 40)
    keys_before = article_keys(original)
    copy_back = tmp_path / "after.db"
    # On a 1 MiB tmpfs: copy the store in, try to add 2,000 articles (~4 MB), copy it out.
    setup = (
        f"mount -t tmpfs -o size=1m tmpfs {mount} && cp {original} {mount}/c.db "
        f"&& trap 'cp {mount}/c.db {copy_back}; cp {mount}/c.db-wal {copy_back}-wal "
        f"2>/dev/null; true' EXIT"
    )
    outcome = _in_namespace(setup, [f"{mount}/c.db", "2000", "1000"], tmp_path)
    assert outcome["ok"] is False
    assert "full" in str(outcome["message"]), outcome
    assert article_keys(copy_back) == keys_before


_CHECK = textwrap.dedent(
    """
    import json, sys
    from chipwatch.store.db import open_db
    db = open_db(sys.argv[1])
    print(json.dumps({
        "integrity": db.execute("PRAGMA integrity_check").fetchone()[0],
        "urls": [row[0] for row in db.execute("SELECT url FROM articles")],
    }))
    """
)


@needs_namespace
def test_poll_on_a_full_disk_is_one_line_exit_1_and_keeps_what_it_committed(
    tmp_path: Path,
) -> None:
    from benchmarks.synth import write_feeds

    feeds = write_feeds(tmp_path / "feeds", 3000, seed=4, per_feed=300)
    config = tmp_path / "config.toml"
    config.write_text(
        "".join(f'[[feeds]]\nurl = "{p.as_uri()}"\n\n' for p in feeds), encoding="utf-8"
    )
    mount = tmp_path / "small"
    mount.mkdir()
    (tmp_path / "check.py").write_text(_CHECK, encoding="utf-8")
    db = mount / "store.db"
    script = (
        f"mount -t tmpfs -o size=2m tmpfs {mount} && "
        f"{sys.executable} -m chipwatch --config {config} --db {db} poll --once --json "
        f"--now 2025-12-31T00:00:00Z > {tmp_path}/out 2> {tmp_path}/err; "
        f"echo $? > {tmp_path}/rc; {sys.executable} {tmp_path}/check.py {db} > {tmp_path}/check"
    )
    subprocess.run(
        ["unshare", "--mount", "sh", "-c", script],
        check=True,
        timeout=120,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert (tmp_path / "rc").read_text().strip() == "1"
    errors = (tmp_path / "err").read_text().strip().splitlines()
    assert len(errors) == 1 and "full" in errors[0], errors
    check = json.loads((tmp_path / "check").read_text())
    assert check["integrity"] == "ok"
    committed = {
        json.loads(line)["url"]
        for line in (tmp_path / "out").read_text().splitlines()
        if '"type": "article"' in line
    }
    assert committed and committed <= set(check["urls"])
    assert len(check["urls"]) < 3000  # the disk really filled up


@needs_namespace
def test_cli_on_a_read_only_store_file_polls_one_line_and_still_digests(
    tmp_path: Path,
) -> None:
    from benchmarks.synth import write_feeds

    feeds = write_feeds(tmp_path / "feeds", 200, seed=6, per_feed=100)
    config = tmp_path / "config.toml"
    config.write_text(
        "".join(f'[[feeds]]\nurl = "{p.as_uri()}"\n\n' for p in feeds), encoding="utf-8"
    )
    db = tmp_path / "store.db"
    first = run_cli(
        "--config",
        str(config),
        "--db",
        str(db),
        "poll",
        "--once",
        "--now",
        "2025-12-31T00:00:00Z",
        cwd=tmp_path,
    )
    assert first.returncode == 0, first.stderr
    checkpoint = open_db(db)
    checkpoint.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    checkpoint.close()
    # new articles, so the poll has something to write
    feeds[0].write_bytes(
        (tmp_path / "feeds" / "feed00001.atom.xml").read_bytes().replace(b"synth-6-", b"n-")
    )
    before = digest_of(db)
    base = f"{sys.executable} -m chipwatch --config {config} --db {db}"
    script = (
        f"mount --bind {db} {db} && mount -o remount,ro,bind {db} {db} && "
        f"{base} poll --once --now 2026-01-01T00:00:00Z > /dev/null 2> {tmp_path}/poll.err; "
        f"echo $? > {tmp_path}/poll.rc; "
        f"{base} digest --since all --format json --now 2026-01-01T00:00:00Z "
        f"> {tmp_path}/digest.json 2> {tmp_path}/digest.err; echo $? > {tmp_path}/digest.rc"
    )
    subprocess.run(
        ["unshare", "--mount", "sh", "-c", script], check=True, timeout=120, cwd=tmp_path
    )
    assert (tmp_path / "poll.rc").read_text().strip() == "1"
    errors = (tmp_path / "poll.err").read_text().strip().splitlines()
    assert len(errors) == 1 and "read" in errors[0] and str(db) in errors[0], errors
    assert (tmp_path / "digest.rc").read_text().strip() == "0", (
        tmp_path / "digest.err"
    ).read_text()
    assert json.loads((tmp_path / "digest.json").read_text())["stories"]
    assert digest_of(db) == before
