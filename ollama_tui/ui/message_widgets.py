"""Provides the widgets of one turn: the user's prompt and the model's streamed reply."""

from __future__ import annotations

from rich.console import RenderableType
from rich.markdown import Markdown as RichMarkdown
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Collapsible, Markdown, Static

from ..domain.conversation import Message, MessageStatus
from ..domain.text import sanitize_for_terminal
from .safe_text import plain


def _markdown(text: str) -> Markdown:
    # Links are handled by the chat view (copied, never opened on a remote host).
    return Markdown(sanitize_for_terminal(text), open_links=False)


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

    def render(self) -> RenderableType:
        code_theme = "ansi_dark" if self.app.current_theme.dark else "ansi_light"
        return RichMarkdown(self.source, code_theme=code_theme, hyperlinks=False)


class UserMessage(Vertical):
    """The prompt as typed, set apart from replies."""

    def __init__(self, message: Message) -> None:
        super().__init__(classes="turn user-turn")
        self.message = message

    def compose(self) -> ComposeResult:
        yield Static(Content("You"), classes="turn-label")
        yield SettledMarkdown(self.message.content)


def describe_reply(message: Message) -> Content:
    """The line under a reply: its model, its speed, and how it ended."""
    parts: list[Content] = [plain(message.model or "unknown model")]
    stats = message.stats
    if stats is not None and stats.eval_count:
        parts.append(Content(f"{stats.eval_count} tokens"))
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
    line = Content(" · ").join(parts)
    if message.error:
        line = line + Content("\n") + Content.styled(sanitize_for_terminal(message.error), "$error")
    return line


class AssistantMessage(Vertical):
    """A reply, streamed in through throttled Markdown appends.

    Fragments are buffered and flushed a bounded number of times a second: appending per
    token costs far more CPU and terminal bytes for no visible gain.
    """

    def __init__(self, message: Message, *, flush_hz: float = 15.0) -> None:
        super().__init__(classes="turn assistant-turn")
        self.message = message
        self._flush_interval = 1.0 / flush_hz
        self._pending: list[str] = []
        self._thinking_parts: list[str] = [message.thinking or ""]
        self._thinking_changed = False
        self._timer: Timer | None = None
        # A reply read back from disk is finished: drawn light. One on its way streams.
        self._body: Markdown | SettledMarkdown = (
            _markdown(message.content)
            if message.status is MessageStatus.STREAMING
            else SettledMarkdown(message.content)
        )
        self._thinking = Static(
            plain(message.thinking or ""), markup=False, classes="thinking-text"
        )
        self._thinking_box = Collapsible(self._thinking, title="Thinking", collapsed=True)
        self._meta = Static(describe_reply(message), classes="reply-meta")

    def compose(self) -> ComposeResult:
        if self.message.thinking or self.message.status is MessageStatus.STREAMING:
            # Mounted only where there is, or may be, thinking: it is three widgets more.
            self._thinking_box.display = bool(self.message.thinking)
            yield self._thinking_box
        yield self._body
        yield self._meta

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
        if self._pending:
            fresh = sanitize_for_terminal("".join(self._pending))
            self._pending.clear()
            assert isinstance(self._body, Markdown), "only a streaming reply is fed"
            await self._body.append(fresh)
        if self._thinking_changed:
            self._thinking_changed = False
            self._thinking_box.display = True
            self._thinking.update(plain("".join(self._thinking_parts)))

    async def finish_streaming(self) -> None:
        """Stop the flushes, show what is left, and settle the line under the reply."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        await self._flush()
        self.refresh_meta()

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
        noun = "message" if count == 1 else "messages"
        self.update(Content(f"↑ {count} earlier {noun} · Ctrl+Up shows more"))
