"""Provides the compare view: the replies of 2-4 models to one prompt, streaming side by side
(stacked when the terminal is too narrow), each column a transcript of its own that scrolls
on its own, headed by its model and host and ending with its figures."""

from __future__ import annotations

import time

from textual.app import ComposeResult
from textual.containers import Container, Vertical
from textual.content import Content
from textual.events import Resize
from textual.message import Message as TextualMessage
from textual.timer import Timer
from textual.widgets import Static

from ...domain.conversation import Message
from ...domain.events import (
    ReplyHost,
    StreamDone,
    StreamEvent,
    TextDelta,
    ThinkingDelta,
    ToolCallsArrived,
)
from ...services.compare import CompareTarget, Comparison
from ..kit.keys import bindings, key_on
from ..kit.safe_text import notify_plain, plain
from ..kit.workers import background
from .transcript import Flushes, Transcript

COLUMN_AT_LEAST = 40
"""Columns each reply needs side by side; narrower, they are stacked."""


def _seconds(nanoseconds: int) -> str:
    return f"{nanoseconds / 1e9:.2f} s"


def figures(message: Message, first_token: float | None) -> str:
    """Time to first token, tokens per second, total time, prompt tokens, load time."""
    parts = [f"first token {first_token:.2f} s" if first_token is not None else ""]
    stats = message.stats
    if stats is not None:
        speed = stats.tokens_per_second
        parts += [
            f"{speed:.1f} tok/s" if speed is not None else "",
            f"total {_seconds(stats.total_duration)}" if stats.total_duration else "",
            f"prompt {stats.prompt_eval_count} tokens" if stats.prompt_eval_count else "",
            f"load {_seconds(stats.load_duration)}" if stats.load_duration else "",
        ]
    if message.error:
        parts.append(message.error)
    return " · ".join(part for part in parts if part)


class CompareColumn(Vertical):
    """One model's reply: its heading, the reply, its figures once it ended."""

    def __init__(
        self, number: int, target: CompareTarget, message: Message, *, flushes: Flushes
    ) -> None:
        super().__init__(classes="compare-column")
        self.number = number
        self.target = target
        self.message = message
        self.transcript = Transcript([message], follow_step=None, flushes=flushes)
        self.started = time.monotonic()
        self.first_token: float | None = None

    def compose(self) -> ComposeResult:
        yield Static(plain(self._heading()), classes="compare-heading")
        yield self.transcript
        yield Static("", classes="compare-figures", markup=False)

    def _heading(self, answering: str = "") -> str:
        """Its number, model and host; on `auto`, the host answering once it is known."""
        where = self.target.label or self.target.host
        if answering:
            where += f" → {answering}"
        return f"{self.number}  {self.target.model} · {where}"

    def take(self, event: StreamEvent) -> None:
        if isinstance(event, ReplyHost):
            # On `auto`: the host is chosen as the request leaves.
            self.query_one(".compare-heading", Static).update(plain(self._heading(event.name)))
            for note in event.notes:
                notify_plain(self.app, note, severity="warning", timeout=10)
        if isinstance(event, (TextDelta, ThinkingDelta)) and self.first_token is None:
            self.first_token = time.monotonic() - self.started
        if isinstance(event, (TextDelta, ThinkingDelta, ToolCallsArrived)):
            self.transcript.reply_changed()
        elif isinstance(event, StreamDone):
            self.ended()

    def ended(self) -> None:
        self.transcript.finish_reply()
        self.query_one(".compare-figures", Static).update(
            plain(figures(self.message, self.first_token))
        )


