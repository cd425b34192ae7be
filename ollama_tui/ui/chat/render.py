"""Provides a message as lines (`Strip`s) for the transcript: everything a turn shows, drawn
inside its lines (the prompt's bar, the reply's margin, the selection), so the transcript is
one Line-API view with no widget per turn or per block.

`render_message` draws a message whole; `ReplyLines` draws the reply being streamed, and
each `update` renders only its open last Markdown block (see `render_markdown`). A message is
composed of small per-part renderers (`_thinking_part`, `_body_part`, `_tools_part`,
`_check_part`, `_stats_part`...): a new part of a message is one more function in
`_assistant_parts`.

Every string from a message passes the display boundary (`sanitize_for_terminal`) before it
is parsed, and every segment's text again as it becomes a line (`render_lines.inert`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from ...domain.conversation import Message, MessageStatus, Role, Stats
from ...domain.quantities import count_of
from ...domain.text import code_blocks, sanitize_for_terminal
from ...services.structured import StructuredCheck, check_structured_reply
from .render_lines import Frame
from .render_markdown import MarkdownBlocks
from .render_palette import RenderPalette
from .render_text import (
    GrowingText,
    content_lines,
    drawn_markdown,
    json_lines,
    numbered_lines,
    prompt_lines,
    text_lines,
)
from .tool_blocks import describe_tool_calls

__all__ = [
    "MessageLines",
    "RenderPalette",
    "ReplyLines",
    "describe_reply",
    "mark_selected",
    "prepare",
    "render_fold",
    "render_message",
]

MARGIN = 2
"""Cells left of a message's text: its bar (or blank) and a space."""
BAR = "█"
"""Today's thick left border, drawn as a cell of the line."""


@dataclass
class MessageLines:
    """A message drawn at one width."""

    strips: list[Strip]
    """Its lines, each exactly `width` cells; the last is the blank gap to the next turn."""
    code_blocks: list[str] = field(default_factory=list)
    """The code of each fenced block, in order (for "copy code block")."""
    thinking_line: int | None = None
    """The line of the thinking header (where a click opens or closes it), if any."""
    check: StructuredCheck | None = None
    """The check of a finished reply asked for as JSON."""


def _frame(role: Role, width: int, palette: RenderPalette) -> Frame:
    if role is Role.USER:
        body = palette.base + palette.user_background
        bar = Segment(BAR, body + palette.user_bar)
        return Frame(width, (bar, Segment(" ", body)), (Segment(" ", body),), body)
    base = palette.base
    return Frame(width, (Segment(" " * MARGIN, base),), (Segment(" ", base),), base)


def _gap(width: int, palette: RenderPalette) -> Strip:
    return Strip([Segment(" " * width, palette.base)], width)


# -- the parts of a message ---------------------------------------------------------------


def _versions(message: Message, palette: RenderPalette) -> Text | None:
    """`version 2 of 3` on the message where versions branch, else None."""
    if message.version_count < 2:
        return None
    place = (message.version or 0) + 1
    return Text(f"version {place} of {message.version_count} · Shift+Tab then ←/→", palette.accent)


def _label_part(message: Message, frame: Frame, palette: RenderPalette, label: str) -> list[Strip]:
    line = Text(sanitize_for_terminal(label), palette.user_label)
    versions = _versions(message, palette)
    if versions is not None:
        line.append(" · ")
        line.append_text(versions)
    return text_lines(line, frame, palette)


def _attachments_part(message: Message, frame: Frame, palette: RenderPalette) -> list[Strip]:
    if not message.attachments:
        return []
    names = sanitize_for_terminal(", ".join(message.attachments))
    return text_lines(Text(f"Attached: {names}", palette.muted), frame, palette)


def _seconds(nanoseconds: int) -> str:
    return f"{nanoseconds / 1e9:.2f} s"


def _timings(stats: Stats) -> Text:
    """`ollama run --verbose`'s figures on one line: where the time of a reply went."""

    def rate(count: int, duration: int) -> str:
        return f" ({count / duration * 1e9:.1f} tok/s)" if count and duration > 0 else ""

    return Text(
        f"total {_seconds(stats.total_duration)} · load {_seconds(stats.load_duration)}"
        f" · prompt {count_of(stats.prompt_eval_count, 'token')} in "
        f"{_seconds(stats.prompt_eval_duration)}"
        f"{rate(stats.prompt_eval_count, stats.prompt_eval_duration)}"
        f" · reply {count_of(stats.eval_count, 'token')} in {_seconds(stats.eval_duration)}"
        f"{rate(stats.eval_count, stats.eval_duration)}"
    )


