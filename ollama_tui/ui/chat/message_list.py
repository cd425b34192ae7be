"""Provides the transcript: a scrolling list that mounts only the recent turns, and in which
one turn can be selected from the keyboard to act on it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll

from ...domain.conversation import Message, Role
from ..kit.keys import bindings
from .message_widgets import AssistantMessage, EarlierMessages, UserMessage
from .tool_blocks import results_for

LIVE_WINDOW = 20
"""Turns mounted when a conversation opens: each Markdown block is a widget, and every
append while streaming costs time in proportion to the widgets on screen."""

TurnWidget = UserMessage | AssistantMessage
_NOT_TURNS = (Role.SYSTEM, Role.TOOL)
"""Not drawn as turns: the system prompt is in F4, a tool's answer in its reply's block."""


class MessageList(VerticalScroll, can_focus=True):
    """The turns of one conversation, following the bottom only while the user is there.

    Focused (Shift+Tab from the composer), Up and Down select a turn; the conversation's
    keys then act on the selected one.
    """

    BINDINGS = bindings("transcript")

    def __init__(self, messages: list[Message], *, flush_hz: float, user_label: str) -> None:
        super().__init__(classes="message-list")
        self._conversation = messages
        """The conversation's own list (changed in place), where the tools' answers are."""
        self._messages = [m for m in messages if m.role not in _NOT_TURNS]
        self._flush_hz = flush_hz
        self._user_label = user_label
        self._mounted_from = max(0, len(self._messages) - LIVE_WINDOW)
        self._earlier = EarlierMessages()
        self._selected: TurnWidget | None = None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open_tools":
            selected = self.selected
            return isinstance(selected, AssistantMessage) and bool(selected.message.tool_calls)
        # Nothing scrolls sideways here: Left and Right belong to the conversation (versions).
        return action not in ("scroll_left", "scroll_right")

    def _results_of(self, message: Message) -> list[Message]:
        return results_for(message, self._conversation)

    def _turn_widget(self, message: Message) -> TurnWidget:
        if message.role is Role.ASSISTANT:
            return AssistantMessage(message, flush_hz=self._flush_hz, tool_results=self._results_of)
        return UserMessage(message, label=self._user_label)

    def compose(self) -> ComposeResult:
        self._earlier.set_count(self._mounted_from)
        yield self._earlier
        for message in self._messages[self._mounted_from :]:
            yield self._turn_widget(message)

    def on_mount(self) -> None:
        # anchor() follows the bottom and lets go when the user scrolls up.
        self.anchor()

    async def add(self, message: Message) -> TurnWidget:
        """Mount a new turn at the end."""
        self._messages.append(message)
        widget = self._turn_widget(message)
        await self.mount(widget)
        return widget

    def turns(self) -> list[TurnWidget]:
        return [w for w in self.children if isinstance(w, (UserMessage, AssistantMessage))]

    async def remove_turn(self, message: Message) -> None:
        await self.replace_turns([message], [])

    async def replace_turns(self, old: list[Message], new: list[Message]) -> list[TurnWidget]:
        """Swap the turns of `old` (a tail of the transcript) for those of `new`."""
        gone = {id(message) for message in old}
        self._messages = [m for m in self._messages if id(m) not in gone]
        widgets = [w for w in self.turns() if id(w.message) in gone]
        if self._selected in widgets:
            self._selected = None
        fresh = [self._turn_widget(m) for m in new if m.role not in _NOT_TURNS]
        self._messages += [w.message for w in fresh]
        with self.app.batch_update():
            await self.remove_children(widgets)
            if fresh:
                await self.mount_all(fresh)
        return fresh

    async def show_earlier(self, batch: int = LIVE_WINDOW) -> int:
        """Mount up to `batch` more of the earlier turns above the others; returns how many."""
        start = max(0, self._mounted_from - batch)
        widgets = [self._turn_widget(m) for m in self._messages[start : self._mounted_from]]
        if not widgets:
            return 0
        with self.app.batch_update():
            await self.mount_all(widgets, after=self._earlier)
        self._mounted_from = start
        self._earlier.set_count(start)
        return len(widgets)

    def follow(self) -> None:
        """Jump to the end and follow new text again."""
        self.anchor()

    # -- selecting a turn -------------------------------------------------------------------

    @property
    def selected(self) -> TurnWidget | None:
        """The turn the conversation's keys act on while the transcript has focus."""
        if self._selected is not None and self._selected.parent is not self:
            self._selected = None
        return self._selected

    def select(self, widget: TurnWidget | None) -> None:
        if self._selected is not None:
            self._selected.remove_class("-selected")
        self._selected = widget
        if widget is not None:
            widget.add_class("-selected")
            self.refresh_bindings()  # what the keys can do depends on the turn
            # After the next layout: a turn just mounted has no place yet to scroll to.
            self.call_after_refresh(self._scroll_to_turn, widget)

    def _scroll_to_turn(self, widget: TurnWidget) -> None:
        if widget.parent is not self:
            return
        if self.max_scroll_y == 0:
            # Everything fits: stay anchored, which keeps short transcripts at the bottom.
            self.anchor()
            return
        self.release_anchor()  # reading back: new text must not pull the view away
        # A turn taller than the view is shown from its top, where reading starts.
        tall = widget.outer_size.height > self.scrollable_content_region.height
        self.scroll_to_widget(widget, animate=False, top=tall)

    def select_message(self, message: Message) -> None:
        for widget in self.turns():
            if widget.message is message:
                self.select(widget)
                return

    def on_focus(self) -> None:
        if self.selected is None:
            turns = self.turns()
            self.select(turns[-1] if turns else None)

    async def action_select(self, step: int) -> None:
        turns = self.turns()
        if not turns:
            return
        current = self.selected
        index = turns.index(current) + step if current in turns else len(turns) - 1
        if index < 0 and await self.show_earlier():
            turns = self.turns()
            index = turns.index(current) - 1 if current in turns else 0
        self.select(turns[max(0, min(index, len(turns) - 1))])

    def refresh_tools(self, reply: Message) -> None:
        """A call of `reply` was asked for, started or answered: redraw its block."""
        for widget in self.turns():
            if widget.message is reply and isinstance(widget, AssistantMessage):
                widget.refresh_tools()

    def action_open_tools(self) -> None:
        selected = self.selected
        if isinstance(selected, AssistantMessage):
            selected.tools_open = not selected.tools_open

    def action_select_end(self, direction: int) -> None:
        turns = self.turns()
        if turns:
            self.select(turns[0] if direction < 0 else turns[-1])