class CompareView(Container, can_focus=False):
    """The columns of a comparison, run by the view's worker; posts `Ended` once every reply
    has ended or been stopped, then `Kept` with the column the user keeps."""

    BINDINGS = bindings("compare")

    class Ended(TextualMessage):
        """Every reply has ended or was stopped."""

    class Kept(TextualMessage):
        """The user keeps the reply of `column` (0-based)."""

        def __init__(self, view: CompareView, column: int) -> None:
            super().__init__()
            self.view = view
            self.column = column

    def __init__(self, comparison: Comparison, *, flush_hz: float) -> None:
        """`flush_hz`: how often a reply is redrawn as it streams; the columns share it and
        take turns, one column a tick, so that three replies on screen cost the loop what
        one does (keys typed meanwhile waited behind three columns' redraws in one frame:
        worst 40-60 ms against 10-20 ms, 3 columns at 400 tokens/s each at 160x48)."""
        super().__init__(classes="compare-view")
        self.comparison = comparison
        self._flushes = Flushes(flush_hz)
        self._ticks: Timer | None = None
        self.columns = [
            CompareColumn(number, target, message, flushes=self._flushes)
            for number, (target, message) in enumerate(
                zip(comparison.targets, comparison.messages, strict=True), 1
            )
        ]
        self.running = False

    def compose(self) -> ComposeResult:
        yield from self.columns
        yield Static(self._hint(), classes="compare-hint")

    def _hint(self) -> Content:
        stop, one = key_on(self.screen, "compare.stop"), key_on(self.screen, "compare.stop_one")
        tab = key_on(self.screen, "compare.next")
        if self.running:
            return plain(f"{stop}: stop all · {one}: stop the reply with focus · {tab}: next")
        return plain(
            f"{self.keep_keys()}: keep that reply (the others stay as its versions) · {tab}: next"
        )

    def keep_keys(self) -> str:
        """The keys that keep a reply, as bound ("1/2")."""
        return "/".join(
            key_on(self.screen, f"compare.keep_{n}") for n in range(1, len(self.columns) + 1)
        )

    def on_mount(self) -> None:
        self._lay_out(self.size.width)
        for column, turn in zip(self.columns, self.comparison.turns, strict=True):
            column.transcript.start_reply(column.message, sync=turn.sync_text)
        self.running = True
        self.query_one(".compare-hint", Static).update(self._hint())
        self.refresh_bindings()  # the footer: stop keys now, keep keys once all ended
        self.focus_replies()  # the view's keys (stop, keep) work from here
        self._ticks = self.set_interval(self._flushes.interval, self._flushes.tick)
        self.run_comparison()

    def on_resize(self, event: Resize) -> None:
        self._lay_out(event.size.width)

    def _lay_out(self, width: int) -> None:
        self.set_class(width < COLUMN_AT_LEAST * len(self.columns), "-stacked")

    def stream_event(self, column: int, event: StreamEvent) -> None:
        """From the comparison, as each reply streams."""
        self.columns[column].take(event)

    @background("Comparing the models", group="compare", exclusive=True)
    async def run_comparison(self) -> None:
        try:
            await self.comparison.run()
        finally:
            self.running = False
            if self._ticks is not None:
                self._ticks.stop()
        if self.is_attached:  # not when its tab was closed, which cancelled the run
            for column in self.columns:
                column.ended()  # a failed or stopped reply ends without its last line
            self.query_one(".compare-hint", Static).update(self._hint())
            self.refresh_bindings()
            self.focus_replies()
            self.post_message(self.Ended())

    def focus_replies(self) -> None:
        """Focus the first reply, where the view's keys (stop, keep, next) work."""
        self.columns[0].transcript.focus()

    def _focused_column(self) -> int | None:
        focused = self.screen.focused
        for index, column in enumerate(self.columns):
            if focused is not None and (focused is column or column in focused.ancestors):
                return index
        return None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "keep":
            number = parameters[0] if parameters else 0
            return not self.running and isinstance(number, int) and number <= len(self.columns)
        if action in ("stop_one", "stop_all"):
            return self.running
        if action == "keep_first":  # Escape, once there is nothing left to stop
            return not self.running
        return True

    def action_keep(self, number: int) -> None:
        if not self.running and 1 <= number <= len(self.columns):
            self.post_message(self.Kept(self, number - 1))

    def action_next_column(self) -> None:
        column = self._focused_column()
        following = 0 if column is None else (column + 1) % len(self.columns)
        self.columns[following].transcript.focus()

    def action_stop_one(self) -> None:
        column = self._focused_column()
        if column is not None:
            self.comparison.stop(column)

    def action_stop_all(self) -> None:
        self.comparison.stop_all()

    def action_keep_first(self) -> None:
        self.action_keep(1)
