"""Provides the tab owner: the conversations open in this instance, one `ChatView` a tab.

It opens, closes, switches and labels the tabs, fills in the default model, and remembers
which tabs are open and what is typed in them. The app maps its keys onto these methods;
screens never call them (they post messages, which the app hands on).
"""

from __future__ import annotations

import contextlib
import threading

from textual import on
from textual.content import Content
from textual.css.query import NoMatches
from textual.widgets import TabbedContent, TabPane

from ...domain.conversation import Conversation, ConversationKind
from ...services.backend import Backend
from ...services.catalogue import ModelChoice, default_model
from ...services.errors import StoreError
from ...services.prompt_library import apply_persona
from ...services.workspace import OpenConversation, RestoredWorkspace
from ..kit.keys import bound_key
from ..kit.safe_text import notify_plain, plain
from ..kit.workers import background
from ..widgets.tab_bar import ConversationTabs
from .chat_view import ChatView
from .library_commands import NewConversationWithPersona
from .welcome import Welcome

TAB_TITLE_LIMIT = 24

WorkspaceSnapshot = tuple[list[str], str | None, str | None, dict[str, str]]
"""The open tabs, the active one, the last model and the tabs' unsent prompts."""


def pane_id(conversation_id: str) -> str:
    # Widget ids may not start with a digit; conversation ids often do.
    return f"c-{conversation_id}"


def tab_label(view: ChatView) -> Content:
    title = view.conversation.title
    if len(title) > TAB_TITLE_LIMIT:
        title = title[: TAB_TITLE_LIMIT - 1].rstrip() + "…"
    # The marker's two cells are kept when it is off: a label that changes width moves
    # the tab underline, which Textual animates (18 frames at the start and the end of
    # every reply).
    marker = Content.styled("● ", "$accent") if view.is_streaming else Content("  ")
    label = marker + plain(title)
    if view.read_only_reason:
        label = label + Content(" (read-only)")
    if view.unsaved_reason:
        label = label + Content(" ") + Content.styled("(not saved)", "$text-error")
    return label


def unsaved_question(views: list[ChatView]) -> Content:
    titles = ", ".join(f"'{view.conversation.title}'" for view in views)
    return plain(
        f"The latest turns of {titles} could not be saved and are only on screen.\n\n"
        f"{views[0].unsaved_reason}"
    )


def _fresh_conversation(
    backend: Backend, kind: ConversationKind, last_model: str | None
) -> Conversation:
    """A new conversation of `kind` with the default settings, the model used last (else the
    default one), on the host new conversations go to."""
    settings = backend.workspace.conversation_defaults(backend.settings.conversation_defaults)
    settings.model = default_model(
        backend.catalogue.models or [], last_model or backend.settings.default_model
    )
    if kind is ConversationKind.COMPLETION and settings.raw is None:
        settings.raw = True  # completions are mostly for base models, which want raw text
    conversation = Conversation(kind=kind, settings=settings)
    backend.move_to_host(conversation, backend.new_conversation_host)
    return conversation


def _fresh_chat(backend: Backend, opening: RestoredWorkspace) -> Conversation:
    return _fresh_conversation(backend, ConversationKind.CHAT, opening.last_model)


def _could_not_open(error: StoreError) -> str:
    return f"Could not open the conversation: {error}"


def _first_open(
    backend: Backend, opening: RestoredWorkspace, open_session: str | None
) -> tuple[list[OpenConversation], str | None, str | None]:
    """The conversations of the first tabs, the one to show, and why the one asked for on
    the command line could not be opened (or None)."""
    items: list[OpenConversation] = []
    for item in opening.conversations:
        if item.never_saved:
            # Only its unsent prompt was kept: a new conversation, as Ctrl+N makes one.
            conversation = _fresh_chat(backend, opening)
            conversation.id = item.conversation.id
            item = OpenConversation(conversation, draft=item.draft)
        items.append(item)
    active, problem = opening.active_id, None
    if open_session is not None:
        if all(item.conversation.id != open_session for item in items):
            try:
                items.append(backend.workspace.open(open_session))
            except StoreError as error:
                problem = _could_not_open(error)
        if problem is None:
            active = open_session
    if not items:
        items.append(OpenConversation(_fresh_chat(backend, opening)))
    return items, active, problem


