"""Provides the popup over the composer that lists the slash commands (and their arguments)
the typed line may become."""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ..kit.safe_text import plain

POPUP_ROWS = 8


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
        self.add_options(
            Option(plain(line.ljust(width + 2)) + Content.styled(about, "dim"))
            for line, about in choices[:50]
        )
        self.display = bool(choices)
        if choices:
            self.highlighted = 0
