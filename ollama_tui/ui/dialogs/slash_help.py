"""Provides `/?`: the composer's slash commands, each with what it does."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group
from rich.padding import Padding
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from ...domain.text import sanitize_for_terminal
from ..kit.keys import bindings, key_on
from ..kit.safe_text import plain


class CommandsScreen(ModalScreen[None]):
    """The list `/?` opens; Escape closes it."""

    BINDINGS = bindings("commands")

    def __init__(self, usage: Sequence[tuple[str, str]]) -> None:
        super().__init__(classes="dialog-screen")
        self.usage = usage

    def compose(self) -> ComposeResult:
        # Each command over what it does: one column reads at any width, and a description
        # too long for it wraps under its own start, never back under the commands.
        rows = Group(
            *(
                part
                for line, about in self.usage
                for part in (
                    Text(sanitize_for_terminal(line), "bold"),
                    Padding(Text(sanitize_for_terminal(about)), (0, 0, 0, 4)),
                )
            )
        )
        with Vertical(classes="dialog inspector"):
            yield Static(Content("Slash commands"), classes="dialog-title")
            yield VerticalScroll(Static(rows), id="commands-body")
            yield Static(
                plain(f"↑↓ scroll · {key_on(self, 'commands.close')} closes"),
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        self.query_one("#commands-body").focus()

    def action_close(self) -> None:
        self.dismiss(None)
