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

from ..domain.quantities import count_of, format_size
from ..services.backend import HostCatalogue
from ..services.catalogue import ModelChoice
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


def _host_heading(catalogue: HostCatalogue, count: int) -> Option:
    text = Content.styled(f"── {catalogue.host} ", "bold") + plain(f"({catalogue.label})")
    if catalogue.problem:
        text = text + Content.styled(" cannot be reached: ", "$error") + plain(catalogue.problem)
    elif not catalogue.models:
        text = text + Content(" no models")
    else:
        text = text + Content(f" {count} of {len(catalogue.models)}")
    return Option(text, disabled=True)


class ModelPickerScreen(ModalScreen[ModelChoice | None]):
    """Typing filters, Up/Down move, Enter chooses the highlighted model, Escape cancels.

    With several hosts configured, each host's models are listed under its name (those of
    a host that does not answer are replaced by the reason); the choice carries its host.
    When the default host cannot be asked, the picker says why as soon as the app knows,
    instead of waiting for models that will not come.
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="picker.cancel"),
        Binding("down", "move(1)", "Next", show=False, id="picker.down"),
        Binding("up", "move(-1)", "Previous", show=False, id="picker.up"),
        Binding("enter", "choose", "Choose", priority=True, id="picker.choose"),
    ]

    def __init__(
        self,
        choices: list[ModelChoice] | None,
        current: str | None,
        problem: str,
        *,
        host: str = "",
        default_host: str = "",
        default_label: str = "",
    ) -> None:
        """`choices`: the default host's models (None while loading); `problem`: why they
        cannot be listed, if known; `host`: the current conversation's host; `default_host`
        and `default_label`: the name and address the default host's models go under."""
        super().__init__(classes="dialog-screen")
        self._choices = choices or []
        self._loading = choices is None and not problem
        self._current = current
        self._host = host
        self._default_host = default_host
        self._default_label = default_label
        self._problem = problem
        self._others: list[HostCatalogue] = []
        self._shown: list[ModelChoice | None] = []
        """The model of each option; None for a host's heading."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog picker"):
            yield Static(Content("Choose a model for this conversation"), classes="dialog-title")
            yield Input(placeholder="Type to filter", id="filter", compact=True)
            yield OptionList(id="models")
            yield Static("", id="picker-note", markup=False)

    def on_mount(self) -> None:
        self._refill("")

    def set_choices(self, choices: list[ModelChoice]) -> None:
        """The catalogue arrived (or changed) while the picker is open."""
        self._choices = choices
        self._loading = False
        self._problem = ""
        self._refill(self.query_one("#filter", Input).value)

    def set_problem(self, problem: str) -> None:
        """The default host's models cannot be listed, and why (the models listed before,
        if any, stay choosable)."""
        self._loading = False
        self._problem = problem
        self._refill(self.query_one("#filter", Input).value)

    def set_other_hosts(self, catalogues: list[HostCatalogue]) -> None:
        """The other hosts' models (or why a host could not be asked)."""
        self._others = catalogues
        self._refill(self.query_one("#filter", Input).value)

    def _groups(self) -> list[tuple[HostCatalogue | None, list[ModelChoice]]]:
        if not self._others:
            return [(None, self._choices)]
        default = HostCatalogue(
            self._default_host, self._default_label, self._choices, self._problem or None
        )
        return [(default, self._choices), *((c, c.models) for c in self._others)]

    def _refill(self, query: str) -> None:
        options = self.query_one("#models", OptionList)
        rows: list[Option] = []
        self._shown = []
        groups = self._groups()
        width = max((len(c.name) for _, models in groups for c in models), default=10)
        for heading, models in groups:
            matching = [choice for choice in models if choice.matches(query)]
            if heading is not None:
                rows.append(_host_heading(heading, len(matching)))
                self._shown.append(None)
            rows += [Option(_row(choice, width)) for choice in matching]
            self._shown += matching
        options.set_options(rows)
        chosen = [
            index
            for index, choice in enumerate(self._shown)
            if choice is not None
            and choice.name == self._current
            and (choice.host or self._default_host) == (self._host or self._default_host)
        ]
        selectable = [index for index, choice in enumerate(self._shown) if choice is not None]
        if selectable:
            # Best match first, except that with no filter the current model stays selected.
            options.highlighted = chosen[0] if not query and chosen else selectable[0]
        self._describe(query, len(selectable))

    def _describe(self, query: str, shown: int) -> None:
        note = self.query_one("#picker-note", Static)
        if self._problem and not self._others:  # with several hosts: under its heading
            note.update(plain(self._problem))
        elif self._loading:
            note.update(plain(f"Asking {self._default_label} for its models…"))
        elif not self._choices and not self._others:
            note.update(Content("No models installed on this server. Pull one with `ollama pull`."))
        elif not shown:
            note.update(plain(f"No model matches '{query}'."))
        else:
            total = len(self._choices) + sum(len(c.models) for c in self._others)
            note.update(Content(f"{shown} of {count_of(total, 'model')} · ● loaded"))

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
            self._choose(index)

    def _choose(self, index: int) -> None:
        choice = self._shown[index]
        if choice is not None:
            self.dismiss(choice)

    @on(OptionList.OptionSelected)
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option_index)

    def action_cancel(self) -> None:
        self.dismiss(None)
