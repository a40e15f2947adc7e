"""A demo replay clock paced by the poller, not by the wall clock.

The real replay moves with time: on an idle machine each poll round finds a few new
articles; on a busy one the poller falls behind, a round finds many at once, and the
stories come out differently (the H20 story in 2 languages instead of 4 or more). This
clock moves on by ``step`` replay seconds only once every live feed has been fetched
since it last moved, so each round finds what it would on an idle machine, however
slow the machine is."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime, timedelta

from chipwatch.demo import render
from chipwatch.demo.content import replay_length
from chipwatch.demo.server import DemoSite
from chipwatch.timeutil import utcnow

SPEED = 20.0  # the tests' demo speed: 1-s polls (the floor), 20 replay seconds a round


class RoundClock:
    """Replay time that advances a step each time the poller has fetched every feed that
    is not failing. Give it the site with :meth:`watch` once the server is up."""

    def __init__(self, speed: float = SPEED, step: float = SPEED) -> None:
        self.start_wall = utcnow().replace(microsecond=0)
        self.speed = speed
        self.step = step
        self._now = 0.0
        self._site: DemoSite | None = None
        self._seen: Counter[str] = Counter()
        self._lock = threading.Lock()

    def watch(self, site: DemoSite) -> None:
        self._site = site

    def elapsed(self) -> float:
        """Called by the server as each request comes in (from its threads)."""
        with self._lock:
            if self._site is not None and self._now < replay_length() and self._round_done():
                self._now = min(replay_length(), self._now + self.step)
            return self._now

    def wall_at(self, replay_seconds: float) -> datetime:
        """As at ``speed``: what the feeds show as their time, and how their articles'
        dates are moved."""
        return self.start_wall + timedelta(seconds=replay_seconds / self.speed)

    def _round_done(self) -> bool:
        """Whether every live feed was fetched since the last step (then remember now)."""
        assert self._site is not None
        fetched = Counter()
        for (path, _status), count in list(self._site.requests.items()):
            fetched[path] += count
        live = [render.feed_path(o) for o in self._site.outlets if not o.failing(self._now)]
        if all(fetched[path] > self._seen[path] for path in live):
            self._seen = fetched
            return True
        return False
