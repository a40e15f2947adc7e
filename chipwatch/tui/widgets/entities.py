"""The entities pane: entities in the window, story counts and a 7-day sparkline."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from chipwatch.store.views import EntityCount
from chipwatch.textsafe import clean_title
from chipwatch.tui.messages import EntityChosen
from chipwatch.tui.widgets.linelist import LineOptionList

SPARK_BARS = "▁▂▃▄▅▆▇█"
KIND_MARKS = {
    "chip": "◆",
    "company": "■",
    "agency": "▲",
    "person": "●",
    "place": "◎",
    "policy": "§",
}


def sparkline(counts: tuple[int, ...]) -> str:
    """Daily counts as bar characters, scaled to the largest day."""
    if not counts:
        return ""
    top = max(counts)
    if top == 0:
        return SPARK_BARS[0] * len(counts)
    return "".join(SPARK_BARS[round(n / top * (len(SPARK_BARS) - 1))] for n in counts)


def entity_prompt(entity: EntityCount, *, active: bool, width: int = 18) -> Text:
    """One line: kind mark, name (cut to ``width``), story count, sparkline."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(KIND_MARKS.get(entity.kind, "·") + " ", style="dim")
    name = clean_title(entity.name)[:width].ljust(width)
    text.append(name, style="bold reverse" if active else "")
    text.append(f" {entity.stories:>4} ", style="dim")
    text.append(sparkline(entity.spark), style="green")
    return text


class EntitiesPane(LineOptionList):
    """Select an entity to filter the timeline to it; select it again (or esc) to clear."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.entities: list[EntityCount] = []
        self.active: str | None = None
        self._shown_active: str | None = None

    def show(self, entities: list[EntityCount]) -> None:
        """Replace the list, keeping the highlighted entity when it is still there."""
        if entities == self.entities and self._shown_active == self.active and self.option_count:
            return  # unchanged: rebuilding the options would only cost time
        self._shown_active = self.active
        highlighted = self._highlighted_name()
        self.entities = entities
        room = (self.scrollable_content_region.width or 40) - 2 - 2 - 6 - 7 - 1
        width = max(6, min(24, room))
        active = self.active

        def option(entity: EntityCount, index: int) -> Callable[[], Option]:
            is_active = entity.name == active
            return lambda: Option(
                entity_prompt(entity, active=is_active, width=width), id=f"e{index}"
            )

        # an entity whose row, mark and width are unchanged keeps its option and lines
        self.replace_options(
            ((e, e.name == active, width, i), option(e, i)) for i, e in enumerate(entities)
        )
        names = [e.name for e in entities]
        if highlighted in names:
            self.highlighted = names.index(highlighted)
        self.border_subtitle = f"{len(entities)} in window"

    def _highlighted_name(self) -> str | None:
        index = self.highlighted
        return (
            self.entities[index].name if index is not None and index < len(self.entities) else None
        )

    def set_active(self, name: str | None) -> None:
        """Mark the entity the timeline is filtered to."""
        self.active = name
        self.show(self.entities)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        chosen = self.entities[event.option_index].name
        self.post_message(EntityChosen(None if chosen == self.active else chosen))
