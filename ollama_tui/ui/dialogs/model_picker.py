"""Provides the model picker: installed models with the loaded ones marked, type to filter."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from textual import on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.css.scalar import Scalar
from textual.events import Resize
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ...domain.auto_host import AUTO_HOST
from ...domain.quantities import count_of, format_size
from ...services.backend import HostCatalogue
from ...services.catalogue import ModelCatalogue, ModelChoice
from ..kit.keys import bindings, key_on
from ..kit.safe_text import SafeInput, plain

FAMILY_WIDTH = 10
FAMILY_AT_LEAST = 4
"""Columns the family keeps, shortened, before it is left out."""
NAME_AT_LEAST = 20
"""Columns a long name keeps before the facts beside it give way."""
PICKER_WIDTH = 100
"""The picker's usual widest; it grows, as far as the terminal allows, for names longer
than that leaves room for."""


def _facts(choice: ModelChoice) -> Content:
    """The columns every row has beside the name: size, parameters, quantisation."""
    columns = (
        plain(format_size(choice.size).rjust(6)),
        plain(choice.parameter_size.rjust(7)),
        plain(choice.quantization.ljust(7)),
    )
    facts = Content("  ").join(columns).stylize("$text-muted")
    # Marked when `/api/show` lists the capability: the model can be offered tools. A
    # model that only makes embeddings is marked in the same column: it cannot chat.
    if choice.embeds_only:
        ability = Content.styled("embed", "$warning")
    elif choice.calls_tools:
        ability = Content.styled("tools", "$accent")
    else:
        ability = Content("     ")
    return facts + Content("  ") + ability


def _name(choice: ModelChoice) -> Content:
    """The model's name on one line, inert: it comes from the server."""
    return plain(" ".join(choice.name.splitlines()))


def _row(choice: ModelChoice, name_width: int, room: int, mark: Content | None = None) -> Content:
    """One line of at most `room` columns: the name cut to `name_width` (an ellipsis says
    so), its facts, then the family and the memory it takes when loaded where they fit,
    the memory first (the ● already says it is loaded): the family is shortened, then
    left out, before anything else gives way."""
    marker = Content.styled("● ", "$success") if choice.loaded else Content("  ")
    if mark is not None:  # comparing: the column it goes to, or a box to mark
        marker = mark + marker
    name = _name(choice).truncate(name_width, ellipsis=True, pad=True)
    row = marker + name + Content("  ") + _facts(choice)
    memory = Content.styled(_memory(choice), "$success")
    # Not laid out yet (no room known): everything, laid out again once it is.
    free = room - row.cell_length if room > 0 else 2 + FAMILY_WIDTH + 2 + memory.cell_length
    if 2 + memory.cell_length > free:
        memory = Content("")
    after_memory = 2 + memory.cell_length if memory.cell_length else 0
    # The family's column: its full width where the row has room, else what is left.
    family_width = min(FAMILY_WIDTH, free - 2 - after_memory)
    family = plain(choice.family).truncate(max(family_width, 0), ellipsis=True)
    family = family.stylize("$text-muted")
    tail: list[Content] = []
    if family_width >= FAMILY_AT_LEAST:
        # Padded: the memory of every row starts in the same column.
        tail.append(family.pad_right(family_width - family.cell_length))
    if memory.cell_length:
        tail.append(memory)
    longer = row + Content("").join(Content("  ") + part for part in tail)
    if room <= 0 or longer.cell_length <= room:
        return longer
    return row.truncate(room, ellipsis=True)


def _name_width(choices: list[ModelChoice], room: int, mark: int = 0) -> int:
    """Columns for the names: the longest name, or what `room` leaves beside the marks and
    the facts (the family and the memory give way first), but never under NAME_AT_LEAST."""
    longest = max((_name(choice).cell_length for choice in choices), default=10)
    if room <= 0:  # not laid out yet: the rows are laid out again once it is
        return longest
    facts = max((_facts(choice).cell_length for choice in choices), default=0)
    beside = 2 + mark + 2 + facts
    return min(longest, max(NAME_AT_LEAST, room - beside))


