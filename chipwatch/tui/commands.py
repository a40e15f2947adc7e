"""The command palette (ctrl+p): every action of the app and the current screen."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode
from textual.markup import escape


def palette_bindings(app: DOMNode, screen: DOMNode) -> Iterator[tuple[DOMNode, Binding]]:
    """(namespace, binding) for every binding with an id on the screen and the app."""
    seen: set[str] = set()
    for node in (screen, app):
        for binding in node.BINDINGS:
            if isinstance(binding, Binding) and binding.id and binding.id not in seen:
                seen.add(binding.id)
                yield node, binding


def _label(binding: Binding) -> str:
    return binding.description or binding.id or binding.action


class ChipwatchCommands(Provider):
    """Offers the bindings as commands, with their keys and descriptions."""

    def _entries(self) -> Iterator[tuple[str, str, DOMNode, Binding]]:
        from chipwatch.tui.screens.help import display_key

        keymap = getattr(self.app, "_keymap", {})
        for node, binding in palette_bindings(self.app, self.screen):
            key = display_key(keymap.get(binding.id or "", binding.key))
            # the palette reads help as markup: "[u]" once underlined the rest unseen;
            # the key first, where a narrow palette does not cut it off
            help_text = escape(
                f"key {key} · {binding.tooltip or _label(binding)} · id {binding.id}"
            )
            yield _label(binding), help_text, node, binding

    def _runner(self, node: DOMNode, binding: Binding):
        return partial(self.app.run_action, binding.action, node)

    async def discover(self) -> Hits:
        for label, help_text, node, binding in self._entries():
            yield DiscoveryHit(label, self._runner(node, binding), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for label, help_text, node, binding in self._entries():
            score = max(matcher.match(label), matcher.match(binding.id or "") * 0.9)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(label),
                    self._runner(node, binding),
                    text=label,
                    help=help_text,
                )
