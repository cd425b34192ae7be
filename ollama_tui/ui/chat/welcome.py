"""Provides the welcome of an empty conversation: the model and host it will use, the few
keys that matter, and the latest saved conversations to reopen."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ...domain.clock import relative_time
from ...services.library import LibraryEntry
from ..kit.keys import bound_key
from ..kit.safe_text import plain

WELCOME_KEYS = (
    ("composer.send", "send the prompt"),
    ("app.pick_model", "choose the model"),
    ("app.conversations", "saved conversations: search, reopen, export"),
    ("app.help", "every key"),
)
"""Binding id and what it does, for the keys a newcomer needs first."""

CHOOSE_RECENT = "chat.recent"
"""The binding that moves from the prompt to the recent conversations."""

RECENT_COUNT = 5
TITLE_WIDTH = 50


def _entry_rows(entries: list[LibraryEntry]) -> list[Option]:
    """Title, then how long ago it was last written, in a column."""
    titles = [
        e.title if len(e.title) <= TITLE_WIDTH else e.title[: TITLE_WIDTH - 1] + "…"
        for e in entries
    ]
    width = max(map(len, titles), default=0)
    rows = []
    for entry, title in zip(entries, titles, strict=True):
        row = plain(title.ljust(width))
        if entry.updated_at is not None:
            row += Content("  ") + Content.styled(relative_time(entry.updated_at), "$text-muted")
        rows.append(Option(row))
    return rows


class Welcome(Vertical):
    """Shown above the composer while a conversation has no message. The conversation's
    key for it (Tab) moves from the prompt to the recent conversations; Enter opens the
    highlighted one, and Tab or Esc goes back to the prompt."""

    @dataclass
    class Open(Message):
        """The user chose a recent conversation to open."""

        session_id: str

    def __init__(self, keymap: Mapping[str, str]) -> None:
        """`keymap`: the config's keys, which name the keys shown as they are bound."""
        super().__init__(id="welcome")
        self._keys = [(bound_key(id, keymap), what) for id, what in WELCOME_KEYS]
        self._choose_key = bound_key(CHOOSE_RECENT, keymap)
        self._entries: list[LibraryEntry] = []

    def compose(self) -> ComposeResult:
        yield Static("", id="welcome-where")
        width = max((len(key) for key, _ in self._keys), default=0)
        yield Static(
            Content("\n").join(
                Content.styled(key.ljust(width), "bold") + Content(f"  {what}")
                for key, what in self._keys
            ),
            id="welcome-keys",
        )
        yield Static("", id="welcome-recent-title")
        # The list of recent conversations is mounted when there are some (they are read
        # after the first frame, which does without it).

    def show_where(self, model: str | None, host: str) -> None:
        """The model the first prompt goes to, and the server that answers."""
        where = plain(model).stylize("bold") if model else Content("No model chosen yet")
        self.query_one("#welcome-where", Static).update(where + plain(f" on {host}"))

    def show_recent(self, entries: list[LibraryEntry]) -> None:
        """The latest saved conversations, newest first."""
        self._entries = entries
        found = self.query("#welcome-recent").results(OptionList)
        options = next(found, None)
        if options is None and entries:
            options = OptionList(id="welcome-recent")
            self.mount(options)  # in the DOM at once; filled below
        if options is not None:
            options.set_options(_entry_rows(entries))
            options.display = bool(entries)
        self.query_one("#welcome-recent-title", Static).update(
            plain(f"Recent conversations · {self._choose_key} to choose, Enter opens")
            if entries
            else Content("No saved conversations yet: the first prompt starts one.")
        )

    @property
    def has_recent(self) -> bool:
        return bool(self._entries)

    def choose(self) -> None:
        """Move to the recent conversations, the newest highlighted."""
        options = self.query_one("#welcome-recent", OptionList)
        options.focus()
        if options.highlighted is None:
            options.highlighted = 0

    @on(OptionList.OptionSelected, "#welcome-recent")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(self.Open(self._entries[event.option_index].id))
