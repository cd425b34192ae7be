"""Provides the model picker: installed models with the loaded ones marked, type to filter."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from ..services.catalogue import ModelChoice, format_size
from .safe_text import plain


def _row(choice: ModelChoice, name_width: int) -> Content:
    marker = Content.styled("● ", "$success") if choice.loaded else Content("  ")
    name = plain(choice.name.ljust(name_width))
    facts = "  ".join(
        part
        for part in (
            format_size(choice.size).rjust(8),
            choice.parameter_size.rjust(6),
            choice.quantization.ljust(7),
            choice.family,
        )
        if part.strip()
    )
    row = marker + name + Content("  ") + plain(facts).stylize("$text-muted")
    if choice.loaded:
        row = row + Content.styled(f"  loaded · {format_size(choice.size_in_memory)}", "$success")
    return row


class ModelPickerScreen(ModalScreen[str | None]):
    """Typing filters, Up/Down move, Enter chooses the highlighted model, Escape cancels."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="picker.cancel"),
        Binding("down", "move(1)", "Next", show=False, id="picker.down"),
        Binding("up", "move(-1)", "Previous", show=False, id="picker.up"),
        Binding("enter", "choose", "Choose", priority=True, id="picker.choose"),
    ]

    def __init__(self, choices: list[ModelChoice] | None, current: str | None, note: str) -> None:
        super().__init__(classes="dialog-screen")
        self._choices = choices or []
        self._loading = choices is None
        self._current = current
        self._note = note
        self._shown: list[ModelChoice] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog picker"):
            yield Static(Content("Choose a model for this conversation"), classes="dialog-title")
            yield Input(placeholder="Type to filter", id="filter", compact=True)
            yield OptionList(id="models")
            yield Static("", id="picker-note", markup=False)

    def on_mount(self) -> None:
        self._refill("")

    def set_choices(self, choices: list[ModelChoice], note: str = "") -> None:
        """The catalogue arrived (or changed) while the picker is open."""
        self._choices = choices
        self._loading = False
        self._note = note
        self._refill(self.query_one("#filter", Input).value)

    def _refill(self, query: str) -> None:
        options = self.query_one("#models", OptionList)
        self._shown = [choice for choice in self._choices if choice.matches(query)]
        width = max((len(choice.name) for choice in self._shown), default=10)
        options.set_options(Option(_row(choice, width)) for choice in self._shown)
        if self._shown:
            names = [choice.name for choice in self._shown]
            # Best match first, except that with no filter the current model stays selected.
            index = names.index(self._current) if not query and self._current in names else 0
            options.highlighted = index
        note = self.query_one("#picker-note", Static)
        if self._loading:
            note.update(Content("Loading models…"))
        elif self._note:
            note.update(plain(self._note))
        elif not self._choices:
            note.update(Content("No models installed on this server. Pull one with `ollama pull`."))
        elif not self._shown:
            note.update(plain(f"No model matches '{query}'."))
        else:
            note.update(Content(f"{len(self._shown)} of {len(self._choices)} models · ● loaded"))

    @on(Input.Changed, "#filter")
    def _filter(self, event: Input.Changed) -> None:
        self._refill(event.value)

    def action_move(self, step: int) -> None:
        options = self.query_one("#models", OptionList)
        if step > 0:
            options.action_cursor_down()
        else:
            options.action_cursor_up()

    def action_choose(self) -> None:
        index = self.query_one("#models", OptionList).highlighted
        if index is not None and 0 <= index < len(self._shown):
            self.dismiss(self._shown[index].name)

    @on(OptionList.OptionSelected)
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self._shown[event.option_index].name)

    def action_cancel(self) -> None:
        self.dismiss(None)
