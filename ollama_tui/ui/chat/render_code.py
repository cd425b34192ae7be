"""Provides code blocks as lines: highlighted by Pygments (through Rich), on a panel of the
code colour, each source line rendered once and kept while it stays the same.

A fence still streaming is highlighted whole at each flush (a later line can change an
earlier one's colours: an opened string), but only its new or changed lines are wrapped and
made into lines again: through Rich's Syntax a 300-line block cost ~50 ms a flush, nine
tenths of it laying out lines that had not changed.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from rich.segment import Segment
from rich.text import Text
from textual.strip import Strip

from .render_lines import BLOCKS_KEPT, Frame, LastUsed, render_lines
from .render_palette import RenderPalette

if TYPE_CHECKING:
    from rich.syntax import SyntaxTheme

TAB_SIZE = 4


@lru_cache(maxsize=64)
def _lexer(language: str) -> Any:
    """Pygments' lexer for `language` (plain text when it knows none), made once: Rich's
    Syntax looks it up again at every highlight."""
    from rich.syntax import Syntax

    syntax = Syntax("", language or "text", tab_size=TAB_SIZE)
    return syntax.lexer or syntax.default_lexer


@lru_cache(maxsize=4)
def _theme(name: str) -> SyntaxTheme:
    from rich.syntax import Syntax

    return Syntax.get_theme(name)


_BLOCKS = LastUsed(BLOCKS_KEPT // 4)

CHUNK = 40
"""Lines of a code block still streaming that are highlighted together (see `CodeLines`)."""


def highlight(code: str, language: str, theme_name: str) -> Text:
    """`code` coloured as `language`, without the theme's background."""
    from rich.syntax import Syntax

    syntax = Syntax(code, _lexer(language), theme=_theme(theme_name), tab_size=TAB_SIZE)
    text = syntax.highlight(code)
    text.style = ""
    return text


class CodeLines:
    """Code blocks drawn in one frame, remembering each line's rendering for the next time
    the same block (or one that grew) is drawn."""

    def __init__(self, frame: Frame, palette: RenderPalette) -> None:
        panel = frame.body + palette.code_background
        # One cell of the panel each side of the code, inside the message's margins.
        self._frame = Frame(
            frame.width,
            (*frame.left, Segment(" ", panel)),
            (Segment(" ", panel), *frame.right),
            panel,
        )
        self._palette = palette
        self._lines: dict[tuple[object, ...], list[Strip]] = {}
        self._chunks: dict[str, list[Text]] = {}

    def _highlighted(self, code: str, language: str, whole: bool) -> list[Text]:
        """The lines of `code` highlighted: as one text when `whole`, else in chunks of
        CHUNK lines each highlighted alone, of which only the last (the one growing) is
        highlighted again at the next flush. A string or comment open across a chunk's
        edge may be coloured wrongly until the block is closed and highlighted whole."""
        theme = self._palette.code_theme
        if whole:
            return _lines(highlight(code, language, theme))
        lines = code.split("\n")
        kept: dict[str, list[Text]] = {}
        texts: list[Text] = []
        for start in range(0, len(lines), CHUNK):
            chunk = "\n".join(lines[start : start + CHUNK])
            highlighted = kept.get(chunk) or self._chunks.get(chunk)
            if highlighted is None:
                highlighted = _lines(highlight(chunk, language, theme))
            kept[chunk] = highlighted
            texts += highlighted
        self._chunks = kept
        return texts

    def render(self, code: str, language: str, *, whole: bool = True) -> list[Strip]:
        """The lines of one code block (its trailing blank lines dropped); `whole` false
        for a block still streaming."""
        block = (code, language, self._frame, self._palette)
        if whole and (done := _BLOCKS.get(block)) is not None:
            return done
        kept: dict[tuple[object, ...], list[Strip]] = {}
        strips: list[Strip] = []
        for line in self._highlighted(code.rstrip(), language, whole):
            key = (line.plain, *line.spans)
            drawn = kept.get(key) or self._lines.get(key)
            if drawn is None:
                drawn = self._frame.strips(render_lines(line, self._frame.inner, self._palette))
                drawn = drawn or [self._frame.blank()]
            kept[key] = drawn
            strips += drawn
        self._lines = kept
        return _BLOCKS.put(block, strips) if whole else strips


def _lines(text: Text) -> list[Text]:
    """`text` cut at its line breaks, without the empty line after the last one."""
    lines = list(text.split("\n", allow_blank=True))
    if lines and not lines[-1].plain:
        lines.pop()
    return lines
