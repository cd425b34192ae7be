"""Provides the help screen: every key, grouped by where it works."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from functools import partial
from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult, SystemCommand
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Static

from ..kit.keys import (
    SECTIONS,
    Key,
    Place,
    bindings,
    bound_key,
    bound_keys,
    describe,
    key_name,
    key_on,
    keys_in,
    place_of,
)
from ..kit.safe_text import plain

SELECTING_TEXT = (
    "Selecting text: drag with the mouse and press Ctrl+C to copy (sent to your terminal "
    "with OSC 52, which works over SSH where the terminal allows it). To use your terminal's "
    "own selection instead, hold Shift (Option on macOS) while dragging."
)


_NUMBERED = re.compile(r"(.*) (?:\d|N)")


def describe_keys(keys: Iterable[Key], keymap: Mapping[str, str]) -> list[tuple[str, str]]:
    """(keys as bound now, what they do) for every key. Runs like Alt+1 … Alt+9 fold into
    one row."""
    rows: list[tuple[str, str]] = []
    for key in keys:
        text = describe(key, keymap)
        names = ", ".join(bound_keys(key.id, keymap))
        numbered = _NUMBERED.fullmatch(text)
        if numbered and rows and (last := _NUMBERED.fullmatch(rows[-1][1])):
            first_keys = rows[-1][0].split(" … ")[0]
            rows[-1] = (f"{first_keys} … {names}", f"{last.group(1)} N")
            continue
        rows.append((names, text))
    return rows


def help_sections(
    keymap: Mapping[str, str], palette_key: str, first: Place | None = None
) -> list[tuple[str, list[tuple[str, str]]]]:
    """F1's groups of keys as bound now, those of the place `first` (where F1 was pressed)
    first; a group's title names the key that opens its screen."""
    sections = []
    for section in SECTIONS:
        title = section.title
        if section.opened_by:
            title += f" ({bound_key(section.opened_by, keymap)})"
        rows = describe_keys(keys_in(section.place), keymap)
        if section.place == "app":
            rows.append((key_name(palette_key), "Command palette"))
        sections.append((section.place, title, rows))
    sections.sort(key=lambda section: section[0] != first)
    return [(title, rows) for _, title, rows in sections]


def key_table(rows: list[tuple[str, str]]) -> Table:
    """Keys in one column and what they do in the next; a description too long for the
    width wraps under its own start (a hanging indent), never back under the keys."""
    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True)
    table.add_column(ratio=1)
    for keys, text in rows:
        table.add_row(Text(keys, style="bold"), Text(text))
    return table


def key_commands(
    node: App[Any] | Widget, place: Place, keymap: Mapping[str, str]
) -> Iterator[SystemCommand]:
    """The palette's entries for the keys of `place` that have one (see `Command`), run on
    `node`, each naming the key bound now."""
    for key in keys_in(place):
        command = key.command
        if command is None:
            continue
        action = command.action_of(key)
        if command.when_allowed and not node.check_action(action, ()):
            continue
        names = " or ".join(bound_keys(key.id, keymap))
        if command.after:
            names = f"{bound_key(command.after, keymap)}, then {names}"
        yield SystemCommand(
            command.title,
            f"{command.text} ({names})" if command.text else names,
            partial(node.run_action, action),
        )


def screen_commands(screen: Screen[Any], keymap: Mapping[str, str]) -> Iterator[SystemCommand]:
    """The palette's entries for a screen's own keys, those it shows in its footer (moving
    the cursor is left out), while they apply: one list of keys feeds both."""
    place = place_of(screen)
    for key in keys_in(place) if place else []:
        if not key.show or key.action.startswith("app."):
            continue
        if not screen.check_action(key.action, ()):
            continue
        yield SystemCommand(
            describe(key, keymap),
            ", ".join(bound_keys(key.id, keymap)),
            partial(screen.run_action, key.action),
        )


class HelpScreen(ModalScreen[None]):
    """Lists every key; Escape or F1 closes it."""

    BINDINGS = bindings("help")

    def __init__(self, sections: list[tuple[str, list[tuple[str, str]]]]) -> None:
        super().__init__(classes="dialog-screen")
        self.sections = sections

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog help"):
            yield Static(
                plain(f"Keys  ·  {key_on(self, 'help.close')} closes"), classes="dialog-title"
            )
            with VerticalScroll():
                for title, rows in self.sections:
                    yield Static(Content.styled(title, "bold $accent"), classes="help-section")
                    yield Static(key_table(rows))
                yield Static(Content.styled("Text", "bold $accent"), classes="help-section")
                yield Static(Content(SELECTING_TEXT))

    def action_close(self) -> None:
        self.dismiss(None)
