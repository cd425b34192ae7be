"""Provides text drawn as it was written, as lines: a prompt as typed (fences highlighted and
kept), a reply that should have been JSON (numbered, or indented when it parses), plain text
that grows (thinking), and the draw limit with its note."""

from __future__ import annotations

import re
from functools import lru_cache

from rich.errors import StyleSyntaxError
from rich.style import Style
from rich.text import Text
from textual.content import Content
from textual.strip import Strip
from textual.style import Style as TextualStyle

from ...domain.quantities import format_size
from .render_lines import Frame, render_lines
from .render_palette import RenderPalette

DISPLAY_LIMIT = 100_000
"""Characters of one message drawn on screen. The rest is kept (saved, copied, exported)
but not drawn: laying out megabytes of Markdown stalled the app for a minute (5 MB: 67 s)."""

_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})\s*([^\s`]*)")
"""A line opening a fenced code block (CommonMark: up to three spaces, then ``` or ~~~, then
the language)."""


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


def drawn_markdown(text: str) -> str:
    """Markdown `text`, or its first DISPLAY_LIMIT characters (at a line end), an open fence
    closed, and a note of the rest."""
    cut = drawn_end(text)
    if cut == len(text):
        return text
    fence_open = text.count("```", 0, cut) % 2 == 1
    note = f"\n\n*{not_drawn_note(len(text) - cut)}*\n"
    return text[:cut] + ("```\n" if fence_open else "") + note


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
            result.append_text(_highlighted("".join(code), language, theme))
        if index < len(lines):  # the closing fence; an unclosed block runs to the end
            result.append(lines[index], style="dim")
            index += 1
    return result


def _highlighted(code: str, language: str, theme: str) -> Text:
    """`code` coloured as `language` (plain when Pygments does not know it)."""
    from rich.syntax import Syntax

    text = Syntax(code, language or "text", theme=theme).highlight(code)
    # Without the theme's background, which painted a ragged box behind the code alone.
    text.style = ""
    text.spans = [span for span in text.spans if Style.parse(str(span.style)).bgcolor is None]
    return text


def _note_lines(hidden: int, frame: Frame, palette: RenderPalette) -> list[Strip]:
    note = Text(not_drawn_note(hidden), style=palette.muted + Style(italic=True))
    return frame.strips(render_lines(note, frame.inner, palette))


def prompt_lines(text: str, frame: Frame, palette: RenderPalette) -> list[Strip]:
    """A prompt (sanitised) as typed, up to the draw limit."""
    end = drawn_end(text)
    typed = as_typed(text[:end], palette.code_theme)
    typed.rstrip()
    strips = frame.strips(render_lines(typed, frame.inner, palette)) if typed else []
    if end < len(text):
        strips += _note_lines(len(text) - end, frame, palette)
    return strips


def numbered_lines(text: str, frame: Frame, palette: RenderPalette) -> list[Strip]:
    """A reply that should have been JSON but is not, as written, with its line numbers: the
    parser's error names a line and a column."""
    from rich.syntax import Syntax

    end = drawn_end(text)
    numbered = Syntax(
        text[:end], "json", theme=palette.code_theme, line_numbers=True, word_wrap=True
    )
    strips = frame.strips(render_lines(numbered, frame.inner, palette))
    if end < len(text):
        strips += _note_lines(len(text) - end, frame, palette)
    return strips


def json_lines(pretty: str, frame: Frame, palette: RenderPalette) -> list[Strip]:
    """A reply asked for as JSON that parses: indented and highlighted."""
    from rich.syntax import Syntax

    syntax = Syntax(pretty, "json", theme=palette.code_theme, word_wrap=True)
    return frame.strips(render_lines(syntax, frame.inner, palette))


def text_lines(text: Text, frame: Frame, palette: RenderPalette) -> list[Strip]:
    """Rich text wrapped to the frame."""
    return frame.strips(render_lines(text, frame.inner, palette))


class GrowingText:
    """Plain text (sanitised) that may grow, wrapped line by line: an update renders only
    the lines that are new or not yet complete."""

    def __init__(self, frame: Frame, palette: RenderPalette, style: Style) -> None:
        self._frame = frame
        self._palette = palette
        self._style = style
        self._done = ""
        """The text up to its last line break, whose lines are in `_done_lines`."""
        self._done_lines: list[Strip] = []
        self.lines: list[Strip] = []

    def _render(self, line: str) -> list[Strip]:
        if not line:
            return [self._frame.blank()]
        return text_lines(Text(line, style=self._style), self._frame, self._palette)

    def update(self, text: str) -> list[Strip]:
        if not text.startswith(self._done):
            self._done, self._done_lines = "", []
        end = text.rfind("\n") + 1
        if end > len(self._done):
            for line in text[len(self._done) : end - 1].split("\n"):
                self._done_lines += self._render(line)
            self._done = text[:end]
        last = text[end:]
        self.lines = self._done_lines + (self._render(last) if last else [])
        return self.lines


@lru_cache(maxsize=8)
def _variables(palette: RenderPalette) -> dict[str, Style]:
    """The theme variables Textual's widgets are styled with, in the palette's colours."""
    return {
        "$accent": palette.accent,
        "$text-accent": palette.accent,
        "$warning": palette.warning,
        "$text-warning": palette.warning,
        "$error": palette.error,
        "$text-error": palette.error,
        "$success": palette.success,
        "$text-success": palette.success,
        "$text-muted": palette.muted,
        "$primary": palette.user_bar,
    }


def _style(palette: RenderPalette, name: str | TextualStyle) -> Style:
    """A `Content` span's style: variables in the palette's colours, text styles as such."""
    if isinstance(name, TextualStyle):
        return name.rich_style
    variables = _variables(palette)
    style = Style()
    for word in name.split():
        if word in variables:
            style += variables[word]
        elif not word.startswith("$"):
            try:
                style += Style.parse(word)
            except StyleSyntaxError:
                continue  # a colour with a percentage, or Textual-only: drawn plain
    return style


def content_lines(content: Content, frame: Frame, palette: RenderPalette) -> list[Strip]:
    """A Textual `Content` (a block another module describes, such as a reply's tool calls)
    as lines; its text is made inert as every line's is."""
    text = Text(content.plain)
    for span in content.spans:
        text.stylize(_style(palette, span.style), span.start, span.end)
    return text_lines(text, frame, palette)
