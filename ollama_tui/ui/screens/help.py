"""Provides the help screen: every key, grouped by where it works."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import partial
from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from ..kit.keys import bindings, key_name

SELECTING_TEXT = (
    "Selecting text: drag with the mouse and press Ctrl+C to copy (sent to your terminal "
    "with OSC 52, which works over SSH where the terminal allows it). To use your terminal's "
    "own selection instead, hold Shift (Option on macOS) while dragging."
)


_NUMBERED = re.compile(r"(.*) (?:\d|N)")


def _key_label(binding: Binding) -> str:
    return ", ".join(key_name(key) for key in binding.key.split(","))


def describe_bindings(bindings: Iterable[BindingType]) -> list[tuple[str, str]]:
    """(keys, what they do) for every binding with a description; the footer's short label
    is used only where no longer tooltip was given. Runs like Alt+1 … Alt+9 fold into one row."""
    rows: list[tuple[str, str]] = []
    for binding in bindings:
        if not isinstance(binding, Binding) or not binding.description:
            continue
        text = binding.tooltip or binding.description
        keys = _key_label(binding)
        numbered = _NUMBERED.fullmatch(text)
        if numbered and rows and (last := _NUMBERED.fullmatch(rows[-1][1])):
            first_keys = rows[-1][0].split(" … ")[0]
            rows[-1] = (f"{first_keys} … {keys}", f"{last.group(1)} N")
            continue
        rows.append((keys, text))
    return rows


def key_table(rows: list[tuple[str, str]]) -> Table:
    """Keys in one column and what they do in the next; a description too long for the
    width wraps under its own start (a hanging indent), never back under the keys."""
    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True)
    table.add_column(ratio=1)
    for keys, text in rows:
        table.add_row(Text(keys, style="bold"), Text(text))
    return table


def screen_commands(screen: Screen[Any]) -> Iterator[SystemCommand]:
    """The palette's entries for a screen's own keys, those it shows in its footer (moving
    the cursor is left out), while they apply: one list of keys feeds both."""
    for binding in screen.BINDINGS:
        if not isinstance(binding, Binding) or not binding.show or not binding.description:
            continue
        if binding.action.startswith("app.") or not screen.check_action(binding.action, ()):
            continue
        yield SystemCommand(
            binding.tooltip or binding.description,
            _key_label(binding),
            partial(screen.run_action, binding.action),
        )


class HelpScreen(ModalScreen[None]):
    """Lists every key; Escape or F1 closes it."""

    BINDINGS = bindings("help")

    def __init__(self, sections: list[tuple[str, list[tuple[str, str]]]]) -> None:
        super().__init__(classes="dialog-screen")
        self.sections = sections

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog help"):
            yield Static(Content("Keys  ·  Esc closes"), classes="dialog-title")
            with VerticalScroll():
                for title, rows in self.sections:
                    yield Static(Content.styled(title, "bold $accent"), classes="help-section")
                    yield Static(key_table(rows))
                yield Static(Content.styled("Text", "bold $accent"), classes="help-section")
                yield Static(Content(SELECTING_TEXT))

    def action_close(self) -> None:
        self.dismiss(None)
