"""Provides the saved-conversations browser: search titles and full text, open, rename,
delete (undoably), export and continue a conversation in a new one."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static
from textual.worker import get_current_worker

from ...domain.clock import relative_time
from ...domain.folding import fold, word_spans
from ...domain.quantities import count_of
from ...domain.text import sanitize_for_terminal
from ...services.errors import StoreError
from ...services.library import (
    ConversationLibrary,
    ExportTargetExists,
    LibraryEntry,
    LibraryMatch,
    export_file_name,
)
from ...services.throughput import read_saved
from ..dialogs.basic import ConfirmDialog, TextDialog
from ..dialogs.measurement import MeasurementScreen
from ..kit.keys import bindings, key_on
from ..kit.safe_text import SafeInput, notify_plain, plain
from ..kit.workers import background
from ..widgets.entry_list import EntryList
from ..widgets.keys_footer import KeysFooter

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel


def _highlight(text: str, words: list[str]) -> Content:
    """`text` with every place a word of the query matched marked (accents and case aside,
    as the search matched it)."""
    content = plain(text)
    for word in words:
        for start, end in word_spans(text, word):
            content = content.stylize("reverse", start, end)
    return content


def entry_lines(match: LibraryMatch, words: list[str], snippet: str | None) -> list[Content]:
    """The lines of one row: title, then what and when, then where the query matched."""
    entry = match.entry
    if entry.unreadable_reason:
        reason = sanitize_for_terminal(entry.unreadable_reason)
        return [
            plain(entry.title).stylize("$text-error"),
            plain(f"  unreadable, left untouched: {reason}").stylize("$text-muted"),
        ]
    when = ""
    if entry.updated_at is not None:
        absolute = entry.updated_at.astimezone().strftime("%Y-%m-%d %H:%M")
        when = f"{relative_time(entry.updated_at)} · {absolute} · "
    if entry.measurement is not None:
        return [
            _highlight(entry.title, words).stylize("bold"),
            plain(f"  {when}throughput test · {entry.measurement.name}").stylize("$text-muted"),
        ]
    messages = count_of(entry.message_count, "message")
    # The models last: a row too wide for the list is cut at its end, and a list of
    # models can be as long as it likes, the date cannot.
    facts = f"{when}{messages} · {', '.join(entry.models) or 'no replies'}"
    lines = [
        _highlight(entry.title, words).stylize("bold"),
        plain(f"  {facts}").stylize("$text-muted"),
    ]
    if snippet:
        lines.append(Content("  ") + _highlight(snippet, words).stylize("italic"))
    return lines


class ConversationsScreen(ModalScreen[str | None]):
    """Dismisses with the id of the conversation to open, or None.

    A tab may show the conversation a rename or a delete is about: the screen asks its
    owner (`RenameAsked`, `DeleteAsked`), which lets the tab act first and then calls back
    `rename_saved` or `move_to_trash`.
    """

    class RenameAsked(Message):
        """Give a conversation a new title: through its tab when one shows it (the tab's
        copy is the one saved), else with `rename_saved`."""

        def __init__(self, browser: ConversationsScreen, session_id: str, title: str) -> None:
            super().__init__()
            self.browser = browser
            self.session_id = session_id
            self.title = title

    class DeleteAsked(Message):
        """Move a conversation to the trash: its tab, if one shows it, is closed first,
        then `move_to_trash` moves it."""

        def __init__(self, browser: ConversationsScreen, session_id: str, title: str) -> None:
            super().__init__()
            self.browser = browser
            self.session_id = session_id
            self.title = title

    BINDINGS = bindings("browser")

    def __init__(self, library: ConversationLibrary) -> None:
        super().__init__(classes="dialog-screen")
        self.library = library
        self.showing_trash = False
        self._matches: list[LibraryMatch] = []
        self._words: list[str] = []
        self._deleted: list[str] = []
        self._reload_when_shown = False
        self._searched_generation = -1
        """`index.generation` as the search shown last saw it (-1: none shown yet)."""
        self._doing = ""
        """What a file worker is doing, shown in the note until it is done."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog browser"):
            yield Static(Content("Saved conversations"), id="browser-title", classes="dialog-title")
            yield SafeInput(
                placeholder="Type to search titles and messages", id="query", compact=True
            )
            yield EntryList(id="results")
            yield Static("", id="browser-note", markup=False)
        yield KeysFooter()

    def on_mount(self) -> None:
        self.set_interval(0.5, self._follow_the_index)

    def on_screen_resume(self) -> None:
        if self._matches:
            # Shown before: the frame that shows it again draws the last results at once,
            # and what `_opened` starts (a search, a check of the files) comes after it.
            self.call_after_refresh(self._opened)
        else:
            # The first time (the widgets are composed and mounted by now): the list is
            # filled before the frame that shows it, rather than one frame after an empty one.
            self._opened()

    def _opened(self) -> None:
        """Each time the screen is shown: what is known at once, then the files checked."""
        if self.library.entries and not self.showing_trash:
            # Read at start, or at the last visit; reading 10,000 summaries again must not
            # hold up drawing them, so that waits until they are drawn (see `_show`).
            self._reload_when_shown = True
            field = self.query_one("#query", SafeInput)
            # The last search stays, selected: typing starts a new one.
            field.select_all()
            if field.value.strip():
                self.search(field.value)
            else:
                # Searched here rather than on a worker: counted as `search` counts it, or
                # the next tick of `_follow_the_index` would search and draw it all again.
                self._searched_generation = self.library.index.generation
                self._show(self.library.search(""), "")
            return
        if not self._matches:
            self.query_one("#browser-note", Static).update(Content("Loading…"))
        self.reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("rename", "delete", "export", "duplicate"):
            # A saved measurement is only read: its file is the user's to manage.
            entry = self._current()
            return not self.showing_trash and (entry is None or entry.measurement is None)
        if action == "open":
            return not self.showing_trash
        if action in ("restore", "empty_trash"):
            return self.showing_trash
        if action == "undo":
            return bool(self._deleted) and not self.showing_trash
        return True

    # -- loading and searching ------------------------------------------------------------

    @background("Reading the saved conversations", group="library", exclusive=True, thread=True)
    def reload(self) -> None:
        """Read the list again and bring the search index up to date (files may have changed
        behind our back), searching again after each."""
        worker = get_current_worker()
        if self.showing_trash:
            entries = self.library.trashed()
            if not worker.is_cancelled:
                self.app.call_from_thread(self._loaded, entries)
            return
        shown = self.library.entries
        try:
            entries = self.library.refresh()
        except OSError as error:
            problem = f"The saved conversations cannot be read: {error.strerror or error}"
            self.app.call_from_thread(notify_plain, self.app, problem, severity="error")
            return
        if worker.is_cancelled:
            return
        if entries is not shown or not shown:  # the same list when no file changed: no redo
            self.app.call_from_thread(self._loaded, entries)
        if self.library.update_index(lambda: worker.is_cancelled) and not worker.is_cancelled:
            self.app.call_from_thread(self._search_again)

    def _follow_the_index(self) -> None:
        """Search again when the index changed since the results shown were searched: while
        it is built (results grow), and when a sync by another worker finished (the app's own
        at start-up, which `reload` waits for and then finds nothing left to do)."""
        if self.is_current and self.library.index.generation != self._searched_generation:
            self._search_again()

    def _search_again(self) -> None:
        if not self.showing_trash:
            self.search(self.query_one("#query", SafeInput).value)

    def _loaded(self, entries: list[LibraryEntry]) -> None:
        if self.showing_trash:
            self._show([LibraryMatch(entry) for entry in entries], "")
        else:
            self._search_again()

    @on(SafeInput.Changed, "#query")
    def _query_changed(self, event: SafeInput.Changed) -> None:
        if self.showing_trash:
            return
        self.search(event.value)

    @background("Searching the saved conversations", group="search", exclusive=True, thread=True)
    def search(self, query: str) -> None:
        generation = self.library.index.generation  # read first: the results are as new
        matches = self.library.search(query)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_search, matches, query, generation)

    def _show_search(self, matches: list[LibraryMatch], query: str, generation: int) -> None:
        # Searches run in threads and can finish out of order: only the latest query counts.
        if query == self.query_one("#query", SafeInput).value and not self.showing_trash:
            self._searched_generation = generation
            self._show(matches, query)

    def _show(self, matches: list[LibraryMatch], query: str) -> None:
        words = fold(query).split()
        results = self.query_one("#results", EntryList)
        keep = self._current() if words == self._words else None
        self._matches = matches
        self._words = words
        snippets = any(match.in_messages for match in matches)
        results.show_rows(len(matches), self._row_lines, 3 if snippets else 2)
        if keep is not None:
            # Searching again as the index grows must not move the cursor off its entry.
            ids = [match.entry.id for match in matches]
            if keep.id in ids:
                results.cursor = ids.index(keep.id)
        title = "Trash" if self.showing_trash else "Saved conversations"
        self.query_one("#browser-title", Static).update(Content(title))
        self._show_note(query)
        if self._reload_when_shown:
            self._reload_when_shown = False
            self.call_after_refresh(self.reload)

    def _row_lines(self, index: int) -> list[Content]:
        match = self._matches[index]
        snippet = self.library.snippet(match.entry.id, self._words) if match.in_messages else None
        return entry_lines(match, self._words, snippet)

    def _show_note(self, query: str) -> None:
        note = self._note(query)
        if self._doing:  # a change of the files under way says so until it is done
            note = note + plain(f" · {self._doing}")
        self.query_one("#browser-note", Static).update(note)

    def _note(self, query: str) -> Content:
        count = len(self._matches)
        if self.showing_trash:
            return plain(
                f"{count} in the trash · {key_on(self, 'browser.restore')} restores"
                f" · {key_on(self, 'browser.empty')} empties it"
                f" · {key_on(self, 'browser.trash')} back"
            )
        total = len(self.library.entries)
        if not total and count:  # only saved measurements
            return plain(f"No saved conversations yet · {count_of(count, 'saved measurement')}")
        if not total:
            return Content("No saved conversations yet.")
        if not query:
            note = plain(count_of(total, "conversation"))
        elif not count:
            note = plain(f"Nothing matches '{query}'.")
        else:
            note = plain(f"{count:,} of {count_of(total, 'conversation')}")
        index = self.library.index
        progress = index.progress
        if index.unavailable:
            note += plain(f" · titles only: {index.unavailable}")
        elif progress.problem:
            note += plain(f" · {progress.problem}")
        elif query and progress.running:
            note += plain(
                f" · indexing messages, {progress.indexed:,} of {progress.total:,} so far"
            )
        return note

    @property
    def matches(self) -> tuple[LibraryMatch, ...]:
        """The conversations listed, in the order shown (those matching the query, or all)."""
        return tuple(self._matches)

    # -- the highlighted entry ------------------------------------------------------------

    def _current(self) -> LibraryEntry | None:
        index = self.query_one("#results", EntryList).cursor
        if index is None or not 0 <= index < len(self._matches):
            return None
        return self._matches[index].entry

    def action_move(self, step: int) -> None:
        self.query_one("#results", EntryList).move(step)

    def action_page(self, direction: int) -> None:
        self.query_one("#results", EntryList).move_page(direction)

    def action_ends(self, last: int) -> None:
        self.query_one("#results", EntryList).move_to_end(bool(last))

    def action_close(self) -> None:
        self.dismiss(None)

    def action_open(self) -> None:
        entry = self._current()
        if entry is None:
            return
        if self.showing_trash:
            self.restore(entry.id)
            return
        if entry.measurement is not None:
            self.show_measurement(entry.measurement)
            return
        if entry.unreadable_reason:
            notify_plain(
                self.app,
                f"{entry.title} cannot be opened: {entry.unreadable_reason}",
                severity="warning",
            )
            return
        self.dismiss(entry.id)

    @background("Reading a saved measurement", group="measurement", thread=True)
    def show_measurement(self, path: Path) -> None:
        try:
            text = read_saved(path)
        except OSError as error:
            problem = f"{path.name} cannot be read: {error.strerror or error}"
            self.app.call_from_thread(notify_plain, self.app, problem, severity="error")
            return
        self.app.call_from_thread(self.app.push_screen, MeasurementScreen(path.name, text))

    def action_restore(self) -> None:
        self.action_open()

    @on(EntryList.Selected)
    def _clicked(self) -> None:
        self.action_open()

    # -- actions --------------------------------------------------------------------------
    # Handlers return at once: the files are read and written by thread workers, and the
    # note says what is under way meanwhile.

    def _under_way(self, doing: str) -> None:
        self._doing = doing
        self._show_note(self._query_now())

    def _query_now(self) -> str:
        return "" if self.showing_trash else self.query_one("#query", SafeInput).value

    def _finished(self) -> None:
        """A file worker ended (its outcome is notified): the note no longer says it."""
        self._doing = ""
        self._show_note(self._query_now())

    def _said(self, text: str, *, error: bool = False) -> None:
        """Notify from a thread worker."""
        severity: SeverityLevel = "error" if error else "information"
        self.app.call_from_thread(notify_plain, self.app, text, severity=severity)

    def action_rename(self) -> None:
        entry = self._current()
        if entry is None or entry.unreadable_reason:
            return

        def renamed(title: str | None) -> None:
            if title and title != entry.title:
                self.post_message(self.RenameAsked(self, entry.id, title))

        self.app.push_screen(TextDialog(Content("New title"), entry.title), renamed)

    @background("Renaming the conversation", group="library-change", thread=True)
    def rename_saved(self, session_id: str, title: str) -> None:
        """Rename a conversation no tab shows (a tab saves its own copy)."""
        try:
            self.library.rename(session_id, title)
        except StoreError as error:
            self._said(f"Not renamed: {error}", error=True)
        self.app.call_from_thread(self.reload)

    def action_delete(self) -> None:
        entry = self._current()
        if entry is None or self.showing_trash or entry.unreadable_reason:
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._under_way(f"Moving '{entry.title}' to the trash…")
                self.post_message(self.DeleteAsked(self, entry.id, entry.title))

        question = Content("Move ") + plain(entry.title).stylize("bold") + Content(" to the trash?")
        self.app.push_screen(ConfirmDialog(question), confirmed)

    @background("Moving the conversation to the trash", group="library-change", thread=True)
    def move_to_trash(self, session_id: str, title: str) -> None:
        """Once no tab shows it any more (see `DeleteAsked`)."""
        try:
            self.library.delete(session_id)
        except StoreError as error:
            self._said(f"Not deleted: {error}", error=True)
            return
        finally:
            self.app.call_from_thread(self._finished)
        self.app.call_from_thread(self._moved_to_trash, session_id, title)

    def _moved_to_trash(self, session_id: str, title: str) -> None:
        self._deleted.append(session_id)
        self.refresh_bindings()  # undo is possible now
        undo = key_on(self, "browser.undo")
        notify_plain(self.app, f"Moved '{title}' to the trash. {undo} undoes it.")
        self.reload()

    @background("Restoring the conversation", group="library-change", thread=True)
    def restore(self, session_id: str) -> None:
        try:
            self.library.restore(session_id)
        except StoreError as error:
            self._said(f"Not restored: {error}", error=True)
            return
        finally:
            self.app.call_from_thread(self._finished)
        self._said("Restored from the trash.")
        self.app.call_from_thread(self.reload)

    def action_undo(self) -> None:
        if self._deleted:
            self._under_way("Restoring…")
            self.restore(self._deleted.pop())
            self.refresh_bindings()

    def action_toggle_trash(self) -> None:
        self.showing_trash = not self.showing_trash
        self.refresh_bindings()
        field = self.query_one("#query", SafeInput)
        field.disabled = self.showing_trash
        if self.showing_trash:
            self.reload()  # typing goes nowhere there: the field is off until back
            return
        # Back: the saved ones at once (the list is known), the query field ready for typing;
        # reading the files again may not change the list, and then shows nothing new.
        field.focus()
        self._search_again()
        self.reload()

    def action_empty_trash(self) -> None:
        if not self.showing_trash or not self._matches:
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._under_way("Emptying the trash…")
                self.empty_trash()

        count = len(self._matches)
        self.app.push_screen(
            ConfirmDialog(
                Content(
                    f"Delete the {count_of(count, 'conversation')} in the trash for good? "
                    "This cannot be undone."
                )
            ),
            confirmed,
        )

    @background("Emptying the trash", group="library-change", thread=True)
    def empty_trash(self) -> None:
        try:
            removed = self.library.empty_trash()
        finally:
            self.app.call_from_thread(self._finished)
        self.app.call_from_thread(self._trash_emptied, removed)

    def _trash_emptied(self, removed: int) -> None:
        self._deleted.clear()
        self.refresh_bindings()
        notify_plain(self.app, f"Deleted {count_of(removed, 'conversation')} for good.")
        self.reload()

    def action_export(self) -> None:
        entry = self._current()
        if entry is None or entry.unreadable_reason:
            return
        default = str(Path.cwd() / export_file_name(entry.title, entry.id))

        def chosen(target: str | None) -> None:
            if target:
                self.export(entry.id, Path(target).expanduser(), False)

        self.app.push_screen(
            TextDialog(Content("Export to (a .json name exports the session file)"), default),
            chosen,
        )

    @background("Exporting the conversation", group="library-change", thread=True)
    def export(self, session_id: str, path: Path, replace: bool) -> None:
        try:
            written = self.library.export_to(session_id, path, replace=replace)
        except ExportTargetExists:
            self.app.call_from_thread(self._ask_to_replace, session_id, path, path.is_symlink())
            return
        except (StoreError, OSError) as error:
            reason = error.strerror if isinstance(error, OSError) else error
            self._said(f"Not exported: {reason}", error=True)
            return
        self._said(f"Exported to {written}")

    def _ask_to_replace(self, session_id: str, path: Path, link: bool) -> None:
        def confirmed(yes: bool | None) -> None:
            if yes:
                self.export(session_id, path, True)
            else:
                notify_plain(self.app, f"Not exported: {path} is left as it was.")

        question = Content("Replace ") + plain(str(path)).stylize("bold") + Content("?")
        if link:
            question += Content(" (a link: the file it points to is written)")
        self.app.push_screen(ConfirmDialog(question), confirmed)

    def action_duplicate(self) -> None:
        entry = self._current()
        if entry is None or entry.unreadable_reason:
            return
        self._under_way(f"Copying '{entry.title}'…")
        self.duplicate(entry.id)

    @background("Copying the conversation", group="library-change", thread=True)
    def duplicate(self, session_id: str) -> None:
        """A copy to continue in, opened once it is written."""
        try:
            copy = self.library.duplicate(session_id)
        except StoreError as error:
            self._said(f"Could not continue it: {error}", error=True)
            return
        finally:
            self.app.call_from_thread(self._finished)
        self.app.call_from_thread(self.dismiss, copy.id)
