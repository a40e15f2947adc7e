"""The main screen's keys (every one with an id and a tooltip, so the keymap can
rebind it and the help screen can name it). The unread flow's keys live with it
(:mod:`.main_unread`)."""

from __future__ import annotations

from textual.binding import Binding, BindingType

from chipwatch.tui.screens.main_unread import UNREAD_BINDINGS

MAIN_BINDINGS: list[BindingType] = [
    Binding(
        "slash",
        "search",
        "Filter",
        id="search",
        tooltip="Filter with the query language (applies as you type)",
    ),
    Binding(
        "b",
        "toggle_side_panes",
        "Panes",
        id="side_panes",
        tooltip="Show or hide the entities and alerts panes (folded below 120 columns)",
    ),
    Binding(
        "escape",
        "clear_filters",
        "Clear",
        show=False,
        id="clear_filters",
        tooltip="Close the query box; elsewhere clear the query and entity filters",
    ),
    Binding("o", "open_link", "Open", id="open", tooltip="Open the article in the browser"),
    Binding(
        "v",
        "read_article",
        "Full text",
        show=False,
        id="read_article",
        tooltip="Read the selected article's full text in the monitor",
    ),
    Binding(
        "c",
        "copy_link",
        "Copy link",
        show=False,
        id="copy_link",
        tooltip="Copy the article's link to the clipboard",
    ),
    Binding("u", "toggle_read", "Read", id="toggle_read", tooltip="Mark the story read or unread"),
    Binding(
        "A",
        "all_read",
        "All read",
        show=False,
        id="all_read",
        tooltip="Mark every story in the window read",
    ),
    Binding("p", "pin", "Pin", id="pin", tooltip="Pin or unpin the story"),
    Binding(
        "S",
        "split",
        "Split",
        show=False,
        id="split",
        tooltip="Split the selected article out into its own story",
    ),
    Binding(
        "M",
        "merge",
        "Merge",
        show=False,
        id="merge",
        tooltip="Mark a story, then merge it into the next one you mark",
    ),
    Binding(
        "w",
        "cycle_window",
        "Window",
        id="window",
        tooltip="Cycle the window: 24h, 7d, 30d, all",
    ),
    Binding(
        "right_square_bracket",
        "next_article",
        "Next article",
        show=False,
        id="next_article",
        tooltip="Select the story's next article",
    ),
    Binding(
        "left_square_bracket",
        "prev_article",
        "Previous article",
        show=False,
        id="prev_article",
        tooltip="Select the story's previous article",
    ),
    Binding(
        "n",
        "newest",
        "Newest",
        show=False,
        id="newest",
        tooltip="Jump to the newest story and clear the new counter",
    ),
    *UNREAD_BINDINGS,
]
