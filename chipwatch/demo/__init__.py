"""``chipwatch demo``: bundled news, a feed server on 127.0.0.1 that releases it over
time, and a temporary config and store, so the monitor runs on a machine offline
through the same code paths as real monitoring (HTTP, conditional GET, parsing,
tagging, clustering, alerts)."""
