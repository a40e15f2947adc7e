"""NO_COLOR (no-color.org): the monitor paints every screen, in greys only.

Regression: with NO_COLOR set, the monitor crashed at its first paint
(`AttributeError: 'NoneType' object has no attribute 'color'` in Textual's monochrome
filter) on a line whose segments had no Style: the timeline's header. Like every test
here that runs the app, these run once in colour and once with NO_COLOR set
(conftest.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chipwatch.tui.app import ChipwatchApp, run_app
from chipwatch.tui.widgets.linelist import LineOptionList
from tests.test_tui import SIZE, _first_command, build, settle, wait_until
from tests.tui_seed import build_seed_store, seed_config

FRAME_COLOURS = {"#ff5f57", "#febc2e", "#28c840"}  # the SVG's window buttons, not the app


@pytest.fixture
def seeded(tmp_path: Path) -> tuple[Path, Path]:
    return seed_config(tmp_path / "config.toml"), build_seed_store(tmp_path / "seed.db")


def colours(svg: str) -> set[str]:
    """Every colour the screenshot's cells and text use."""
    cells = re.findall(r'<rect fill="(#[0-9a-f]{6})"', svg)
    # a live export names its classes terminal-<id>-r1 (a stored snapshot terminal-r1)
    text = re.findall(r"\.terminal-(?:\d+-)?r\d+ \{ fill: (#[0-9a-f]{6})", svg)
    return set(cells) | set(text)


def spread(colour: str) -> int:
    """How far a colour is from grey (0 for a grey)."""
    channels = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    return max(channels) - min(channels)


def hand_drawn_lines(app: ChipwatchApp) -> list:
    """Every line our own widgets draw (render_line) on the main screen."""
    screen = app.main_screen
    strips = []
    for widget in (screen.timeline, screen.detail, *screen.query(LineOptionList)):
        strips += [widget.render_line(y) for y in range(widget.size.height + 2)]
    return strips


async def test_no_color_first_paint_does_not_crash_on_an_unstyled_segment(
    seeded, monitor_colors
) -> None:
    app = build(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.no_color == (monitor_colors == "no_color")
        lines = hand_drawn_lines(app)
        assert len(lines) > 20
        assert [s for line in lines for s in line if s.style is None] == []
        assert "when" in "".join(s.text for s in lines[0])  # the timeline's header


async def test_no_color_paints_every_screen_in_greys(seeded, monitor_colors) -> None:
    """Main, feeds, watches (with a preview), help, export and the command palette."""
    app = build(seeded)
    shots: dict[str, str] = {}
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        shots["main"] = app.export_screenshot()
        for key, name in (("f", "feeds"), ("question_mark", "help"), ("e", "export")):
            await pilot.press(key)
            await settle(app, pilot)
            shots[name] = app.export_screenshot()
            await pilot.press("escape")
            await settle(app, pilot)
        await pilot.press("W", "a", *"China", "tab", *"@China")
        preview = app.screen.query_one("#preview-status")
        await wait_until(app, pilot, lambda: "would have matched" in str(preview.render()))
        shots["watches"] = app.export_screenshot()
        await pilot.press("escape", "escape")
        await settle(app, pilot)
        await pilot.press("ctrl+p", *"Pin")
        await wait_until(app, pilot, lambda: "Pin" in _first_command(app))
        shots["palette"] = app.export_screenshot()
    assert app.return_code in (None, 0)
    for name, svg in shots.items():
        used = colours(svg) - FRAME_COLOURS
        if monitor_colors == "no_color":
            assert [c for c in used if spread(c) > 8] == [], name
        else:
            assert any(spread(c) > 40 for c in used), name


def test_a_monitor_that_crashes_exits_1_not_0(seeded, monkeypatch) -> None:
    """Regression: the NO_COLOR crash printed a traceback, then `chipwatch` and
    `chipwatch demo` exited 0: `App.run()` returns None when the app fails."""
    from chipwatch.tui.widgets.timeline import Timeline

    def broken(self, y):
        raise RuntimeError("a line that cannot be drawn")

    monkeypatch.setattr(Timeline, "render_line", broken)
    assert run_app(build(seeded), headless=True, size=SIZE) == 1


def luminance(colour: str) -> float:
    """WCAG relative luminance of ``#rrggbb``."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(int(colour[i : i + 2], 16)) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def weak_text(svg: str, floor: float) -> dict[str, float]:
    """Words drawn below ``floor`` contrast against their own cell's background:
    {text: contrast}. Borders, bars and sparklines (no letter or digit) are left out."""
    # a live export names its classes terminal-<id>-r1, a stored snapshot terminal-r1
    fills = dict(re.findall(r"\.terminal-(?:\d+-)?(r\d+) \{ fill: (#[0-9a-f]{6})", svg))
    cells: dict[tuple[float, int], str] = {}
    for colour, x, y in re.findall(r'<rect fill="(#[0-9a-f]{6})" x="([\d.]+)" y="([\d.]+)"', svg):
        cells[(float(x), round(float(y) / LINE))] = colour
    weak: dict[str, float] = {}
    pattern = (
        r'<text class="terminal-(?:\d+-)?(r\d+)" x="([\d.]+)" y="([\d.]+)"[^>]*>([^<]*)</text>'
    )
    for name, x, y, text in re.findall(pattern, svg):
        words = text.replace("&#160;", " ").strip()
        back = cells.get((float(x), round((float(y) - TEXT_OFFSET) / LINE)))
        if not back or name not in fills or not any(c.isalnum() for c in words):
            continue
        ratio = contrast(fills[name], back)
        if ratio < floor:
            weak[words] = round(ratio, 1)
    return weak


LINE = 24.4  # an SVG line's height (Textual's export)
TEXT_OFFSET = 18.5  # a line's text baseline below its cells' top


@pytest.mark.parametrize(
    ("keys", "size"),
    [
        ((), (160, 48)),
        (("tab", "tab"), (160, 48)),  # a side pane focused, its highlight on
        (("b",), (80, 24)),  # the side panes brought back when narrow
        (("f",), (160, 48)),
        (("W",), (160, 48)),
    ],
    ids=["main", "entities", "narrow-panes", "feeds", "watches"],
)
async def test_every_word_is_readable(seeded, monitor_colors, keys, size) -> None:
    """Regression: unfocused pane titles and the entity column were dark teal and blue
    on near-black (about 2:1), the cursor rows light text on mid blue or orange (under
    4:1), and with NO_COLOR an entity named in the story pane turned dark grey on
    black. Every word of these screens, in both modes, now reads at 4.5:1 or better on
    its own background (WCAG AA)."""
    app = build(seeded)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        for key in keys:
            await pilot.press(key)
            await settle(app, pilot)
        svg = app.export_screenshot()
    assert "chipwatch" in svg and not weak_text(svg, 4.5)