def describe_reply(message: Message, palette: RenderPalette, verbose: bool | None = None) -> Text:
    """The line under a reply: its model, its speed, and how it ended (and its error).
    `verbose` (the conversation's setting): True adds the server's timings on a line of
    their own, False leaves out the counts."""
    writer = message.model or "unknown model"
    if message.host_name:  # with several hosts (on `auto`, the one that answered)
        writer += f" @ {message.host_name}"
    parts: list[Text] = [Text(sanitize_for_terminal(writer))]
    stats = message.stats
    if stats is not None and stats.eval_count and verbose is not False:
        parts.append(Text(count_of(stats.eval_count, "token")))
        speed = stats.tokens_per_second
        if speed is not None:
            parts.append(Text(f"{speed:.1f} tok/s"))
    status = message.status
    if status is MessageStatus.STREAMING:
        parts.append(Text("generating… (Esc stops)"))
    elif status is MessageStatus.INTERRUPTED:
        parts.append(Text("stopped", palette.warning))
    elif status is MessageStatus.INCOMPLETE:
        parts.append(Text("incomplete", palette.warning))
    elif status is MessageStatus.ERROR:
        parts.append(Text("failed", palette.error))
    if message.done_reason == "length":
        parts.append(Text("cut off at the length limit", palette.warning))
    versions = _versions(message, palette)
    if versions is not None:
        parts.append(versions)
    # Muted under all of it: the coloured parts keep their colour over it.
    line = Text(" · ", palette.muted).join(parts)
    if verbose and stats is not None and message.status is not MessageStatus.STREAMING:
        line.append("\n")
        line.append_text(_timings(stats))
    if message.error:
        line.append("\n")
        line.append(sanitize_for_terminal(message.error), palette.error)
    return line


def _thinking_header(thinking: str, is_open: bool, palette: RenderPalette) -> Text:
    if is_open:
        return Text("▼ Thinking", palette.muted)
    words = count_of(len(thinking.split()), "word")
    return Text(f"▶ Thinking · {words}", palette.muted)


def _thinking_frame(frame: Frame) -> Frame:
    """The thinking text, indented under its header's title."""
    return replace(frame, left=(*frame.left, Segment("  ", frame.body)))


def _structured_check(message: Message) -> StructuredCheck | None:
    if message.format is None or not message.content or message.status is MessageStatus.STREAMING:
        return None
    return check_structured_reply(message.content, message.format)


def _check_part(check: StructuredCheck | None, frame: Frame, palette: RenderPalette) -> list[Strip]:
    if check is None:
        return []
    style = palette.success if check.valid else palette.error
    return text_lines(Text(sanitize_for_terminal(check.summary()), style), frame, palette)


def _structured_body(
    message: Message, check: StructuredCheck, frame: Frame, palette: RenderPalette
) -> list[Strip]:
    """A reply asked for as JSON: indented when it parses, else as written and numbered."""
    if check.pretty is not None:
        return json_lines(sanitize_for_terminal(check.pretty), frame, palette)
    return numbered_lines(sanitize_for_terminal(message.content), frame, palette)


def _user_parts(
    message: Message, frame: Frame, palette: RenderPalette, label: str
) -> list[list[Strip]]:
    return [
        _label_part(message, frame, palette, label),
        _attachments_part(message, frame, palette),
        prompt_lines(sanitize_for_terminal(message.content), frame, palette),
    ]


# -- a message whole ----------------------------------------------------------------------


def prepare(palette: RenderPalette) -> None:
    """Load what drawing a reply needs (markdown-it, Rich's Markdown, Pygments and the
    Python lexer) by drawing a small one. Rendering imports them on first use, so that an
    app starting on an empty conversation does not pay for them; called once the first
    frame is drawn, this keeps that cost (~0.1 s) off the first flush of the first reply."""
    sample = Message(role=Role.ASSISTANT, content="*a*\n\n```python\nb = 1\n```\n")
    render_message(sample, 40, palette)


