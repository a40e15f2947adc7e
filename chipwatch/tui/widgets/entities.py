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
from chipwatch.tui.words import KIND_MARKS, SPARK_BARS

NAME_MIN, NAME_MAX = 6, 24  # the names' width in cells
FIXED_CELLS = 2 + 6 + 1  # the mark and its space, the count with its spaces, a margin


def sparkline(counts: tuple[int, ...]) -> str:
    """Daily counts as bar characters, scaled to the largest day."""
    if not counts:
        return ""
    top = max(counts)
    if top == 0:
        return SPARK_BARS[0] * len(counts)
    return "".join(SPARK_BARS[round(n / top * (len(SPARK_BARS) - 1))] for n in counts)


def entity_prompt(
    entity: EntityCount, *, active: bool, width: int = 18, days: int | None = None
) -> Text:
    """One line: kind mark, name (cut to ``width`` with an ellipsis), story count,
    sparkline of the newest ``days`` (all by default). The name gives way first, then
    the oldest days: the newest day is never cut off."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(KIND_MARKS.get(entity.kind, "·") + " ", style="dim")
    name = Text(clean_title(entity.name), style="bold reverse" if active else "")
    name.truncate(width, overflow="ellipsis", pad=True)
    text.append_text(name)
    text.append(f" {entity.stories:>4} ")
    bars = sparkline(entity.spark)
    text.append(bars[-days:] if days is not None else bars, style="green")
    return text


class EntitiesPane(LineOptionList):
    """Select an entity to filter the timeline to it; select it again (or esc) to clear."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.entities: list[EntityCount] = []
        self.active: str | None = None
        self._shown_active: str | None = None
        self._shown_layout = (0, 0)

    def show(self, entities: list[EntityCount], *, force: bool = False) -> None:
        """Replace the list, keeping the highlighted entity when it is still there."""
        unchanged = entities == self.entities and self._shown_active == self.active
        if unchanged and self.option_count and not force:
            return  # unchanged: rebuilding the options would only cost time
        self._shown_active = self.active
        highlighted = self._highlighted_name()
        self.entities = entities
        width, days = self._shown_layout = (self.name_width(), self.spark_days())
        active = self.active

        def option(entity: EntityCount, index: int) -> Callable[[], Option]:
            is_active = entity.name == active
            return lambda: Option(
                entity_prompt(entity, active=is_active, width=width, days=days), id=f"e{index}"
            )

        # an entity whose row, mark and width are unchanged keeps its option and lines
        self.replace_options(
            ((e, e.name == active, width, days, i), option(e, i)) for i, e in enumerate(entities)
        )
        names = [e.name for e in entities]
        if highlighted in names:
            self.highlighted = names.index(highlighted)
        self.border_subtitle = f"{len(entities)} in window"

    def name_width(self) -> int:
        """The names' width: what the mark, count and sparkline leave of the line."""
        line = self.scrollable_content_region.width or 40
        return max(NAME_MIN, min(NAME_MAX, line - FIXED_CELLS - self._spark_days()))

    def spark_days(self) -> int:
        """How many days of sparkline fit beside the narrowest name (newest kept)."""
        line = self.scrollable_content_region.width or 40
        return max(1, min(self._spark_days(), line - FIXED_CELLS - NAME_MIN))

    def _spark_days(self) -> int:
        return max((len(e.spark) for e in self.entities), default=7)

    def on_resize(self) -> None:
        """Draw the lines again at the new width (a live resize must not cut the
        sparklines' newest days off the right edge)."""
        if self.entities and (self.name_width(), self.spark_days()) != self._shown_layout:
            self.show(self.entities, force=True)

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
