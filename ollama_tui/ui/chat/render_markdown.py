"""Provides Markdown rendered block by block: a reply's top-level blocks (paragraphs, lists,
fences, tables, quotes) each render once to lines; while the reply grows, only its open last
block renders again, so a flush costs the same at the first line and the thousandth.

A finished text renders through the same path (all blocks closed at once), so a reply looks
the same streamed and reopened. markdown-it, Rich's Markdown and Pygments are imported on the
first render: a new conversation draws no Markdown and does not pay for them at start.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from rich.console import Console, ConsoleOptions, RenderResult
from rich.padding import Padding
from rich.segment import Segment
from textual.strip import Strip

from .render_code import CodeLines
from .render_lines import BLOCKS_KEPT, Frame, LastUsed, render_lines
from .render_palette import RenderPalette

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from rich.markdown import Markdown


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    """markdown-it as Rich's Markdown configures it, made once (Rich makes one per text,
    which costs more than parsing a paragraph), and web addresses written bare made links
    (only with their scheme: `config.py` is a file name, not Paraguay)."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"linkify": True})
    parser.enable(["strikethrough", "table", "linkify"])
    assert parser.linkify is not None, "Textual requires markdown-it-py[linkify]"
    parser.linkify.set({"fuzzy_link": False, "fuzzy_email": False})
    return parser


@lru_cache(maxsize=1)
def _block_parser() -> MarkdownIt:
    """The same parser finding blocks only (no inline parsing): where the top-level blocks
    start and end."""
    from markdown_it import MarkdownIt

    return MarkdownIt().enable("strikethrough").enable("table").disable("inline")


@dataclass(frozen=True)
class Span:
    """A top-level block: the offsets of its whole lines; for a code block its code and
    language; for a list, its items (offsets from the block's start) and its first number
    (None for bullets)."""

    start: int
    end: int
    code: tuple[str, str] | None = None
    items: tuple[tuple[int, int], ...] = ()
    first_number: int | None = None


def block_spans(text: str) -> list[Span]:
    """The top-level blocks of `text`."""
    starts = [0]
    position = text.find("\n")
    while position != -1:
        starts.append(position + 1)
        position = text.find("\n", position + 1)
    line_count = len(starts)
    starts.append(len(text))

    def offset(line: int) -> int:
        return starts[min(line, line_count)]

    spans: list[Span] = []
    items: list[tuple[int, int]] = []
    for token in _block_parser().parse(text):
        if token.map is None or token.nesting == -1:
            continue
        first, last = token.map
        if token.level == 0:
            if items:  # the list before this block
                spans[-1] = replace(spans[-1], items=tuple(items))
                items = []
            code = None
            if token.type in ("fence", "code_block"):
                code = (token.content, token.info.partition(" ")[0])
            number = None
            if token.type == "ordered_list_open":
                number = int(token.attrs.get("start", 1))
            spans.append(Span(offset(first), offset(last), code, first_number=number))
        elif token.level == 1 and token.type == "list_item_open":
            items.append((offset(first) - spans[-1].start, offset(last) - spans[-1].start))
    if items:
        spans[-1] = replace(spans[-1], items=tuple(items))
    return spans


@lru_cache(maxsize=1)
def _markdown_class() -> Callable[[str, RenderPalette, int | None], Markdown]:
    """Rich's Markdown with the transcript's quotes and code panels (built on first use).
    Top-level code blocks are drawn by `CodeLines`, line by line."""
    from rich.markdown import BlockQuote, CodeBlock, ListElement, ListItem, Markdown

    from .render_code import highlight

    class TranscriptCodeBlock(CodeBlock):
        """Code inside a list or a quote, on the same panel as a top-level block's."""

        palette: RenderPalette

        @classmethod
        def create(cls, markdown: Markdown, token: Any) -> TranscriptCodeBlock:
            block = super().create(markdown, token)
            assert isinstance(block, TranscriptCodeBlock)
            block.palette = getattr(markdown, "palette")  # noqa: B009 - set by TranscriptMarkdown
            return block

        def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
            text = highlight(str(self.text).rstrip(), self.lexer_name, self.theme)
            yield Padding(text, (0, 1), style=self.palette.code_background, expand=True)

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

    class TranscriptList(ListElement):
        """A list whose top level may be one item of a longer list (see `ListLines`):
        numbered from the number it is given, with numbers of one width up to 99."""

        @classmethod
        def create(cls, markdown: Markdown, token: Any) -> ListElement:
            number = getattr(markdown, "list_number")  # noqa: B009 - set by TranscriptMarkdown
            if number is None or token.level != 0:
                number = int(token.attrs.get("start", 1))
            return cls(token.type, number)

        def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
            if self.list_type == "bullet_list_open":
                yield from super().__rich_console__(console, options)
                return
            number = 1 if self.list_start is None else self.list_start
            for index, item in enumerate(self.items):
                yield from item.render_number(console, options, number + index, 0)

    class TranscriptListItem(ListItem):
        def render_number(
            self, console: Console, options: ConsoleOptions, number: int, last_number: int
        ) -> RenderResult:
            # "1." as written, in four cells up to 99: items drawn one at a time line up.
            numeral = f"{number}.".rjust(3) + " "
            width = len(numeral)
            lines = console.render_lines(
                self.elements, options.update(width=options.max_width - width), style=self.style
            )
            number_style = console.get_style("markdown.item.number", default="none")
            new_line = Segment("\n")
            for index, line in enumerate(lines):
                yield Segment(numeral if index == 0 else " " * width, number_style)
                yield from line
                yield new_line

    class TranscriptMarkdown(Markdown):
        elements = {
            **Markdown.elements,
            "fence": TranscriptCodeBlock,
            "code_block": TranscriptCodeBlock,
            "blockquote_open": TranscriptBlockQuote,
            "bullet_list_open": TranscriptList,
            "ordered_list_open": TranscriptList,
            "list_item_open": TranscriptListItem,
        }

        def __init__(
            self, source: str, palette: RenderPalette, list_number: int | None = None
        ) -> None:
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
            self.list_number = list_number

    return TranscriptMarkdown


