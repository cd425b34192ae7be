"""Provides `scroll_up`: moving a widget's rows on the terminal itself, with a scroll region.

Textual keeps no copy of what the terminal shows and writes no scroll regions: when a view
scrolls by one row, every row of it is drawn again (about 460 bytes a row at 160 columns in
truecolor). A transcript that follows a reply scrolls by a row for every new line, so most of
what it sends is rows the terminal already has, one row higher.

`scroll_up(widget, rows)` asks for the next frame to begin by moving the widget's rows up in
the terminal (DECSTBM sets a scroll region over the widget's rows, line feeds at its bottom
margin scroll it, the region is reset), so that the widget need refresh only the rows that
came into view. It is safe only when the terminal's rows there are the widget's alone: the
widget spans the full width of the active screen, nothing is drawn over it (notifications,
menus, tooltips), no text is selected, and the terminal is really written to (not headless,
not inline). When any of that does not hold at the request the answer is no and the widget
repaints as before; when it no longer holds at the frame, that frame is drawn in full.

The hook sits on `App._display`, Textual's one place that writes a frame (inside its
synchronized-output brackets when the terminal has them), so the scroll is written in order
with the frame it belongs to and never on its own.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from math import ceil
from typing import cast

from rich.cells import cell_len
from rich.console import Console, RenderableType
from rich.control import Control
from rich.style import NULL_STYLE
from textual._compositor import ChopsUpdate, CompositorUpdate
from textual.app import App
from textual.errors import NoWidget
from textual.geometry import Region
from textual.screen import Screen
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.strip import Strip
from textual.widget import Widget

Display = Callable[[Screen, "RenderableType | None"], None]


@dataclass
class _Move:
    widget: Widget
    region: Region
    """The widget's region on the screen when the move was asked for."""
    rows: int


@dataclass
class _Pending:
    moves: dict[int, _Move] = field(default_factory=dict)
    """By widget identity: one move per widget, the rows of several requests added up."""


_pending: weakref.WeakKeyDictionary[App[object], _Pending] = weakref.WeakKeyDictionary()


class _Frame(CompositorUpdate):
    """A frame as Textual would write it, but that may start by scrolling the terminal's
    rows, and that writes of each line only the columns asked for."""

    def __init__(self, scroll: str, update: CompositorUpdate) -> None:
        self.scroll = scroll
        self.update = update

    def render_segments(self, console: Console) -> str:
        update = self.update
        if isinstance(update, ChopsUpdate):
            return self.scroll + _cropped(update, console)
        return self.scroll + update.render_segments(console)


def _cell_boundary(strip: Strip, column: int) -> int:
    """`column`, or the start of the double-width character it falls in the middle of."""
    position = 0
    for segment in strip:
        text = segment.text
        width = cell_len(text)
        if position + width > column:
            if width == len(text):
                return column  # single-width characters: any column is a boundary
            for character in text:
                next_position = position + cell_len(character)
                if next_position > column:
                    return position
                position = next_position
        position += width
    return column


def _cropped(update: ChopsUpdate, console: Console) -> str:
    """`ChopsUpdate.render_segments` of Textual 8, with the start of each piece of a line
    cropped to the columns asked for as well as its end (Textual crops only the end, so a
    refresh of the last words of a line sent the whole line from its left edge)."""
    sequences: list[str] = []
    append = sequences.append
    move_to = Control.move_to
    chops = update.chops
    chop_ends = update.chop_ends
    last_y = update.spans[-1][0]
    for y, x1, x2 in update.spans:
        line = chops[y]
        ends = chop_ends[y]
        for end, (x, strip) in zip(ends, line.items(), strict=False):
            if strip is None or x > x2 or end <= x1:
                continue
            if x2 > x >= x1 and end <= x2:
                append(move_to(x, y).segment.text)
                append(strip.render(console))
                continue
            start = _cell_boundary(strip, x1 - x) if x < x1 else 0
            append(move_to(x + start, y).segment.text)
            append(strip.crop(start, min(end, x2) - x).render(console))
        if y != last_y:
            append("\n")
    return "".join(sequences)


def _sequence(region: Region, rows: int) -> str:
    """Scroll the terminal's rows of `region` up by `rows`: reset the colours (the rows that
    come in are blank in the default background until the frame draws them), set the scroll
    region, line feeds at its bottom margin, and reset the region (the whole screen again)."""
    top, bottom = region.y + 1, region.bottom
    return f"\x1b[0m\x1b[{top};{bottom}r\x1b[{bottom};1H" + "\n" * rows + "\x1b[r"


def _overlapped(widget: Widget, region: Region) -> bool:
    """Whether anything but the widget's own scrollbars and its containers is drawn on its
    rows (a notification, a menu, a tooltip, a layer above it)."""
    ancestors = set(widget.ancestors_with_self)
    # The compositor's map of what is visible is the only list of what the frame draws where.
    for other, (other_region, _clip) in widget.screen._compositor.visible_widgets.items():
        if other in ancestors or other.parent is widget:
            continue
        if other_region.overlaps(region):
            return True
    return False


