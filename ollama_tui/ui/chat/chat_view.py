"""Provides one conversation's view: its transcript, composer, reply stream and pull offer."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message as TextualMessage
from textual.timer import Timer
from textual.widgets import Static
from textual.worker import Worker, WorkerCancelled, WorkerFailed

from ...domain.auto_host import AUTO_HOST
from ...domain.compaction import folded_ids, in_use
from ...domain.conversation import (
    Approval,
    Conversation,
    ConversationKind,
    Message,
    MessageStatus,
    Role,
)
from ...domain.quantities import count_of, format_size
from ...domain.text import code_blocks
from ...domain.versions import (
    bring_into_view,
    set_aside,
    start_version,
    switch_version,
    version_map,
)
from ...services.backend import Backend
from ...services.chat_turn import TurnOutcome, add_user_message, can_continue, last_reply
from ...services.errors import (
    ConnectionLost,
    ModelNotFound,
    ServerUnavailable,
    ToolsNotSupported,
)
from ...services.saver import SaveProblem
from ..kit.keys import bindings, bound_key
from ..kit.safe_text import notify_plain, plain
from ..kit.workers import background
from .composer import Composer
from .slash_popup import SlashPopup
from .transcript import Transcript
from .welcome import RECENT_COUNT, Welcome

if TYPE_CHECKING:
    from ...domain.events import ReplyHost, StreamEvent
    from ...services.compaction import CompactionPlan
    from ...services.conversation_options import SettingsForm
    from ...services.images import ImageAttachment
    from ...services.text_files import TextAttachment
    from ...services.tools.loop import ApprovalRequest, Decision, RoundsReport

    # Imported when a comparison or a pull starts: a new conversation's first frame has
    # neither.
    from ..widgets.pull_panel import PullPanel
    from .compare_view import CompareView

LOADED_AFTER_THE_FIRST_FRAME = (
    "ollama_tui.ui.chat.slash_commands",
    "ollama_tui.services.path_completion",
    "ollama_tui.services.text_files",
    "ollama_tui.services.compaction",
    "ollama_tui.services.tools.loop",
)
"""What typing, sending and replying need beyond the first frame (slash commands and their
popup, files attached, compacting, the tool rounds of a reply): imported where it is used,
and loaded by `load_after_the_first_frame` once that frame is drawn, so that neither the first
frame nor the first key or Enter waits for it."""


def load_after_the_first_frame() -> None:
    """Import `LOADED_AFTER_THE_FIRST_FRAME` (it blocks: from a thread)."""
    for name in LOADED_AFTER_THE_FIRST_FRAME:
        importlib.import_module(name)


SAVE_RETRY_INTERVAL = 5.0
"""Seconds between attempts to save a conversation whose last save failed."""
DRAFT_SAVE_DELAY = 1.0
"""Seconds after the last key before an unsent prompt is saved (a kill loses no more)."""
DRAFT_SAVE_MAX_WAIT = 5.0
"""While typing goes on without a pause, the unsent prompt is saved at least this often."""


class ChatView(Vertical):
    """A conversation in a tab. Its reply stream is a worker on this widget, so closing the
    tab cancels it and each tab streams on its own."""

    BINDINGS = bindings("chat")

    @dataclass
    class TitleChanged(TextualMessage):
        """The conversation got its title (from the first prompt, or renamed)."""

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

    @dataclass
    class SavedStateChanged(TextualMessage):
        """A save failed (the tab is marked), or the conversation is saved again."""

        view: ChatView

    @dataclass
    class DraftChanged(TextualMessage):
        """The unsent prompt changed and settled (or a prompt was sent): worth saving."""

        view: ChatView

    @dataclass
    class NewConversationAsked(TextualMessage):
        """`/clear`: start over in a new conversation of the same kind."""

        view: ChatView

    @dataclass
    class QuitAsked(TextualMessage):
        """`/bye`: quit, as the quit key does."""

    def __init__(
        self,
        backend: Backend,
        conversation: Conversation,
        *,
        read_only_reason: str | None = None,
        draft: str = "",
    ) -> None:
        """`draft`: a prompt typed and not sent last time, put back in the composer."""
        super().__init__(classes="chat-view")
        self.backend = backend
        self.conversation = conversation
        self.read_only_reason = read_only_reason
        self.transcript = Transcript(
            conversation.messages,
            flush_hz=backend.settings.flush_hz,
            follow_step=backend.settings.follow_step,
            user_label="Prompt" if self.is_completion else "You",
        )
        self.composer = Composer(keymap=backend.settings.keymap, id="composer")
        self.slash_popup: SlashPopup | None = None
        """Mounted the first time the prompt has something to offer (as `pull_panel`): the
        first frame does without it."""
        self.pull_panel: PullPanel | None = None
        """Mounted the first time a pull needs it: most conversations never do."""
        self._stream_worker: Worker[None] | None = None
        self.editing: Message | None = None
        """An earlier prompt being edited in the composer; sending starts a new version."""
        self.attachments: list[ImageAttachment | TextAttachment] = []
        """Images and text files to go with the next prompt."""
        self._save_retry: Timer | None = None
        """Saving again every few seconds after a save failed, until one succeeds."""
        self.unsaved_reason: str | None = None
        """Why the last save failed, until one succeeds: what is on screen is not on disk."""
        self._code_block_turn: tuple[str, int] = ("", -1)
        """The message whose code blocks `b` walks through, and the last one copied."""
        self._initial_draft = draft
        self.welcome: Welcome | None = None
        """What an empty conversation shows until its first prompt is sent."""
        self.compare_next: list[tuple[str, str]] | None = None
        """Models (name, host name) the next prompt goes to at once, when comparing."""
        self.compare_view: CompareView | None = None
        self._prompt_placeholder: str | Content = ""
        """The composer's own placeholder, while a comparison's stands in its place."""
        """The replies being compared, shown in place of the transcript until one is kept."""
        self._draft_timer: Timer | None = None
        self._draft_dirty_since: float | None = None
        """When the unsent prompt changed first since it was last saved."""
        self.compacting = False
        """The older turns are being summarised (the stream worker writes the summary)."""
        self._compaction_offered = False
        """Compacting was offered once the context neared its limit (once per opening)."""
        self._library_listed = False
        """The library's names were read for the `/prompt` or `/persona` being typed."""

    # -- building -----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        if self.read_only_reason:
            yield Static(plain(f"Read-only: {self.read_only_reason}"), classes="read-only-banner")
        yield self.transcript
        yield self.composer
        if not self.conversation.messages and not self.read_only_reason:
            # Docked at the top, above the empty transcript.
            self.welcome = Welcome(self.backend.settings.keymap)
            yield self.welcome

    def on_mount(self) -> None:
        self.composer.disabled = self.read_only_reason is not None
        if self._initial_draft and not self.composer.disabled:
            self.composer.load_text(self._initial_draft)
            self.composer.move_cursor(self.composer.document.end)
        self.settings_changed()
        if self.welcome is not None and self.backend.library.listed:
            # A tab opened later: show the listing there is, then look for newer ones.
            self.show_recent()
            self.list_recent()

    @property
    def is_completion(self) -> bool:
        return self.conversation.kind is ConversationKind.COMPLETION

    def _key(self, binding_id: str) -> str:
        """The key bound to `binding_id` now, for a hint that names it."""
        return bound_key(binding_id, self.backend.settings.keymap)

    def ask_new_conversation(self) -> None:
        """`/clear`: the tab owner opens a new conversation of this kind."""
        self.post_message(self.NewConversationAsked(self))

    def ask_quit(self) -> None:
        """`/bye`: the app quits as its quit key does."""
        self.post_message(self.QuitAsked())

    def settings_changed(self) -> None:
        """The conversation's settings changed (F4, `/set`): show what they show."""
        settings = self.conversation.settings
        self.transcript.show_settings(settings.verbose, settings.wordwrap is not False)
        self.refresh_model_label()

    def refresh_model_label(self) -> None:
        model = self.conversation.settings.model
        title = plain(model) if model else Content(f"no model · {self._key('app.pick_model')}")
        if self.backend.has_several_hosts:
            title = title + plain(f" @ {self.backend.host_of(self.conversation)}")
        if self.is_completion:
            title = title + Content(
                " · completion" + (" (raw)" if self.conversation.settings.raw else "")
            )
        if self.editing is not None:
            title = title + Content.styled(
                f" · editing an earlier prompt ({self._key('chat.cancel_edit')} cancels)",
                "$warning",
            )
        self.composer.border_title = title
        if self.welcome is not None:
            host = self.backend.host_of(self.conversation)
            self.welcome.show_where(
                model, self.backend.host_label if host == self.backend.default_host else host
            )
        self.composer.border_subtitle = self._attachments_line() if self.attachments else ""

    def _attachments_line(self) -> Content:
        from ...services.images import ImageAttachment

        images = all(isinstance(a, ImageAttachment) for a in self.attachments)
        return (
            Content("Images: " if images else "Attached: ")
            + plain(", ".join(a.name for a in self.attachments))
            + Content(f" · {self._key('chat.attach')} adds")
        )

    def show_recent(self) -> None:
        """The latest saved conversations in the welcome, once the app has listed them."""
        if self.welcome is not None and self.backend.library.listed:
            self.welcome.show_recent(self.backend.library.recent(RECENT_COUNT))

    @background("Listing the saved conversations", group="recent", exclusive=True, thread=True)
    def list_recent(self) -> None:
        """List the conversations again: some were written since the app listed them (only
        files that changed are read)."""
        with contextlib.suppress(OSError):  # the browser says so when it is opened
            self.backend.library.refresh()
            self.app.call_from_thread(self.show_recent)

    # -- state the app reads --------------------------------------------------------------

    @property
    def is_streaming(self) -> bool:
        if self.compare_view is not None:
            return True  # until a reply is kept, the conversation has no next turn
        return self._stream_worker is not None and not self._stream_worker.is_finished

    @property
    def has_messages(self) -> bool:
        return bool(self.conversation.messages)

    @property
    def draft(self) -> str:
        """The prompt typed and not sent ("" in a read-only tab, which cannot send it)."""
        return "" if self.read_only_reason else self.composer.text

    # -- the unsent prompt ----------------------------------------------------------------

    @on(Composer.Changed, "#composer")
    def _draft_edited(self) -> None:
        """Ask for the draft to be saved once typing pauses, or at least every few seconds
        while it goes on."""
        from ...services.slash import attach_argument
        from .slash_commands import completion_for

        text = self.composer.text
        typed_path = attach_argument(text)
        if typed_path is not None:
            self._complete_path(text, typed_path)  # the disk is read on a thread
        else:
            self._offer(*completion_for(text, self))
        if text.startswith(("/pr", "/pe")) and not self._library_listed:
            # Names of the library for the popup: read again once per command typed (the
            # folder may have been edited by hand), on a thread.
            self._library_listed = True
            self.list_library_names()
        elif not text.startswith("/p"):
            self._library_listed = False
        now = time.monotonic()
        if self._draft_dirty_since is None:
            self._draft_dirty_since = now
        if self._draft_timer is not None:
            self._draft_timer.stop()
        if not self.composer.text or now - self._draft_dirty_since >= DRAFT_SAVE_MAX_WAIT:
            self._draft_settled()  # at once when sent or cleared: it must not come back
        else:
            self._draft_timer = self.set_timer(DRAFT_SAVE_DELAY, self._draft_settled)

    def _offer(self, offers: list[tuple[str, str]], completion: str | None) -> None:
        self.composer.completion = completion
        popup = self.slash_popup
        if popup is None:
            if not offers:
                return
            popup = self.slash_popup = SlashPopup()
            self.mount(popup, before=self.composer)  # in the DOM at once; its offer below
        popup.offer(offers)
        if self.welcome is not None:
            # The welcome takes most of a small terminal: the popup goes in its place.
            self.welcome.display = not popup.display

    @background("Completing the path", group="path-completion", exclusive=True, thread=True)
    def _complete_path(self, text: str, typed_path: str) -> None:
        from ...services.path_completion import path_completions
        from .slash_commands import completion_for

        paths = path_completions(typed_path)

        def offer() -> None:
            if self.composer.text == text:  # not typed on meanwhile
                self._offer(*completion_for(text, self, paths))

        self.app.call_from_thread(offer)

    @on(Composer.PopupMoved)
    def _popup_moved(self, event: Composer.PopupMoved) -> None:
        event.stop()
        popup = self.slash_popup
        if popup is None or not popup.lines:
            return
        from .slash_commands import tab_line

        popup.highlighted = ((popup.highlighted or 0) + event.step) % len(popup.lines)
        self.composer.completion = tab_line(popup.lines[popup.highlighted])

    @on(Composer.PopupClosed)
    def _popup_closed(self, event: Composer.PopupClosed) -> None:
        event.stop()
        self._offer([], None)

    @background("Listing the prompt library", group="library-names", exclusive=True, thread=True)
    def list_library_names(self) -> None:
        with contextlib.suppress(OSError):  # the library's list says so when it is opened
            self.backend.prompts.listing()
            self.app.call_from_thread(self._offer_library_names)

    def _offer_library_names(self) -> None:
        from ...services.slash import attach_argument
        from .slash_commands import completion_for

        text = self.composer.text
        if attach_argument(text) is None:
            self._offer(*completion_for(text, self))

    def insert_in_composer(self, text: str) -> None:
        """A saved prompt, where the cursor is."""
        if self.composer.disabled:
            return
        self.composer.insert(text)
        self.composer.focus()

    def _draft_settled(self) -> None:
        if self._draft_timer is not None:
            self._draft_timer.stop()
            self._draft_timer = None
        self._draft_dirty_since = None
        self.post_message(self.DraftChanged(self))

    def set_model(self, model: str, host: str | None = None, *, chosen: bool = True) -> None:
        """Use `model` (on `host`, when given) for the next reply; earlier replies keep the
        model that wrote them, and the history goes along to the new host.

        `chosen`: the user chose it, so it is saved now; a default filled in for a
        conversation that names no model is saved with its next change, so that merely
        opening a file never rewrites it."""
        self.conversation.settings.model = model
        if host is not None and host != self.backend.host_of(self.conversation):
            self.backend.move_to_host(self.conversation, host)
        self.refresh_model_label()
        if self.has_messages and chosen:
            self.save_in_background()

    # -- sending --------------------------------------------------------------------------

    @on(Composer.Submitted)
    async def _on_submitted(self, event: Composer.Submitted) -> None:
        from ...services.images import ImageAttachment
        from ...services.slash import Prompt, Run, read_line
        from ...services.text_files import TextAttachment, prompt_with_files
        from .slash_commands import run_command

        event.stop()
        line = read_line(event.text)
        if isinstance(line, Run):
            self.composer.clear()
            await run_command(self, line)
            return
        if not isinstance(line, Prompt):
            notify_plain(self.app, line.message, severity="error")
            return
        refusal = self._refusal_to_send(line.text)
        if refusal:
            notify_plain(self.app, refusal, severity="warning")
            return
        self.composer.clear()
        first = not any(m.role is Role.USER for m in self.conversation.messages)
        if self.welcome is not None:
            await self.welcome.remove()
            self.welcome = None
        versions = self._set_aside_edited()
        attachments, self.attachments = self.attachments, []
        message = add_user_message(
            self.conversation,
            prompt_with_files(line.text, [a for a in attachments if isinstance(a, TextAttachment)]),
            images=[a.data for a in attachments if isinstance(a, ImageAttachment)],
            attachments=[a.name for a in attachments],
        )
        start_version(message, versions)
        self.refresh_model_label()
        self.transcript.messages_changed()
        self.transcript.follow()
        if first:
            self.post_message(self.TitleChanged(self))
        # The prompt is on disk before the request leaves.
        await self.save()
        if self.compare_next:
            models, self.compare_next = self.compare_next, None
            await self._start_comparison(models)
        else:
            self.start_reply()

    # -- comparing models -------------------------------------------------------------------

    def compare_models(self, models: list[tuple[str, str]]) -> None:
        """The next prompt goes to each of `models` (name, host name) at once."""
        self.compare_next = models
        names = ", ".join(name for name, _ in models)
        notify_plain(self.app, f"The next prompt goes to {names}, side by side.")
        self.composer.focus()

    async def _start_comparison(self, models: list[tuple[str, str]]) -> None:
        def on_event(column: int, event: StreamEvent) -> None:
            if self.compare_view is not None:
                self.compare_view.stream_event(column, event)

        comparison = self.backend.comparison(
            self.conversation,
            models,
            on_event=on_event,
            on_save_problem=self._report_save_problem,
        )
        from .compare_view import CompareView

        self.compare_view = CompareView(comparison, flush_hz=self.backend.settings.flush_hz)
        self.transcript.display = False
        await self.mount(self.compare_view, before=self.composer)
        # The keys go to the replies until one is kept; the prompt says so. It still takes
        # text (the next prompt can be written while the replies are read); Enter says what
        # comes first and keeps it.
        self._prompt_placeholder = self.composer.placeholder
        self.composer.placeholder = (
            f"Keep a reply first ({self.compare_view.keep_keys()}), then send the next prompt."
        )
        self.post_message(self.StreamingChanged(self))

    # Named, not decorated with `on`: the compare view's module is imported when a
    # comparison starts.
    def on_compare_view_ended(self) -> None:
        self.post_message(self.StreamingChanged(self))

    async def on_compare_view_kept(self, event: CompareView.Kept) -> None:
        event.stop()
        view = event.view
        kept = view.comparison.choose(event.column)
        target = view.comparison.targets[event.column]
        self.compare_view = None
        await view.remove()
        self.composer.placeholder = self._prompt_placeholder
        self.transcript.display = True
        self.transcript.messages_changed()
        self.transcript.follow()
        # The conversation goes on with the model of the reply kept.
        self.set_model(kept.model or target.model, target.host, chosen=False)
        self.conversation.touch()
        await self.save()
        self.post_message(self.StreamingChanged(self))
        self.composer.focus()

    def _set_aside_edited(self) -> list[list[Message]]:
        """When an earlier prompt was being edited: the versions the new one starts after
        (the turns it takes the place of are kept among them)."""
        editing, self.editing = self.editing, None
        messages = self.conversation.messages
        if editing is None or editing not in messages:
            return []
        return set_aside(messages, messages.index(editing))

    def refusal_to_compare(self) -> str | None:
        """Why the next prompt cannot go to several models."""
        if self.is_completion:
            return "Comparing works in chats, not in completions."
        return self._refusal_to_reply()

    def _refusal_to_send(self, text: str) -> str | None:
        """Why the prompt cannot go now; it then stays in the composer."""
        if not text.strip():
            return "Nothing to send."
        return self._refusal_to_reply()

    def start_reply(
        self, versions: list[list[Message]] | None = None, continuing: Message | None = None
    ) -> None:
        self._stream_worker = self.stream_reply(versions, continuing)
        self.post_message(self.StreamingChanged(self))

    @background("Writing the reply", group="stream", exclusive=True)
    async def stream_reply(
        self, versions: list[list[Message]] | None, continuing: Message | None
    ) -> None:
        from ...domain.events import (
            ReplyHost,
            StreamDone,
            TextDelta,
            ThinkingDelta,
            ToolCallsArrived,
        )

        transcript = self.transcript

        def on_event(event: StreamEvent) -> None:
            if isinstance(event, (TextDelta, ThinkingDelta, ToolCallsArrived)):
                transcript.reply_changed()
            elif isinstance(event, ReplyHost):
                self.tell_host_notes(event)
                transcript.reply_changed()  # the reply's line names the host answering
            elif isinstance(event, StreamDone):
                # The last words and the stats are drawn now, not after the save that
                # follows (its fsyncs) nor at the next tick of the flushes.
                transcript.finish_reply()

        rounds = self.backend.reply_rounds(
            self.conversation,
            on_event=on_event,
            on_save_problem=self._report_save_problem,
            approve=self._approve,
            on_result=lambda reply, _result: self.transcript.refresh_tools(reply),
            versions=versions,
            continuing=continuing,
        )
        outcome: TurnOutcome | None = None
        try:
            async with contextlib.aclosing(rounds.turns()) as turns:
                async for turn in turns:
                    if outcome is None:
                        self.post_message(self.ModelUsed(turn.request.model))
                        if self.pull_panel is not None:
                            self.pull_panel.hide()
                    transcript.start_reply(turn.message, sync=turn.sync_text)
                    try:
                        outcome = await turn.run()
                    finally:
                        transcript.finish_reply()
        finally:
            self.post_message(self.StreamingChanged(self))
        self._report_rounds(rounds.report)
        error = outcome.error if outcome is not None else None
        if isinstance(error, ModelNotFound):
            # On `auto`, no host had the model and the first listed (the default) said so.
            answered = outcome.message.host_name if outcome is not None else None
            if (answered or self.backend.host_of(self.conversation)) == self.backend.default_host:
                self._offer_pull(error.model)
            # On another host the reply says so; pulls run on the default host only.
        elif isinstance(error, ToolsNotSupported):
            self._offer_tools_off(error.model)
        elif isinstance(error, (ServerUnavailable, ConnectionLost)):
            self.post_message(self.ServerUnreachable())

    def tell_host_notes(self, event: ReplyHost) -> None:
        """On `auto`: a host left out (it failed) or back, said once."""
        for note in event.notes:
            notify_plain(self.app, note, severity="warning", timeout=10)

    def _report_rounds(self, report: RoundsReport) -> None:
        for failure in report.failures:
            notify_plain(
                self.app,
                f"The tools of {failure.source} are not available in this reply: {failure.reason}",
                severity="warning",
                timeout=10,
            )
        if report.round_limit is not None:
            notify_plain(
                self.app,
                f"Stopped after {count_of(report.round_limit, 'round')} of tool calls in one turn "
                "(tool_rounds in config.toml sets the limit); continue the reply "
                f"({self._key('chat.message.continue')} on it) or send a prompt to go on.",
                severity="warning",
                timeout=10,
            )

    async def _approve(self, request: ApprovalRequest) -> Decision:
        """Ask the user about one call; stopping the reply meanwhile closes the question."""
        from ...services.tools.loop import Decision
        from ..dialogs.tool_approval import ToolApprovalDialog  # the first frame needs none

        answer: asyncio.Future[Decision] = asyncio.get_running_loop().create_future()

        def answered(decision: Decision | None) -> None:
            if not answer.done():
                answer.set_result(decision or Decision(Approval.DENIED))

        dialog = ToolApprovalDialog(request, self.conversation.title)
        self.app.push_screen(dialog, answered)
        try:
            return await answer
        except asyncio.CancelledError:
            if dialog.is_attached and dialog is self.app.screen:
                dialog.dismiss(Decision(Approval.DENIED))
            raise

    def _offer_tools_off(self, model: str) -> None:
        from ..dialogs.basic import ConfirmDialog  # the first frame needs no dialog

        def answered(accepted: bool | None) -> None:
            if accepted:
                self.conversation.settings.tools = None
                notify_plain(self.app, "Tools are off for this conversation; asking again.")
                self.call_later(self.action_regenerate)

        question = plain(
            f"{model} cannot call tools (the server says it does not support them). "
            "Turn tools off for this conversation and ask again?"
        )
        self.app.push_screen(ConfirmDialog(question), answered)

    def _report_save_problem(self, problem: SaveProblem) -> None:
        """Say why, once per failure, mark the tab until a save succeeds, and keep trying:
        the conversation is only in memory until then (a full disk gets room, a permission
        is fixed); quitting meanwhile asks first."""
        first = self.unsaved_reason is None
        self.unsaved_reason = problem.message
        if first:
            self.post_message(self.SavedStateChanged(self))
        if self._save_retry is None:
            notify_plain(self.app, problem.message, severity="error", timeout=10)
            self._save_retry = self.set_interval(SAVE_RETRY_INTERVAL, self._retry_save)

    async def _retry_save(self) -> None:
        if self.is_streaming:
            return  # the reply's own checkpoints are trying already
        if await self.backend.saver.save(self.conversation) is None:
            self._saved_again()

    def _saved_again(self) -> None:
        if self.unsaved_reason is not None:
            self.unsaved_reason = None
            self.post_message(self.SavedStateChanged(self))
        if self._save_retry is not None:
            self._save_retry.stop()
            self._save_retry = None
            notify_plain(self.app, f"'{self.conversation.title}' is saved again.")

    def focus_input(self) -> None:
        """Focus the composer, or the replies of a comparison waiting to be kept, or the
        transcript when the conversation is read-only."""
        if self.compare_view is not None:
            self.compare_view.focus_replies()
        elif self.composer.disabled:
            self.transcript.focus()
        else:
            self.composer.focus()

    async def tools_changed(self) -> None:
        """Tools allowed for the conversation were withdrawn: the calls' blocks say how each
        was allowed now, and the file keeps it."""
        for message in self.conversation.messages:
            if message.tool_calls:
                self.transcript.refresh_tools(message)
        await self.save()

    async def apply_settings(self, form: SettingsForm) -> None:
        """The settings dialog's form, into the conversation (from its next reply), saved."""
        form.apply_to(self.conversation.settings)
        self.conversation.touch()
        self.settings_changed()
        await self.save()

    @background("Saving the conversation as a model", group="save-model")
    async def save_as_model(self, name: str) -> None:
        """`/save NAME`: a create job (its progress on the models screen), said when it fails."""
        from ...services.slash import save_spec

        try:
            spec = save_spec(self.conversation, name)
        except ValueError as error:
            notify_plain(self.app, str(error), severity="error")
            return
        notify_plain(self.app, f"Creating {name} from this conversation…")
        job = await self.backend.create(spec)
        await self.backend.jobs.wait(job)
        if job.error:
            notify_plain(self.app, f"Could not create {name}: {job.error}", severity="error")

    async def rename(self, title: str) -> None:
        """Give the conversation a new title, saved now, and say so to the tab bar."""
        self.conversation.title = title
        self.conversation.touch()
        await self.save()
        self.post_message(self.TitleChanged(self))

    @background("Saving the conversation", group="save")
    async def save_in_background(self) -> None:
        await self.save()

    async def save(self) -> None:
        problem = await self.backend.saver.save(self.conversation)
        if problem is not None:
            self._report_save_problem(problem)
        else:
            self._saved_again()

    # -- stopping and retrying ------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop_reply":
            return self.is_streaming
        if action == "cancel_edit":
            return self.editing is not None and not self.is_streaming
        if action == "choose_recent":
            return self.composer.has_focus and self.welcome is not None and self.welcome.has_recent
        if action == "back_to_composer":
            in_welcome = self.welcome is not None and self.welcome.has_focus_within
            return (self.transcript.has_focus or in_welcome) and not self.is_streaming
        if action in ("select_messages", "attach_image"):
            return not self.transcript.has_focus
        if action == "regenerate":
            return self._reply_to_regenerate() is not None and not self.is_streaming
        if action == "open_version_map":
            return self.has_messages and not self.is_streaming and self.compare_view is None
        message = self._selected_message() if self.transcript.has_focus else None
        if action in ("copy_message", "copy_code"):
            return message is not None
        if action == "edit_message":
            return message is not None and message.role is Role.USER
        if action == "continue_reply":
            return (
                message is not None
                and not self.is_streaming
                and can_continue(self.conversation, message) is None
            )
        if action == "toggle_thinking":
            return message is not None and bool(message.thinking)
        if action == "switch_version":
            return message is not None and message.version_count > 1 and not self.is_streaming
        if action == "version_map":
            return message is not None and not self.is_streaming
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

    def _refusal_to_reply(self) -> str | None:
        if self.read_only_reason:
            return f"This conversation is read-only: {self.read_only_reason}"
        if self.compare_view is not None:
            return (
                f"Keep one of the compared replies first: {self.compare_view.keep_keys()} on "
                f"the replies ({self._key('chat.select')} goes to them)."
            )
        if self.compacting:
            return f"The older turns are being summarised. {self._key('chat.stop')} stops it."
        if self.is_streaming:
            return f"A reply is still being written. {self._key('chat.stop')} stops it."
        if not self.conversation.settings.model:
            return f"Choose a model first with {self._key('app.pick_model')}."
        return None

    def _reply_to_regenerate(self) -> Message | None:
        """The reply selected in the transcript, else the last reply."""
        selected = self._selected_message() if self.transcript.has_focus else None
        if (
            selected is not None
            and selected.role is Role.ASSISTANT
            and any(m is selected for m in self.conversation.messages)
        ):
            return selected
        return last_reply(self.conversation)

    async def action_regenerate(self) -> None:
        """Write the selected reply (else the last) again. A last reply that failed before
        any text is simply asked for again; any other is kept as a version the user can flip
        back to, with the turns that followed it."""
        reply = self._reply_to_regenerate()
        refusal = self._refusal_to_reply()
        if reply is None or refusal:
            if refusal:
                notify_plain(self.app, refusal, severity="warning")
            return
        messages = self.conversation.messages
        # The reply goes with the results of its tool calls, if any, after it.
        start = messages.index(reply)
        failed = reply.status in (MessageStatus.ERROR, MessageStatus.INCOMPLETE)
        if failed and not reply.content and reply is last_reply(self.conversation):
            del messages[start:]
            self.transcript.messages_changed()
            self.start_reply()
            return
        versions = set_aside(messages, start)
        self.transcript.messages_changed()
        self.composer.focus()
        self.transcript.follow()
        self.start_reply(versions=versions)

    async def action_continue_reply(self) -> None:
        """Carry on the last reply from where it stopped (cut off by the length limit, or
        stopped by the user), into the same message."""
        reply = last_reply(self.conversation)
        refusal = self._refusal_to_reply() or (
            can_continue(self.conversation, reply) if reply is not None else "No reply yet."
        )
        if reply is None or refusal:
            notify_plain(self.app, refusal or "No reply to continue.", severity="warning")
            return
        self.composer.focus()
        self.transcript.follow()
        self.start_reply(continuing=reply)

    # -- acting on a selected message -----------------------------------------------------

    def action_select_messages(self) -> None:
        if self.compare_view is not None:
            self.compare_view.focus_replies()  # the transcript is hidden behind them
        else:
            self.transcript.focus()

    def action_toggle_thinking(self) -> None:
        self.transcript.toggle_thinking()

    def action_choose_recent(self) -> None:
        if self.welcome is not None:
            self.welcome.choose()

    def action_back_to_composer(self) -> None:
        if self.composer.disabled:
            return
        self.composer.focus()
        self.transcript.follow()

    def _selected_message(self) -> Message | None:
        return self.transcript.selected

    def action_copy_message(self) -> None:
        message = self._selected_message()
        if message is None:
            return
        self.app.copy_to_clipboard(message.content)
        lines = count_of(len(message.content.splitlines()) or 1, "line")
        notify_plain(self.app, f"Copied the message ({lines}) to the clipboard.")

    def action_copy_code(self) -> None:
        """Copy the message's first code block; pressed again, the next one."""
        message = self._selected_message()
        if message is None:
            return
        blocks = code_blocks(message.content)
        if not blocks:
            notify_plain(self.app, "This message has no code block.", severity="warning")
            return
        last_id, last = self._code_block_turn
        index = (last + 1) % len(blocks) if last_id == message.id else 0
        self._code_block_turn = (message.id, index)
        info, code = blocks[index]
        self.app.copy_to_clipboard(code)
        kind = f"{info.split()[0]} " if info else ""
        lines = count_of(len(code.splitlines()) or 1, "line")
        notify_plain(self.app, f"Copied {kind}code block {index + 1} of {len(blocks)} ({lines}).")

    def action_edit_message(self) -> None:
        """Put an earlier prompt in the composer; sending it starts a new version from there
        (the turns after it are kept as the previous version)."""
        message = self._selected_message()
        if message is None or message.role is not Role.USER:
            return
        refusal = self._refusal_to_reply()
        if refusal:
            notify_plain(self.app, refusal, severity="warning")
            return
        self.editing = message
        self.composer.text = message.content
        self.composer.move_cursor(self.composer.document.end)
        self.refresh_model_label()
        self.composer.focus()

    def action_cancel_edit(self) -> None:
        self.editing = None
        self.composer.clear()
        self.refresh_model_label()

    async def action_switch_version(self, step: int) -> None:
        """Show the previous or next version of the conversation from the selected message."""
        message = self._selected_message()
        if (
            message is None
            or message.version_count < 2
            or message not in self.conversation.messages
        ):
            return
        messages = self.conversation.messages
        index = messages.index(message)
        chosen = switch_version(messages, index, (message.version or 0) + step)
        self.transcript.messages_changed()
        turns = [m for m in chosen if m.role is not Role.SYSTEM]
        if turns:
            self.transcript.select(turns[0])
        self.conversation.touch()
        await self.save()

    def action_version_map(self) -> None:
        """The map of versions, its cursor on the selected turn."""
        message = self._selected_message()
        self._open_version_map(message.id if message is not None else None)

    def action_open_version_map(self) -> None:
        """The map of versions from the palette: its cursor on the selected turn, if any,
        else on the last turn shown."""
        self.action_version_map()

    def _open_version_map(self, at: str | None) -> None:
        from ..dialogs.version_map import VersionMapScreen

        async def chosen(message_id: str | None) -> None:
            if message_id is not None:
                await self.show_version_of(message_id)

        rows = version_map(self.conversation.messages)
        self.app.push_screen(VersionMapScreen(rows, at), chosen)

    def _drawn_turn(self, message: Message) -> Message:
        """The turn the transcript draws `message` in: a tool's result in the reply before
        it, a summarised turn in its summary's line."""
        messages = self.conversation.messages
        turn = message
        if turn.role in (Role.TOOL, Role.SYSTEM):
            index = messages.index(turn)
            turn = next((m for m in reversed(messages[:index]) if m.role is Role.ASSISTANT), turn)
        folded = folded_ids(messages)
        if turn.id in folded:
            summaries = (
                m for m in messages if in_use(m, folded) and turn.id in (m.summary_of or ())
            )
            turn = next(summaries, turn)
        return turn

    async def show_version_of(self, message_id: str) -> None:
        """Show the version that holds the turn `message_id`, that turn selected; the file
        is written only when another version comes into view."""
        if self.is_streaming:
            return
        messages = self.conversation.messages
        before = list(messages)  # held, so that the ids compared stay theirs
        target = bring_into_view(messages, message_id)
        if target is None:
            return
        changed = [id(m) for m in messages] != [id(m) for m in before]
        if changed:
            self.transcript.messages_changed()
        turn = self._drawn_turn(target)
        # A turn among the earlier ones the transcript keeps folded is laid out too.
        while not any(m is turn for m in self.transcript.shown):
            if not self.transcript.show_earlier():
                break
        self.transcript.focus()
        self.transcript.select(turn)
        if changed and not self.read_only_reason:  # a read-only file is only looked at
            self.refresh_model_label()
            self.conversation.touch()
            await self.save()

    # -- compacting -------------------------------------------------------------------------

    def compact_conversation(self) -> None:
        """`/compact`, the palette: the model summarises the turns before the last prompt
        into one summary, sent in their place from then on."""
        refusal = self._refusal_to_reply() or (
            "A completion sends each prompt alone: there is no history to compact."
            if self.is_completion
            else None
        )
        if refusal:
            notify_plain(self.app, refusal, severity="warning")
            return
        from ...services.compaction import CompactionError, plan_compaction

        try:
            plan = plan_compaction(self.conversation)
        except CompactionError as error:
            notify_plain(self.app, str(error), severity="warning")
            return
        self.compacting = True
        self._show_compacting(0)
        self._stream_worker = self._compact(plan)
        self.post_message(self.StreamingChanged(self))

    def _show_compacting(self, characters: int) -> None:
        self.composer.border_subtitle = Content(
            f"Summarising the earlier turns… {count_of(characters, 'character')}"
            f" · {self._key('chat.stop')} stops"
        )

    @background("Compacting the conversation", group="stream", exclusive=True)
    async def _compact(self, plan: CompactionPlan) -> None:
        try:
            await self._summarise(plan)
        finally:
            # Last, with nothing awaited after it: the tab's label reads the worker ended.
            self.compacting = False
            self.refresh_model_label()
            self.post_message(self.StreamingChanged(self))

    async def _summarise(self, plan: CompactionPlan) -> None:
        from ...services.compaction import CompactionError, apply_summary, summarise

        try:
            summary = await summarise(
                self.backend.client_for(self.conversation), plan, self._show_compacting
            )
            won = apply_summary(self.conversation, plan, summary)
        except CompactionError as error:
            notify_plain(self.app, str(error), severity="error", timeout=10)
            return
        except asyncio.CancelledError:
            notify_plain(self.app, "Compacting stopped; nothing changed.", severity="warning")
            raise
        self.transcript.messages_changed()
        self.transcript.follow()
        await self.save()
        turns = count_of(len([m for m in plan.summarised if m.role is Role.USER]), "prompt")
        notify_plain(
            self.app,
            f"Compacted: {turns} and their replies are summarised, and the summary is sent in "
            f"their place. Context {won.describe()}.",
            timeout=10,
        )

    def offer_compaction(self) -> None:
        """The context meter warns: say once how to win space."""
        if self._compaction_offered or self.is_completion or self.read_only_reason:
            return
        from ...services.compaction import CompactionError, plan_compaction

        try:
            plan_compaction(self.conversation)
        except CompactionError:
            return
        self._compaction_offered = True
        notify_plain(
            self.app,
            "The context is nearly full. /compact (or “Compact the conversation” in the "
            "palette) summarises the earlier turns into one, sent in their place.",
            severity="warning",
            timeout=15,
        )

    @on(Transcript.SummaryOpened)
    def _summary_opened(self, event: Transcript.SummaryOpened) -> None:
        from ...services.compaction import set_restored
        from ..dialogs.summary import SummaryDialog  # the first frame needs no dialog

        event.stop()
        summary = event.summary
        restored = bool(summary.restored)
        title = plain(f"Summary by {summary.model or 'the model'}") + Content(
            " (not sent: the turns are)" if restored else " (sent instead of the turns)"
        )
        choice = (
            ("s", "Send the summary again, not the turns")
            if restored
            else ("r", "Restore the turns: send them again, not the summary")
        )

        async def answered(letter: str | None) -> None:
            if letter is None or summary not in self.conversation.messages:
                return
            refusal = self._refusal_to_reply()
            if refusal:
                notify_plain(self.app, refusal, severity="warning")
                return
            set_restored(self.conversation, summary, not restored)
            self.transcript.messages_changed()
            await self.save()
            notify_plain(
                self.app,
                "The turns are sent again; the summary is kept, not sent."
                if not restored
                else "The summary is sent again in place of the turns.",
            )

        self.app.push_screen(SummaryDialog(title, summary.content, choice), answered)

    # -- images ---------------------------------------------------------------------------

    def action_attach_image(self) -> None:
        from ..dialogs.attach_image import AttachImageDialog  # the first frame needs no dialog

        if self.read_only_reason:
            return

        async def chosen(path: str | None) -> None:
            # Nothing taken (a typo, a folder of binaries): the path comes back to be fixed,
            # beside the toast that says why, rather than typed again.
            if path and not await self.attach(path) and self.is_mounted:
                self.app.push_screen(AttachImageDialog(path), chosen)

        self.app.push_screen(AttachImageDialog(), chosen)

    async def attach(self, typed: str) -> bool:
        """Attach what `typed` names (a file, a glob, a folder's files): images for a vision
        model, anything else as text in the prompt; what is refused is said with why.
        Whether anything was attached."""
        from ...services.text_files import (
            MAX_FILE_BYTES,
            MAX_TOTAL_BYTES,
            TextAttachment,
            read_attachments,
        )

        used = sum(a.size for a in self.attachments if isinstance(a, TextAttachment))
        attached = await asyncio.to_thread(read_attachments, typed, used)
        for refusal in attached.refused:
            notify_plain(self.app, refusal, severity="error", timeout=10)
        added: list[ImageAttachment | TextAttachment] = [*attached.images, *attached.texts]
        if not added:
            return False
        self.attachments.extend(added)
        self.refresh_model_label()
        used += sum(file.size for file in attached.texts)
        caps = (
            f" Text files go in the prompt: {format_size(used)} of the "
            f"{format_size(MAX_TOTAL_BYTES)} a prompt may hold, {format_size(MAX_FILE_BYTES)} "
            "per file."
            if attached.texts
            else ""
        )
        names = ", ".join(a.describe() for a in added)
        notify_plain(self.app, f"Attached {names}; it goes with the next prompt.{caps}")
        return True

    def remove_attachments(self) -> None:
        self.attachments = []
        self.refresh_model_label()

    # -- pulling a missing model ----------------------------------------------------------

    def _offer_pull(self, model: str) -> None:
        from ..dialogs.pull_offer import PullOfferScreen  # the first frame needs no dialog

        def answered(accepted: bool | None) -> None:
            if accepted:
                self.pull_and_retry(model)

        backend = self.backend
        on_auto = backend.host_of(self.conversation) == AUTO_HOST
        offer = PullOfferScreen(
            model,
            backend.host_label,
            target=backend.default_host,
            auto_hosts=backend.host_names if on_auto else (),
            not_asked=backend.hosts_not_asked() if on_auto else (),
        )
        self.app.push_screen(offer, answered)

    @background("Pulling the model", group="pull", exclusive=True)
    async def pull_and_retry(self, model: str) -> None:
        from ...services.pull import PullState
        from ..widgets.pull_panel import PullPanel

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
        await self.action_regenerate()

    # -- moving around --------------------------------------------------------------------

    def action_scroll_transcript(self, direction: int) -> None:
        # No animation: over SSH every animated frame is bytes on the wire.
        if direction < 0:
            self.transcript.scroll_page_up(animate=False)
        else:
            self.transcript.scroll_page_down(animate=False)

    def action_follow(self) -> None:
        self.transcript.follow()

    def action_show_earlier(self) -> None:
        self.transcript.show_earlier()

    @on(Transcript.LinkClicked)
    def _copy_link(self, event: Transcript.LinkClicked) -> None:
        # Never start a browser: over SSH it would open on the remote host.
        event.stop()
        self.app.copy_to_clipboard(event.href)
        notify_plain(self.app, f"Copied link: {event.href}")
