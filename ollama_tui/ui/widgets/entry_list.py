"""Provides a virtual list with a cursor: rows of a fixed number of lines, rendered only
when they are on screen.

Textual's OptionList measures every option when its options change (1.3 s for 10,000 two-line
rows on our 2-core machine); this list costs the same for ten rows or ten thousand.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from textual import events
from textual.content import Content
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

RowLines = Callable[[int], Sequence[Content]]
"""The lines of row `index`; called only for rows being drawn, and remembered."""


class EntryList(ScrollView, can_focus=False):
    """The cursor moves from the keyboard of the screen that owns the list (whose search
    field keeps the focus), or with the mouse."""

    COMPONENT_CLASSES = {"entry-list--cursor"}
    DEFAULT_CSS = """
    EntryList {
        height: 1fr;
        overflow-x: hidden;
        & > .entry-list--cursor {
            color: $block-cursor-foreground;
            background: $block-cursor-background;
        }
    }
    """

    cursor: reactive[int | None] = reactive(None, always_update=True)

    class Selected(Message):
        """A row was clicked."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.row_count = 0
        self._row_height = 1
        self._lines_of: RowLines = lambda index: ()
        self._drawn: dict[int, Sequence[Content]] = {}

    def show_rows(self, count: int, lines_of: RowLines, row_height: int) -> None:
        """Replace the rows; the cursor goes to the first one."""
        self.row_count = count
        self._lines_of = lines_of
        self._row_height = max(1, row_height)
        self._drawn.clear()
        self.virtual_size = Size(self.scrollable_content_region.width, count * self._row_height)
        self.scroll_to(y=0, animate=False, immediate=True)
        self.cursor = 0 if count else None
        self.refresh()

    def validate_cursor(self, cursor: int | None) -> int | None:
        if cursor is None or not self.row_count:
            return None
        return min(max(cursor, 0), self.row_count - 1)

    def watch_cursor(self, old: int | None, new: int | None) -> None:
        for index in (old, new):
            if index is not None:
                self.refresh(self._row_region(index).translate((0, -self.scroll_offset.y)))
        if new is not None:
            self.scroll_to_region(self._row_region(new), animate=False, immediate=True)

    def _row_region(self, index: int) -> Region:
        height = self._row_height
        return Region(0, index * height, self.scrollable_content_region.width, height)

    def move(self, step: int) -> None:
        if self.cursor is not None:
            self.cursor += step

    def move_page(self, direction: int) -> None:
        rows_per_page = max(1, self.scrollable_content_region.height // self._row_height)
        self.move(direction * rows_per_page)

    def move_to_end(self, last: bool) -> None:
        if self.row_count:
            self.cursor = self.row_count - 1 if last else 0

    def _lines(self, index: int) -> Sequence[Content]:
        lines = self._drawn.get(index)
        if lines is None:
            lines = self._drawn[index] = self._lines_of(index)
        return lines

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index, line = divmod(self.scroll_offset.y + y, self._row_height)
        base = self.visual_style
        if index >= self.row_count:
            return Strip.blank(width, base.rich_style)
        style = self.get_visual_style("entry-list--cursor") if index == self.cursor else base
        lines = self._lines(index)
        text = lines[line] if line < len(lines) else Content("")
        segments = text.truncate(width, ellipsis=True).render_segments(style)
        return Strip(segments).extend_cell_length(width, style.rich_style)

    def on_resize(self) -> None:
        self.virtual_size = Size(
            self.scrollable_content_region.width, self.row_count * self._row_height
        )

    def on_click(self, event: events.Click) -> None:
        index = (event.y + self.scroll_offset.y) // self._row_height
        if 0 <= index < self.row_count:
            self.cursor = index
            self.post_message(self.Selected(index))
