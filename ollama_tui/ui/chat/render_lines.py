"""Provides the last step of rendering: content lines (Rich segments) made into full-width,
inert, merged `Strip`s inside a message's frame (its bar or margin and its background)."""

from __future__ import annotations

import io
from collections import OrderedDict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.console import Console, RenderableType
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from ...domain.text import sanitize_for_terminal
from .render_palette import RenderPalette, markdown_theme

Line = list[Segment]
"""One rendered line of content, before it is framed."""

BLOCKS_KEPT = 512
"""Rendered blocks kept by their source, width and palette: drawing a message again (the
selection moved, its thinking opened, its stats arrived, a tab shown again) renders only
what changed. A block's lines are ~1.2 KB each; 512 blocks of a few lines are a few MB."""


class LastUsed:
    """The `size` values last used, by key (shared lists: callers never change them)."""

    every: ClassVar[list[LastUsed]] = []

    def __init__(self, size: int) -> None:
        self._size = size
        self._values: OrderedDict[Hashable, list[Strip]] = OrderedDict()
        LastUsed.every.append(self)

    @classmethod
    def forget_all(cls) -> None:
        """Forget every kept block (a benchmark measures rendering, not remembering)."""
        for kept in cls.every:
            kept._values.clear()

    def get(self, key: Hashable) -> list[Strip] | None:
        value = self._values.get(key)
        if value is not None:
            self._values.move_to_end(key)
        return value

    def put(self, key: Hashable, value: list[Strip]) -> list[Strip]:
        self._values[key] = value
        if len(self._values) > self._size:
            self._values.popitem(last=False)
        return value


def inert(text: str) -> str:
    """Text as it may reach a line: no control characters (an entity such as `&#27;` in
    Markdown decodes to ESC after the text was sanitised), no line breaks or tabs, which
    would put the terminal's cursor elsewhere than the line's cells say."""
    text = sanitize_for_terminal(text)
    if "\n" in text or "\t" in text:
        text = text.replace("\n", " ").replace("\t", " ")
    return text


@lru_cache(maxsize=256)
def clickable(style: Style) -> Style:
    """`style` with its hyperlink made into a click action for the transcript.

    A terminal hyperlink (OSC 8) would put the URL, a string from the model, into an escape
    sequence; the transcript instead gets `link('<url>')` on a click, and copies it."""
    href = inert(style.link or "")
    return style.update_link(None) + Style.from_meta({"@click": f"link({href!r})"})


@dataclass(frozen=True)
class Frame:
    """What surrounds a message's content on each line: segments on the left (a bar, or a
    margin) and on the right (a margin), and the style under the content (its background)."""

    width: int
    left: tuple[Segment, ...]
    right: tuple[Segment, ...]
    body: Style

    @cached_property
    def _margins(self) -> int:
        return sum(segment.cell_length for segment in (*self.left, *self.right))

    @cached_property
    def inner(self) -> int:
        """The width the content is rendered at."""
        return max(1, self.width - self._margins)

    def strip(self, segments: Iterable[Segment]) -> Strip:
        """One framed line: inert text, the body style under every segment, segments of one
        style merged, cut or padded (in one segment) to the content width."""
        inner = self.inner
        body = self.body
        # Segments of one style are merged, the margins with the text too: the terminal gets
        # a colour sequence per segment, so a plain line of prose is one.
        merged: list[Segment] = list(self.left)
        last_style: Style | None = merged[-1].style if merged else None
        used = 0
        for text, style, control in segments:
            if control or not text:
                continue
            text = inert(text)
            if style is None:
                style = body
            else:
                if style.link:
                    style = clickable(style)
                style = body + style
            length = cell_len(text)
            if used + length > inner:
                text = set_cell_size(text, inner - used)
                length = inner - used
            if style == last_style:
                merged[-1] = Segment(merged[-1].text + text, style)
            else:
                merged.append(Segment(text, style))
                last_style = style
            used += length
            if used >= inner:
                break
        if used < inner:
            if last_style == body:
                merged[-1] = Segment(merged[-1].text + " " * (inner - used), body)
            else:
                merged.append(Segment(" " * (inner - used), body))
                last_style = body
        for segment in self.right:
            if segment.style == last_style:
                merged[-1] = Segment(merged[-1].text + segment.text, last_style)
            else:
                merged.append(segment)
                last_style = segment.style
        if self._margins + inner > self.width:  # narrower than the margins: cut
            return Strip(merged).crop(0, self.width)
        return Strip(merged, self.width)

    def strips(self, lines: Iterable[Line]) -> list[Strip]:
        return [self.strip(line) for line in lines]

    def blank(self) -> Strip:
        return self.strip(())


@lru_cache(maxsize=8)
def console_for(palette: RenderPalette) -> Console:
    """A Console that renders to lines only, with the Markdown styles of `palette`."""
    return Console(
        file=io.StringIO(),
        width=1000,
        color_system="truecolor",
        force_terminal=True,
        legacy_windows=False,
        emoji=False,
        markup=False,
        highlight=False,
        theme=markdown_theme(palette),
    )


def render_lines(renderable: RenderableType, width: int, palette: RenderPalette) -> list[Line]:
    """`renderable` as lines of segments `width` cells wide (or narrower)."""
    console = console_for(palette)
    options = console.options.update(width=width, height=None)
    return console.render_lines(renderable, options, pad=False, new_lines=False)
