"""Provides the transcript: a scrolling list that mounts only the recent turns."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widget import Widget

from ..domain.conversation import Message, Role
from .message_widgets import AssistantMessage, EarlierMessages, UserMessage

LIVE_WINDOW = 20
"""Turns mounted when a conversation opens: each Markdown block is a widget, and every
append while streaming costs time in proportion to the widgets on screen."""


def turn_widget(message: Message, *, flush_hz: float) -> Widget:
    if message.role is Role.ASSISTANT:
        return AssistantMessage(message, flush_hz=flush_hz)
    return UserMessage(message)


class MessageList(VerticalScroll, can_focus=True):
    """The turns of one conversation, following the bottom only while the user is there."""

    def __init__(self, messages: list[Message], *, flush_hz: float) -> None:
        super().__init__(classes="message-list")
        self._messages = [m for m in messages if m.role is not Role.SYSTEM]
        self._flush_hz = flush_hz
        self._mounted_from = max(0, len(self._messages) - LIVE_WINDOW)
        self._earlier = EarlierMessages()

    def compose(self) -> ComposeResult:
        self._earlier.set_count(self._mounted_from)
        yield self._earlier
        for message in self._messages[self._mounted_from :]:
            yield turn_widget(message, flush_hz=self._flush_hz)

    def on_mount(self) -> None:
        # anchor() follows the bottom and lets go when the user scrolls up.
        self.anchor()

    async def add(self, message: Message) -> Widget:
        """Mount a new turn at the end."""
        self._messages.append(message)
        widget = turn_widget(message, flush_hz=self._flush_hz)
        await self.mount(widget)
        return widget

    async def remove_turn(self, message: Message) -> None:
        for widget in self.query(".turn"):
            if getattr(widget, "message", None) is message:
                await widget.remove()
        self._messages.remove(message)

    async def show_earlier(self, batch: int = LIVE_WINDOW) -> int:
        """Mount up to `batch` more of the earlier turns above the others; returns how many."""
        start = max(0, self._mounted_from - batch)
        widgets = [
            turn_widget(message, flush_hz=self._flush_hz)
            for message in self._messages[start : self._mounted_from]
        ]
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
