"""ChipwatchApp: wiring only (bindings, commands, screens, the poller child)."""

from __future__ import annotations

import gc
import io
import sys
import webbrowser
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.screen import Screen

from chipwatch.config import Config, load_config
from chipwatch.timeutil import short_when, utcnow
from chipwatch.tui.app_bindings import APP_BINDINGS
from chipwatch.tui.commands import ChipwatchCommands
from chipwatch.tui.messages import PollBatch, PollerState
from chipwatch.tui.poller import PollerChild, other_poller_running, poll_command
from chipwatch.tui.screens.main import MainScreen
from chipwatch.tui.terminal import HANGUP_CHECK_SECONDS, exit_on_terminate, input_fd, terminal_gone
from chipwatch.words import plural

SCREENSHOT = "chipwatch-screenshot"  # our deliveries' name: Textual's own handlers skip it

# Store reads run in thread workers; with CPython's default 5 ms switch interval the
# event loop waits up to that long for the interpreter lock each time a worker holds it,
# and a flood of poll batches strings such waits together. 1 ms took the longest stall
# of a 10,000-article poll from 51-69 ms to 39-47 ms (p99 13-15 → 8-9 ms).
UI_SWITCH_INTERVAL = 0.001
# What is alive once the first page is shown (modules, Textual, styles: ~67,000 tracked
# objects) stays alive for the session; frozen, the cyclic collector no longer walks it.
# Full collections, triggered by allocations in any thread, stopped the world for ~30 ms
# twice in a 10,000-article poll; with the start-up heap frozen they take 7-11 ms.
# A full collection then runs after this many middle-generation ones (CPython: 10).
UI_GC_FULL_EVERY = 100
# Below this many columns the side panes fold away (the screen gets the "-narrow" class,
# app.tcss) and the headlines get the width; `b` brings the panes back, stacked.
WIDE_COLUMNS = 120