def _is_blank(strip: Strip) -> bool:
    return not strip.text.strip()


_BLOCKS = LastUsed(BLOCKS_KEPT)


def render_block(
    source: str, frame: Frame, palette: RenderPalette, list_number: int | None = None
) -> list[Strip]:
    """One Markdown block as framed lines, without blank lines around it. `list_number`:
    the block is an item of an ordered list, drawn with that number."""
    key = (source, frame, palette, list_number)
    kept = _BLOCKS.get(key)
    if kept is not None:
        return kept
    markdown = _markdown_class()(source, palette, list_number)
    strips = frame.strips(render_lines(markdown, frame.inner, palette))
    start, end = 0, len(strips)
    while start < end and _is_blank(strips[start]):
        start += 1
    while end > start and _is_blank(strips[end - 1]):
        end -= 1
    return _BLOCKS.put(key, strips[start:end])


class ListLines:
    """Top-level lists drawn item by item, remembering each item's lines: a list still
    streaming renders only its last item again (a 60-item list cost ~12 ms a flush whole)."""

    def __init__(self, frame: Frame, palette: RenderPalette) -> None:
        self._frame = frame
        self._palette = palette
        self._items: dict[tuple[str, int | None], list[Strip]] = {}

    def render(self, source: str, span: Span) -> list[Strip]:
        kept: dict[tuple[str, int | None], list[Strip]] = {}
        strips: list[Strip] = []
        for index, (start, end) in enumerate(span.items):
            number = None if span.first_number is None else span.first_number + index
            key = (source[start:end], number)
            drawn = kept.get(key) or self._items.get(key)
            if drawn is None:
                drawn = render_block(key[0], self._frame, self._palette, number)
            kept[key] = drawn
            strips += drawn
        self._items = kept
        return strips


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
        self._code = CodeLines(frame, palette)
        self._lists = ListLines(frame, palette)
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
            span = spans[index]
            strips = self._render(tail[span.start : span.end], span, closed=True)
            if index + 1 < len(spans):
                next_start = spans[index + 1].start
                line_end = tail.find("\n", next_start)
                evidence = offset + (len(tail) if line_end == -1 else line_end + 1)
            else:
                evidence = len(text)
            self._closed.append(_Closed(offset + span.start, evidence, strips))
            if strips:
                if self._closed_lines:
                    self._closed_lines.append(self._gap)
                self._closed_lines += strips
        if closing:
            cut = spans[closing].start if closing < len(spans) else len(tail)
            self._prefix = text[: offset + cut]
        opened: dict[str, list[Strip]] = {}
        lines = list(self._closed_lines)
        for span in spans[closing:]:
            source = tail[span.start : span.end]
            strips = opened[source] = self._render(source, span, closed=False)
            if strips:
                if lines:
                    lines.append(self._gap)
                lines += strips
        self._open = opened
        self.lines = lines
        return _first_difference(old_lines, lines, unchanged)

    @staticmethod
    def _closing(tail: str, spans: list[Span]) -> int:
        """How many of the blocks are closed: those before the last block that starts on a
        complete line (a partial line such as `1` may yet become `1. item`, continuing the
        list above it)."""
        for index in range(len(spans) - 1, 0, -1):
            if tail.find("\n", spans[index].start) != -1:
                return index
        return 0

    def _render(self, source: str, span: Span, *, closed: bool) -> list[Strip]:
        cached = self._open.get(source)
        # Open code is highlighted in chunks (see CodeLines): a closed block, whole.
        if cached is not None and not (closed and span.code is not None):
            return cached
        self.renders += 1
        if span.code is not None:
            code, language = span.code
            return self._code.render(code, language, whole=closed)
        if span.items:
            return self._lists.render(source, span)
        return render_block(source, self._frame, self._palette)

    def _rewind(self, text: str) -> None:
        """Drop the closed blocks that the changed text may have changed."""
        same = _common_prefix(text, self._prefix)
        keep = 0
        while keep < len(self._closed) and self._closed[keep].evidence <= same:
            keep += 1
        # Some block is dropped: the last one kept ends before the next one's first line,
        # which the prefix holds whole, so a change in the prefix reaches past its evidence.
        self._prefix = text[: self._closed[keep].start]
        del self._closed[keep:]
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