def render_message(
    message: Message,
    width: int,
    palette: RenderPalette,
    *,
    selected: bool = False,
    thinking_open: bool = False,
    user_label: str = "You",
    tool_results: Sequence[Message] = (),
    tools_open: bool = False,
    verbose: bool | None = None,
) -> MessageLines:
    """`message` as lines `width` cells wide, ending with the blank line before the next
    turn. `selected` draws it as the turn the conversation's keys act on; `tool_results`
    are the `tool` messages answering a reply's calls, `tools_open` shows them in full."""
    if message.role is Role.ASSISTANT:
        reply = ReplyLines(message, width, palette, thinking_open=thinking_open)
        reply.tool_results, reply.tools_open = tool_results, tools_open
        reply.verbose = verbose
        lines = reply.finish()
    else:
        frame = _frame(message.role, width, palette)
        parts = _user_parts(message, frame, palette, user_label)
        lines = MessageLines(
            [*(strip for part in parts for strip in part), _gap(width, palette)],
            [code for _, code in code_blocks(message.content)],
        )
    return mark_selected(lines, message.role, palette) if selected else lines


def render_fold(note: str, width: int, palette: RenderPalette) -> MessageLines:
    """A line standing for turns that are folded (summarised): `note`, muted, as a turn."""
    frame = _frame(Role.SYSTEM, width, palette)
    return MessageLines(
        [*text_lines(Text(note, palette.muted), frame, palette), _gap(width, palette)], []
    )


class _Selection:
    """Restyles a turn's unselected lines as the selected turn's: the bar in the accent
    colour, the selection's background under the text. Not rendered again: moving the
    selection over a long reply must not wrap and highlight it anew."""

    def __init__(self, role: Role, width: int, palette: RenderPalette) -> None:
        frame = _frame(role, width, palette)
        body = palette.base + palette.selected_background
        self._left = (Segment(BAR, body + palette.selected_bar), Segment(" ", body))
        self._margin = sum(segment.cell_length for segment in frame.left)
        self._under = frame.body.bgcolor
        self._background = palette.selected_background
        self._width = width

    def strip(self, strip: Strip) -> Strip:
        under, background = self._under, self._background
        # The margin may share a segment with the text after it (see Frame.strip).
        if self._width <= self._margin:  # narrower than the margins: only the bar
            return Strip(self._left).crop(0, self._width)
        _, content = Segment.divide(list(strip), [self._margin, self._width])
        segments = [
            Segment(text, style + background)
            if style is not None and style.bgcolor == under
            else Segment(text, style)
            for text, style, _ in content
        ]
        return Strip(Segment.simplify([*self._left, *segments]), self._width)

    def strips(self, strips: list[Strip]) -> list[Strip]:
        """`strips` of a whole turn (the last, the gap to the next turn, stays as it is)."""
        return [*map(self.strip, strips[:-1]), *strips[-1:]]


def mark_selected(lines: MessageLines, role: Role, palette: RenderPalette) -> MessageLines:
    """`lines` (drawn unselected) drawn as the selected turn, without rendering again."""
    if not lines.strips:
        return lines
    selection = _Selection(role, lines.strips[0].cell_length, palette)
    return replace(lines, strips=selection.strips(lines.strips))


# -- a reply streaming --------------------------------------------------------------------


