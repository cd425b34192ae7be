"""Provides Markdown rendered block by block: a reply's top-level blocks (paragraphs, lists,
fences, tables, quotes) each render once to lines; while the reply grows, only its open last
block renders again, so a flush costs the same at the first line and the thousandth.

A finished text renders through the same path (all blocks closed at once), so a reply looks
the same streamed and reopened. markdown-it, Rich's Markdown and Pygments are imported on the
first render: a new conversation draws no Markdown and does not pay for them at start.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from textual.strip import Strip

from .render_lines import Frame, render_lines
from .render_palette import RenderPalette

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from rich.markdown import Markdown


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    """markdown-it as Rich's Markdown configures it, made once (Rich makes one per text,
    which costs more than parsing a paragraph)."""
    from markdown_it import MarkdownIt

    return MarkdownIt().enable("strikethrough").enable("table")


@lru_cache(maxsize=1)
def _block_parser() -> MarkdownIt:
    """The same parser finding blocks only (no inline parsing): where the top-level blocks
    start and end."""
    from markdown_it import MarkdownIt

    return MarkdownIt().enable("strikethrough").enable("table").disable("inline")


def block_spans(text: str) -> list[tuple[int, int]]:
    """The top-level blocks of `text` as (start, end) offsets of their whole lines."""
    starts = [0]
    position = text.find("\n")
    while position != -1:
        starts.append(position + 1)
        position = text.find("\n", position + 1)
    line_count = len(starts)
    starts.append(len(text))
    spans: list[tuple[int, int]] = []
    for token in _block_parser().parse(text):
        if token.level == 0 and token.nesting != -1 and token.map is not None:
            first, last = token.map
            spans.append((starts[min(first, line_count)], starts[min(last, line_count)]))
    return spans


@lru_cache(maxsize=1)
def _markdown_class() -> Callable[[str, RenderPalette], Markdown]:
    """Rich's Markdown with the transcript's code blocks and quotes (built on first use)."""
    from rich.markdown import BlockQuote, CodeBlock, Markdown
    from rich.syntax import Syntax

    class TranscriptCodeBlock(CodeBlock):
        """Code on a panel of its own colour, without Rich's blank rows above and below."""

        palette: RenderPalette

        @classmethod
        def create(cls, markdown: Markdown, token: Any) -> TranscriptCodeBlock:
            block = super().create(markdown, token)
            assert isinstance(block, TranscriptCodeBlock)
            block.palette = getattr(markdown, "palette")  # noqa: B009 - set by TranscriptMarkdown
            return block

        def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
            background = self.palette.code_background.bgcolor
            yield Syntax(
                str(self.text).rstrip(),
                self.lexer_name,
                theme=self.theme,
                word_wrap=True,
                padding=(0, 1),
                background_color=None if background is None else background.name,
            )

    class TranscriptBlockQuote(BlockQuote):
        """A quote behind a bar in the quote colour; its text keeps the text colour."""

        palette: RenderPalette

        @classmethod
        def create(cls, markdown: Markdown, token: Any) -> TranscriptBlockQuote:
            quote = cls()
            quote.palette = getattr(markdown, "palette")  # noqa: B009
            return quote

        def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
            render_options = options.update(width=options.max_width - 2)
            lines = console.render_lines(self.elements, render_options, style=self.style)
            bar = Segment("▌ ", self.palette.quote)
            new_line = Segment("\n")
            for line in lines:
                yield bar
                yield from line
                yield new_line

    class TranscriptMarkdown(Markdown):
        elements = {
            **Markdown.elements,
            "fence": TranscriptCodeBlock,
            "code_block": TranscriptCodeBlock,
            "blockquote_open": TranscriptBlockQuote,
        }

        def __init__(self, source: str, palette: RenderPalette) -> None:
            # Rich's __init__ with the parser made once: the attributes it sets, as it does.
            self.markup = source
            self.parsed = _parser().parse(source)
            self.code_theme = palette.code_theme
            self.justify = None
            self.style = "none"
            # Links keep their URL as a style, which the lines make into a click action.
            self.hyperlinks = True
            self.inline_code_lexer = None
            self.inline_code_theme = palette.code_theme
            self.palette = palette

    return TranscriptMarkdown


def _is_blank(strip: Strip) -> bool:
    return not strip.text.strip()


def render_block(source: str, frame: Frame, palette: RenderPalette) -> list[Strip]:
    """One Markdown block as framed lines, without blank lines around it."""
    markdown = _markdown_class()(source, palette)
    strips = frame.strips(render_lines(markdown, frame.inner, palette))
    start, end = 0, len(strips)
    while start < end and _is_blank(strips[start]):
        start += 1
    while end > start and _is_blank(strips[end - 1]):
        end -= 1
    return strips[start:end]


