"""Network faults cost only their own feed.

One real ``chipwatch poll --once`` (a subprocess) polls three healthy feeds beside one
feed per fault, all on a misbehaving server on 127.0.0.1. Every healthy article is
stored; every faulty feed has its failure recorded with a reason a person can read and
the right next poll (backoff, or the server's Retry-After); the poll's peak memory,
read from ``getrusage(RUSAGE_CHILDREN)`` in a wrapper process, stays far under 400 MB
although one body is 300 MB and another inflates to 2 GiB.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from faultserver import MB, FaultServer, refused_url, rss

from chipwatch.store.db import open_db

NOW = datetime(2025, 7, 16, 12, 0, tzinfo=UTC)
RETRY_SECONDS = 7200
RETRY_DATE = NOW + timedelta(hours=3)
SECOND_POLL = NOW + timedelta(minutes=20)
HEALTHY = {
    f"/healthy{n}.xml": [
        (f"h{n}-{i}", f"Healthy outlet {n} reports fab step {i}", f"Plain report {n}.{i}")
        for i in range(3)
    ]
    for n in range(3)
}

# A wrapper runs the poll and reports its exit status and the children's peak RSS.
WRAPPER = """
import json, resource, subprocess, sys
done = subprocess.run(sys.argv[2:], stdout=open(sys.argv[1] + ".out", "w"),
                      stderr=open(sys.argv[1] + ".err", "w"))
peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
json.dump({"rc": done.returncode, "peak_kb": peak_kb}, open(sys.argv[1], "w"))
"""


def configure_faults(server: FaultServer) -> dict[str, str]:
    """Register every fault route; return fault name → feed URL."""
    for path, items in HEALTHY.items():
        server.body(path, rss(f"Healthy {path}", items))
    sample = rss("Half", [("x1", "A title that will be cut", "s" * 4000)])
    server.reset_mid_body("/reset", sample)
    server.drip("/drip", sample)
    for code, text in (
        ("500", "Internal Server Error"),
        ("502", "Bad Gateway"),
        ("503", "Service Unavailable"),
    ):
        server.body(f"/{code}", b"oops", status=f"{code} {text}", content_type="text/plain")
    server.body(
        "/429-seconds",
        b"",
        status="429 Too Many Requests",
        extra={"retry-after": str(RETRY_SECONDS)},
    )
    server.body(
        "/429-date",
        b"",
        status="429 Too Many Requests",
        extra={"retry-after": server.http_date(RETRY_DATE)},
    )
    server.redirect("/loop-a", "/loop-b")
    server.redirect("/loop-b", "/loop-a")
    server.huge("/huge", 300 * MB)
    server.gzip_bomb("/bomb", 2048 * MB)
    latin = rss("Charset", [("c1", "Licences accordées à l'été", "Déjà vu")])
    server.body(
        "/charset",
        latin.decode("utf-8").encode("cp1252"),
        content_type="application/rss+xml; charset=utf-8",
    )
    server.body(
        "/html",
        b"<!doctype html><html><head><title>Welcome</title></head>"
        b"<body><p>Our news page</p></body></html>",
        content_type="text/html",
    )
    server.body("/empty", b"")
    faults = {
        name: server.url(f"/{name}")
        for name in (
            "reset",
            "drip",
            "500",
            "502",
            "503",
            "429-seconds",
            "429-date",
            "huge",
            "bomb",
            "charset",
            "html",
            "empty",
        )
    }
    faults["loop"] = server.url("/loop-a")
    faults["refused"] = refused_url()
    return faults


def write_config(path: Path, urls: list[str]) -> None:
    feeds = "".join(f'[[feeds]]\nurl = "{url}"\n\n' for url in urls)
    path.write_text(
        f'[poll]\ninterval = "15m"\ntimeout = "4s"\nconnect_timeout = "2s"\n'
        f'max_bytes = "20MB"\nconcurrency = 32\nper_host = 32\n\n{feeds}',
        encoding="utf-8",
    )


def run_poll(tmp_path: Path, config: Path, db_path: Path, now: datetime = NOW) -> dict[str, Any]:
    wrapper = tmp_path / "wrapper.py"
    wrapper.write_text(WRAPPER, encoding="utf-8")
    result_file = tmp_path / f"result-{now:%H%M}.json"
    command = [
        sys.executable,
        str(wrapper),
        str(result_file),
        sys.executable,
        "-m",
        "chipwatch",
        "--config",
        str(config),
        "--db",
        str(db_path),
        "poll",
        "--once",
        "--json",
        "--now",
        now.strftime("%Y-%m-%dT%H:%M:%SZ"),
    ]
    # The timeout is a hang guard, not a speed assertion.
    subprocess.run(command, check=True, timeout=120, cwd=tmp_path)
    outcome = json.loads(result_file.read_text())
    outcome["stdout"] = Path(f"{result_file}.out").read_text()
    outcome["stderr"] = Path(f"{result_file}.err").read_text()
    return outcome


@pytest.fixture(scope="module")
def polled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp_path = tmp_path_factory.mktemp("network")
    with FaultServer(NOW) as server:
        faults = configure_faults(server)
        healthy = [server.url(path) for path in HEALTHY]
        config = tmp_path / "config.toml"
        write_config(config, healthy + list(faults.values()))
        db_path = tmp_path / "store.db"
        outcome = run_poll(tmp_path, config, db_path)
        sent = dict(server.bytes_sent)
        db = open_db(db_path)
        feeds = {row["url"]: row for row in db.query("SELECT * FROM feeds")}
        titles = [row[0] for row in db.execute("SELECT title FROM articles")]
        db.close()
        hits_before = dict(server.hits)
        second = run_poll(tmp_path, config, db_path, SECOND_POLL)
        hits_after = dict(server.hits)
    db = open_db(db_path)
    feeds_after = {row["url"]: row for row in db.query("SELECT * FROM feeds")}
    db.close()
    return {
        "second": second,
        "feeds_after": feeds_after,
        "hits_before": hits_before,
        "hits_after": hits_after,
        "outcome": outcome,
        "faults": faults,
        "healthy": healthy,
        "feeds": feeds,
        "titles": titles,
        "sent": sent,
    }


def test_the_poll_ends_without_a_traceback(polled: dict[str, Any]) -> None:
    outcome = polled["outcome"]
    assert outcome["rc"] == 0, outcome["stderr"]
    assert "Traceback" not in outcome["stderr"]


def test_every_healthy_article_is_stored(polled: dict[str, Any]) -> None:
    expected = {title for items in HEALTHY.values() for _, title, _ in items}
    assert expected <= set(polled["titles"])
    for url in polled["healthy"]:
        assert polled["feeds"][url]["last_status"] == "ok"


def test_peak_memory_stays_far_below_400_mb(polled: dict[str, Any]) -> None:
    assert polled["outcome"]["peak_kb"] < 400 * 1024
    # the big bodies were really offered, and cut early
    assert polled["sent"].get("/huge", 0) < 300 * MB


EXPECTED_REASON = {
    "refused": ("refused", "could not connect"),
    "reset": ("reset", "closed", "incomplete", "broken", "peer"),
    "drip": ("timed out", "time", "slow"),
    "500": ("500",),
    "502": ("502",),
    "503": ("503",),
    "429-seconds": ("429",),
    "429-date": ("429",),
    "loop": ("redirect",),
    "huge": ("MB", "large", "limit"),
    "bomb": ("MB", "large", "limit"),
    "html": ("HTML", "not a feed", "web page"),
    "empty": ("empty", "no content", "not a feed"),
}


@pytest.mark.parametrize("fault", sorted(EXPECTED_REASON))
def test_a_fault_is_recorded_with_a_readable_reason_and_a_backoff(
    polled: dict[str, Any], fault: str
) -> None:
    feed = polled["feeds"][polled["faults"][fault]]
    assert feed["last_status"] == "error", feed
    reason = feed["last_error"] or ""
    assert any(word.lower() in reason.lower() for word in EXPECTED_REASON[fault]), reason
    assert "Traceback" not in reason and len(reason) < 300
    assert feed["error_count"] == 1
    next_poll = datetime.fromisoformat(feed["next_poll_at"].replace("Z", "+00:00"))
    assert next_poll >= NOW + timedelta(minutes=15)  # backed off, not retried at once
    if not fault.startswith("429"):  # a first failure: one interval plus at most 25 % jitter
        assert next_poll <= NOW + timedelta(minutes=15 * 1.25, seconds=1)


def test_retry_after_in_seconds_is_honoured(polled: dict[str, Any]) -> None:
    feed = polled["feeds"][polled["faults"]["429-seconds"]]
    assert feed["retry_after_until"] == "2025-07-16T14:00:00Z"
    assert feed["next_poll_at"] >= feed["retry_after_until"]


def test_retry_after_as_a_date_is_honoured(polled: dict[str, Any]) -> None:
    feed = polled["feeds"][polled["faults"]["429-date"]]
    assert feed["retry_after_until"] == "2025-07-16T15:00:00Z"
    assert feed["next_poll_at"] >= feed["retry_after_until"]


def test_a_wrong_charset_still_ingests_legible_text(polled: dict[str, Any]) -> None:
    feed = polled["feeds"][polled["faults"]["charset"]]
    assert feed["last_status"] == "ok", feed["last_error"]
    matching = [t for t in polled["titles"] if t.startswith("Licences accord")]
    assert matching and "\ufffd" not in matching[0] and "été" in matching[0]


def test_every_failure_is_reported_as_a_feed_error_event(polled: dict[str, Any]) -> None:
    events = [json.loads(line) for line in polled["outcome"]["stdout"].splitlines() if line]
    failed = {e.get("url") for e in events if e.get("type") == "feed_error"}
    assert {polled["faults"][name] for name in EXPECTED_REASON} <= failed


@pytest.mark.parametrize("fault", sorted(f for f in EXPECTED_REASON if not f.startswith("429")))
def test_a_second_failure_in_a_row_doubles_the_backoff(polled: dict[str, Any], fault: str) -> None:
    feed = polled["feeds_after"][polled["faults"][fault]]
    assert feed["error_count"] == 2, feed
    next_poll = datetime.fromisoformat(feed["next_poll_at"].replace("Z", "+00:00"))
    assert SECOND_POLL + timedelta(minutes=30) <= next_poll
    assert next_poll <= SECOND_POLL + timedelta(minutes=30 * 1.25, seconds=1)


def test_no_request_is_sent_before_retry_after(polled: dict[str, Any]) -> None:
    assert polled["second"]["rc"] == 0, polled["second"]["stderr"]
    for path in ("/429-seconds", "/429-date"):
        assert polled["hits_before"][path] == 1
        assert polled["hits_after"][path] == 1  # skipped by the second poll
    assert polled["hits_after"]["/500"] == 2  # the others were tried again


def test_healthy_feeds_stay_healthy_beside_repeated_failures(polled: dict[str, Any]) -> None:
    for url in polled["healthy"]:
        assert polled["feeds_after"][url]["last_status"] in ("ok", "not_modified")
        assert polled["feeds_after"][url]["error_count"] == 0
