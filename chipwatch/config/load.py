"""config.toml → the frozen dataclasses of :mod:`chipwatch.config.schema`.

Every error names the file, the line (and column, for syntax errors) and the key, and
what is allowed; unknown keys are warnings with the closest known key suggested. The
shipped default is ``config.toml`` at the repository root, packaged as
``chipwatch/config.toml`` (a link to it), so there is one copy.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from chipwatch.clustering.signals import SIGNALS
from chipwatch.config import checks
from chipwatch.config.checks import Check
from chipwatch.config.schema import (
    AlertsConfig,
    ClusterConfig,
    Config,
    ConfigError,
    EntityConfig,
    FeedConfig,
    MuteConfig,
    PollConfig,
    UIConfig,
    WatchConfig,
)
from chipwatch.timeutil import TimeParseError

# [cluster.weights] keys: the clustering signals' names (one table, with defaults and docs).
CLUSTER_WEIGHT_NAMES = tuple(SIGNALS)


def load_config(path: Path | str) -> Config:
    """Read and validate a config file; raises :class:`ConfigError` with one clear line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # a BOM (some editors add one) is dropped
    except FileNotFoundError as exc:
        raise ConfigError(_not_found(path)) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc.strerror}") from exc
    return parse_config(text, path=path)


def _not_found(path: Path) -> str:
    """What to do about a config that is not there: it was named by --config or
    $CHIPWATCH_CONFIG (the user config dir's one is created on first run)."""
    from chipwatch.config.paths import user_config_path

    return (
        f"{path}: config file not found; check --config and $CHIPWATCH_CONFIG "
        f"(without either, chipwatch uses {user_config_path()}, made on first run)"
    )


def parse_config(text: str, *, path: Path | None = None) -> Config:
    """Validate config text (``path`` is used in messages only)."""
    label = str(path) if path else "<config>"
    text = text.removeprefix("\ufeff")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_syntax_message(label, exc)) from exc
    return _Validator(label, text).config(data, path)


_AT_LINE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


def _syntax_message(label: str, exc: tomllib.TOMLDecodeError) -> str:
    message = str(exc)
    match = _AT_LINE.search(message)
    if match:
        reason = message[: match.start()]
        return f"{label}:{match.group(1)}:{match.group(2)}: invalid TOML: {reason}"
    return f"{label}: invalid TOML: {message}"


