"""Is the network down, or only some hosts? Judged once per round from its fetches.

The definition (docs/ingest.md, "Network unreachable"): a round finds the network
**unreachable** when it fetched web feeds on at least :data:`MIN_HOSTS` distinct hosts
and not one of those fetches reached a server: each failed to resolve its host name,
was refused, found no route, or got no answer to its connection attempt
(:data:`chipwatch.ingest.reasons.BEFORE_ANY_SERVER`). One host failing so, however many
feeds it serves, is that host's problem, reported per feed as always. The network is
**up** again as soon as one web fetch of a round reaches a server (any HTTP answer,
even an error status). A round with no web fetch, or only one unreachable host, says
nothing new. Local files never count. Pure: the poller records outcomes and asks.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from chipwatch.alerts.network import network_back, network_unreachable
from chipwatch.config import Config
from chipwatch.config.paths import is_local
from chipwatch.ingest import reasons
from chipwatch.pipeline.outcome import FAILED, SKIPPED, FeedOutcome
from chipwatch.store.network import forgive_failures, network_down
from chipwatch.timeutil import iso
from chipwatch.words import plural

if TYPE_CHECKING:  # annotations only: an unchanged poll never imports sqlite_utils
    from chipwatch.store.db import AnyConnection as Database

MIN_HOSTS = 2
# While the network is down, its feeds are tried again this often (at most: a shorter
# feed interval wins), not on a growing backoff.
NETWORK_RETRY = timedelta(minutes=5)

DOWN, UP, UNKNOWN = "unreachable", "up", "unknown"

# Why nothing was reached, by the fetches' failure code: the words of the one line.
_WHY = {
    reasons.DNS: "no host name could be resolved",
    reasons.REFUSED: "every server refused the connection",
    reasons.UNREACHABLE: "there is no network route",
    reasons.CONNECT_TIMEOUT: "no server answered",
}


@dataclass(frozen=True, slots=True)
class Verdict:
    """What one round says about the network."""

    state: str  # DOWN, UP or UNKNOWN
    feeds: tuple[int, ...] = ()  # the feeds that could not reach a server (when DOWN)
    hosts: int = 0
    reason: str = ""  # plain words: "no host name could be resolved"
    detail: str = ""  # one fetch's technical detail

    @property
    def down(self) -> bool:
        return self.state == DOWN

    def line(self, *, nothing_fetched: bool = False) -> str:
        """``network unreachable: 10 feeds could not be reached; nothing was fetched
        (no host name could be resolved)``."""
        what = f"{plural(len(self.feeds), 'feed')} could not be reached"
        fetched = "; nothing was fetched" if nothing_fetched else ""
        return f"network unreachable: {what}{fetched} ({self.reason})"

    def to_json(self, *, since: str, now: datetime) -> dict[str, Any]:
        """The ``poll --json`` line of a round that found the network down."""
        return {
            "type": "network",
            "state": self.state,
            "since": since,
            "feeds": len(self.feeds),
            "hosts": self.hosts,
            "reason": self.reason,
            "detail": self.detail,
            "retry_at": iso(now + NETWORK_RETRY),
        }


@dataclass
class RoundNetwork:
    """The web fetches of one round, by host: which reached a server, which did not."""

    reached: set[str] = field(default_factory=set)
    unreached: dict[str, list[FeedOutcome]] = field(default_factory=dict)

    def record(self, outcome: FeedOutcome) -> None:
        if outcome.status == SKIPPED or is_local(outcome.url):
            return
        host = _host(outcome.url)
        if outcome.status == FAILED and outcome.failure in reasons.BEFORE_ANY_SERVER:
            self.unreached.setdefault(host, []).append(outcome)
        else:
            self.reached.add(host)

    def take(self) -> Verdict:
        """The round's verdict; the record starts again empty."""
        verdict = self._judge()
        self.reached, self.unreached = set(), {}
        return verdict

    def _judge(self) -> Verdict:
        if self.reached:
            return Verdict(UP)
        if len(self.unreached) < MIN_HOSTS:
            return Verdict(UNKNOWN)
        failed = [o for outcomes in self.unreached.values() for o in outcomes]
        codes = Counter(o.failure for o in failed).most_common()
        why = "; ".join(_WHY.get(code or "", "no server could be reached") for code, _ in codes)
        first = next((o for o in failed if o.failure == codes[0][0]), failed[0])
        return Verdict(
            DOWN,
            tuple(o.feed_id for o in failed),
            len(self.unreached),
            why,
            first.error_detail or first.error or "",
        )


def settle_network(
    db: Database, config: Config, verdict: Verdict, *, now: datetime
) -> tuple[list[Any], str | None, bool]:
    """Write a round's verdict inside the caller's transaction: the network alert raised,
    updated or cleared, and, when down, the failed feeds forgiven (their failure does not
    count, and they are tried again within :data:`NETWORK_RETRY`). Returns the alert
    events, the episode's start when down, and whether the network is (still) down."""
    events: list[Any] = []
    since = None
    if verdict.down:
        event, since = network_unreachable(
            db, config, title=verdict.line(), reason=verdict.reason, now=now
        )
        forgive_failures(db, verdict.feeds, retry_at=now + NETWORK_RETRY)
        events += [event] if event is not None else []
    elif verdict.state == UP:
        event = network_back(db, config, now=now)
        events += [event] if event is not None else []
    return events, since, network_down(db) is not None


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
