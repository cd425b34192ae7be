"""Provides the transcript: one virtual view of a conversation's turns, drawn line by line.

Each turn is rendered once to lines for the current width and kept; the view draws only the
rows on screen from those lines. A reply being streamed re-renders its changed lines, and
only the rows that changed are sent to the terminal: the cost of a flush depends neither on
the transcript's length nor on the number of turns.

Following the bottom: while the user is at the end, new text keeps the end in view; scrolling
up lets go, and scrolling back to the end (or Ctrl+End, or End on a selected turn) follows
again. While following, the virtual height grows in steps of `follow_step` rows, so text
appended inside a step changes no geometry and redraws only its own rows; when the text
reaches the bottom the view moves a whole step at once. A move is made by the terminal
itself when it can be (`kit.terminal_scroll`: a scroll region over the view's rows), and
only the rows that came in are drawn; otherwise (something drawn over the view, a view
narrower than the terminal) the move repaints the whole view.
"""

from __future__ import annotations

import asyncio
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from time import monotonic
from typing import Any

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Region, Size
from textual.message import Message as TextualMessage
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar
from textual.selection import Selection
from textual.strip import Strip
from textual.timer import Timer

from ...domain.compaction import folded_ids, is_summary, turns_summarised
from ...domain.conversation import Message, Role
from ...domain.quantities import count_of
from ...domain.tool_calls import results_for
from ..kit import frame_timer, terminal_scroll
from ..kit.keys import bindings
from .render import (
    MessageLines,
    RenderPalette,
    ReplyLines,
    mark_selected,
    render_fold,
    render_message,
)

NOT_TURNS = (Role.SYSTEM, Role.TOOL)
"""Not drawn as turns: the system prompt is in F4, a tool's answer in its reply's block."""

UNWRAPPED_WIDTH = 400
"""With word wrap off, turns are drawn this wide and cut at the view's edge (a longer line
still wraps here: a line drawn endlessly wide would cost its cells on every draw)."""
CUT_MARK = "→"
"""Drawn in the last cell of a line cut at the edge (word wrap off)."""

QUIET_FLUSH = 0.008
"""Seconds without new text after which a reply is drawn at once rather than at the next
tick of the flushes: the last words of a reply show without waiting for its end or for a
tick, and a slow reply shows each word as it comes (at 50 tokens a second, 20 ms apart)."""

QUIET_FLUSHES = 4
"""Such flushes come at most this many times as often as the flushes themselves (60 a
second at 15 flushes a second, the frames the app draws; views that share the flushes, as
the columns of a comparison do, share these too). At 50 tokens a second each word then has
a flush and a frame of its own. Twice as often (30 a second) cost a fifth less CPU (1.39 s
for 300 tokens at 160x48, against 1.79) but drew the last words 20-25 ms after they came,
not 12-14: they waited for the gap, then for the reply's end."""

BURST_RATE = 1500.0
"""Pieces of a reply a second above which it arrives in a burst (the server had it ready,
or the network held it back): faster than anyone reads, and faster than the app can draw
it (a flush and its frame cost 20-40 ms at 160x48 when a burst has moved the whole view).
The ticks of the flushes then leave the reply to be read through, so that its end is drawn
sooner; a burst that lasts is still drawn every `BURST_FLUSH` seconds."""

BURST_FLUSH = 0.25
"""Seconds a reply arriving in a burst goes undrawn at most."""

BURST_PIECES = 100
"""Fewer pieces than this are no burst, however close together (the words of one network
read, the first words of a reply)."""

LIVE_WINDOW = 20
"""Turns laid out when a conversation opens; Ctrl+Up (or moving the selection above the
first) lays out as many more. Laying out renders every turn once for the width."""


def _noop() -> None:
    pass


def drawn_turns(messages: list[Message]) -> list[Message]:
    """The messages drawn as turns: prompts and replies, and a summary's one line in place
    of the turns it folds."""
    folded = folded_ids(messages)
    return [
        m for m in messages if m.id not in folded and (m.role not in NOT_TURNS or is_summary(m))
    ]


def fold_note(messages: list[Message], summary: Message) -> str:
    """The line a summary is drawn as."""
    count = count_of(turns_summarised(messages, summary), "earlier turn")
    if summary.restored:
        return f"{count} restored (their summary is not sent) — Enter to use the summary again"
    return f"{count} summarised — Enter to show/restore"


