"""Provides the saved-conversations browser: search titles and full text, open, rename,
delete (undoably), export and continue a conversation in a new one."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from ..domain.text import sanitize_for_terminal
from ..services.errors import StoreError
from ..services.library import ConversationLibrary, LibraryEntry, LibraryMatch
from .dialogs import ConfirmDialog, TextDialog
from .safe_text import notify_plain, plain

if TYPE_CHECKING:
    from .app import OllamaTuiApp


def relative_time(moment: datetime, now: datetime | None = None) -> str:
    """`just now`, `5 min ago`, `3 h ago`, `2 days ago`, `7 weeks ago`, else the date."""
    seconds = ((now or datetime.now(timezone.utc)) - moment).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    days = int(seconds // 86400)
    if days < 14:
        return f"{days} day{'s' if days != 1 else ''} ago"
    if days < 60:
        return f"{days // 7} weeks ago"
    return moment.astimezone().strftime("%Y-%m-%d")


def _highlight(text: str, words: list[str]) -> Content:
    content = plain(text)
    folded = text.casefold()
    for word in words:
        start = folded.find(word)
        while start >= 0 and word:
            content = content.stylize("reverse", start, start + len(word))
            start = folded.find(word, start + len(word))
    return content


def entry_row(match: LibraryMatch, words: list[str]) -> Content:
    entry = match.entry
    if entry.unreadable_reason:
        return plain(f"{entry.title}").stylize("$text-error") + Content.styled(
            f"  unreadable: {sanitize_for_terminal(entry.unreadable_reason)}", "$text-muted"
        )
    title = _highlight(entry.title, words).stylize("bold")
    when = ""
    if entry.updated_at is not None:
        absolute = entry.updated_at.astimezone().strftime("%Y-%m-%d %H:%M")
        when = f"{relative_time(entry.updated_at)} · {absolute} · "
    noun = "message" if entry.message_count == 1 else "messages"
    facts = f"{', '.join(entry.models) or 'no replies'} · {when}{entry.message_count} {noun}"
    row = title + Content("\n  ") + plain(facts).stylize("$text-muted")
    if match.snippet:
        row = row + Content("\n  ") + _highlight(match.snippet, words).stylize("italic")
    return row


class ConversationsScreen(ModalScreen[str | None]):
    """Dismisses with the id of the conversation to open, or None."""

    BINDINGS = [
        Binding("escape", "close", "Close", id="browser.close"),
        Binding("enter", "open", "Open", priority=True, id="browser.open"),
        Binding("down", "move(1)", "Next", show=False, priority=True, id="browser.down"),
        Binding("up", "move(-1)", "Previous", show=False, priority=True, id="browser.up"),
        Binding("f2", "rename", "Rename", id="browser.rename"),
        Binding(
            "ctrl+d",
            "delete",
            "Delete",
            tooltip="Move to the trash (Ctrl+Z undoes)",
            priority=True,
            id="browser.delete",
        ),
        Binding("ctrl+z", "undo", "Undo delete", priority=True, id="browser.undo"),
        Binding(
            "ctrl+e",
            "export",
            "Export",
            tooltip="Export as Markdown (or .json)",
            priority=True,
            id="browser.export",
        ),
        Binding(
            "ctrl+k",
            "duplicate",
            "Continue",
            tooltip="Continue from here in a new conversation",
            priority=True,
            id="browser.duplicate",
        ),
        Binding(
            "ctrl+t",
            "toggle_trash",
            "Trash",
            tooltip="Show the trash, or the saved ones",
            priority=True,
            id="browser.trash",
        ),
        Binding("ctrl+x", "empty_trash", "Empty trash", priority=True, id="browser.empty"),
    ]

    def __init__(self, library: ConversationLibrary) -> None:
        super().__init__(classes="dialog-screen")
        self.library = library
        self.showing_trash = False
        self._matches: list[LibraryMatch] = []
        self._deleted: list[str] = []

    @property
    def tui(self) -> OllamaTuiApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog browser"):
            yield Static(Content("Saved conversations"), id="browser-title", classes="dialog-title")
            yield Input(placeholder="Type to search titles and messages", id="query", compact=True)
            yield OptionList(id="results")
            yield Static("", id="browser-note", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#browser-note", Static).update(Content("Loading…"))
        self.reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("rename", "export", "duplicate"):
            return not self.showing_trash
        if action == "empty_trash":
            return self.showing_trash
        if action == "undo":
            return bool(self._deleted)
        return True

    # -- loading and searching ------------------------------------------------------------

    @work(thread=True, exclusive=True, group="library", exit_on_error=False)
    def reload(self) -> None:
        """Read the list again (files may have changed behind our back), then search."""
        entries = self.library.trashed() if self.showing_trash else self.library.refresh()
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._loaded, entries)

    def _loaded(self, entries: list[LibraryEntry]) -> None:
        if self.showing_trash:
            self._show([LibraryMatch(entry) for entry in entries], "")
        else:
            self.search(self.query_one("#query", Input).value)

    @on(Input.Changed, "#query")
    def _query_changed(self, event: Input.Changed) -> None:
        if self.showing_trash:
            return
        self.search(event.value)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def search(self, query: str) -> None:
        matches = self.library.search(query)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_search, matches, query)

    def _show_search(self, matches: list[LibraryMatch], query: str) -> None:
        # Searches run in threads and can finish out of order: only the latest query counts.
        if query == self.query_one("#query", Input).value and not self.showing_trash:
            self._show(matches, query)

    def _show(self, matches: list[LibraryMatch], query: str) -> None:
        words = query.casefold().split()
        self._matches = matches
        results = self.query_one("#results", OptionList)
        results.set_options(Option(entry_row(match, words)) for match in matches)
        if matches:
            results.highlighted = 0
        title = "Trash" if self.showing_trash else "Saved conversations"
        self.query_one("#browser-title", Static).update(Content(title))
        note = self.query_one("#browser-note", Static)
        if self.showing_trash:
            note.update(
                Content(
                    f"{len(matches)} in the trash · Enter restores · Ctrl+X empties"
                    " it · Ctrl+T back"
                )
            )
        elif not matches:
            note.update(
                plain(f"Nothing matches '{query}'.")
                if query
                else Content("No saved conversations yet.")
            )
        else:
            note.update(Content(f"{len(matches)} of {len(self.library.entries)} conversations"))
        self.refresh_bindings()

    # -- the highlighted entry ------------------------------------------------------------

    def _current(self) -> LibraryEntry | None:
        index = self.query_one("#results", OptionList).highlighted
        if index is None or not 0 <= index < len(self._matches):
            return None
        return self._matches[index].entry

    def action_move(self, step: int) -> None:
        results = self.query_one("#results", OptionList)
        if step > 0:
            results.action_cursor_down()
        else:
            results.action_cursor_up()

    def action_close(self) -> None:
        self.dismiss(None)

    async def action_open(self) -> None:
        entry = self._current()
        if entry is None:
            return
        if self.showing_trash:
            await self._restore(entry.id)
            return
        if entry.unreadable_reason:
            notify_plain(
                self.app,
                f"{entry.title} cannot be opened: {entry.unreadable_reason}",
                severity="warning",
            )
            return
        self.dismiss(entry.id)

    @on(OptionList.OptionSelected)
    async def _clicked(self) -> None:
        await self.action_open()

    # -- actions --------------------------------------------------------------------------

    def action_rename(self) -> None:
        entry = self._current()
        if entry is None or entry.unreadable_reason:
            return

        async def renamed(title: str | None) -> None:
            if title and title != entry.title:
                try:
                    await self.tui.rename_conversation(entry.id, title)
                except StoreError as error:
                    notify_plain(self.app, f"Not renamed: {error}", severity="error")
                self.reload()

        self.app.push_screen(TextDialog(Content("New title"), entry.title), renamed)

    def action_delete(self) -> None:
        entry = self._current()
        if entry is None or self.showing_trash or entry.unreadable_reason:
            return

        async def confirmed(yes: bool | None) -> None:
            if not yes:
                return
            await self.tui.close_conversation_tab(entry.id)
            try:
                self.library.delete(entry.id)
            except StoreError as error:
                notify_plain(self.app, f"Not deleted: {error}", severity="error")
                return
            self._deleted.append(entry.id)
            notify_plain(self.app, f"Moved '{entry.title}' to the trash. Ctrl+Z undoes it.")
            self.reload()

        question = Content("Move ") + plain(entry.title).stylize("bold") + Content(" to the trash?")
        self.app.push_screen(ConfirmDialog(question), confirmed)

    async def _restore(self, session_id: str) -> None:
        try:
            self.library.restore(session_id)
        except StoreError as error:
            notify_plain(self.app, f"Not restored: {error}", severity="error")
            return
        notify_plain(self.app, "Restored from the trash.")
        self.reload()

    async def action_undo(self) -> None:
        if self._deleted:
            await self._restore(self._deleted.pop())

    def action_toggle_trash(self) -> None:
        self.showing_trash = not self.showing_trash
        self.query_one("#query", Input).disabled = self.showing_trash
        self.reload()

    def action_empty_trash(self) -> None:
        if not self.showing_trash or not self._matches:
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                removed = self.library.empty_trash()
                self._deleted.clear()
                notify_plain(self.app, f"Deleted {removed} conversations for good.")
                self.reload()

        count = len(self._matches)
        self.app.push_screen(
            ConfirmDialog(
                Content(
                    f"Delete the {count} conversations in the trash for good? "
                    "This cannot be undone."
                )
            ),
            confirmed,
        )

    def action_export(self) -> None:
        entry = self._current()
        if entry is None or entry.unreadable_reason:
            return
        slug = "".join(ch if ch.isalnum() else "-" for ch in entry.title.lower()).strip("-")
        default = str(Path.cwd() / f"{slug[:40] or 'conversation'}-{entry.id[-6:]}.md")

        def chosen(target: str | None) -> None:
            if not target:
                return
            path = Path(target).expanduser()
            try:
                self.library.export_to(entry.id, path)
            except (StoreError, OSError) as error:
                reason = error.strerror if isinstance(error, OSError) else error
                notify_plain(self.app, f"Not exported: {reason}", severity="error")
                return
            notify_plain(self.app, f"Exported to {path}")

        self.app.push_screen(
            TextDialog(Content("Export to (a .json name exports the session file)"), default),
            chosen,
        )

    async def action_duplicate(self) -> None:
        entry = self._current()
        if entry is None or entry.unreadable_reason:
            return
        try:
            copy = self.library.duplicate(entry.id)
        except StoreError as error:
            notify_plain(self.app, f"Could not continue it: {error}", severity="error")
            return
        self.dismiss(copy.id)
