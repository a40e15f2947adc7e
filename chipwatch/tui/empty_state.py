"""What the story pane says when the timeline has no story: never "Select a story." with
nothing to select, but what to do: where the config lives, how to add a feed, what
``r`` will do now, and that the network is down when it is. Pure: the screen hands in
what it knows (config, status-bar health, the poller's state, the filters)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text

from chipwatch.config import Config
from chipwatch.textsafe import clean_title
from chipwatch.timeutil import format_duration, from_iso
from chipwatch.words import plural


def empty_state(
    config: Config,
    config_path: Path,
    *,
    health: dict[str, Any] | None,
    refresh: str,
    window: str,
    filtered: str = "",
    view: str = "all",
) -> Text:
    """The story pane's text for an empty timeline. ``refresh`` is what ``r`` does now
    ("polls every feed now", …); ``filtered`` the active query or entity, if any;
    ``view`` the stories shown (``all``, ``unread`` or ``pinned``)."""
    out = Text()
    if filtered:
        out.append(f"No story matches {clean_title(filtered)}", style="bold")
        out.append(f" {_where(view, window)}.\n", style="bold")
        out.append(f"escape clears the filter{_widen(view, window)}.\n")
        return out
    if view != "all":
        # stories exist, they are all read (or none is pinned): never the first-run guide
        return _empty_view(out, view, window)
    out.append(f"No stories in the window ({window}) yet.\n\n", style="bold")
    _network(out, health)  # first: at 80x24 the pane shows its first eight lines
    feeds = len(config.feeds)
    out.append("Your config: ", style="dim")
    out.append(f"{clean_title(str(config_path))}\n")
    if feeds:
        out.append("Feeds: ", style="dim")
        out.append(f"{plural(feeds, 'feed')} configured, polled every {_interval(config)}\n")
    else:
        out.append("No feeds yet. ", style="bold")
    out.append("Add a feed: ", style="dim")
    out.append("chipwatch feeds add URL", style="bold")
    out.append(" (or f for the feeds screen, then a)\n")
    out.append("r ", style="bold")
    out.append(f"{refresh}{_widen(view, window)}; ? lists every key.\n")
    return out


def _where(view: str, window: str) -> str:
    if view == "pinned":  # the pinned view has no window
        return "among the pinned stories"
    unread = "among the unread stories " if view == "unread" else ""
    return f"{unread}in the window ({window})"


def _widen(view: str, window: str) -> str:
    """The hint to widen the window: not at ``all`` (w would narrow it to 24h), and not
    in the pinned view (which has no window)."""
    return "" if window == "all" or view == "pinned" else "; w widens the window"


def _empty_view(out: Text, view: str, window: str) -> Text:
    if view == "pinned":
        out.append("No pinned stories.\n", style="bold")
        out.append("p pins the selected story; * shows every story again.\n")
        return out
    out.append(f"No unread stories in the window ({window}).\n", style="bold")
    out.append(f"U shows every story{_widen(view, window)}.\n")
    return out


def _interval(config: Config) -> str:
    return format_duration(config.poll.interval)


def _network(out: Text, health: dict[str, Any] | None) -> None:
    network = (health or {}).get("network")
    if not network:
        return
    since = from_iso(str(network.get("since") or "")).strftime("%H:%M UTC")
    out.append("Network unreachable", style="bold yellow")
    out.append(f" since {since}: {clean_title(str(network.get('reason') or ''))}.\n")
    out.append("Check the connection; chipwatch tries again every few minutes, r at once.\n\n")