class ReplyLines:
    """The lines of a reply as it streams in.

    `update` re-reads the message (its content, thinking, status and stats) and renders
    only what changed: the open last Markdown block, the last line of thinking, the stats
    line. `finish` returns the final lines, which are the streamed ones wherever they are
    the same, so the end of a reply is not drawn twice.
    """

    def __init__(
        self,
        message: Message,
        width: int,
        palette: RenderPalette,
        *,
        selected: bool = False,
        thinking_open: bool | None = None,
    ) -> None:
        self.message = message
        self.width = width
        self.palette = palette
        self.thinking_open = thinking_open
        """Whether the thinking is shown open; None: open while there is no answer (also
        once finished: a reply stopped while thinking shows what it thought), closed once
        the answer starts, as the transcript did before."""
        self._frame = _frame(Role.ASSISTANT, width, palette)
        self._markdown = MarkdownBlocks(self._frame, palette)
        self._thinking = GrowingText(
            _thinking_frame(self._frame), palette, palette.muted + Style(italic=True)
        )
        self._raw = ""
        self._clean = ""
        self._selection = _Selection(Role.ASSISTANT, width, palette) if selected else None
        self._drawn: list[Strip] = []
        """The lines unselected; `_strips` are these, or these marked as selected."""
        self._strips: list[Strip] = []
        self._thinking_line: int | None = None
        self._check: StructuredCheck | None = None
        self._stats_line: Text | None = None
        self._stats: list[Strip] = []
        self._finished = False
        self.tool_results: Sequence[Message] = ()
        """The `tool` messages answering the reply's calls (set them, then `update`)."""
        self.tools_open = False
        """Whether the calls are shown in full (arguments and results)."""
        self.verbose: bool | None = None
        """The conversation's `verbose` setting: what the line under the reply shows."""

    @property
    def strips(self) -> list[Strip]:
        """The current lines."""
        return self._strips

    @property
    def block_renders(self) -> int:
        """Markdown blocks rendered so far (a closed block is rendered once)."""
        return self._markdown.renders

    def _content(self) -> str:
        """The sanitised content, sanitising only what was appended since the last call."""
        raw = self.message.content
        if raw.startswith(self._raw) and not self._raw.endswith("\r"):
            self._clean += sanitize_for_terminal(raw[len(self._raw) :])
        else:
            self._clean = sanitize_for_terminal(raw)
        self._raw = raw
        return self._clean

    def _thinking_part(self) -> list[Strip]:
        thinking = sanitize_for_terminal(self.message.thinking or "")
        self._thinking_line = None
        if not thinking.strip():
            return []
        is_open = self.thinking_open
        if is_open is None:
            is_open = not self.message.content
        self._thinking_line = 0
        header = _thinking_header(thinking, is_open, self.palette)
        lines = text_lines(header, self._frame, self.palette)
        if is_open:
            lines += self._thinking.update(thinking)
        return [*lines, self._frame.blank()] if self.message.content else lines

    def _body_part(self) -> list[Strip]:
        if self._check is not None:
            return _structured_body(self.message, self._check, self._frame, self.palette)
        self._markdown.update(drawn_markdown(self._content()), final=self._finished)
        return self._markdown.lines

    def _tools_part(self) -> list[Strip]:
        if not self.message.tool_calls:
            return []
        block = describe_tool_calls(self.message, self.tool_results, expanded=self.tools_open)
        if block is None:
            return []
        gap = [self._frame.blank()] if self.message.content else []
        return gap + content_lines(block, self._frame, self.palette)

    def _stats_part(self) -> list[Strip]:
        # The same line at every flush while the reply streams: rendered when it changes.
        line = describe_reply(self.message, self.palette, self.verbose)
        if line != self._stats_line:
            self._stats_line = line
            self._stats = text_lines(line, self._frame, self.palette)
        return self._stats

    def _assistant_parts(self) -> list[list[Strip]]:
        return [
            self._thinking_part(),
            self._body_part(),
            self._tools_part(),
            _check_part(self._check, self._frame, self.palette),
            self._stats_part(),
            [_gap(self.width, self.palette)],
        ]

    def update(self) -> int:
        """Re-read the message; returns the index of the first line that changed
        (`len(strips)` when none did)."""
        old = self._drawn
        self._drawn = new = [strip for part in self._assistant_parts() for strip in part]
        first = len(new) if len(old) == len(new) else min(len(old), len(new))
        for index in range(min(len(old), len(new))):
            if old[index] is not new[index] and old[index] != new[index]:
                first = index
                break
        if self._selection is None:
            self._strips = new
        else:
            # The gap (the last line) is never marked: a line that moved there is redone.
            keep = max(0, min(first, len(self._strips) - 1))
            self._strips = self._strips[:keep] + self._selection.strips(new[keep:])
        return first

    def finish(self) -> MessageLines:
        """The final lines: every block closed, the structured check made."""
        self._finished = True
        self._check = _structured_check(self.message)
        self.update()
        return MessageLines(
            self._strips,
            [code for _, code in code_blocks(self.message.content)],
            self._thinking_line,
            self._check,
        )