def _full_width(choices: list[ModelChoice], mark: int = 0) -> int:
    """Columns the widest row takes with nothing cut: every name whole, the family's full
    column and the memory."""
    longest = max((_name(choice).cell_length for choice in choices), default=10)
    facts = max((_facts(choice).cell_length for choice in choices), default=0)
    memory = max((len(_memory(choice)) for choice in choices), default=0)
    return 2 + mark + longest + 2 + facts + 2 + FAMILY_WIDTH + (2 + memory if memory else 0)


def _memory(choice: ModelChoice) -> str:
    return f"loaded · {format_size(choice.size_in_memory)}" if choice.loaded else ""


class FilterInput(SafeInput):
    """The picker's filter. While models are marked for comparing, Space is not typed (no
    model name has one): it reaches the picker's key, which marks the highlighted model."""

    def __init__(self, *, space_marks: bool) -> None:
        super().__init__(placeholder="Type to filter", id="filter", compact=True)
        self.space_marks = space_marks

    def check_consume_key(self, key: str, character: str | None) -> bool:
        if self.space_marks and key == "space":
            return False
        return super().check_consume_key(key, character)


class ModelList(OptionList):
    """The models, one row each, laid out again to the width it is given."""

    class Resized(Message):
        """Its width changed: the rows should fit the new one."""

    def on_resize(self, event: Resize) -> None:
        self.post_message(self.Resized())


AUTO_LABEL = "loaded first, then least busy"
"""What `auto` does, beside its name."""