class ChipwatchApp(App[int]):
    """The live monitor. Build it with :func:`make_app`."""

    CSS_PATH = "app.tcss"
    TITLE = "chipwatch"
    COMMANDS = App.COMMANDS | {ChipwatchCommands}
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (WIDE_COLUMNS, "-wide")]
    BINDINGS = APP_BINDINGS

    def __init__(
        self,
        config: Config,
        config_path: Path,
        db_path: Path,
        *,
        clock: Callable[[], datetime] = utcnow,
        start_poller: bool = True,
        poller_command: Sequence[str] | None = None,
        opener: Callable[[str], bool] = webbrowser.open,
    ) -> None:
        super().__init__()
        self.config = config
        self.config_path = Path(config_path)
        self.db_path = Path(db_path)
        self.clock = clock
        self.start_poller = start_poller
        self.poller_command = list(poller_command or poll_command(self.config_path, self.db_path))
        self._opener = opener
        self.poller: PollerChild | None = None
        self.main_screen = MainScreen()
        self._switch_interval = sys.getswitchinterval()
        self._heap_frozen = False
        self._gc_threshold = gc.get_threshold()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Textual's palette commands, less its "Keys" panel: `?` (Help) lists every
        key with its id and the legend."""
        for command in super().get_system_commands(screen):
            if command.title != "Keys":
                yield command

    def on_mount(self) -> None:
        sys.setswitchinterval(UI_SWITCH_INTERVAL)
        self._apply_ui_config()
        self.push_screen(self.main_screen)
        if not self.start_poller:
            self.main_screen.status.poller = "poller off"
        else:
            self.start_poller_child()
        terminal = None if self.is_headless else input_fd()
        if terminal is not None:  # see chipwatch.tui.terminal
            self.set_interval(HANGUP_CHECK_SECONDS, lambda: self._check_terminal(terminal))

    def _check_terminal(self, fd: int) -> None:
        """The terminal was hung up (closed) without a SIGHUP reaching us: exit."""
        if terminal_gone(fd):
            self.exit(self.return_code or 0)

    def start_poller_child(self) -> bool:
        """Start our poller child, unless another process polls this store (then the
        monitor only reads). True when a child was started."""
        if other_poller_running(self.db_path):
            self.poller = None
            self.main_screen.status.poller = "another chipwatch polls this store; showing it"
            return False
        self.poller = self._new_poller()
        self.run_worker(self.poller.run(), name="poller", group="poller", exit_on_error=False)
        return True

    def _new_poller(self) -> PollerChild:
        """A child whose start/end messages count only while it is the current one (a
        replaced child's late "ended" must not overwrite its successor's state)."""

        def post(message: Message) -> None:
            if not isinstance(message, PollerState) or self.poller is child:
                self.post_message(message)

        child = PollerChild(self.poller_command, post)
        return child

    def on_unmount(self) -> None:
        sys.setswitchinterval(self._switch_interval)
        if self._heap_frozen:
            self._heap_frozen = False
            gc.unfreeze()  # back to the collector (tests run many apps in one process)
            gc.set_threshold(*self._gc_threshold)

    def freeze_heap(self) -> None:
        """Take the objects alive now out of the cyclic collector's generations (once,
        after the first page is shown): full collections then walk only what came later,
        and come a tenth as often (``UI_GC_FULL_EVERY``)."""
        if not self._heap_frozen:
            self._heap_frozen = True
            self._gc_threshold = gc.get_threshold()
            gc.freeze()
            young, middle, _full = self._gc_threshold
            gc.set_threshold(young, middle, UI_GC_FULL_EVERY)

    def _apply_ui_config(self) -> None:
        try:
            self.theme = self.config.ui.theme
        except Exception:  # an unknown theme name must not stop the monitor
            self.notify(
                f"unknown theme {self.config.ui.theme!r}; using the default", severity="warning"
            )
        if self.config.ui.keymap:
            self.set_keymap(dict(self.config.ui.keymap))
            self._check_keymap(dict(self.config.ui.keymap))

    def _check_keymap(self, keymap: dict[str, str]) -> None:
        from chipwatch.tui.screens.export import ExportScreen
        from chipwatch.tui.screens.help import HelpScreen, unknown_keymap_ids

        known = {b.id for _where, bindings in binding_groups() for b in bindings}
        dialogs = (*ExportScreen.BINDINGS, *HelpScreen.BINDINGS)
        known |= {b.id for b in dialogs if isinstance(b, Binding)}
        message = unknown_keymap_ids(keymap, {k for k in known if k})
        if message:
            self.notify(message, severity="warning", timeout=15)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Notifications never interpret markup: they often quote feed text or errors."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    # ------------------------------------------------------------------ screenshots

    def deliver_screenshot(
        self,
        filename: str | None = None,
        path: str | None = None,
        time_format: str | None = None,
    ) -> str | None:
        """Save an SVG of the screen (the palette's "Screenshot"); the outcome is told
        in plain words by the handlers below (Textual's own say "Failed" with no reason,
        and their markup would show raw here: notifications take no markup)."""
        from textual._files import generate_datetime_filename

        name = filename or generate_datetime_filename(self.title, ".svg", time_format)
        return self.deliver_text(
            io.StringIO(self.export_screenshot()),
            save_directory=path,
            save_filename=name,
            open_method="browser",
            mime_type="image/svg+xml",
            name=SCREENSHOT,
        )

    def on_delivery_complete(self, event: events.DeliveryComplete) -> None:
        if event.name == SCREENSHOT:
            self.notify(f"Screenshot saved to {event.path}", title="Screenshot", timeout=6)

    def on_delivery_failed(self, event: events.DeliveryFailed) -> None:
        if event.name == SCREENSHOT:
            self.notify(
                f"Could not save the screenshot: {plain_reason(event.exception)}",
                title="Screenshot",
                severity="error",
                timeout=10,
            )

    def reload_config(self) -> None:
        """Re-read the config after the feeds or watches screen edited it."""
        self.config = load_config(self.config_path)

    def open_url(self, url: str) -> bool:
        """Open a link with the configured opener (called from a thread worker)."""
        try:
            return bool(self._opener(url))
        except Exception:
            return False

    # ------------------------------------------------------------------ poller

    def on_poll_batch(self, message: PollBatch) -> None:
        self.main_screen.sync(message.story_ids)
        now = self.clock()
        polled = f"polled {short_when(now, now)}"  # "polled" alone read like a cut word
        errors = len(message.errors)
        self.main_screen.status.poller = (
            f"{polled} · {plural(errors, 'feed error')}" if errors else polled
        )
        for screen in self.screen_stack:
            if hasattr(screen, "on_poll_batch") and screen is not self.main_screen:
                screen.on_poll_batch(message)

    def refresh_meaning(self) -> str:
        """What ``r`` does now, in words (the empty story pane says it)."""
        if self.poller is not None and not self.poller.ended:
            return "polls every feed now"
        if self.start_poller and self.poller is not None:
            return "starts the poller again, and it polls every feed"
        if self.start_poller:
            return "re-reads the store (another chipwatch polls it) or starts polling"
        return "re-reads the store"

    def on_poller_state(self, message: PollerState) -> None:
        text = {
            "running": "polling in the background",
            "ended": "poller stopped · r restarts it",
            "failed": "poller failed · r restarts it",
        }.get(message.state, message.state)
        self.main_screen.status.poller = text
        self.main_screen.refresh_empty()
        if message.state in ("ended", "failed") and message.detail:
            self.notify(message.detail, title="Poller", severity="error", timeout=10)

    def restart_poller(self) -> None:
        """Restart the poller child so it reads the edited config."""
        old = self.poller
        if old is None:
            return

        async def restart() -> None:
            await old.stop()
            self.poller = self._new_poller()
            await self.poller.run()

        self.run_worker(restart(), name="poller", group="poller", exit_on_error=False)

    def action_refresh(self) -> None:
        """Poll now (the child polls every feed; a stopped child is started again, and
        so is ours when the other poller we showed is gone), and re-read the store."""
        if self.poller and self.poller.poll_now():
            self.notify("Polling every feed now.", timeout=3)
        elif self.start_poller and (self.poller is None or self.poller.ended):
            if self.start_poller_child():
                self.notify("Poller started again.", timeout=3)
            else:
                self.notify("Another chipwatch polls this store; re-reading it.", timeout=3)
        self.main_screen.sync(set())

    async def action_quit(self) -> None:
        """Stop the poller child, then quit."""
        if self.poller is not None:
            await self.poller.stop()
        self.exit(0)

    # ------------------------------------------------------------------ screens

    def action_help(self) -> None:
        from chipwatch.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(list(binding_groups())))

    def action_feeds(self) -> None:
        from chipwatch.tui.screens.feeds import FeedsScreen

        if not isinstance(self.screen, FeedsScreen):
            self.push_screen(FeedsScreen())

    def action_watches(self) -> None:
        from chipwatch.tui.screens.watches import WatchesScreen

        if not isinstance(self.screen, WatchesScreen):
            self.push_screen(WatchesScreen())

    def action_export(self) -> None:
        from chipwatch.tui.screens.export import ExportScreen

        if not isinstance(self.screen, ExportScreen):
            self.push_screen(ExportScreen())


def plain_reason(error: BaseException) -> str:
    """An error in words: ``Permission denied: /path`` rather than ``[Errno 13] …``."""
    if isinstance(error, OSError) and error.strerror:
        where = error.filename
        return f"{error.strerror}: {where}" if where else error.strerror
    return str(error) or type(error).__name__


def binding_groups() -> Iterator[tuple[str, list[Binding]]]:
    """(where, bindings) for every part of the monitor, in reading order (the help screen)."""
    from chipwatch.tui.screens.feeds import FeedsScreen
    from chipwatch.tui.screens.reader import ReaderScreen
    from chipwatch.tui.screens.watches import WatchesScreen
    from chipwatch.tui.widgets.alerts import AlertsPane
    from chipwatch.tui.widgets.detail import DetailPane
    from chipwatch.tui.widgets.timeline import Timeline

    for where, owner in (
        ("everywhere", ChipwatchApp),
        ("main", MainScreen),
        ("timeline", Timeline),
        ("story", DetailPane),
        ("reader", ReaderScreen),
        ("alerts", AlertsPane),
        ("feeds", FeedsScreen),
        ("watches", WatchesScreen),
    ):
        yield where, [b for b in owner.BINDINGS if isinstance(b, Binding) and b.id]


def make_app(
    config: Config,
    config_path: Path | str,
    db_path: Path | str,
    *,
    clock: Callable[[], datetime] = utcnow,
    start_poller: bool = True,
    poller_command: Sequence[str] | None = None,
    opener: Callable[[str], bool] = webbrowser.open,
) -> ChipwatchApp:
    """The monitor, as the CLI, the demo and the tests build it."""
    return ChipwatchApp(
        config,
        Path(config_path),
        Path(db_path),
        clock=clock,
        start_poller=start_poller,
        poller_command=poller_command,
        opener=opener,
    )


def run_app(app: ChipwatchApp, **run_options: object) -> int:
    """Run the monitor until it quits; its exit status. A crash is status 1: Textual
    prints the traceback and ``run()`` returns None, which read as success before."""
    with exit_on_terminate(app.exit):  # SIGTERM, SIGHUP: see chipwatch.tui.terminal
        result = app.run(**run_options)  # type: ignore[arg-type]
    return app.return_code or int(result or 0)