class _Validator:
    """Turns the parsed TOML into dataclasses, naming file:line and key on any error."""

    def __init__(self, label: str, text: str) -> None:
        self.label = label
        self.lines = text.splitlines()
        self.warnings: list[str] = []

    # ---- locations
    def where(self, section: str | None, key: str | None, index: int | None = None) -> str:
        line = _find_line(self.lines, section, key, index)
        return f"{self.label}:{line}" if line else self.label

    def fail(
        self,
        keypath: str,
        message: str,
        section: str | None,
        key: str | None,
        index: int | None = None,
    ) -> ConfigError:
        return ConfigError(f"{self.where(section, key, index)}: {keypath}: {message}")

    def unknown(
        self,
        table: Mapping[str, Any],
        known: set[str],
        prefix: str,
        section: str | None,
        index: int | None = None,
    ) -> None:
        for key in table:
            if key in known:
                continue
            close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            where = self.where(section, key, index)
            self.warnings.append(f"{where}: unknown key '{prefix}{key}'{hint}")

    # ---- sections
    def config(self, data: dict[str, Any], path: Path | None) -> Config:
        self.unknown(data, set(checks.TOP_KEYS), "", None)
        poll = self.section(data, "poll", PollConfig, checks.POLL_SPEC)
        cluster = self.cluster(data.get("cluster", {}))
        alerts = self.section(data, "alerts", AlertsConfig, checks.ALERTS_SPEC)
        if "webhook" in alerts.feed_notify and not alerts.feed_webhook:
            raise self.fail(
                "alerts.feed_notify",
                "'webhook' needs a 'feed_webhook' URL",
                "alerts",
                "feed_notify",
            )
        ui = self.ui(data.get("ui", {}))
        feeds = tuple(self.feeds(data.get("feeds", [])))
        watches = tuple(self.watches(data.get("watch", [])))
        mutes = tuple(self.mutes(data.get("mute", [])))
        entities = tuple(self.entities(data.get("entities", {})))
        return Config(
            path=path,
            poll=poll,
            feeds=feeds,
            watches=watches,
            mutes=mutes,
            cluster=cluster,
            alerts=alerts,
            entities=entities,
            ui=ui,
            warnings=tuple(self.warnings),
        )

    def table(self, value: Any, name: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(name, "must be a table", None, name)
        return value

    def section(self, data: dict[str, Any], name: str, cls: type, spec: dict[str, Check]) -> Any:
        table = self.table(data.get(name, {}), name)
        self.unknown(table, set(spec), f"{name}.", name)
        values = {
            key: self.value(table, key, check, name, name)
            for key, check in spec.items()
            if key in table
        }
        return cls(**values)

    def value(
        self,
        table: Mapping[str, Any],
        key: str,
        check: Check,
        keypath: str,
        section: str | None,
        index: int | None = None,
    ) -> Any:
        try:
            return check(table[key])
        except (ValueError, TypeError, TimeParseError) as exc:
            raise self.fail(f"{keypath}.{key}", str(exc), section, key, index) from exc

    def cluster(self, raw: Any) -> ClusterConfig:
        table = self.table(raw, "cluster")
        self.unknown(table, {"window", "threshold", "weights"}, "cluster.", "cluster")
        values: dict[str, Any] = {}
        if "window" in table:
            values["window"] = self.value(table, "window", checks.duration, "cluster", "cluster")
        if "threshold" in table:
            values["threshold"] = self.value(
                table, "threshold", checks.fraction, "cluster", "cluster"
            )
        if "weights" in table:
            weights = self.table(table["weights"], "cluster.weights")
            self.unknown(weights, set(CLUSTER_WEIGHT_NAMES), "cluster.weights.", "cluster.weights")
            weights = {k: v for k, v in weights.items() if k in CLUSTER_WEIGHT_NAMES}
            values["weights"] = {
                key: self.value(weights, key, checks.weight, "cluster.weights", "cluster.weights")
                for key in weights
            }
        return ClusterConfig(**values)

    def ui(self, raw: Any) -> UIConfig:
        table = self.table(raw, "ui")
        spec: dict[str, Check] = {
            "theme": checks.string,
            "languages": checks.languages,
            "keymap": checks.keymap,
            "window": checks.window_name,
        }
        self.unknown(table, set(spec), "ui.", "ui")
        return UIConfig(
            **{k: self.value(table, k, c, "ui", "ui") for k, c in spec.items() if k in table}
        )

    def array(self, raw: Any, name: str) -> list[dict[str, Any]]:
        if not isinstance(raw, list) or not all(isinstance(x, dict) for x in raw):
            raise self.fail(name, f"must be an array of tables, written [[{name}]]", None, name)
        return raw

    def feeds(self, raw: Any) -> Iterator[FeedConfig]:
        seen: set[str] = set()
        for index, table in enumerate(self.array(raw, "feeds")):
            keypath = f"feeds[{index}]"
            self.unknown(table, set(checks.FEED_SPEC), f"{keypath}.", "[feeds]", index)
            if "url" not in table:
                raise self.fail(keypath, "missing required key 'url'", "[feeds]", None, index)
            values = {
                k: self.value(table, k, c, keypath, "[feeds]", index)
                for k, c in checks.FEED_SPEC.items()
                if k in table
            }
            if values["url"] in seen:
                self.warnings.append(
                    f"{self.where('[feeds]', 'url', index)}: {keypath}.url: "
                    f"duplicate feed {values['url']!r} ignored"
                )
                continue
            seen.add(values["url"])
            yield FeedConfig(**values)

    def watches(self, raw: Any) -> Iterator[WatchConfig]:
        names: set[str] = set()
        for index, table in enumerate(self.array(raw, "watch")):
            keypath = f"watch[{index}]"
            self.unknown(table, set(checks.WATCH_SPEC), f"{keypath}.", "[watch]", index)
            values = {
                k: self.value(table, k, c, keypath, "[watch]", index)
                for k, c in checks.WATCH_SPEC.items()
                if k in table
            }
            kind = values.get("kind", "query")
            if kind == "query" and not values.get("query"):
                raise self.fail(keypath, "a query watch needs a 'query'", "[watch]", None, index)
            if kind == "spike" and not values.get("entity"):
                raise self.fail(keypath, "a spike watch needs an 'entity'", "[watch]", None, index)
            values.setdefault("name", values.get("query") or f"{values.get('entity')} spike")
            if values["name"] in names:
                raise self.fail(
                    f"{keypath}.name",
                    f"duplicate watch name {values['name']!r}",
                    "[watch]",
                    "name",
                    index,
                )
            if "webhook" in values.get("notify", ()) and not values.get("webhook"):
                raise self.fail(
                    f"{keypath}.notify",
                    "'webhook' needs a 'webhook' URL",
                    "[watch]",
                    "notify",
                    index,
                )
            if kind == "query":
                self.check_query(values["query"], keypath, index)
            names.add(values["name"])
            yield WatchConfig(**values)

    def mutes(self, raw: Any) -> Iterator[MuteConfig]:
        for index, table in enumerate(self.array(raw, "mute")):
            keypath = f"mute[{index}]"
            self.unknown(table, set(checks.MUTE_SPEC), f"{keypath}.", "[mute]", index)
            values = {
                k: self.value(table, k, c, keypath, "[mute]", index)
                for k, c in checks.MUTE_SPEC.items()
                if k in table
            }
            if not values.get("query"):
                raise self.fail(keypath, "a mute rule needs a 'query'", "[mute]", None, index)
            self.check_query(values["query"], keypath, index, section="[mute]")
            yield MuteConfig(**values)

    def check_query(
        self, query: str, keypath: str, index: int, *, section: str = "[watch]"
    ) -> None:
        """A watch's or mute rule's query must parse (entities are checked when the
        tagger is built)."""
        from chipwatch.query.grammar import QuerySyntaxError, parse_tree, query_excerpt

        try:
            parse_tree(query)
        except QuerySyntaxError as exc:
            shown, _ = query_excerpt(query, exc.column)  # a long query: the part at fault
            # a message naming its own column ('the "(" at column 1') read "… at column 1
            # at column 6 of '(@H20'": then only the query is added
            where = ", in" if "column" in exc.message else f" at column {exc.column} of"
            raise self.fail(
                f"{keypath}.query",
                f"{exc.message}{where} {shown!r}",
                section,
                "query",
                index,
            ) from exc

    def entities(self, raw: Any) -> Iterator[EntityConfig]:
        table = self.table(raw, "entities")
        for name, body in table.items():
            section = f"entities.{name}"
            if not isinstance(body, dict):
                raise self.fail(section, "must be a table, written [entities.NAME]", None, name)
            self.unknown(body, set(checks.ENTITY_SPEC), f"{section}.", section)
            values = {
                k: self.value(body, k, c, section, section)
                for k, c in checks.ENTITY_SPEC.items()
                if k in body
            }
            yield EntityConfig(name=name, **values)


def _find_line(
    lines: list[str], section: str | None, key: str | None, index: int | None
) -> int | None:
    """Best-effort line number of ``key`` inside ``section`` (the n-th one for arrays)."""
    if section and key and index is None:  # a key that is a table of its own: [ui.keymap]
        name = re.escape(f"{section.strip('[]')}.{key}")
        table = re.compile(r"^\s*\[\s*" + name + r"\s*\]\s*(#.*)?$")
        found = next((n + 1 for n, line in enumerate(lines) if table.match(line)), None)
        if found is not None:
            return found
    start = 0
    if section:
        header = re.compile(
            r"^\s*\[\[?\s*" + re.escape(section.strip("[]")) + r"\s*\]\]?\s*(#.*)?$"
        )
        seen = -1
        found = None
        for number, line in enumerate(lines):
            if header.match(line):
                seen += 1
                if index is None or seen == index:
                    found = number
                    break
        if found is None:
            return None
        start = found
        if key is None:
            return found + 1
    if key is None:
        return None
    pattern = re.compile(r"^\s*[\"']?" + re.escape(key) + r"[\"']?\s*=")
    for number in range(start, len(lines)):
        if number > start and section and re.match(r"^\s*\[", lines[number]):
            break
        if not section and re.match(r"^\s*\[", lines[number]):
            break
        if pattern.match(lines[number]):
            return number + 1
    if section:
        return start + 1
    # a key inside an inline table, e.g. entities = { Widget = "chip" }
    inline = re.compile(r"[{,]\s*[\"']?" + re.escape(key) + r"[\"']?\s*=")
    return next((n + 1 for n, line in enumerate(lines) if inline.search(line)), None)