def rounded_up(rows: int, step: int) -> int:
    """`rows` rounded up to a multiple of `step` (the virtual height while following)."""
    return -(-rows // step) * step if step > 1 else rows


def first_difference(old: Sequence[Strip], new: Sequence[Strip]) -> int:
    """The index of the first line that differs (the shorter length when one is a prefix)."""
    for index, (before, after) in enumerate(zip(old, new, strict=False)):
        if before is not after and before != after:
            return index
    return min(len(old), len(new))


def _cells(strip: Strip) -> list[tuple[str, object]]:
    """The strip cell by cell (a double-width character's second cell is empty)."""
    cells: list[tuple[str, object]] = []
    for text, style, _control in strip:
        if len(text) == cell_len(text):
            cells.extend((character, style) for character in text)
            continue
        for character in text:
            cells.append((character, style))
            if cell_len(character) == 2:
                cells.append(("", style))
    return cells


def changed_columns(old: Strip, new: Strip) -> tuple[int, int] | None:
    """The columns from the first cell that differs to the last one (end excluded), or None
    when the two show the same; never the middle of a double-width character."""
    before, after = _cells(old), _cells(new)
    length = max(len(before), len(after))
    before += [("", None)] * (length - len(before))
    after += [("", None)] * (length - len(after))
    start = 0
    while start < length and before[start] == after[start]:
        start += 1
    if start == length:
        return None
    end = length
    while end > start and before[end - 1] == after[end - 1]:
        end -= 1
    while start and (before[start][0] == "" or after[start][0] == ""):
        start -= 1  # the second half of a wide character: from its first
    while end < length and (before[end][0] == "" or after[end][0] == ""):
        end += 1
    return start, end


def last_difference(old: Sequence[Strip], new: Sequence[Strip], first: int) -> int:
    """The index of the last line that differs, of two as long (`first` differs)."""
    for index in range(len(new) - 1, first, -1):
        if old[index] is not new[index] and old[index] != new[index]:
            return index
    return first


class Flushes:
    """When the views drawn together (the columns of a comparison, or one transcript alone)
    draw what arrived of their replies: at each tick (every `interval` seconds) one view, in
    turn; after a pause (see `QUIET_FLUSH`) the view that paused, at most `QUIET_FLUSHES`
    times an interval among them all. Never several views in one frame: three columns of a
    comparison jumping half a view each in one frame kept a key's echo waiting 40-60 ms, and
    a frame that long made every column's reply seem to pause, so all three were drawn again
    in the next one."""

    def __init__(self, hz: float) -> None:
        self.interval = 1.0 / hz
        self.flushed_at = 0.0
        """When a view last drew."""
        self.views: list[Transcript] = []
        self._turn = 0
        """The view whose turn it is at the next tick."""

    def tick(self) -> None:
        """Draw the next view in turn that has something new and is not in a burst."""
        count = len(self.views)
        now = monotonic()
        for step in range(count):
            index = (self._turn + step) % count
            view = self.views[index]
            if not view.in_burst(now) and view.flush():
                self._turn = (index + 1) % count
                return


class Transcript(ScrollView, can_focus=True):
    """The turns of one conversation (its own list of messages, read and never copied).

    Focused (Shift+Tab from the composer), Up and Down select a turn; the conversation's
    keys then act on the selected one. Whoever changes the list of messages calls
    `messages_changed`; a reply being streamed is drawn by `start_reply`, `reply_changed`
    and `finish_reply`.
    """

    BINDINGS = bindings("transcript")

    COMPONENT_CLASSES = {"transcript--earlier"}

    DEFAULT_CSS = """
    Transcript {
        height: 1fr;
        padding: 0 1;
        overflow-x: hidden;
        scrollbar-size-vertical: 1;
        scrollbar-gutter: stable;
        & > .transcript--earlier {
            color: $text-muted;
        }
    }
    """

    @dataclass
    class LinkClicked(TextualMessage):
        """A link in a turn was clicked."""

        href: str

    @dataclass
    class SummaryOpened(TextualMessage):
        """Enter on the line of summarised turns: show the summary, restore the turns."""

        summary: Message

    def __init__(
        self,
        messages: list[Message],
        *,
        user_label: str = "You",
        flush_hz: float = 15.0,
        flushes: Flushes | None = None,
        follow_step: int | None = 1,
        id: str | None = None,
        classes: str = "",
    ) -> None:
        """`follow_step`: rows the view moves at once while following a reply (None: half
        the view's height). `flushes`: shared with the views drawn beside it (whose owner
        ticks them), else the view's own, `flush_hz` times a second."""
        super().__init__(id=id, classes=classes)
        self.messages = messages
        self.user_label = user_label
        self.follow_step = follow_step
        self._own_flushes = flushes is None
        self._flushes = Flushes(flush_hz) if flushes is None else flushes
        self._flushes.views.append(self)
        turns = len(drawn_turns(messages))
        self._hidden = max(0, turns - LIVE_WINDOW)
        # The layout: the turns shown, where each starts, and the lines each is drawn with.
        self._turns: list[Message] = []
        self._tops: list[int] = []
        self._lines: list[Sequence[Strip]] = []
        self._height = 0
        self._width = 0
        self._cache: dict[int, tuple[Message, tuple[Any, ...], MessageLines]] = {}
        self._palette: RenderPalette | None = None
        self._following = True
        self._moving = False
        """Set while the view scrolls itself, so that only the user's scrolling lets go."""
        self._terminal_moves = False
        """Set while the view follows by a move the terminal makes itself (a scroll region)."""
        self._selected: Message | None = None
        self._thinking_open: dict[int, bool] = {}
        """Thinking sections the user opened or closed, by message identity."""
        self._tools_open: set[int] = set()
        """Replies whose tool calls are shown in full (Enter), by message identity."""
        self._reply: ReplyLines | None = None
        self._reply_message: Message | None = None
        self._reply_changed = False
        self._reply_selected = False
        """Whether the reply's lines are drawn with the selected look."""
        self._sync: Callable[[], None] = _noop
        self._timer: Timer | None = None
        self._quiet: asyncio.TimerHandle | None = None
        """A flush waiting for the reply to pause."""
        self._own_style: Style | None = None
        self._changed_at = 0.0
        self._drawn_at = 0.0
        """When the reply was last drawn (or began)."""
        self._pieces = 0
        """Pieces of the reply that arrived since then."""
        self.verbose: bool | None = None
        """The conversation's `verbose` setting: what the line under a reply shows."""
        self.wordwrap = True
        """False: lines are cut at the edge with a mark instead of wrapped."""

    # -- what tests and the conversation read -------------------------------------------

    @property
    def shown(self) -> tuple[Message, ...]:
        """The turns laid out, oldest first."""
        return tuple(self._turns)

    @property
    def earlier_count(self) -> int:
        """Turns before the first one shown (Ctrl+Up shows more)."""
        return self._hidden

    @property
    def following(self) -> bool:
        """Whether new text keeps the end in view."""
        return self._following

    @property
    def content_height(self) -> int:
        """Rows of the laid-out turns (the virtual height without the follow step)."""
        return self._height

    @property
    def is_streaming(self) -> bool:
        return self._reply_message is not None

    def text_lines(self) -> list[str]:
        """Every laid-out row as plain text (what the view shows when scrolled over it)."""
        return [self._row(row).text.rstrip() for row in range(self._height)]

    def row_of(self, message: Message) -> int | None:
        """The row `message` starts at (None when it is not laid out)."""
        index = self._index_of(message)
        return self._tops[index] if index is not None and index < len(self._tops) else None

    def lines_of(self, message: Message) -> Sequence[Strip]:
        """The lines `message` is drawn with now (none when it is not laid out)."""
        index = self._index_of(message)
        return self._lines[index] if index is not None and index < len(self._lines) else ()

    # -- laying out ------------------------------------------------------------------------

    def on_mount(self) -> None:
        terminal_scroll.install(self.app)
        self._palette = RenderPalette.from_app(self.app)
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    @property
    def _style(self) -> Style:
        """The view's own style (Textual works it out anew after every refresh)."""
        if self._own_style is None:
            self._own_style = self.rich_style
        return self._own_style

    def notify_style_update(self) -> None:
        self._own_style = None
        super().notify_style_update()

    def _theme_changed(self, _theme: object) -> None:
        self._own_style = None
        self._palette = RenderPalette.from_app(self.app)
        self._cache.clear()
        self._reply = None  # drawn again in the new colours
        self._layout()
        self.refresh()

    def on_resize(self) -> None:
        width = self.scrollable_content_region.width
        if width != self._width:
            self._width = width
            self._reply = None  # drawn again for the new width
            self._layout()
            self.refresh()
        else:
            self._update_virtual_size()

    def show_settings(self, verbose: bool | None, wordwrap: bool) -> None:
        """The conversation's display settings changed (`/set verbose`, F4): draw again."""
        if (verbose, wordwrap) == (self.verbose, self.wordwrap):
            return
        self.verbose, self.wordwrap = verbose, wordwrap
        self._reply = None
        self._layout()
        self.refresh()

    @property
    def _drawn_width(self) -> int:
        """The width turns are drawn at: the view's, or wider when lines are cut instead."""
        return self._width if self.wordwrap else max(self._width, UNWRAPPED_WIDTH)

    def messages_changed(self) -> None:
        """The list of messages changed (a turn added, removed or swapped for a version):
        lay the turns out again; turns drawn before keep their lines."""
        self._layout()
        self.refresh()

    def _layout(self) -> None:
        turns = drawn_turns(self.messages)
        reply = self._reply_message
        if reply is not None and (not turns or turns[-1] is not reply):
            turns.append(reply)  # announced before the turn adds it to the conversation
        self._hidden = min(self._hidden, max(0, len(turns) - LIVE_WINDOW))
        self._turns = turns[self._hidden :]
        if self._selected is not None and not any(m is self._selected for m in self._turns):
            self._selected = None
        if not self._width or self._palette is None:
            return
        kept = {id(m) for m in self._turns}
        for key in [key for key in self._cache if key not in kept]:
            del self._cache[key]
        self._tops = []
        self._lines = []
        row = 1 if self._hidden else 0
        for message in self._turns:
            lines = self._draw(message)
            self._tops.append(row)
            self._lines.append(lines)
            row += len(lines)  # each ends with the blank row before the next
        self._height = row
        self._update_virtual_size()

    def _key(self, message: Message) -> tuple[Any, ...]:
        """What a turn's lines depend on: when any of it changes, the turn is drawn again."""
        return (
            self._drawn_width,
            self.verbose,
            self._palette,
            self.user_label,
            message.content,
            message.thinking,
            message.status,
            message.error,
            message.done_reason,
            message.stats,
            message.version,
            message.version_count,
            message.format,
            message.attachments,
            message.restored,
            self._is_thinking_open(message),
            id(message) in self._tools_open,
        )

    def _draw(self, message: Message) -> Sequence[Strip]:
        assert self._palette is not None
        if message is self._reply_message:
            if self._reply is None:
                self._sync()
                self._reply_selected = self._is_selected(message)
                self._reply = ReplyLines(
                    message,
                    self._drawn_width,
                    self._palette,
                    selected=self._reply_selected,
                    thinking_open=self._thinking_open.get(id(message)),
                )
                self._reply.tools_open = id(message) in self._tools_open
                self._reply.verbose = self.verbose
                self._reply.tool_results = self._results_of(message)
                self._reply.update()
            return self._reply.strips
        key = self._key(message)
        cached = self._cache.get(id(message))
        if cached is not None and cached[0] is message and cached[1] == key:
            lines = cached[2]
        else:
            lines = self._render_turn(message, key)
        if self._is_selected(message):
            return mark_selected(lines, message.role, self._palette).strips
        return lines.strips

    def _render_turn(self, message: Message, key: tuple[Any, ...]) -> MessageLines:
        """Draw `message` whole (unselected: the selected look is laid over its lines)."""
        assert self._palette is not None
        if is_summary(message):
            lines = render_fold(fold_note(self.messages, message), self._width, self._palette)
            self._cache[id(message)] = (message, key, lines)
            return lines
        lines = render_message(
            message,
            self._drawn_width,
            self._palette,
            thinking_open=self._is_thinking_open(message),
            user_label=self.user_label,
            tool_results=self._results_of(message),
            tools_open=id(message) in self._tools_open,
            verbose=self.verbose,
        )
        self._cache[id(message)] = (message, key, lines)
        return lines

    def _results_of(self, message: Message) -> list[Message]:
        """The `tool` messages answering `message`'s calls (none for most replies)."""
        return results_for(message, self.messages) if message.tool_calls else []

    def _index_of(self, message: Message) -> int | None:
        for index in range(len(self._turns) - 1, -1, -1):
            if self._turns[index] is message:
                return index
        return None

    def _redraw(self, message: Message) -> None:
        """Draw one turn again (its look changed) and send only the rows that changed."""
        index = self._index_of(message)
        if index is None or not self._width or index >= len(self._lines):
            return
        if message is self._reply_message:
            self._reply = None  # a streaming reply drawn anew with its new look
        self._replace_lines(index, self._draw(message))

    def _replace_lines(self, index: int, lines: Sequence[Strip], first: int | None = None) -> None:
        """Put `lines` in place of turn `index`'s and refresh the rows that changed."""
        old = self._lines[index]
        self._lines[index] = lines
        if first is None:
            first = first_difference(old, lines)
        top = self._tops[index]
        grown = len(lines) - len(old)
        if grown:
            for later in range(index + 1, len(self._tops)):
                self._tops[later] += grown
            self._height += grown
        if grown < 0 or (grown and index + 1 < len(self._tops)):
            self._refresh_rows(top + first, self._height + max(0, -grown))  # rows below moved
        elif grown or first < len(lines):
            # The rows below show what was drawn there (nothing, past the last turn): only
            # the cells that differ are sent (the end of a line a token extended).
            end = len(lines) if grown else last_difference(old, lines, first) + 1
            self._refresh_cells(top, first, end, old, lines)
        if grown:
            self._update_virtual_size()

    def _shown_rows(self, start: int, end: int) -> range:
        """The content rows start..end (end excluded) that are on screen."""
        scroll_y = round(self.scroll_y)
        height = self.scrollable_content_region.height
        return range(max(start, scroll_y), min(end, scroll_y + height))

    def _refresh_cells(
        self, top: int, first: int, end: int, old: Sequence[Strip], new: Sequence[Strip]
    ) -> None:
        """Refresh the cells that differ between a turn's `old` and `new` lines first..end
        (end excluded), the turn starting at content row `top`, where they are on screen
        (a burst of text is hundreds of lines, of which a screenful is shown)."""
        width = self._width
        shift = self.styles.gutter.top - round(self.scroll_y)
        for row in self._shown_rows(top + first, top + end):
            offset = row - top
            before = old[offset] if offset < len(old) else self._blank()
            # As drawn: with word wrap off, text growing past the edge changes only the mark.
            columns = changed_columns(self._cut(before, width), self._cut(new[offset], width))
            if columns is not None:
                start, stop = columns
                self.refresh(Region(start, row + shift, stop - start, 1))

    def _refresh_rows(self, start: int, end: int) -> None:
        """Refresh the content rows start..end (end excluded) that are on screen."""
        shown = self._shown_rows(start, end)
        if shown:
            y = shown.start - round(self.scroll_y) + self.styles.gutter.top
            self.refresh(Region(0, y, self.size.width, len(shown)))

    @property
    def _step(self) -> int:
        if self.follow_step is None:
            return max(1, self.scrollable_content_region.height // 2)
        return max(1, self.follow_step)

    def _update_virtual_size(self) -> None:
        height = self._height
        if self._following:
            height = rounded_up(height, self._step)
        self._set_virtual_height(height)
        if self._following:
            self._follow_to(self.max_scroll_y)

    def _set_virtual_height(self, height: int) -> None:
        size = Size(self._width, height)
        old = self.virtual_size
        if size == old:
            return
        # Whether Textual shows the bar at this height (a compare column's is always shown).
        overflow = self.styles.overflow_y
        shown = overflow == "scroll" or (
            overflow == "auto" and height > self.scrollable_content_region.height
        )
        if size.width != old.width or height < old.height or shown != self.show_vertical_scrollbar:
            # The scrollbar comes or goes, or the text shrank: Textual lays the view out
            # again and repaints it.
            self.virtual_size = size
            return
        # Growing text changes nothing on screen but the scrollbar's thumb: setting the
        # size quietly spares the repaint of the whole view that Textual does for any change.
        bar = self.vertical_scrollbar if shown else None
        before = terminal_scroll.bar_state(bar) if bar is not None else None
        self.set_reactive(ScrollView.virtual_size, size)
        if bar is not None and before is not None:
            bar.set_reactive(ScrollBar.window_virtual_size, height)
            terminal_scroll.refresh_bar(bar, before, 0)

    def _follow_to(self, row: int) -> None:
        """Scroll to `row` following the text: down by a few rows, the terminal moves the
        rows it already shows and only the new ones are drawn."""
        rows = row - round(self.scroll_y)
        if rows <= 0 or not self.show_vertical_scrollbar:
            self._scroll_to_row(row)
            return
        bar = self.vertical_scrollbar
        if not terminal_scroll.scroll_up(self, rows):
            self._scroll_to_row(row)
            return
        before = terminal_scroll.bar_state(bar)
        self._terminal_moves = True
        try:
            self._scroll_to_row(row)
        finally:
            self._terminal_moves = False
        terminal_scroll.shift_pending(self, rows)
        terminal_scroll.shift_pending(bar, rows)
        outer = self.outer_size
        came_in = Region(0, outer.height - rows, outer.width, rows)
        self.refresh(came_in.translate(-self.content_offset))
        terminal_scroll.refresh_bar(bar, before, rows)

    def _scroll_to_row(self, row: int) -> None:
        if round(self.scroll_y) == row:
            return
        self._moving = True
        try:
            self.scroll_to(y=row, animate=False, immediate=True, force=True)
        finally:
            self._moving = False

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        if self._terminal_moves:
            # The terminal moves the rows (see `_follow_to`): no repaint of the view.
            self.vertical_scrollbar.set_reactive(ScrollBar.position, new_value)
        else:
            super().watch_scroll_y(old_value, new_value)
        if not self._moving:
            # Scrolled by the user: up lets go of the end, back down to it follows again.
            following = round(new_value) >= self.max_scroll_y
            if following != self._following:
                self._following = following
                self._update_virtual_size()

    def follow(self) -> None:
        """Jump to the end and follow new text again."""
        self._following = True
        self._update_virtual_size()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open_tools":
            return self._selected is not None and bool(self._selected.tool_calls)
        if action == "open_summary":
            return self._selected is not None and is_summary(self._selected)
        # Nothing scrolls sideways here: Left and Right belong to the conversation (versions).
        return action not in ("scroll_left", "scroll_right")

    # -- drawing -----------------------------------------------------------------------------

    def _blank(self) -> Strip:
        return Strip.blank(self._width, self._style)

    def _earlier_line(self) -> Strip:
        style = self.get_component_rich_style("transcript--earlier")
        note = f"↑ {count_of(self._hidden, 'earlier message')} · Ctrl+Up shows more"
        pad = max(0, (self._width - len(note)) // 2)
        return Strip([Segment(" " * pad, self._style), Segment(note, self._style + style)])

    def _row(self, row: int) -> Strip:
        if self._hidden and row == 0:
            return self._earlier_line()
        index = bisect_right(self._tops, row) - 1
        if index < 0:
            return self._blank()
        lines = self._lines[index]
        offset = row - self._tops[index]
        return lines[offset] if offset < len(lines) else self._blank()

    def render_line(self, y: int) -> Strip:
        row = round(self.scroll_y) + y
        width = self._width or self.scrollable_content_region.width
        if row >= self._height:
            return Strip.blank(width, self._style)
        strip = self._cut(self._row(row), width)
        selection = self.text_selection
        if selection is not None:
            span = selection.get_span(row)
            if span is not None:
                strip = self._highlighted(strip, *span)
        return strip.apply_offsets(0, row)

    def _cut(self, strip: Strip, width: int) -> Strip:
        """`strip` fitted to the view; a line drawn wider (word wrap off) whose text goes on
        past the edge ends in a mark, so a cut is never mistaken for the end of a line."""
        fitted = strip.crop_extend(0, width, self._style)
        if width < 2 or strip.cell_length <= width or not strip.crop(width).text.strip():
            return fitted
        style = self._style + self.get_component_rich_style("transcript--earlier")
        return Strip.join([fitted.crop(0, width - 1), Strip([Segment(CUT_MARK, style)], 1)])

    def _highlighted(self, strip: Strip, start: int, end: int) -> Strip:
        end = strip.cell_length if end == -1 else min(end, strip.cell_length)
        if start >= end:
            return strip
        before, middle, after = strip.divide([start, end, strip.cell_length])[:3]
        style = self.screen.get_component_rich_style("screen--selection")
        lit = Strip(Segment.apply_style(list(middle), post_style=style))
        return Strip.join([before, lit, after])

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        return selection.extract("\n".join(self.text_lines())), "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        self.refresh()

    # -- a reply being streamed -------------------------------------------------------------

    def start_reply(self, message: Message, sync: Callable[[], None] = _noop) -> None:
        """Draw `message` as the reply being streamed, at the end; `sync` brings its text
        up to date before each flush (the turn joins its fragments only when asked)."""
        self._reply_message = message
        self._reply = None
        self._sync = sync
        self._reply_changed = False
        self._drawn_at = monotonic()
        self._pieces = 0
        self._layout()
        self.refresh()
        if self._timer is None and self._own_flushes:
            self._timer = self.set_interval(self._flushes.interval, self._flushes.tick)

    def reply_changed(self) -> None:
        """More of the reply arrived: it is drawn at the next flush, or as soon as the
        reply pauses (see `QUIET_FLUSH`)."""
        self._reply_changed = True
        self._changed_at = monotonic()
        self._pieces += 1
        if self._quiet is None:
            self._quiet = asyncio.get_running_loop().call_later(QUIET_FLUSH, self._flush_if_quiet)

    def _flush_if_quiet(self) -> None:
        self._quiet = None
        if not self._reply_changed or self._reply_message is None:
            return
        now = monotonic()
        if self.in_burst(now):
            # The pause is the app's own (a frame drawn mid-burst), or the burst's end,
            # which `finish_reply` draws; a burst that pauses is drawn by the ticks.
            return
        gap = self._flushes.interval / QUIET_FLUSHES
        wait = max(self._changed_at + QUIET_FLUSH, self._flushes.flushed_at + gap) - now
        if wait > 0:
            self._quiet = asyncio.get_running_loop().call_later(wait, self._flush_if_quiet)
        else:
            self.flush()

    def in_burst(self, now: float) -> bool:
        """Whether the reply arrives faster than `BURST_RATE` (at least `BURST_PIECES` of
        it), and was drawn less than `BURST_FLUSH` seconds ago."""
        since = now - self._drawn_at
        return since < BURST_FLUSH and self._pieces > max(BURST_PIECES, BURST_RATE * since)

    def flush(self) -> bool:
        """Draw what arrived of the reply since the last flush; False when there was
        nothing to draw."""
        if not self._reply_changed or self._reply is None:
            return False
        self._flushes.flushed_at = self._drawn_at = monotonic()
        self._pieces = 0
        if not self.is_on_screen:
            # In a tab not shown: drawing text nobody sees costs the shown tab its
            # responsiveness. It catches up when it is shown again.
            return False
        self._reply_changed = False
        self._sync()
        if self._reply_message is not None and self._reply_message.tool_calls:
            self._reply.tool_results = self._results_of(self._reply_message)
        first = self._reply.update()
        index = len(self._turns) - 1
        if index >= 0 and self._turns[index] is self._reply_message:
            self._replace_lines(index, self._reply.strips, first)
        return True

    def finish_reply(self) -> None:
        """Draw the end of the reply now, with its final line; its streamed lines stay."""
        message = self._reply_message
        if message is None:
            return
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self._quiet is not None:
            self._quiet.cancel()
            self._quiet = None
        self._sync()
        reply, self._reply = self._reply, None
        self._reply_message = None
        self._sync = _noop
        self._reply_changed = False
        if reply is None:
            self._layout()
            self.refresh()
            return
        lines = reply.finish()
        index = self._index_of(message)
        if index is None:
            self._layout()  # the turn never reached the conversation
            self.refresh()
        elif self._reply_selected:
            self._redraw(message)  # kept unselected, the selected look laid over them
        else:
            self._cache[id(message)] = (message, self._key(message), lines)
            self._replace_lines(index, lines.strips)
        # The last words are what the user waits for: drawn now, not at the next tick.
        bars = (self.vertical_scrollbar,) if self.show_vertical_scrollbar else ()
        frame_timer.draw_now(self, *bars)

    # -- selecting a turn -------------------------------------------------------------------

    @property
    def selected(self) -> Message | None:
        """The turn the conversation's keys act on while the transcript has focus."""
        return self._selected

    def _is_selected(self, message: Message) -> bool:
        return message is self._selected and self.has_focus

    def _is_thinking_open(self, message: Message) -> bool:
        """Closed unless the user opened it (a reply being streamed shows it open until
        its answer starts)."""
        return self._thinking_open.get(id(message), False)

    def _thinking_line(self, message: Message) -> int | None:
        cached = self._cache.get(id(message))
        if cached is not None and cached[0] is message:
            return cached[2].thinking_line
        return 0 if message.thinking else None  # a reply streaming starts with it

    def select(self, message: Message | None) -> None:
        old, self._selected = self._selected, message
        for turn in (old, message):
            if turn is not None:
                self._redraw(turn)
        if message is not None:
            self.refresh_bindings()  # what the keys can do depends on the turn
            self._scroll_to_turn(message)

    def _scroll_to_turn(self, message: Message) -> None:
        index = self._index_of(message)
        if index is None or index >= len(self._tops):
            return
        if self._height <= self.scrollable_content_region.height:
            return  # everything fits: stay at the end
        top = self._tops[index]
        height = len(self._lines[index])
        view = self.scrollable_content_region.height
        scroll_y = round(self.scroll_y)
        if height > view or top < scroll_y:
            target = top  # a turn taller than the view is shown from its top
        elif top + height > scroll_y + view:
            target = top + height - view
        else:
            target = scroll_y
        self._following = False  # reading back: new text must not pull the view away
        self._update_virtual_size()
        self._scroll_to_row(min(target, self.max_scroll_y))

    def toggle_thinking(self, message: Message | None = None) -> None:
        """Open or close the thinking of `message` (the selected turn by default)."""
        message = message or self._selected
        if message is None or not message.thinking:
            return
        shown = self._thinking_open.get(id(message))
        if shown is None and message is self._reply_message:
            shown = not message.content  # open while the model only thinks
        self._thinking_open[id(message)] = not shown
        self._redraw(message)

    def refresh_tools(self, reply: Message) -> None:
        """A call of `reply` was asked for, started or answered: draw its block again."""
        self._cache.pop(id(reply), None)
        if reply is self._reply_message and self._reply is not None:
            self._reply.tool_results = self._results_of(reply)
            self.reply_changed()
            return
        self._redraw(reply)

    def action_open_tools(self) -> None:
        """Open or close the tool calls of the selected reply."""
        message = self._selected
        if message is None or not message.tool_calls:
            return
        self._tools_open ^= {id(message)}
        self._redraw(message)

    def action_open_summary(self) -> None:
        if self._selected is not None and is_summary(self._selected):
            self.post_message(self.SummaryOpened(self._selected))

    def watch_has_focus(self, has_focus: bool) -> None:
        # The selected turn looks selected only while the keys act on it (focused); the
        # value is set here, after Focus and Blur have been handled.
        super().watch_has_focus(has_focus)
        if has_focus and self._selected is None:
            self.select(self._turns[-1] if self._turns else None)
        elif self._selected is not None:
            self._redraw(self._selected)

    def action_select(self, step: int) -> None:
        if not self._turns:
            return
        current = self._selected
        index = self._index_of(current) if current is not None else None
        if current is None or index is None:
            index = len(self._turns) - 1
        else:
            index += step
            if index < 0 and self.show_earlier():
                index = (self._index_of(current) or 0) - 1
        self.select(self._turns[max(0, min(index, len(self._turns) - 1))])

    def action_select_end(self, direction: int) -> None:
        if not self._turns:
            return
        self.select(self._turns[0] if direction < 0 else self._turns[-1])
        if direction > 0:
            self.follow()

    def show_earlier(self, batch: int = LIVE_WINDOW) -> int:
        """Lay out up to `batch` more of the earlier turns above the others; returns how
        many. The rows on screen stay where they are."""
        shown = min(batch, self._hidden)
        if not shown:
            return 0
        before = self._height
        self._hidden -= shown
        self._layout()
        if not self._following:
            self._scroll_to_row(round(self.scroll_y) + self._height - before)
        self.refresh()
        return shown

    # -- the mouse ---------------------------------------------------------------------------

    def action_link(self, href: str) -> None:
        """A link was clicked (its lines carry this action, never a terminal hyperlink)."""
        self.post_message(self.LinkClicked(href))

    def on_click(self, event: events.Click) -> None:
        if "@click" in event.style.meta:
            return  # a link: its action runs
        row = round(self.scroll_y) + event.y - self.styles.gutter.top
        index = bisect_right(self._tops, row) - 1
        if not 0 <= index < len(self._turns):
            return
        message = self._turns[index]
        if row - self._tops[index] == self._thinking_line(message) and message.thinking:
            self.toggle_thinking(message)
        if self.has_focus:
            self.select(message)
        else:
            self._selected = message
            self.focus()