class ChatTabs(ConversationTabs):
    """The open conversations, one tab each, and the model the next new one starts with."""

    def __init__(
        self,
        backend: Backend,
        opening: RestoredWorkspace,
        *,
        open_session: str | None = None,
        id: str | None = None,
    ) -> None:
        """`opening`: the tabs open at the last quit; `open_session`: a conversation asked for
        on the command line. They are composed with the app's first screen, the one to show
        chosen from the start: added once the screen was up, the screen was laid out three
        times as their widgets mounted and drawn only then, the prompt not yet focused."""
        items, active, self._opening_problem = _first_open(backend, opening, open_session)
        super().__init__(initial=pane_id(active) if active else "", id=id)
        self.backend = backend
        self.last_model: str | None = opening.last_model
        """The model chosen or used last: new conversations start with it."""
        for item in items:
            self.compose_add_child(self._tab_for(item)[0])
        self.closing = False
        """Set while the app quits: the open tabs are then remembered once, at the end."""
        self._pending: WorkspaceSnapshot | None = None
        """The tabs and drafts to save next, taken on the loop, written by a thread."""
        self._writing = threading.Lock()

    # -- what is open ---------------------------------------------------------------------

    def chat_views(self) -> list[ChatView]:
        return list(self.query(ChatView))

    @property
    def current_view(self) -> ChatView | None:
        try:
            pane = self.active_pane
        except NoMatches:
            return None  # shutting down: the tabs are gone, late messages still arrive
        if pane is None:
            return None
        views = pane.query(ChatView)
        return views.first() if views else None

    def view_of(self, session_id: str) -> ChatView | None:
        for view in self.chat_views():
            if view.conversation.id == session_id:
                return view
        return None

    def conversations_using(self, model: str) -> list[str]:
        """Titles of the open conversations whose next reply would use `model`."""
        return [
            view.conversation.title
            for view in self.chat_views()
            if view.conversation.settings.model == model
        ]

    def focus_composer(self) -> None:
        """Focus the current tab's composer, or its transcript when it is read-only: focus
        left in another tab would switch the tabs back to that one."""
        view = self.current_view
        if view is not None:
            view.focus_input()

    # -- opening --------------------------------------------------------------------------

    def finish_opening(self) -> None:
        """Once the first screen is up: say why the conversation asked for on the command line
        could not be opened, if it could not, and focus the prompt."""
        if self._opening_problem:
            notify_plain(self.app, self._opening_problem, severity="error")
        self.focus_composer()

    def _new_conversation(self, kind: ConversationKind) -> Conversation:
        return _fresh_conversation(self.backend, kind, self.last_model)

    def _tab_for(self, item: OpenConversation) -> tuple[TabPane, ChatView]:
        view = ChatView(
            self.backend,
            item.conversation,
            read_only_reason=item.read_only_reason,
            draft=item.draft,
        )
        return TabPane(tab_label(view), view, id=pane_id(item.conversation.id)), view

    async def _add_tab(self, item: OpenConversation) -> ChatView:
        pane, view = self._tab_for(item)
        await self.add_pane(pane)
        self.active = pane.id or ""
        self.focus_composer()
        return view

    async def new_tab(self, kind: ConversationKind) -> None:
        await self._add_tab(OpenConversation(self._new_conversation(kind)))

    async def new_conversation_with(self, model: str) -> None:
        """A new tab with `model` (of the default host) from the start: setting it on "the
        current tab" afterwards could reach the old tab before the new one is shown."""
        conversation = self._new_conversation(ConversationKind.CHAT)
        conversation.settings.model = model
        self.last_model = model
        await self._add_tab(OpenConversation(conversation))

    async def open_conversation(self, session_id: str) -> None:
        """Show a saved conversation: focus its tab, or open one."""
        if pane_id(session_id) in self.pane_ids():
            self.active = pane_id(session_id)
            self.focus_composer()
            return
        try:
            item = self.backend.workspace.open(session_id)
        except StoreError as error:
            notify_plain(self.app, _could_not_open(error), severity="error")
            return
        await self._add_tab(item)

    @on(Welcome.Open)
    async def _open_recent(self, event: Welcome.Open) -> None:
        await self.open_conversation(event.session_id)

    def show_recent(self) -> None:
        """The conversations listed anew: empty tabs show the latest to reopen."""
        for view in self.chat_views():
            view.show_recent()

    # -- models ---------------------------------------------------------------------------

    def fill_default_models(self, models: list[ModelChoice]) -> None:
        """Conversations without a model get the default one once the catalogue has one."""
        model = default_model(models, self.last_model)
        for view in self.chat_views():
            if model and not view.conversation.settings.model and not view.read_only_reason:
                view.set_model(model, chosen=False)

    def use_model(self, choice: ModelChoice, view: ChatView) -> None:
        """The picker's choice, for the conversation it was opened on."""
        if view.is_mounted:
            view.set_model(choice.name, choice.host or self.backend.default_host)
            self.last_model = choice.name

    def use_model_here(self, model: str) -> None:
        """Use a model of the default host (the models screen's) in the current conversation."""
        view = self.current_view
        if view is None or view.read_only_reason:
            new = bound_key("app.new_tab", self.backend.settings.keymap)
            notify_plain(self.app, f"This conversation is read-only: open a new one ({new}).")
            return
        view.set_model(model, self.backend.default_host)
        self.last_model = model
        self.call_after_refresh(self.focus_composer)

    @on(ChatView.NewConversationAsked)
    async def _start_over(self, event: ChatView.NewConversationAsked) -> None:
        await self.new_tab(event.view.conversation.kind)

    @on(NewConversationWithPersona)
    async def _new_with_persona(self, event: NewConversationWithPersona) -> None:
        """The library's new-conversation key on a persona: a new tab with its settings."""
        conversation = self._new_conversation(ConversationKind.CHAT)
        try:
            apply_persona(event.persona, conversation.settings)
        except ValueError as error:
            notify_plain(self.app, f"Could not use {event.persona.name}: {error}", severity="error")
            return
        await self._add_tab(OpenConversation(conversation))
        notify_plain(self.app, f"A new conversation with the persona {event.persona.name}.")

    @on(ChatView.ModelUsed)
    def _model_used(self, event: ChatView.ModelUsed) -> None:
        self.last_model = event.model

    # -- closing --------------------------------------------------------------------------

    async def close_conversation(self, session_id: str) -> None:
        """Close the tab showing a conversation, if one does (before it is deleted)."""
        view = self.view_of(session_id)
        if view is None:
            return
        await view.stop_and_wait()
        await self.remove_pane(pane_id(session_id))
        self.backend.workspace.close(session_id)
        self.backend.saver.forget(session_id)
        if not self.tab_count:
            await self.new_tab(ConversationKind.CHAT)

    async def close_current(self) -> None:
        """Close the tab. Its unsent prompt is kept for when the conversation is reopened; a
        tab never sent from has nothing to reopen, so closing it asks before dropping one.
        A conversation that could not be saved asks too, as quitting does."""
        from ..dialogs.basic import ChoiceDialog

        view = self.current_view
        if view is None or isinstance(self.app.screen, ChoiceDialog):
            return
        if not view.unsaved_reason:
            await self._close_tab_of(view)
            return

        async def chosen(answer: str | None) -> None:
            if view.is_attached and (answer == "c" or (answer == "s" and self.save_anew([view]))):
                await self._close_tab_of(view)
            else:
                self.focus_composer()

        choices = [("s", "save as a new conversation, then close"), ("c", "close anyway")]
        self.app.push_screen(ChoiceDialog(unsaved_question([view]), choices), chosen)

    async def _close_tab_of(self, view: ChatView) -> None:
        from ..dialogs.basic import ConfirmDialog

        draft = view.draft
        if draft.strip() and not view.has_messages:

            async def confirmed(yes: bool | None) -> None:
                if yes and view.is_attached:
                    self.backend.workspace.remember_draft(view.conversation.id, "")
                    await self.close_conversation(view.conversation.id)
                self.focus_composer()

            question = Content("Close this tab and drop the prompt typed in it, never sent?")
            self.app.push_screen(ConfirmDialog(question), confirmed)
            return
        if draft.strip():
            problem = self.backend.workspace.remember_draft(view.conversation.id, draft)
            notify_plain(
                self.app,
                problem
                or f"The unsent prompt is kept: it comes back when '{view.conversation.title}' "
                f"is reopened ({bound_key('app.conversations', self.backend.settings.keymap)}).",
                severity="error" if problem else "information",
            )
        await self.close_conversation(view.conversation.id)
        self.focus_composer()

    def save_anew(self, views: list[ChatView]) -> bool:
        """Save each conversation as a new one; False (and why, said) when one fails."""
        for view in views:
            conversation = view.conversation
            try:
                copy = self.backend.library.save_copy(
                    conversation, f"{conversation.title} (saved copy)"
                )
            except (StoreError, OSError) as error:
                reason = error.strerror if isinstance(error, OSError) else error
                notify_plain(
                    self.app, f"'{conversation.title}' was not saved: {reason}", severity="error"
                )
                return False
            view.unsaved_reason = None  # what it held is on disk now, under the new id
            notify_plain(self.app, f"Saved a new conversation, '{copy.title}'.")
        return True

    # -- switching ------------------------------------------------------------------------

    def pane_ids(self) -> list[str]:
        return [pane.id for pane in self.query(TabPane) if pane.id]

    def switch(self, step: int) -> None:
        panes = self.pane_ids()
        if len(panes) < 2:
            return
        index = panes.index(self.active) if self.active in panes else 0
        self._activate_pane(panes[(index + step) % len(panes)])

    def go_to(self, number: int) -> None:
        panes = self.pane_ids()
        if 0 < number <= len(panes):
            self._activate_pane(panes[number - 1])

    def _activate_pane(self, pane: str) -> None:
        """Show a tab and focus its prompt now: keys typed right after the switch go there
        (focus set on `TabActivated` would come after them)."""
        self.active = pane
        self.focus_composer()

    @on(TabbedContent.TabActivated)
    def _tab_activated(self) -> None:
        self.focus_composer()

    @on(ChatView.TitleChanged)
    @on(ChatView.StreamingChanged)
    @on(ChatView.SavedStateChanged)
    def _view_changed(
        self,
        event: ChatView.TitleChanged | ChatView.StreamingChanged | ChatView.SavedStateChanged,
    ) -> None:
        # The tab may have been closed while its reply was being stopped.
        with contextlib.suppress(NoMatches):
            self.relabel(pane_id(event.view.conversation.id), tab_label(event.view))

    # -- remembering what is open ---------------------------------------------------------

    def _now(self) -> WorkspaceSnapshot:
        """The open tabs, the active one, the last model and the tabs' unsent prompts."""
        views = self.chat_views()
        # A tab never used leaves no file, so it is not reopened either, unless a prompt was
        # typed in it: that comes back.
        open_ids = [view.conversation.id for view in views if view.has_messages or view.draft]
        current = self.current_view
        active = current.conversation.id if current is not None else None
        drafts = {view.conversation.id: view.draft for view in views if not view.read_only_reason}
        return open_ids, active, self.last_model, drafts

    def remember(self) -> None:
        with self._writing:
            self._pending = None  # older than this: never written after it
            problem = self.backend.workspace.remember(*self._now())
        if problem:
            notify_plain(self.app, problem, severity="error")

    @on(ChatView.DraftChanged)
    def _draft_changed(self) -> None:
        if not self.closing:
            self._pending = self._now()
            self.save_in_background()

    @background("Saving the open tabs", group="workspace", thread=True)
    def save_in_background(self) -> None:
        """`remember` off the loop, taken while typing: a kill then loses no more than the
        last moment of an unsent prompt. Each write takes the newest snapshot, so threads
        finishing out of order never put back an older one."""
        with self._writing:
            snapshot, self._pending = self._pending, None
            if snapshot is None:
                return  # a later call wrote it already
            problem = self.backend.workspace.remember(*snapshot)
        if problem:
            self.app.call_from_thread(notify_plain, self.app, problem, severity="error")
