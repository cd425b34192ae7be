"""Provides the display boundary: the one way a string from outside reaches a widget.

Server fields, session and index files, config values, file names and exception texts can
hold escape sequences (window title, clipboard writes, screen clears), C1 controls and bidi
overrides. Textual's `Content`, `Input` and `TextArea` strip only BEL, BS, VT, FF and CR, and a
plain `str` is parsed as markup. Everything here makes text inert first; the rest of `ui/`
uses these instead of `Input`, `TextArea` and `App.notify` (a test enforces it).
"""

from __future__ import annotations

from typing import Any, Literal

from textual.app import App
from textual.content import Content
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Input, TextArea
from textual.widgets.text_area import Edit, EditResult

from ...domain.text import sanitize_for_terminal


def plain(text: str) -> Content:
    """Model names, titles, server errors: shown exactly, with no markup and no escape bytes.

    A plain `str` given to a Label, a tab title or a toast is parsed as markup, and text such as
    `a[/]b` would crash the app; `Content` is never parsed.
    """
    return Content(sanitize_for_terminal(text))


def notify_plain(
    app: App[Any],
    text: str,
    *,
    severity: Literal["information", "warning", "error"] = "information",
    timeout: float | None = None,
) -> None:
    """A toast whose text is shown as it is: server errors and file names can hold `[/]`."""
    app.notify(sanitize_for_terminal(text), severity=severity, timeout=timeout, markup=False)


class SafeInput(Input):
    """An `Input` that holds only inert text, whoever sets its value: a title from an imported
    file (F2), a `keep_alive` from a session file (F4), a pasted line, or a completion that a
    suggester found on the disk (a file may be named with escape sequences)."""

    def validate_value(self, value: str) -> str:
        return sanitize_for_terminal(value)

    def validate__suggestion(self, suggestion: str) -> str:
        return sanitize_for_terminal(suggestion)


class SafeTextArea(TextArea):
    """A `TextArea` that holds only inert text: loaded (a system prompt or stop sequences
    from a session file) or edited (a paste)."""

    def __init__(self, text: str = "", **kwargs: Any) -> None:
        super().__init__(sanitize_for_terminal(text), **kwargs)

    def load_text(self, text: str) -> None:
        super().load_text(sanitize_for_terminal(text))

    def edit(self, edit: Edit) -> EditResult:
        edit.text = sanitize_for_terminal(edit.text)
        return super().edit(edit)

    def render_lines(self, crop: Region) -> list[Strip]:
        # A screen under a modal one is drawn from its own layout, which only its own
        # refresh timer renews: a frame of the modal screen drawn before that (under load,
        # or a theme chosen there) still holds a text area just taken out of the DOM, and
        # removal clears the component styles Textual's TextArea reads without a default
        # (KeyError: 'text-area--gutter'). Blank for that frame; the next layout drops it.
        if not self.is_attached:
            return [Strip.blank(crop.width)] * crop.height
        return super().render_lines(crop)


def follow_cursor_blink(widget: Widget, blink: bool) -> None:
    """A focused field blinks only if the config says so: Textual's fields (the palette's too)
    blink by default, and each blink is a write to the terminal, twice a second, idle or not."""
    if isinstance(widget, (Input, TextArea)):
        widget.cursor_blink = blink
