"""Provides the popup over the composer that lists the slash commands (and their arguments)
the typed line may become."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ...domain.text import sanitize_for_terminal

POPUP_ROWS = 8


def _entry(line: str, about: str, width: int) -> Table:
    """A command in a column `width` wide and what it does beside it; a description too
    long for the popup wraps under its own start, never back under the commands (where its
    end read as a command of its own)."""
    table = Table.grid(padding=(0, 2, 0, 0))
    table.add_column(no_wrap=True, min_width=width)
    table.add_column(ratio=1)
    table.add_row(Text(sanitize_for_terminal(line)), Text(sanitize_for_terminal(about), "dim"))
    return table


class SlashPopup(OptionList):
    """Shown while the composer holds a slash command with something to offer; the first
    entry is highlighted, and the composer's Tab takes it. Never focused: typing goes on in
    the composer."""

    can_focus = False

    def __init__(self) -> None:
        super().__init__(id="slash-popup", compact=True)
        self.display = False
        self.lines: list[str] = []

    def offer(self, choices: Sequence[tuple[str, str]]) -> None:
        """Show these (line, description) pairs, or hide when there are none."""
        lines = [line for line, _ in choices]
        if lines == self.lines:
            return
        self.lines = lines
        self.clear_options()
        width = max(len(line) for line in lines) if lines else 0
        self.add_options(Option(_entry(line, about, width)) for line, about in choices[:50])
        self.display = bool(choices)
        if choices:
            self.highlighted = 0
