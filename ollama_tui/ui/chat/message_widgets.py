"""Provides the widgets of one turn: the user's prompt and the model's streamed reply."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import RenderableType
from rich.markdown import Markdown as RichMarkdown
from rich.syntax import Syntax
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.reactive import reactive
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Collapsible, Markdown, Static

from ...domain.conversation import Message, MessageStatus
from ...domain.quantities import count_of
from ...domain.text import sanitize_for_terminal
from ...services.structured import StructuredCheck, check_structured_reply
from ..kit.safe_text import plain
from .tool_blocks import describe_tool_calls
from .verbatim import (
    DISPLAY_LIMIT,
    NumberedText,
    VerbatimText,
    code_theme,
    drawn_end,
    not_drawn_note,
)


def _markdown(text: str) -> Markdown:
    # Links are handled by the chat view (copied, never opened on a remote host).
    return Markdown(sanitize_for_terminal(text), open_links=False)


def drawn_part(text: str) -> str:
    """`text`, or its first DISPLAY_LIMIT characters (at a line end) and a note of the rest."""
    cut = drawn_end(text)
    if cut == len(text):
        return text
    fence_open = text.count("```", 0, cut) % 2 == 1
    note = f"\n\n*{not_drawn_note(len(text) - cut)}*\n"
    return text[:cut] + ("```\n" if fence_open else "") + note


class SettledMarkdown(Widget):
    """Markdown that will not change, drawn by Rich as one widget.

    Textual's Markdown mounts a widget per block, which an appended stream needs; for text
    that is finished that costs 10 to 20 times more (a three-item list: 110 ms against 9 ms),
    and opening a long conversation mounts many of them. Rich renders the text as text:
    markup in it means nothing, and links are not turned into terminal hyperlinks.
    """

    DEFAULT_CSS = "SettledMarkdown { height: auto; }"

    def __init__(self, text: str) -> None:
        super().__init__(classes="settled-markdown")
        self.source = sanitize_for_terminal(text)
        self._parsed: tuple[str, RichMarkdown] | None = None

    def render(self) -> RenderableType:
        # Parsed once per code theme: Textual asks again at every layout of the transcript.
        theme = code_theme(self.app.current_theme.dark)
        if self._parsed is None or self._parsed[0] != theme:
            markdown = RichMarkdown(drawn_part(self.source), code_theme=theme, hyperlinks=False)
            self._parsed = (theme, markdown)
        return self._parsed[1]


SEAL_AFTER = 2000
"""Characters of streamed Markdown kept live before the finished blocks are sealed."""


def last_block_boundary(text: str) -> int:
    """The index just after the last blank line of `text` that is outside a code fence (0
    when there is none): text before it is whole Markdown blocks that later text cannot
    change."""
    boundary = 0
    fence = ""
    position = 0
    for line in text.splitlines(keepends=True):
        position += len(line)
        stripped = line.strip()
        if fence:
            if stripped.startswith(fence) and not stripped.lstrip(fence[0]):
                fence = ""
            continue
        marker = stripped[:3]
        if marker in ("```", "~~~"):
            fence = stripped[: len(stripped) - len(stripped.lstrip(marker[0]))]
        elif not stripped and position < len(text):
            boundary = position
    return boundary


class StreamingMarkdown(Vertical):
    """A reply being streamed: Textual's Markdown for the text still coming, and its
    finished blocks sealed into Rich-drawn chunks as it grows.

    Every block of a Markdown widget is a widget, and each append lays out all of them: a
    long reply made every flush slower and the keys sluggish (a keystroke waited up to
    150 ms at 400 tokens/s). Sealing keeps the live part short.
    """

    DEFAULT_CSS = "StreamingMarkdown { height: auto; }"

    def __init__(self, text: str) -> None:
        super().__init__(classes="streaming-markdown")
        self._sealed: list[str] = []
        self._live_text = text[:DISPLAY_LIMIT]
        self._live = _markdown(self._live_text)
        self._drawn = len(self._live_text)

    def compose(self) -> ComposeResult:
        yield self._live

    @property
    def source(self) -> str:
        return "".join(self._sealed) + self._live_text

    async def append(self, text: str) -> None:
        room = DISPLAY_LIMIT - self._drawn
        if room <= 0:
            return  # past what is drawn: the finished reply notes how much more there is
        text = text[:room]
        self._drawn += len(text)
        self._live_text += text
        await self._live.append(text)
        if len(self._live_text) < SEAL_AFTER:
            return
        cut = last_block_boundary(self._live_text)
        if not cut:
            return
        finished, rest = self._live_text[:cut], self._live_text[cut:]
        self._sealed.append(finished)
        fresh = _markdown(rest)
        with self.app.batch_update():
            await self.mount(SettledMarkdown(finished), before=self._live)
            await self._live.remove()
            self._live, self._live_text = fresh, rest
            await self.mount(fresh)


class StructuredBody(Widget):
    """A reply asked for as JSON: indented and highlighted (the text is sanitised first)."""

    DEFAULT_CSS = "StructuredBody { height: auto; }"

    def __init__(self, pretty: str) -> None:
        super().__init__(classes="structured-body")
        self.source = sanitize_for_terminal(pretty)

    def render(self) -> RenderableType:
        theme = code_theme(self.app.current_theme.dark)
        return Syntax(self.source, "json", theme=theme, word_wrap=True)


def describe_versions(message: Message) -> Content | None:
    """`version 2 of 3` on the message where versions branch, else None."""
    if message.version_count < 2:
        return None
    place = (message.version or 0) + 1
    return Content.styled(
        f"version {place} of {message.version_count} · Shift+Tab then ←/→", "$accent"
    )


def describe_attachments(message: Message) -> Content | None:
    if not message.attachments:
        return None
    return Content("Attached: ") + plain(", ".join(message.attachments))


class UserMessage(Vertical):
    """The prompt as typed, set apart from replies.

    Drawn as written, not as Markdown: in Markdown a single line break is a space and
    leading spaces vanish, so a prompt of several lines or indented code was drawn as one
    run-on line. Fenced code is still highlighted, as a pasted block is expected to be; the
    fences stay visible, so what is shown is exactly what was sent.
    """

    def __init__(self, message: Message, *, label: str = "You") -> None:
        super().__init__(classes="turn user-turn")
        self.message = message
        self.label = label

    def compose(self) -> ComposeResult:
        label = Content(self.label)
        versions = describe_versions(self.message)
        if versions is not None:
            label = label + Content(" · ") + versions
        yield Static(label, classes="turn-label")
        attachments = describe_attachments(self.message)
        if attachments is not None:
            yield Static(attachments, classes="attachments")
        yield VerbatimText(self.message.content, classes="prompt-text")


def describe_reply(message: Message) -> Content:
    """The line under a reply: its model, its speed, and how it ended."""
    parts: list[Content] = [plain(message.model or "unknown model")]
    stats = message.stats
    if stats is not None and stats.eval_count:
        parts.append(Content(count_of(stats.eval_count, "token")))
        speed = stats.tokens_per_second
        if speed is not None:
            parts.append(Content(f"{speed:.1f} tok/s"))
    status = message.status
    if status is MessageStatus.STREAMING:
        parts.append(Content("generating… (Esc stops)"))
    elif status is MessageStatus.INTERRUPTED:
        parts.append(Content.styled("stopped", "$warning"))
    elif status is MessageStatus.INCOMPLETE:
        parts.append(Content.styled("incomplete", "$warning"))
    elif status is MessageStatus.ERROR:
        parts.append(Content.styled("failed", "$error"))
    if message.done_reason == "length":
        parts.append(Content.styled("cut off at the length limit", "$warning"))
    versions = describe_versions(message)
    if versions is not None:
        parts.append(versions)
    line = Content(" · ").join(parts)
    if message.error:
        line = line + Content("\n") + Content.styled(sanitize_for_terminal(message.error), "$error")
    return line


class AssistantMessage(Vertical):
    """A reply, streamed in through throttled Markdown appends.

    Fragments are buffered and flushed a bounded number of times a second: appending per
    token costs far more CPU and terminal bytes for no visible gain.
    """

    tools_open: reactive[bool] = reactive(False)
    """Whether the tool calls' arguments and results are shown (Enter on the reply)."""

    def __init__(
        self,
        message: Message,
        *,
        flush_hz: float = 15.0,
        tool_results: Callable[[Message], list[Message]] | None = None,
    ) -> None:
        """`tool_results`: the `tool` messages that answer this reply's calls."""
        super().__init__(classes="turn assistant-turn")
        self.message = message
        self._tool_results = tool_results or (lambda _message: [])
        self._tools = Static("", classes="tool-calls", markup=False)
        self._flush_interval = 1.0 / flush_hz
        self._pending: list[str] = []
        self._thinking_parts: list[str] = [message.thinking or ""]
        self._thinking_changed = False
        self._timer: Timer | None = None
        self._check: StructuredCheck | None = None
        self._body: Widget = self._settled_body()
        self._thinking = Static(
            plain(message.thinking or ""), markup=False, classes="thinking-text"
        )
        # Open while the model thinks, closed once the answer starts (see `_flush`).
        self._thinking_box = Collapsible(
            self._thinking,
            title="Thinking",
            collapsed=message.status is not MessageStatus.STREAMING,
        )
        self._meta = Static(describe_reply(message), classes="reply-meta")
        self._check_line = Static("", classes="structured-check", markup=False)

    def _settled_body(self) -> Widget:
        """A reply on its way streams as Markdown; a finished one is drawn light, and one
        asked for as JSON is shown indented with its check, or as written when it is not
        JSON."""
        message = self.message
        if message.status is MessageStatus.STREAMING:
            return StreamingMarkdown(message.content)
        if message.format is not None and message.content:
            self._check = check_structured_reply(message.content, message.format)
            if self._check.pretty is not None:
                return StructuredBody(self._check.pretty)
            # As written and numbered: the parser's error names a line and a column, which
            # Markdown (joining lines, dropping indentation) made impossible to find.
            return NumberedText(message.content, classes="structured-body")
        return SettledMarkdown(message.content)

    def _show_check(self) -> None:
        check = self._check
        self._check_line.display = check is not None
        if check is not None:
            self._check_line.update(plain(check.summary()))
            self._check_line.set_class(check.valid, "-valid")
            self._check_line.set_class(not check.valid, "-invalid")

    def compose(self) -> ComposeResult:
        if self.message.thinking or self.message.status is MessageStatus.STREAMING:
            # Mounted only where there is, or may be, thinking: it is three widgets more.
            self._thinking_box.display = bool(self.message.thinking)
            yield self._thinking_box
        yield self._body
        self.refresh_tools()
        yield self._tools
        self._show_check()
        yield self._check_line
        yield self._meta

    def refresh_tools(self) -> None:
        """Redraw the block of tool calls (hidden when the reply called none)."""
        block = describe_tool_calls(
            self.message, self._tool_results(self.message), expanded=self.tools_open
        )
        self._tools.display = block is not None
        self._tools.update(block or "")

    def watch_tools_open(self) -> None:
        self.refresh_tools()

    @property
    def check(self) -> StructuredCheck | None:
        """The check of a reply asked for as JSON, once it is finished."""
        return self._check

    @property
    def is_streaming(self) -> bool:
        return self._timer is not None

    def start_streaming(self) -> None:
        """Begin periodic flushes; called when the request is sent."""
        self._timer = self.set_interval(self._flush_interval, self._flush)

    def feed_text(self, text: str) -> None:
        self._pending.append(text)

    def feed_thinking(self, text: str) -> None:
        self._thinking_parts.append(text)
        self._thinking_changed = True

    async def _flush(self) -> None:
        if not self.is_on_screen:
            # In a tab not shown (or scrolled out of view): drawing text nobody sees costs
            # the shown tab its responsiveness. It catches up when it is shown again.
            return
        if self._pending:
            fresh = sanitize_for_terminal("".join(self._pending))
            self._pending.clear()
            assert isinstance(self._body, StreamingMarkdown), "only a streaming reply is fed"
            self._thinking_box.collapsed = True  # the answer has started
            await self._body.append(fresh)
        if self._thinking_changed:
            self._thinking_changed = False
            self._thinking_box.display = True
            self._thinking.update(plain("".join(self._thinking_parts)))

    async def finish_streaming(self) -> None:
        """Stop the flushes, show what is left, and settle the line under the reply.

        Called as soon as the reply ends (before it is saved) and again when its turn is
        over; the second call finds it done."""
        if self._timer is None:
            return
        self._timer.stop()
        self._timer = None
        self._thinking.update(plain(self.message.thinking or ""))
        self._thinking_box.display = bool(self.message.thinking)
        if self.message.thinking:
            self._thinking_box.collapsed = bool(self.message.content)
        if not await self._keep_streamed_body():
            # Drawn anew, as it is when the conversation is opened again: the part past
            # the draw limit with its note, a reply asked for as JSON indented with its
            # check, or a reply that came faster than the flushes.
            settled = self._settled_body()
            with self.app.batch_update():
                await self._body.remove()
                self._body = settled
                await self.mount(settled, before=self._check_line)
            self._show_check()
        self.refresh_meta()

    async def _keep_streamed_body(self) -> bool:
        """Append what is left to the streamed Markdown and keep it, when it then shows the
        whole reply: its last lines are already on the screen, and drawing the reply again
        in another widget rewrote every cell of the transcript (~20 KB at 160x48) just after
        the last token."""
        body = self._body
        pending = sanitize_for_terminal("".join(self._pending))
        self._pending.clear()
        full = sanitize_for_terminal(self.message.content)
        if (
            not isinstance(body, StreamingMarkdown)
            or self.message.format is not None
            or drawn_end(full) < len(full)
            or len(pending) > SEAL_AFTER  # cheaper drawn by Rich than appended block by block
        ):
            return False
        if pending:
            await body.append(pending)
        return body.source == full

    def refresh_meta(self) -> None:
        self._meta.update(describe_reply(self.message))


class EarlierMessages(Static):
    """Stands in for the messages not mounted, so long conversations open fast."""

    def __init__(self) -> None:
        super().__init__("", classes="earlier-messages", markup=False)
        self.count = 0

    def set_count(self, count: int) -> None:
        self.count = count
        self.display = count > 0
        earlier = count_of(count, "earlier message")
        self.update(Content(f"↑ {earlier} · Ctrl+Up shows more"))
