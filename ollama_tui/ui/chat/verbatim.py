"""Provides text drawn exactly as it was written: a prompt as the user typed it, and a reply
that should have been JSON, so the line numbers of its error match what is on screen."""

from __future__ import annotations

import re

from rich.console import Group, RenderableType
from rich.style import Style
from rich.syntax import Syntax
from rich.text import Text
from textual.widget import Widget

from ...domain.quantities import format_size
from ...domain.text import sanitize_for_terminal

DISPLAY_LIMIT = 100_000
"""Characters of one message drawn on screen. The rest is kept (saved, copied, exported)
but not drawn: laying out megabytes of Markdown stalled the app for a minute (5 MB: 67 s)."""

_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})\s*([^\s`]*)")
"""A line opening a fenced code block (CommonMark: up to three spaces, then ``` or ~~~, then
the language)."""


def code_theme(dark: bool) -> str:
    """Rich's code theme that follows the terminal's own palette, as replies use."""
    return "ansi_dark" if dark else "ansi_light"


def drawn_end(text: str) -> int:
    """Where drawing `text` stops: its end, or the last line end within DISPLAY_LIMIT."""
    if len(text) <= DISPLAY_LIMIT:
        return len(text)
    return text.rfind("\n", 0, DISPLAY_LIMIT) + 1 or DISPLAY_LIMIT


def not_drawn_note(hidden: int) -> str:
    """What is said in place of the `hidden` characters not drawn."""
    return (
        f"… {format_size(hidden)} more of this message is not drawn here. It is saved: "
        "Shift+Tab then c copies all of it, and Ctrl+O exports the conversation."
    )


def as_typed(text: str, theme: str) -> Text:
    """`text` with every line break, space and tab where it was typed; the code between
    fences coloured as code, the fences kept (dimmed): what is sent is what is shown."""
    result = Text()
    lines = text.splitlines(keepends=True)
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        opening = _FENCE.match(line)
        if opening is None:
            result.append(line)
            continue
        result.append(line, style="dim")
        fence, language = opening.groups()
        code: list[str] = []
        while index < len(lines):
            closing = lines[index].strip()
            if closing.startswith(fence) and not closing.lstrip(fence[0]):
                break
            code.append(lines[index])
            index += 1
        if code:
            source = "".join(code)
            result.append_text(_highlighted(source, language, theme))
        if index < len(lines):  # the closing fence; an unclosed block runs to the end
            result.append(lines[index], style="dim")
            index += 1
    return result


def _highlighted(code: str, language: str, theme: str) -> Text:
    """`code` coloured as `language` (plain when Pygments does not know it)."""
    text = Syntax(code, language or "text", theme=theme).highlight(code)
    # Without the theme's background, which painted a ragged box behind the code alone.
    text.style = ""
    text.spans = [span for span in text.spans if Style.parse(str(span.style)).bgcolor is None]
    return text


class VerbatimText(Widget):
    """Text drawn as written (see `as_typed`), with its code fences highlighted."""

    DEFAULT_CSS = "VerbatimText { height: auto; }"

    def __init__(self, text: str, *, classes: str = "") -> None:
        super().__init__(classes=classes)
        self.source = sanitize_for_terminal(text)
        self._drawn: tuple[str, Text] | None = None

    def render(self) -> RenderableType:
        # Highlighted once per code theme: Textual asks again at every layout of the transcript.
        theme = code_theme(self.app.current_theme.dark)
        if self._drawn is None or self._drawn[0] != theme:
            end = drawn_end(self.source)
            text = as_typed(self.source[:end], theme)
            if end < len(self.source):
                note = not_drawn_note(len(self.source) - end)
                text.append(f"\n{note}", style="italic")
            self._drawn = (theme, text)
        return self._drawn[1]


class NumberedText(Widget):
    """A reply that should have been JSON but is not, as written, with its line numbers:
    the parser's error names a line and a column."""

    DEFAULT_CSS = "NumberedText { height: auto; }"

    def __init__(self, text: str, *, classes: str = "") -> None:
        super().__init__(classes=classes)
        self.source = sanitize_for_terminal(text)

    def render(self) -> RenderableType:
        theme = code_theme(self.app.current_theme.dark)
        end = drawn_end(self.source)
        numbered = Syntax(
            self.source[:end],
            "json",
            theme=theme,
            line_numbers=True,
            word_wrap=True,
        )
        if end == len(self.source):
            return numbered
        return Group(numbered, Text(not_drawn_note(len(self.source) - end), style="italic"))
