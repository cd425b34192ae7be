"""Provides one conversation's view: its transcript, composer, reply stream and pull offer."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message as TextualMessage
from textual.widgets import Markdown, Static
from textual.worker import Worker, WorkerCancelled, WorkerFailed

from ..domain.conversation import Conversation, MessageStatus, Role
from ..domain.events import StreamEvent, TextDelta, ThinkingDelta
from ..services.backend import Backend
from ..services.chat_turn import add_user_message
from ..services.errors import ConnectionLost, ModelNotFound, ServerUnavailable
from ..services.pull import PullState
from ..services.saver import SaveProblem
from .composer import Composer
from .message_list import MessageList
from .message_widgets import AssistantMessage
from .pull_panel import PullOfferScreen, PullPanel
from .safe_text import notify_plain, plain


class ChatView(Vertical):
    """A conversation in a tab. Its reply stream is a worker on this widget, so closing the
    tab cancels it and each tab streams on its own."""

    BINDINGS = [
        Binding(
            "escape", "stop_reply", "Stop", tooltip="Stop the reply being written", id="chat.stop"
        ),
        Binding(
            "ctrl+r", "retry", "Retry", tooltip="Ask again after a reply failed", id="chat.retry"
        ),
        # The composer keeps focus, so the transcript's scroll keys are claimed here.
        Binding(
            "pageup",
            "scroll_transcript(-1)",
            "Scroll up",
            show=False,
            priority=True,
            id="chat.page_up",
        ),
        Binding(
            "pagedown",
            "scroll_transcript(1)",
            "Scroll down",
            show=False,
            priority=True,
            id="chat.page_down",
        ),
        Binding(
            "ctrl+end", "follow", "Jump to the end and follow it", show=False, id="chat.follow"
        ),
        Binding("ctrl+up", "show_earlier", "Show earlier messages", show=False, id="chat.earlier"),
    ]

    @dataclass
    class TitleChanged(TextualMessage):
        """The conversation got its title from the first prompt."""

        view: ChatView

    @dataclass
    class StreamingChanged(TextualMessage):
        """A reply started or ended in this conversation."""

        view: ChatView

    @dataclass
    class ModelUsed(TextualMessage):
        """A reply was requested from this model: it becomes the default for new tabs."""

        model: str

    @dataclass
    class ServerUnreachable(TextualMessage):
        """A request could not reach the server: worth probing it again now."""

    def __init__(
        self,
        backend: Backend,
        conversation: Conversation,
        *,
        read_only_reason: str | None = None,
    ) -> None:
        super().__init__(classes="chat-view")
        self.backend = backend
        self.conversation = conversation
        self.read_only_reason = read_only_reason
        self.transcript = MessageList(conversation.messages, flush_hz=backend.settings.flush_hz)
        self.composer = Composer(id="composer")
        self.pull_panel: PullPanel | None = None
        """Mounted the first time a pull needs it: most conversations never do."""
        self._stream_worker: Worker[None] | None = None

    # -- building -----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        if self.read_only_reason:
            yield Static(plain(f"Read-only: {self.read_only_reason}"), classes="read-only-banner")
        yield self.transcript
        yield self.composer

    def on_mount(self) -> None:
        self.composer.disabled = self.read_only_reason is not None
        self.refresh_model_label()

    def refresh_model_label(self) -> None:
        model = self.conversation.settings.model
        self.composer.border_title = plain(model) if model else Content("no model · Ctrl+L")

    # -- state the app reads --------------------------------------------------------------

    @property
    def is_streaming(self) -> bool:
        return self._stream_worker is not None and not self._stream_worker.is_finished

    @property
    def has_messages(self) -> bool:
        return bool(self.conversation.messages)

    def set_model(self, model: str) -> None:
        """Use `model` for the next reply; earlier replies keep the model that wrote them."""
        self.conversation.settings.model = model
        self.refresh_model_label()
        if self.has_messages:
            self.run_worker(self.save(), group="save")

    # -- sending --------------------------------------------------------------------------

    @on(Composer.Submitted)
    async def _on_submitted(self, event: Composer.Submitted) -> None:
        event.stop()
        refusal = self._refusal_to_send(event.text)
        if refusal:
            notify_plain(self.app, refusal, severity="warning")
            return
        self.composer.clear()
        first = not any(m.role is Role.USER for m in self.conversation.messages)
        message = add_user_message(self.conversation, event.text)
        await self.transcript.add(message)
        self.transcript.follow()
        if first:
            self.post_message(self.TitleChanged(self))
        # The prompt is on disk before the request leaves.
        await self.save()
        self.start_reply()

    def _refusal_to_send(self, text: str) -> str | None:
        """Why the prompt cannot go now; it then stays in the composer."""
        if not text.strip():
            return "Nothing to send."
        if self.read_only_reason:
            return f"This conversation is read-only: {self.read_only_reason}"
        if self.is_streaming:
            return "A reply is still being written. Esc stops it."
        if not self.conversation.settings.model:
            return "Choose a model first with Ctrl+L."
        return None

    def start_reply(self) -> None:
        self._stream_worker = self.stream_reply()
        self.post_message(self.StreamingChanged(self))

    @work(group="stream", exclusive=True, exit_on_error=False)
    async def stream_reply(self) -> None:
        widget: AssistantMessage | None = None

        def on_event(event: StreamEvent) -> None:
            if widget is None:
                return
            if isinstance(event, TextDelta):
                widget.feed_text(event.text)
            elif isinstance(event, ThinkingDelta):
                widget.feed_thinking(event.text)

        turn = self.backend.chat_turn(
            self.conversation, on_event=on_event, on_save_problem=self._report_save_problem
        )
        self.post_message(self.ModelUsed(turn.request.model))
        if self.pull_panel is not None:
            self.pull_panel.hide()
        mounted = await self.transcript.add(turn.message)
        assert isinstance(mounted, AssistantMessage)
        widget = mounted
        widget.start_streaming()
        try:
            outcome = await turn.run()
        finally:
            if widget.is_mounted:
                await widget.finish_streaming()
            self.post_message(self.StreamingChanged(self))
        if isinstance(outcome.error, ModelNotFound):
            self._offer_pull(outcome.error.model)
        elif isinstance(outcome.error, (ServerUnavailable, ConnectionLost)):
            self.post_message(self.ServerUnreachable())

    def _report_save_problem(self, problem: SaveProblem) -> None:
        notify_plain(self.app, problem.message, severity="error", timeout=10)

    async def save(self) -> None:
        problem = await self.backend.saver.save(self.conversation)
        if problem is not None:
            self._report_save_problem(problem)

    # -- stopping and retrying ------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop_reply":
            return self.is_streaming
        if action == "retry":
            return not self.is_streaming and self._failed_reply() is not None
        return True

    def action_stop_reply(self) -> None:
        """Stop the reply: the worker's cancellation closes the connection, so the server
        stops generating, and the partial text is saved as interrupted."""
        if self._stream_worker is not None:
            self._stream_worker.cancel()

    async def stop_and_wait(self) -> None:
        """Stop the reply, if any, and wait until it is saved (used at quit)."""
        worker = self._stream_worker
        if worker is None or worker.is_finished:
            return
        worker.cancel()
        with contextlib.suppress(WorkerCancelled, WorkerFailed):
            await worker.wait()

    def _failed_reply(self) -> int | None:
        """Index of a trailing reply that failed before producing any text."""
        messages = self.conversation.messages
        if (
            messages
            and messages[-1].role is Role.ASSISTANT
            and messages[-1].status in (MessageStatus.ERROR, MessageStatus.INCOMPLETE)
            and not messages[-1].content
        ):
            return len(messages) - 1
        return None

    async def action_retry(self) -> None:
        """Ask again for a reply that failed without text (server down, model missing)."""
        if self.is_streaming or self.read_only_reason:
            return
        index = self._failed_reply()
        if index is None:
            return
        failed = self.conversation.messages.pop(index)
        await self.transcript.remove_turn(failed)
        self.start_reply()

    # -- pulling a missing model ----------------------------------------------------------

    def _offer_pull(self, model: str) -> None:
        def answered(accepted: bool | None) -> None:
            if accepted:
                self.pull_and_retry(model)

        self.app.push_screen(PullOfferScreen(model, self.backend.host_label), answered)

    @work(group="pull", exclusive=True, exit_on_error=False)
    async def pull_and_retry(self, model: str) -> None:
        if self.pull_panel is None:
            self.pull_panel = PullPanel()
            await self.mount(self.pull_panel, before=self.composer)
        panel = self.pull_panel
        panel.show_progress(PullState(model))
        # The same job the models screen shows (and may have started already).
        job = self.backend.jobs.pull(model)
        stop_listening = self.backend.jobs.listen(
            lambda changed: panel.show_progress(changed.state) if changed is job else None
        )
        try:
            await self.backend.jobs.wait(job)
        finally:
            stop_listening()
        if not job.succeeded:
            panel.show_failure(model, job.error or "the pull was cancelled")
            return
        panel.hide()  # the app says it is done and reloads the models (it follows every job)
        await self.action_retry()

    # -- moving around --------------------------------------------------------------------

    def action_scroll_transcript(self, direction: int) -> None:
        # No animation: over SSH every animated frame is bytes on the wire.
        if direction < 0:
            self.transcript.release_anchor()  # reading back: new text must not pull us down
            self.transcript.scroll_page_up(animate=False)
        else:
            self.transcript.scroll_page_down(animate=False)

    def action_follow(self) -> None:
        self.transcript.follow()

    async def action_show_earlier(self) -> None:
        await self.transcript.show_earlier()

    @on(Markdown.LinkClicked)
    def _copy_link(self, event: Markdown.LinkClicked) -> None:
        # Never start a browser: over SSH it would open on the remote host.
        event.stop()
        self.app.copy_to_clipboard(event.href)
        notify_plain(self.app, f"Copied link: {event.href}")

    # -- external editor ------------------------------------------------------------------

    @on(Composer.EditRequested)
    async def _edit_externally(self, event: Composer.EditRequested) -> None:
        event.stop()
        edited = await self._run_editor(self.composer.text)
        if edited is not None:
            self.composer.text = edited.rstrip("\n")
            self.composer.move_cursor(self.composer.document.end)

    async def _run_editor(self, text: str) -> str | None:
        command = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        with tempfile.TemporaryDirectory(prefix="ollama-tui-") as folder:
            path = Path(folder) / "prompt.md"
            path.write_text(text, encoding="utf-8")
            argv = [*shlex.split(command), str(path)]
            try:
                returncode = await self._run_suspended(argv)
            except OSError as error:
                notify_plain(
                    self.app,
                    f"Could not start the editor '{command}': {error.strerror or error}",
                    severity="error",
                )
                return None
            if returncode != 0:
                notify_plain(
                    self.app,
                    f"The editor exited with status {returncode}; the prompt is unchanged.",
                    severity="warning",
                )
                return None
            return path.read_text(encoding="utf-8", errors="replace")

    async def _run_suspended(self, argv: list[str]) -> int:
        from textual.app import SuspendNotSupported

        try:
            with self.app.suspend():
                # Blocking on purpose: the app is suspended and the editor owns the terminal.
                return subprocess.call(argv)  # noqa: ASYNC221
        except SuspendNotSupported:
            # Headless (tests, pipes): no terminal to hand over, so run it alongside.
            process = await asyncio.create_subprocess_exec(*argv)
            return await process.wait()