def _auto_choices(listed: list[list[ModelChoice]]) -> list[ModelChoice]:
    """Every model some host has, once, as `auto` offers it: loaded where any host has it
    loaded (the facts shown are that host's)."""
    merged: dict[str, ModelChoice] = {}
    for models in listed:
        for choice in models:
            seen = merged.get(choice.name)
            if seen is None or (choice.loaded and not seen.loaded):
                merged[choice.name] = replace(choice, host=AUTO_HOST)
    return sorted(merged.values(), key=lambda choice: choice.name.casefold())


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

    BINDINGS = bindings("picker")

    def __init__(
        self,
        catalogue: ModelCatalogue,
        current: str | None,
        problem: str,
        *,
        host: str = "",
        default_host: str = "",
        default_label: str = "",
        on_marked: Callable[[list[ModelChoice]], None] | None = None,
        auto: bool = False,
    ) -> None:
        """`catalogue`: the default host's models (followed while the picker is open, none
        while loading); `problem`: why they cannot be listed, if known; `host`: the current
        conversation's host; `default_host` and `default_label`: the name and address the
        default host's models go under. `on_marked`: several models are picked (Space
        marks, Enter confirms 2-4, in the order marked), and given to it. `auto`: several
        hosts are configured, so `auto` is listed first among them, with every model any
        host has."""
        super().__init__(classes="dialog-screen")
        self._catalogue = catalogue
        self._choices: list[ModelChoice] = catalogue.models or []
        self._loading = catalogue.models is None and not problem
        self._current = current
        self._host = host
        self._default_host = default_host
        self._default_label = default_label
        self._problem = problem
        self._others: list[HostCatalogue] = []
        self._auto = auto
        self._shown: list[ModelChoice | None] = []
        """The model of each option; None for a host's heading."""
        self._laid_out_for = 0
        """The list's width the rows were laid out for."""
        self._stop_following: Callable[[], None] = lambda: None
        self._on_marked = on_marked
        self._marked: list[ModelChoice] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog picker"):
            title = "Choose a model for this conversation"
            if self._on_marked is not None:
                title = "Compare models: Space marks 2 to 4, Enter compares them"
            yield Static(Content(title), classes="dialog-title")
            yield FilterInput(space_marks=self._on_marked is not None)
            yield ModelList(id="models")
            yield Static("", id="picker-note", markup=False)

    def on_mount(self) -> None:
        # The list may have changed between the picker's making and its mounting, before
        # it listened: what the capabilities learned just after a listing arrive as.
        self._choices = self._catalogue.models or self._choices
        self._refill("")
        self._stop_following = self._catalogue.listen(self._catalogue_changed)

    def on_unmount(self) -> None:
        self._stop_following()

    def _catalogue_changed(self) -> None:
        if self._catalogue.problem is not None:
            self.set_problem(f"Cannot list models: {self._catalogue.problem}")
        elif self._catalogue.models is not None:
            self._set_choices(self._catalogue.models)

    def _set_choices(self, choices: list[ModelChoice]) -> None:
        """The catalogue arrived (or changed) while the picker is open."""
        self._choices = choices
        self._loading = False
        self._problem = ""
        self._refill(self.query_one("#filter", SafeInput).value)

    def set_problem(self, problem: str) -> None:
        """The default host's models cannot be listed, and why (the models listed before,
        if any, stay choosable)."""
        self._loading = False
        self._problem = problem
        self._refill(self.query_one("#filter", SafeInput).value)

    def set_other_hosts(self, catalogues: list[HostCatalogue]) -> None:
        """The other hosts' models (or why a host could not be asked)."""
        self._others = catalogues
        self._refill(self.query_one("#filter", SafeInput).value)

    @property
    def _several(self) -> bool:
        """Whether the models are listed under their hosts' headings."""
        return bool(self._others) or self._auto

    def _groups(self) -> list[tuple[HostCatalogue | None, list[ModelChoice]]]:
        if not self._several:
            return [(None, self._choices)]
        default = HostCatalogue(
            self._default_host, self._default_label, self._choices, self._problem or None
        )
        hosts: list[tuple[HostCatalogue | None, list[ModelChoice]]] = [
            (default, self._choices),
            *((c, c.models) for c in self._others),
        ]
        if not self._auto:
            return hosts
        auto = HostCatalogue(AUTO_HOST, AUTO_LABEL, _auto_choices([m for _, m in hosts]))
        return [(auto, auto.models), *hosts]

    def _refill(self, query: str, *, keep_highlight: bool = False) -> None:
        options = self.query_one("#models", ModelList)
        kept = options.highlighted if keep_highlight else None
        rows: list[Option] = []
        self._shown = []
        groups = self._groups()
        padding = options.get_component_styles("option-list--option").padding.width
        room = options.scrollable_content_region.width - padding
        self._laid_out_for = options.scrollable_content_region.width
        listed = [choice for _, models in groups for choice in models]
        mark = 4 if self._on_marked is not None else 0  # "[1] " or "[ ] "
        self._fit_dialog(_full_width(listed, mark) + padding)
        width = _name_width(listed, room, mark)
        for heading, models in groups:
            # Models that only make embeddings last: they are listed, but not for chatting.
            matching = sorted(
                (choice for choice in models if choice.matches(query)),
                key=lambda choice: choice.embeds_only,
            )
            if heading is not None:
                rows.append(_host_heading(heading, len(matching)))
                self._shown.append(None)
            rows += [Option(_row(choice, width, room, self._mark(choice))) for choice in matching]
            self._shown += matching
        options.set_options(rows)
        if kept is not None and kept < len(rows):
            options.highlighted = kept
            self._describe(query)
            return
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
        self._describe(query)

    def _fit_dialog(self, rows: int) -> None:
        """Let the dialog grow past its usual width (as far as the screen's 90 %) when the
        rows need `rows` columns: a long name is shown whole rather than cut."""
        dialog = self.query_one(".picker", Vertical)
        options = self.query_one("#models", ModelList)
        beside = dialog.styles.gutter.width + options.styles.scrollbar_size_vertical
        widest = max(PICKER_WIDTH, rows + beside)
        if dialog.styles.max_width != Scalar.from_number(widest):
            dialog.styles.max_width = widest

    def _describe(self, query: str) -> None:
        # The models of the hosts, counted once: `auto`'s rows are the same models again.
        shown = sum(c is not None and c.host != AUTO_HOST for c in self._shown)
        note = self.query_one("#picker-note", Static)
        if self._problem and not self._several:  # with several hosts: under its heading
            note.update(plain(self._problem))
        elif self._loading:
            note.update(plain(f"Asking {self._default_label} for its models…"))
        elif not self._choices and not self._several:
            note.update(Content("No models installed on this server. Pull one with `ollama pull`."))
        elif not shown:
            note.update(plain(f"No model matches '{query}'."))
        else:
            total = len(self._choices) + sum(len(c.models) for c in self._others)
            note.update(Content(f"{shown} of {count_of(total, 'model')} · ● loaded"))

    @on(ModelList.Resized)
    def _relayout(self) -> None:
        # Rows are laid out to the list's width, known once it is on screen.
        if self.query_one("#models", ModelList).scrollable_content_region.width != (
            self._laid_out_for
        ):
            self._refill(self.query_one("#filter", SafeInput).value, keep_highlight=True)

    @on(SafeInput.Changed, "#filter")
    def _filter(self, event: SafeInput.Changed) -> None:
        self._refill(event.value)

    @property
    def shown(self) -> tuple[ModelChoice | None, ...]:
        """The model of each row listed, in order; None for a host's heading."""
        return tuple(self._shown)

    def action_move(self, step: int) -> None:
        options = self.query_one("#models", ModelList)
        if step > 0:
            options.action_cursor_down()
        else:
            options.action_cursor_up()

    def _mark(self, choice: ModelChoice) -> Content | None:
        if self._on_marked is None:
            return None
        if choice in self._marked:
            return Content.styled(f"[{self._marked.index(choice) + 1}] ", "bold $accent")
        return Content("[ ] ")

    def action_mark(self) -> None:
        """Mark or unmark the highlighted model; the highlight stays where it is."""
        if self._on_marked is None:
            raise SkipAction  # picking one model: a space is typed into the filter
        index = self.query_one("#models", ModelList).highlighted
        choice = self._shown[index] if index is not None and index < len(self._shown) else None
        if choice is None:
            return
        if choice.embeds_only and choice not in self._marked:
            self._refuse(choice)
            return
        if choice in self._marked:
            self._marked.remove(choice)
        elif len(self._marked) < 4:
            self._marked.append(choice)
        self._refill(self.query_one("#filter", SafeInput).value, keep_highlight=True)

    def action_choose(self) -> None:
        index = self.query_one("#models", ModelList).highlighted
        if self._on_marked is not None:
            self._confirm_marked()
        elif index is not None and 0 <= index < len(self._shown):
            self._choose(index)

    def _confirm_marked(self) -> None:
        if not 2 <= len(self._marked) <= 4:
            self.query_one("#picker-note", Static).update(
                Content("Mark 2 to 4 models with Space, then press Enter.")
            )
            return
        assert self._on_marked is not None
        self._on_marked(list(self._marked))
        self.dismiss(None)

    def _choose(self, index: int) -> None:
        choice = self._shown[index]
        if self._on_marked is not None:
            self._confirm_marked()
        elif choice is not None and choice.embeds_only:
            self._refuse(choice)
        elif choice is not None:
            self.dismiss(choice)

    def _refuse(self, choice: ModelChoice) -> None:
        """Say, before any request fails, that the model cannot write a reply."""
        models, embed = key_on(self, "app.models"), key_on(self, "models.embed")
        self.query_one("#picker-note", Static).update(
            _name(choice)
            + Content(
                f" only makes embeddings: it cannot chat. Models ({models}), then {embed},"
                " compares texts' embeddings with it."
            )
        )

    @on(OptionList.OptionSelected)
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option_index)

    def action_cancel(self) -> None:
        self.dismiss(None)