@dataclass
class _Closed:
    start: int
    """Where the block's source starts in the text."""
    evidence: int
    """How far the text must stay as it was for the block to stay closed: the end of the
    complete line on which the next block started."""
    strips: list[Strip]


class MarkdownBlocks:
    """A Markdown text that may grow, rendered to lines block by block.

    A block is closed once a later top-level block starts on a complete line (markdown-it
    reads blocks line by line, so later text cannot change it); closed blocks keep their
    lines, and `update` renders only what follows them. Text that changes before the open
    part (a draw limit reached, a reply restarted) drops the blocks it touches.
    """

    def __init__(self, frame: Frame, palette: RenderPalette) -> None:
        self._frame = frame
        self._palette = palette
        self._closed: list[_Closed] = []
        self._closed_lines: list[Strip] = []
        self._prefix = ""
        """The text up to the open part."""
        self._open: dict[str, list[Strip]] = {}
        """The last update's open blocks by source: a block closing as it was is not
        rendered again."""
        self._gap = frame.blank()
        self.lines: list[Strip] = []
        self.renders = 0
        """Blocks rendered so far (for tests: a closed block never renders again)."""

    def update(self, text: str, *, final: bool = False) -> int:
        """Render `text` (the whole text so far); returns the index of the first line that
        changed (`len(self.lines)` when none did). `final` closes every block."""
        if not text.startswith(self._prefix):
            self._rewind(text)
        old_lines = self.lines
        unchanged = len(self._closed_lines)
        offset = len(self._prefix)
        tail = text[offset:]
        spans = block_spans(tail)
        closing = len(spans) if final else self._closing(tail, spans)
        for index in range(closing):
            start, end = spans[index]
            strips = self._render(tail[start:end])
            if index + 1 < len(spans):
                next_start = spans[index + 1][0]
                line_end = tail.find("\n", next_start)
                evidence = offset + (len(tail) if line_end == -1 else line_end + 1)
            else:
                evidence = len(text)
            self._closed.append(_Closed(offset + start, evidence, strips))
            if strips:
                if self._closed_lines:
                    self._closed_lines.append(self._gap)
                self._closed_lines += strips
        if closing:
            cut = spans[closing][0] if closing < len(spans) else len(tail)
            self._prefix = text[: offset + cut]
        opened: dict[str, list[Strip]] = {}
        lines = list(self._closed_lines)
        for start, end in spans[closing:]:
            source = tail[start:end]
            strips = opened[source] = self._render(source)
            if strips:
                if lines:
                    lines.append(self._gap)
                lines += strips
        self._open = opened
        self.lines = lines
        return _first_difference(old_lines, lines, unchanged)

    @staticmethod
    def _closing(tail: str, spans: list[tuple[int, int]]) -> int:
        """How many of the blocks are closed: those before the last block that starts on a
        complete line (a partial line such as `1` may yet become `1. item`, continuing the
        list above it)."""
        for index in range(len(spans) - 1, 0, -1):
            if tail.find("\n", spans[index][0]) != -1:
                return index
        return 0

    def _render(self, source: str) -> list[Strip]:
        cached = self._open.get(source)
        if cached is not None:
            return cached
        self.renders += 1
        return render_block(source, self._frame, self._palette)

    def _rewind(self, text: str) -> None:
        """Drop the closed blocks that the changed text may have changed."""
        same = _common_prefix(text, self._prefix)
        keep = 0
        while keep < len(self._closed) and self._closed[keep].evidence <= same:
            keep += 1
        if keep < len(self._closed):
            start = self._closed[keep].start
            del self._closed[keep:]
            self._prefix = text[:start]
        else:
            self._prefix = text[: min(len(self._prefix), same)]
        self._closed_lines = []
        for block in self._closed:
            if block.strips:
                if self._closed_lines:
                    self._closed_lines.append(self._gap)
                self._closed_lines += block.strips
        self._open = {}


def _common_prefix(first: str, second: str) -> int:
    """The length of the longest common prefix (by halving: `startswith` compares in C)."""
    low, high = 0, min(len(first), len(second))
    while low < high:
        middle = (low + high + 1) // 2
        if first.startswith(second[:middle]):
            low = middle
        else:
            high = middle - 1
    return low


def _first_difference(old: list[Strip], new: list[Strip], start: int) -> int:
    """The first index from `start` at which `new` differs from `old`."""
    for index in range(start, min(len(old), len(new))):
        if old[index] is not new[index] and old[index] != new[index]:
            return index
    return min(len(old), len(new)) if len(old) != len(new) else len(new)
