"""Provides the app, a thin shell: it composes the tab owner (`ChatTabs`), the footer and the
status line, maps the global keys onto the tab owner and the screens, and keeps what is the
whole app's: the server watch, themes and keymap, help, the palette, failures and quitting."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import sys
from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING

from textual import events, on
from textual.app import ComposeResult, SystemCommand
from textual.command import CommandPalette
from textual.containers import Container, Horizontal, Vertical
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.theme import Theme
from textual.widgets import ContentSwitcher, TabbedContent, TabPane, Tabs, Tooltip
from textual.widgets._footer import FooterKey
from textual.widgets._tabs import Tab, Underline
from textual.widgets._toast import ToastRack
from textual.worker import get_current_worker

from ..domain.conversation import ConversationKind
from ..domain.text import sanitize_for_terminal
from ..services.backend import Backend
from ..services.catalogue import ModelChoice
from ..services.connection import ConnectionState, ServerStatus
from ..services.errors import OllamaError
from ..services.failure_log import report_failure
from ..services.jobs import ModelJob
from .chat import chat_view, render
from .chat.chat_view import ChatView
from .chat.composer import Composer
from .chat.render_palette import RenderPalette
from .chat.slash_popup import SlashPopup
from .chat.tabs import ChatTabs, unsaved_question
from .chat.transcript import Transcript
from .kit import collector, frame_rows, frame_timer
from .kit.default_css import add_default_css, keep_parsed_css
from .kit.keys import (
    actions_taken_over,
    bindings,
    bound_key,
    full_keymap,
    known_binding_ids,
    place_of,
    unknown_binding_ids,
    workspace_actions,
)
from .kit.safe_text import follow_cursor_blink, notify_plain
from .kit.terminal_input import KeysInOrderApp
from .kit.themes import DEFAULT_THEME, SIXTEEN_COLOUR_THEME, load_themes, shipped_theme_dirs
from .kit.workers import WorkFailed, background
from .screens.workspace import WorkspaceScreen
from .widgets.keys_footer import KeysFooter
from .widgets.status_line import StatusLine

if TYPE_CHECKING:
    from ..services.conversation_options import SettingsForm

    # The screens and dialogs behind a key are imported when that key is first pressed:
    # the first frame draws none of them, and start-up is paid in imports.
    from .dialogs.model_picker import ModelPickerScreen
    from .screens.conversations import ConversationsScreen

FOOTER_FIRST = ("composer.send", "app.pick_model", "app.conversations", "app.new_tab", "app.models")
"""The keys a newcomer needs first, shown first in the footer of a narrow terminal."""
ONLINE_PROBE_INTERVAL = 30.0
"""Seconds between checks that a reachable server is still there."""
CONVERSATIONS_SCREEN = "conversations"
INDEX_DELAY = 1.0
"""Seconds after start before the search index is brought up to date: start-up comes first."""
FIRST_SCREEN_TYPES = (
    WorkspaceScreen,
    ToastRack,
    Tooltip,
    TabbedContent,
    Tabs,
    Container,
    Vertical,
    Horizontal,
    Tab,
    Underline,
    ContentSwitcher,
    TabPane,
    Transcript,
    SlashPopup,
    Composer,
    KeysFooter,
    FooterKey,
)
"""The widget types of a new conversation's first frame whose CSS (or a base's) is their
own, in the order they first mount, and the slash commands' popup, mounted at the first `/`
typed: their default CSS is parsed once, before the first frame (`kit/default_css.py`), so
that neither that frame nor a key parses the stylesheet again."""


class OllamaTuiApp(KeysInOrderApp[None]):
    """A keyboard-driven workspace for chatting with Ollama models in tabs."""

    CSS_PATH = "app.tcss"
    TITLE = "ollama-tui"
    BINDINGS = bindings("app")

    def __init__(self, backend: Backend, *, open_session: str | None = None) -> None:
        super().__init__()
        frame_timer.install()  # a change is drawn at the next frame, not the one after
        frame_rows.install()  # a frame renders only the rows it draws
        keep_parsed_css()  # a dialog's new widget types parse their own CSS, not all of it
        self.backend = backend
        self.open_session = open_session
        """A conversation asked for on the command line, opened (or focused) at start."""
        self.server_status = ServerStatus(backend.host_label, ConnectionState.CONNECTING)
        self._probe_now = asyncio.Event()
        self._quitting = False
        self._start_theme: str | None = None
        self._theme_before_preview: str | None = None
        self.crash_report: str | None = None
        """What ended the app, if an exception nothing handled did (see `_fatal_error`)."""
        """The theme to put back if the theme list is left with Esc; None when it is shut."""
        self._picker: ModelPickerScreen | None = None
        """The model picker while it is open (the server's news goes there)."""

    # -- layout ---------------------------------------------------------------------------

    def get_default_screen(self) -> Screen[None]:
        return WorkspaceScreen()

    def compose(self) -> ComposeResult:
        yield ChatTabs(self.backend, self._restored, open_session=self.open_session, id="tabs")
        with Vertical(id="bottom-bar"):
            yield KeysFooter(first=FOOTER_FIRST)
            yield StatusLine(id="status")

    @property
    def models(self) -> list[ModelChoice] | None:
        """The default host's models, or None until the server first answers."""
        return self.backend.catalogue.models

    @property
    def tabs(self) -> ChatTabs:
        """The tab owner: the open conversations."""
        return self.query_one("#tabs", ChatTabs)

    @property
    def status_line(self) -> StatusLine:
        return self.query_one("#status", StatusLine)

    def chat_views(self) -> list[ChatView]:
        return self.tabs.chat_views()

    @property
    def current_view(self) -> ChatView | None:
        try:
            return self.tabs.current_view
        except NoMatches:
            return None  # shutting down: the tabs are gone, late messages still arrive

    def _register_themes(self) -> list[str]:
        """Ours, then the user's (which may replace ours by name); what was wrong, if any."""
        folders = [*shipped_theme_dirs(), *self.backend.settings.theme_dirs]
        themes, problems = load_themes([folder for folder in folders if folder.is_dir()])
        for theme in themes:
            self.register_theme(theme)
        return ["Skipped theme files: " + "; ".join(problems)] if problems else []

    def _choose_start_theme(self) -> list[str]:
        """The theme last chosen in the app, else the config's, else ours; what was wrong."""
        configured = self.backend.settings.theme
        # In a 16-colour terminal, ours made of its own colours reads better than any other
        # theme brought down to 16.
        sixteen = self.backend.settings.sixteen_colours
        fallback = SIXTEEN_COLOUR_THEME if sixteen else DEFAULT_THEME
        for name in (self.backend.workspace.theme, configured, fallback, DEFAULT_THEME):
            if name and name in self.available_themes:
                self.theme = name
                self._start_theme = name
                break
        # Watched only from now on: choices made in the app are remembered.
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        if configured and configured not in self.available_themes:
            return [
                f"No theme '{configured}' (from the config); themes: "
                + ", ".join(sorted(self.available_themes))
            ]
        return []

    def _remember_theme(self, theme: Theme) -> None:
        if self._start_theme == theme.name:
            # The signal of setting the start theme (signals arrive later): not a choice.
            self._start_theme = None
            return
        if self._theme_before_preview is not None:
            return  # a preview while the theme list is open: remembered when one is chosen
        problem = self.backend.workspace.remember_theme(theme.name)
        if problem:
            notify_plain(self, problem, severity="error")

    def _apply_keymap(self) -> None:
        """The config's [keys]: binding id -> keys. Ids that no binding has are reported."""
        keymap = dict(self.backend.settings.keymap)
        if not keymap:
            return
        if unknown := unknown_binding_ids(keymap):
            notify_plain(
                self,
                "Unknown binding ids in the config's [keys]: "
                + ", ".join(unknown)
                + f" ({bound_key('app.help', keymap)} lists every key; ids are in the README)",
                severity="warning",
                timeout=10,
            )
        known = known_binding_ids()
        self.set_keymap(full_keymap({key: keys for key, keys in keymap.items() if key in known}))

    def on_load(self) -> None:
        add_default_css(self, FIRST_SCREEN_TYPES)
        # The theme is set before anything is styled: set once the first screen was up, it
        # had every widget there styled again (the whole stylesheet parsed anew and applied
        # to each node), a fifth of the CPU of start-up.
        self._restored = self.backend.workspace.restore()
        self._theme_problems = self._register_themes() + self._choose_start_theme()

    async def on_mount(self) -> None:
        settings = self.backend.settings
        if not settings.animations:
            self.animation_level = "none"
        for problem in self._theme_problems:
            notify_plain(self, problem, severity="warning", timeout=10)
        self._apply_keymap()
        self.status_line.show_server(self.server_status)
        restored = self._restored
        for problem in settings.problems:
            notify_plain(self, problem, severity="warning", timeout=15)
        self.tabs.finish_opening()
        for problem in restored.problems:
            notify_plain(self, problem, severity="warning", timeout=10)
        # After the first frame: the HTTP client is built on a thread, then the server is
        # watched.
        self.call_after_refresh(self.connect)
        self.call_after_refresh(lambda: self.load_renderer(RenderPalette.from_app(self)))
        self.set_timer(INDEX_DELAY, self.index_conversations)
        self.backend.jobs.listen(self._job_changed)
        self.backend.catalogue.listen(self._catalogue_changed)

    def on_ready(self) -> None:
        # The command line keeps the collector off through start-up (`cli.main`); with the
        # first frame drawn, what start-up made is set aside (it lives as long as the app,
        # and no later pass need walk it again) and the collector runs as usual.
        if not gc.isenabled():
            gc.freeze()
            gc.enable()
        collector.defer_full_passes()  # at quiet moments, not while replies stream
        self.set_interval(collector.CHECK_EVERY, self._collect_if_due)

    def _collect_if_due(self) -> None:
        streaming = any(view.is_streaming for view in self.tabs.chat_views())
        collector.collect_if_due(streaming=streaming)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        # Every field of every screen and dialog, Textual's own palette included.
        follow_cursor_blink(event.widget, self.backend.settings.cursor_blink)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if len(self.screen_stack) > 1:
            if action in workspace_actions():
                return False  # the key goes to the screen on top, not to the tab behind it
            place = place_of(self.screen)
            if place is not None and action in actions_taken_over(place):
                return False  # the screen's own key, bound with this one, does it there
        return True

    # -- themes ---------------------------------------------------------------------------

    def action_change_theme(self) -> None:
        """The theme list, previewing each theme as it is highlighted; Esc puts back the
        theme there was."""
        self._theme_before_preview = self.theme
        self.search_themes()

    @on(CommandPalette.OptionHighlighted)
    def _preview_theme(self, event: CommandPalette.OptionHighlighted) -> None:
        if self._theme_before_preview is None:
            return
        name = str(event.highlighted_event.option.prompt)
        if name in self.available_themes:
            self.theme = name

    @on(CommandPalette.Closed)
    def _theme_list_closed(self, event: CommandPalette.Closed) -> None:
        before, self._theme_before_preview = self._theme_before_preview, None
        if before is None:
            return
        if not event.option_selected:
            self.theme = before
        elif self.theme != before:
            self._remember_theme(self.current_theme)

    # -- saved conversations --------------------------------------------------------------

    # Named, not decorated with `on`: the screen's module is imported when Ctrl+O is pressed.
    async def on_conversations_screen_rename_asked(
        self, event: ConversationsScreen.RenameAsked
    ) -> None:
        """Through its tab when it is open here (the tab's copy is the one that gets saved)."""
        view = self.tabs.view_of(event.session_id)
        if view is None:
            event.browser.rename_saved(event.session_id, event.title)
            return
        await view.rename(event.title)
        event.browser.reload()

    async def on_conversations_screen_delete_asked(
        self, event: ConversationsScreen.DeleteAsked
    ) -> None:
        """Its tab, if open, is closed first: a reply streaming into it must not write the
        file again once it is in the trash."""
        await self.tabs.close_conversation(event.session_id)
        event.browser.move_to_trash(event.session_id, event.title)

    def action_conversations(self) -> None:
        from .screens.conversations import ConversationsScreen

        if isinstance(self.screen, ConversationsScreen):
            return

        def chosen(session_id: str | None) -> None:
            self.tabs.show_recent()  # the browser listed them again, maybe renamed or deleted
            # After the screen below has resumed: resuming gives focus back to the widget that
            # had it, and focus inside another tab would switch the tabs back to that one.
            if session_id:
                self.call_after_refresh(self.tabs.open_conversation, session_id)
            else:
                self.call_after_refresh(self.tabs.focus_composer)

        # One screen, kept: opening it again costs a frame, not a new screen's styling, and
        # the last search is still there.
        if not self.is_screen_installed(CONVERSATIONS_SCREEN):
            self.install_screen(ConversationsScreen(self.backend.library), CONVERSATIONS_SCREEN)
        self.push_screen(CONVERSATIONS_SCREEN, chosen)

    # -- tabs: the keys, onto the tab owner ---------------------------------------------

    async def action_new_tab(self) -> None:
        await self.tabs.new_tab(ConversationKind.CHAT)

    async def action_new_completion(self) -> None:
        """A conversation of prompts and their continuations through `/api/generate`."""
        await self.tabs.new_tab(ConversationKind.COMPLETION)

    async def action_close_tab(self) -> None:
        await self.tabs.close_current()

    def action_next_tab(self) -> None:
        self.tabs.switch(1)

    def action_previous_tab(self) -> None:
        self.tabs.switch(-1)

    def action_go_to_tab(self, number: int) -> None:
        self.tabs.go_to(number)

    @on(TabbedContent.TabActivated)
    def _tab_activated(self) -> None:
        self.update_context_meter()

    @on(ChatView.TitleChanged)
    @on(ChatView.StreamingChanged)
    @on(ChatView.SavedStateChanged)
    def _view_changed(
        self,
        event: ChatView.TitleChanged | ChatView.StreamingChanged | ChatView.SavedStateChanged,
    ) -> None:
        if isinstance(event, ChatView.StreamingChanged) and event.view is self.current_view:
            # Stop and Regenerate follow the reply shown; a title, a save or a reply in
            # another tab changes no key.
            self.refresh_bindings()
        if event.view is self.current_view and not event.view.is_streaming:
            self.update_context_meter()

    @background("Measuring the context", group="context", exclusive=True)
    async def update_context_meter(self) -> None:
        """The current conversation's context use, in the status line (asks the server for
        the size in use, so it runs in the background)."""
        view = self.current_view
        use = await self.backend.context_use(view.conversation) if view is not None else None
        if view is self.current_view:
            self.status_line.show_context(use)
            if view is not None and use is not None and use.level != "ok":
                view.offer_compaction()

    def _job_changed(self, job: ModelJob) -> None:
        """Every pull, push and create, wherever it was started from, ends here."""
        if job.ended and job.failure is not None:
            self.post_message(WorkFailed(f"The {job.verb} of {job.model}", job.failure))
        # A job succeeds at the server's "success" line, and reports again up to its end:
        # said once, when it ended.
        if job.ended and job.succeeded:
            notify_plain(self, f"{job.verb.capitalize()} of {job.model} done.")
            self.reload_models()

    # -- the conversation's settings ------------------------------------------------------

    def action_conversation_settings(self) -> None:
        from .dialogs.settings import SettingsDialog

        view = self.current_view
        if view is None or isinstance(self.screen, SettingsDialog):
            return
        if view.read_only_reason:
            notify_plain(self, f"This conversation is read-only: {view.read_only_reason}")
            return

        async def chosen(form: SettingsForm | None) -> None:
            if form is not None and view.is_mounted:
                await view.apply_settings(form)
                self.update_context_meter()
                note = "Settings saved; they apply from the next reply."
                if form.as_default:
                    problem = self.backend.workspace.set_conversation_defaults(
                        view.conversation.settings
                    )
                    note = problem or "Settings saved, and new conversations start with them."
                notify_plain(
                    self, note, severity="error" if form.as_default and problem else "information"
                )
            self.tabs.focus_composer()

        self.push_screen(
            SettingsDialog(self.backend, view.conversation.settings, completion=view.is_completion),
            chosen,
        )

    # -- the models screen ----------------------------------------------------------------

    def action_models(self) -> None:
        from .screens.models import ModelsScreen, UseModel

        if isinstance(self.screen, ModelsScreen):
            return

        async def chosen(use: UseModel | None) -> None:
            if use is None:
                return
            if use.here:
                self.tabs.use_model_here(use.model)
            else:
                await self.tabs.new_conversation_with(use.model)

        self.push_screen(ModelsScreen(self.backend, self.tabs.conversations_using), chosen)

    @on(WorkFailed)
    def _work_failed(self, event: WorkFailed) -> None:
        """Every worker's unexpected failure ends here (see ui/workers.py): said, with the
        traceback logged in the data dir, and the app goes on."""
        report = report_failure(
            self.backend.settings.data_dir, event.what, event.error, "; the app carries on"
        )
        notify_plain(self, report, severity="error", timeout=20)

    def _fatal_error(self) -> None:
        """An exception nothing handled ends the app, as in Textual; but where Textual prints
        its traceback with every frame's local variables (the settings, headers and all),
        this logs the traceback without locals, secrets masked, and leaves one sentence in
        `crash_report` for the command line to print once the terminal is restored."""
        error = sys.exc_info()[1]
        if error is None:
            super()._fatal_error()
            return
        self.bell()
        report = report_failure(self.backend.settings.data_dir, "ollama-tui", error)
        self.crash_report = sanitize_for_terminal(report)
        self._close_messages_no_wait()

    @on(ChatView.QuitAsked)
    async def _quit_asked(self) -> None:
        await self.action_quit()

    @on(ChatView.ServerUnreachable)
    def _server_unreachable(self) -> None:
        self._probe_now.set()

    @background("Loading what replies are drawn with", group="renderer", thread=True)
    def load_renderer(self, palette: RenderPalette) -> None:
        """markdown-it, Rich's Markdown and Pygments (~0.1 s of imports), after the first
        frame and off the loop: a new conversation's first frame draws none of them, and the
        first reply then finds them loaded instead of importing them between the Enter and
        the request. Nothing here touches a widget: it draws a sample into plain lines.
        Then what typing and sending need beyond the first frame (`chat_view`)."""
        render.prepare(palette)
        chat_view.load_after_the_first_frame()

    @background("Indexing the saved conversations", group="index", exclusive=True, thread=True)
    def index_conversations(self) -> None:
        """Read the list of saved conversations and bring the full-text index up to date in
        the background, so that Ctrl+O shows them and finds words at once (the first index
        over thousands of conversations takes a while)."""
        worker = get_current_worker()
        with contextlib.suppress(OSError):  # the browser says so when it is opened
            self.backend.library.refresh()
            self.call_from_thread(self.tabs.show_recent)
        self.backend.library.update_index(lambda: worker.is_cancelled)

    # -- the server -----------------------------------------------------------------------

    @background("Connecting to the server", group="connect", thread=True)
    def connect(self) -> None:
        """Build the HTTP client off the loop (httpx's import and its SSL context, a few
        tenths of a second the first keys typed would wait for), then watch the server."""
        # A client that cannot be built fails again in the first probe, which says why.
        with contextlib.suppress(Exception):
            self.backend.prepare()
        self.call_from_thread(self.monitor_server)

    @background("Watching the server", group="server", exclusive=True)
    async def monitor_server(self) -> None:
        """Probe the server, load the models once it answers, and keep retrying while down."""
        while True:
            status = await self.backend.probe()
            came_online = (
                status.state is ConnectionState.ONLINE
                and self.server_status.state is not ConnectionState.ONLINE
            )
            if status != self.server_status:
                self.server_status = status
                self.status_line.show_server(status)
                if status.state is ConnectionState.OFFLINE:
                    notify_plain(self, status.advice, severity="error", timeout=8)
                    if self._picker is not None:
                        self._picker.set_problem(status.advice)
            if came_online:
                await self.refresh_models()
            interval = (
                ONLINE_PROBE_INTERVAL
                if status.state is ConnectionState.ONLINE
                else self.backend.settings.reconnect_interval
            )
            self._probe_now.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._probe_now.wait(), timeout=interval)

    @background("Listing the models", group="models", exclusive=True)
    async def reload_models(self) -> None:
        """`refresh_models` in the background (models were pulled, created, copied or deleted);
        a newer call replaces one still running."""
        await self.refresh_models()

    async def refresh_models(self) -> None:
        """Ask for the catalogue again (its listeners hear the new list); said when it
        cannot be listed, or when entries of it could not be read."""
        try:
            models = await self.backend.catalogue.refresh()
        except OllamaError as error:
            notify_plain(self, f"Could not list models: {error.message}", severity="error")
            return
        if models.skipped:
            first = models.skipped[0].message
            more = len(models.skipped) - 1
            notify_plain(
                self,
                first + (f" ({more} more entries were left out too.)" if more else ""),
                severity="warning",
                timeout=10,
            )

    def _catalogue_changed(self) -> None:
        models = self.backend.catalogue.models
        if models is not None:
            self.tabs.fill_default_models(models)

    # -- model picker ---------------------------------------------------------------------

    def action_pick_model(self) -> None:
        from .dialogs.model_picker import ModelPickerScreen

        view = self.current_view
        if view is None or self._picker is not None:
            return
        problem = ""
        if self.server_status.state is ConnectionState.OFFLINE:
            problem = self.server_status.advice

        def chosen(choice: ModelChoice | None) -> None:
            self._picker = None
            if choice is not None:
                self.tabs.use_model(choice, view)
            self.tabs.focus_composer()

        current = view.conversation.settings.model
        picker = ModelPickerScreen(
            self.backend.catalogue,
            current,
            problem,
            host=self.backend.host_of(view.conversation),
            default_host=self.backend.default_host,
            default_label=self.backend.host_label,
            auto=self.backend.has_several_hosts,
        )
        self._picker = picker
        self.push_screen(picker, chosen)
        if self.server_status.state is not ConnectionState.OFFLINE:
            self.reload_models()
        if self.backend.has_several_hosts:
            self.list_other_hosts(picker)

    @background("Listing the other hosts' models", group="other-hosts", exclusive=True)
    async def list_other_hosts(self, picker: ModelPickerScreen) -> None:
        """Every other host's models, grouped under it in the picker."""
        catalogues = await self.backend.other_catalogues()
        if picker.is_attached:
            picker.set_other_hosts(catalogues)

    def action_compare_models(self) -> None:
        from .dialogs.model_picker import ModelPickerScreen

        view = self.current_view
        if view is None or self._picker is not None:
            return
        if refusal := view.refusal_to_compare():
            notify_plain(self, refusal, severity="warning")
            return

        def marked(choices: list[ModelChoice]) -> None:
            view.compare_models([(choice.name, choice.host) for choice in choices])

        def closed(_: ModelChoice | None) -> None:
            self._picker = None

        picker = ModelPickerScreen(
            self.backend.catalogue,
            view.conversation.settings.model,
            "",
            host=self.backend.host_of(view.conversation),
            default_host=self.backend.default_host,
            default_label=self.backend.host_label,
            on_marked=marked,
            auto=self.backend.has_several_hosts,
        )
        self._picker = picker
        self.push_screen(picker, closed)
        self.reload_models()
        if self.backend.has_several_hosts:
            self.list_other_hosts(picker)

    def action_measure_server(self) -> None:
        from functools import partial

        from .dialogs.throughput import ThroughputDialog

        view = self.current_view
        if view is None or isinstance(self.screen, ThroughputDialog):
            return
        conversation = view.conversation
        self.push_screen(
            ThroughputDialog(
                conversation.settings.model or "",
                self.backend.measurement_subject(conversation),
                partial(self.backend.measure, conversation),
                self.backend.save_measurement,
            )
        )

    # -- help, palette, quit --------------------------------------------------------------

    def action_help(self) -> None:
        from .screens.help import HelpScreen, help_sections

        if isinstance(self.screen, HelpScreen):
            return
        # The keys of the screen F1 was pressed on come first.
        sections = help_sections(
            self.backend.settings.keymap, self.COMMAND_PALETTE_BINDING, place_of(self.screen)
        )
        self.push_screen(HelpScreen(sections))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        from .chat.tool_permissions import open_tool_permissions
        from .screens.help import key_commands, screen_commands

        keymap = self.backend.settings.keymap
        yield from super().get_system_commands(screen)
        if screen is not self.screen_stack[0]:
            # Another screen (models, saved conversations): its own actions, not the chat's.
            yield from screen_commands(screen, keymap)
            return
        yield from key_commands(self, "app", keymap)
        yield SystemCommand(
            "New completion",
            "Prompts and their continuations for base models: /api/generate, raw, suffix",
            self.action_new_completion,
        )
        view = self.current_view
        if view is not None:
            yield from key_commands(view, "chat", keymap)
            yield from key_commands(view.composer, "composer", keymap)
            yield SystemCommand(
                "Compact the conversation",
                "Summarise the turns before the last prompt into one, sent in their place",
                view.compact_conversation,
            )
            yield SystemCommand(
                "Tool permissions…",
                "The tools this conversation runs without asking; withdraw them (/tools)",
                partial(open_tool_permissions, view),
            )
            if view.attachments:
                yield SystemCommand(
                    "Remove attached images",
                    "They will not go with the next prompt",
                    view.remove_attachments,
                )
            yield from self._library_commands(view)

    def _library_commands(self, view: ChatView) -> Iterable[SystemCommand]:
        """The prompt library's entries of the palette (`/prompt`, `/persona`)."""
        from .chat.library_commands import PERSONA, PROMPT, ask_name_then_save, last_prompt
        from .chat.library_commands import open_library as library

        yield SystemCommand(
            "Insert a saved prompt",
            "From the prompt library (/prompt)",
            partial(library, view, PROMPT),
        )
        yield SystemCommand(
            "Apply a persona",
            "Its model, system prompt and options, here (/persona)",
            partial(library, view, PERSONA),
        )
        yield SystemCommand(
            "Save the prompt…",
            "What the composer holds (else the last prompt sent), by name (/prompt save)",
            lambda: ask_name_then_save(view, PROMPT, view.composer.text or last_prompt(view)),
        )
        yield SystemCommand(
            "Save this conversation as a persona…",
            "Its model, system prompt and options, by name (/persona save)",
            partial(ask_name_then_save, view, PERSONA),
        )

    async def action_quit(self) -> None:
        """Quit in any state: replies in progress are saved as interrupted first. When a
        conversation could not be saved, ask first: save it as a new one, or quit anyway."""
        from .dialogs.basic import ChoiceDialog

        if self._quitting or isinstance(self.screen, ChoiceDialog):
            return
        self._quitting = self.tabs.closing = True
        await asyncio.gather(*(view.stop_and_wait() for view in self.chat_views()))
        unsaved = [view for view in self.chat_views() if view.unsaved_reason]
        if not unsaved:
            await self._leave()
            return
        self._quitting = self.tabs.closing = False

        async def chosen(answer: str | None) -> None:
            if answer == "q" or (answer == "s" and self.tabs.save_anew(unsaved)):
                self._quitting = self.tabs.closing = True
                await self._leave()
            else:
                self.tabs.focus_composer()

        choices = [("s", "save as a new conversation, then quit"), ("q", "quit anyway")]
        self.push_screen(ChoiceDialog(unsaved_question(unsaved), choices), chosen)

    async def _leave(self) -> None:
        self.tabs.remember()
        await self.backend.aclose()
        self.exit()
