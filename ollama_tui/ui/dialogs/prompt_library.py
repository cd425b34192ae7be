"""Provides the prompt library's list: the saved prompts and personas, type to filter, Enter
uses one (a prompt goes into the composer, a persona's settings into the conversation), the
new-conversation key starts one with a persona, and one can be deleted."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ...domain.quantities import count_of
from ...services.prompt_library import (
    Entry,
    LibraryError,
    LibraryListing,
    Persona,
    PromptLibrary,
    SavedPrompt,
)
from ..kit.keys import bindings, key_on
from ..kit.safe_text import SafeInput, notify_plain, plain
from ..kit.workers import background
from .basic import ConfirmDialog

NAME_WIDTH = 24
SKIPPED_SHOWN = 3
"""Unusable files named in the note; the rest are counted."""


@dataclass(frozen=True)
class LibraryChoice:
    """What the list was left with: an entry to use here, or (`new_conversation`) a persona
    to start a new conversation with."""

    entry: Entry
    new_conversation: bool = False


def _kind_of(entry: Entry) -> str:
    return "persona" if isinstance(entry, Persona) else "prompt"


def _row(entry: Entry) -> Content:
    kind = _kind_of(entry)
    tag = Content.styled(f"{kind:<8}", "$accent" if kind == "persona" else "$text-muted")
    name = plain(entry.name).truncate(NAME_WIDTH, ellipsis=True, pad=True)
    return tag + name + Content("  ") + plain(entry.summary).stylize("$text-muted")


def _matches(entry: Entry, query: str) -> bool:
    words = query.lower().split()
    haystack = f"{entry.name} {entry.summary}".lower()
    return all(word in haystack for word in words)


class PromptLibraryScreen(ModalScreen[LibraryChoice | None]):
    """Read anew each time it opens (files edited by hand are seen); `kind` ("prompt" or
    "persona") lists only those."""

    BINDINGS = bindings("library")

    def __init__(self, library: PromptLibrary, *, kind: str | None = None) -> None:
        super().__init__(classes="dialog-screen")
        self._library = library
        self._kind = kind
        self._listing: LibraryListing | None = None
        self._shown: list[Entry] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog picker library"):
            title = {"prompt": "Saved prompts", "persona": "Personas"}.get(self._kind or "")
            yield Static(Content(title or "Saved prompts and personas"), classes="dialog-title")
            yield SafeInput(placeholder="Type to filter", id="filter", compact=True)
            yield OptionList(id="entries", compact=True)
            yield Static("", id="library-note", markup=False)
            yield Static("", id="library-hint", classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one("#library-note", Static).update(Content("Reading the library…"))
        self._show_hint()
        self.reload()

    def _show_hint(self) -> None:
        use, new = key_on(self, "library.use"), key_on(self, "library.new_conversation")
        delete, close = key_on(self, "library.delete"), key_on(self, "library.close")
        what = {"prompt": "insert it", "persona": "use it here"}.get(
            self._kind or "", "insert the prompt or use the persona here"
        )
        self.query_one("#library-hint", Static).update(
            plain(
                f"{use}: {what} · {new}: a new conversation with the persona · "
                f"{delete}: delete · {close}: close"
            )
        )

    @background("Reading the prompt library", group="library-list", exclusive=True, thread=True)
    def reload(self) -> None:
        try:
            listing = self._library.listing()
        except OSError as error:
            self.app.call_from_thread(
                self._show_problem, f"Could not list the library: {error.strerror or error}"
            )
            return
        self.app.call_from_thread(self._listed, listing)

    def _show_problem(self, problem: str) -> None:
        if not self.is_attached:
            return  # closed while the folder was read
        self.query_one("#library-note", Static).update(plain(problem))

    def _listed(self, listing: LibraryListing) -> None:
        if not self.is_attached:
            return  # closed while the folder was read
        self._listing = listing
        self._refill(self.query_one("#filter", SafeInput).value)

    def _refill(self, query: str) -> None:
        if self._listing is None:
            return
        entries = [
            entry
            for entry in self._listing.entries
            if self._kind in (None, _kind_of(entry)) and _matches(entry, query)
        ]
        self._shown = entries
        options = self.query_one("#entries", OptionList)
        options.set_options(Option(_row(entry)) for entry in entries)
        if entries:
            options.highlighted = 0
        self._describe(query, len(entries))

    def _describe(self, query: str, shown: int) -> None:
        assert self._listing is not None
        total = sum(self._kind in (None, _kind_of(entry)) for entry in self._listing.entries)
        if not total:
            note = plain(
                "Nothing saved yet: /prompt save NAME saves a prompt, /persona save NAME "
                "this conversation's model, system prompt and options."
            )
        elif not shown:
            note = plain(f"Nothing matches '{query}'.")
        else:
            note = Content(f"{shown} of {total}")
        skipped = self._listing.skipped
        if skipped:
            named = "; ".join(f"{s.file_name} ({s.reason})" for s in skipped[:SKIPPED_SHOWN])
            more = len(skipped) - SKIPPED_SHOWN
            note = (
                note
                + Content.styled(f"\nSkipped {count_of(len(skipped), 'file')}: ", "$warning")
                + plain(named + (f" and {more} more" if more > 0 else ""))
            )
        self.query_one("#library-note", Static).update(note)

    @on(SafeInput.Changed, "#filter")
    def _filter(self, event: SafeInput.Changed) -> None:
        self._refill(event.value)

    def _highlighted(self) -> Entry | None:
        index = self.query_one("#entries", OptionList).highlighted
        return self._shown[index] if index is not None and index < len(self._shown) else None

    def action_move(self, step: int) -> None:
        options = self.query_one("#entries", OptionList)
        if step > 0:
            options.action_cursor_down()
        else:
            options.action_cursor_up()

    def action_use(self) -> None:
        entry = self._highlighted()
        if entry is not None:
            self.dismiss(LibraryChoice(entry))

    @on(OptionList.OptionSelected)
    def _clicked(self) -> None:
        self.action_use()

    def action_new_conversation(self) -> None:
        entry = self._highlighted()
        if isinstance(entry, Persona):
            self.dismiss(LibraryChoice(entry, new_conversation=True))
        elif isinstance(entry, SavedPrompt):
            notify_plain(
                self.app,
                "That is a prompt: a new conversation starts with a persona.",
                severity="warning",
            )

    def action_delete(self) -> None:
        entry = self._highlighted()
        if entry is not None:
            self._confirm_delete(entry)

    @background("Deleting from the prompt library", group="library-delete")
    async def _confirm_delete(self, entry: Entry) -> None:
        kind = _kind_of(entry)
        question = plain(f"Delete the {kind} '{entry.name}'? Its file is removed.")
        if not await self.app.push_screen_wait(ConfirmDialog(question)):
            return
        try:
            await asyncio.to_thread(self._library.delete, entry.name)
        except LibraryError as error:
            notify_plain(self.app, f"Could not delete {entry.name}: {error}", severity="error")
        except OSError as error:
            reason = error.strerror or str(error)
            notify_plain(self.app, f"Could not delete {entry.name}: {reason}", severity="error")
        else:
            notify_plain(self.app, f"Deleted the {kind} {entry.name}.")
        self.reload()

    def action_close(self) -> None:
        self.dismiss(None)