def _where(widget: Widget) -> Region | None:
    """The widget's region when it can be scrolled in the terminal, else None."""
    app = widget.app
    if app.is_headless or app.is_inline or app._driver is None:
        return None
    screen = widget.screen
    if screen is not app.screen or not widget.is_on_screen or screen.selections:
        return None
    try:
        geometry = screen.find_widget(widget)
    except NoWidget:  # not laid out (yet)
        return None
    region = geometry.region
    if region.x != 0 or region.width != screen.size.width or region.height < 2:
        return None
    if not geometry.clip.contains_region(region) or _overlapped(widget, region):
        return None
    return region


def scroll_up(widget: Widget, rows: int) -> bool:
    """Ask for the next frame to move `widget`'s rows up by `rows` in the terminal itself.

    True when it will: the widget must then not repaint its region, only the rows that came
    into view and whatever else changed (and move its pending refreshes up by `rows`, see
    `shift_pending`). False when it is not safe: the widget repaints as it would otherwise.
    """
    if rows <= 0:
        return False
    region = _where(widget)
    if region is None:
        return False
    app = widget.app
    install(app)
    pending = _pending[app]
    move = pending.moves.get(id(widget))
    if move is not None and move.region != region:
        return False  # it moved since: the move asked for is drawn in full (see `_hook`)
    total = rows + (move.rows if move is not None else 0)
    if total >= region.height:
        return False  # a whole view of new rows: drawing them is all there is to do
    pending.moves[id(widget)] = _Move(widget, region, total)
    return True


def shift_pending(widget: Widget, rows: int) -> None:
    """Move what Textual keeps of `widget`'s rows up by `rows`, as the terminal moves them:
    the refreshes it asked for since the last frame (they will draw over the moved rows) and
    the lines it drew (a row shows now what the row `rows` below showed).

    Both are private to Textual (the regions to repaint, the cache of drawn lines by row);
    they are kept in step here rather than in each widget.
    """
    outer = widget.outer_size.region
    regions = widget._repaint_regions
    moved = {region.translate((0, -rows)).intersection(outer) for region in regions}
    regions.update(region for region in moved if region)
    cache = widget._styles_cache
    cache._cache = {y - rows: line for y, line in cache._cache.items() if y >= rows}
    cache._dirty_lines.update([y - rows for y in cache._dirty_lines if y >= rows])


BarState = tuple[int, int, float]
"""What a vertical scrollbar's look depends on: the virtual height, the window, the position."""


def bar_state(bar: ScrollBar) -> BarState:
    return (bar.window_virtual_size, bar.window_size, bar.position)


def _bar_cells(height: int, state: BarState) -> list[tuple[object, ...]]:
    """What each row of a scrollbar `height` rows tall shows (as Textual's `ScrollBar`
    draws it, without the colours, which a move does not change)."""
    virtual, window, position = state
    segments = ScrollBarRender.render_bar(
        size=height,
        virtual_size=ceil(virtual),
        window_size=ceil(window if window < virtual else 0),
        position=position,
    ).segments
    cells: list[tuple[object, ...]] = []
    for segment in segments:
        style = segment.style or NULL_STYLE
        cells.append((segment.text, style.color, style.bgcolor, style.reverse))
    return cells


def refresh_bar(bar: ScrollBar, before: BarState, moved: int) -> None:
    """Refresh the rows of `bar` that changed since it showed `before`, its rows moved up by
    `moved` in the terminal since (the rows that came in at the bottom included)."""
    height = bar.size.height
    # Its drawn lines and its rendering belong to `before`; drawn again when next asked for.
    bar._styles_cache.clear()
    bar._dirty_regions.add(bar.size.region)
    if not height:
        return
    old, new = _bar_cells(height, before), _bar_cells(height, bar_state(bar))
    changed = [
        y
        for y in range(height)
        if y >= height - moved or y + moved >= len(old) or y >= len(new) or old[y + moved] != new[y]
    ]
    start = 0
    for index, y in enumerate(changed):
        if index + 1 == len(changed) or changed[index + 1] != y + 1:
            first = changed[start]
            bar.refresh(Region(0, first, bar.size.width, y - first + 1))
            start = index + 1


def install(app: App[object]) -> None:
    """Write `app`'s frames through this module (once; a real terminal only)."""
    if app in _pending or app.is_headless:
        return
    _pending[app] = _Pending()
    display: Display = app._display

    def _display(screen: Screen, renderable: RenderableType | CompositorUpdate | None) -> None:
        if isinstance(renderable, CompositorUpdate) and not app._batch_count:
            renderable = _frame(app, screen, renderable)
        display(screen, cast("RenderableType | None", renderable))

    # An instance attribute: this app only.
    app._display = _display  # type: ignore[method-assign]


def _frame(app: App[object], screen: Screen, update: CompositorUpdate) -> CompositorUpdate:
    pending = _pending[app]
    moves = list(pending.moves.values())
    pending.moves.clear()
    scroll = ""
    for move in moves:
        region = _where(move.widget)
        if region != move.region or screen is not app.screen:
            # Something changed between the request and this frame: draw it whole.
            return screen._compositor.render_full_update()
        scroll += _sequence(region, move.rows)
    return _Frame(scroll, update)
