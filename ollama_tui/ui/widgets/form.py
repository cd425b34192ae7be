"""Provides the layout the dialogs' forms share: each field on a line with its label beside
it, the number options two to a line, text areas a few rows high, and the fields scrolling
to whichever has focus while the title, the problems and the keys stay in view."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from ...services.conversation_options import NumberOption
from ..kit.safe_text import SafeInput, SafeTextArea, plain


class Form(VerticalScroll, can_focus=False):
    """A dialog of fields (given as its children). Not focusable itself: Tab goes from
    field to field, and the form scrolls to the one with focus."""

    def __init__(self, title: Content, hint: Content) -> None:
        super().__init__(classes="dialog form-dialog")
        self._title = title
        self._hint = hint
        self._problems = ""

    def compose(self) -> ComposeResult:
        # Docked: they stay in view while the fields scroll under them.
        yield Static(self._title, classes="dialog-title form-title")
        with Vertical(classes="form-footer"):
            yield Static("", id="problem", classes="dialog-problem", markup=False)
            yield Static(self._hint, classes="dialog-hint")

    # Textual scrolls a newly focused widget into view only when it is not within the
    # container's region, which here includes the rows under the docked footer; and a text
    # area that grows as lines are typed is not scrolled to at all. So the form keeps the
    # field with focus in view itself, allowing for what is docked.

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self.call_after_refresh(self._show_focused)

    @on(SafeTextArea.Changed)
    def _text_changed(self) -> None:
        self.call_after_refresh(self._show_focused)

    def _show_focused(self) -> None:
        focused = self.screen.focused
        if focused is not None and self in focused.ancestors:
            self.scroll_to_widget(focused, animate=False)

    def show_problems(self, problems: Mapping[str, str]) -> None:
        """What is wrong, under the form, and a tint on each field at fault (by its id)."""
        text = "\n".join(problems.values())
        if text != self._problems:
            # Only when it changed: the form is checked at every key, and each update lays
            # the whole dialog out again (a fifth of a frame per key typed).
            self._problems = text
            self.query_one("#problem", Static).update(plain(text))
        for field in self.query(".form-field > Input, .form-field > TextArea"):
            field.set_class(field.id in problems, "-invalid")


class FormField(Horizontal):
    """A label and the field it names, side by side; the label stands out while the field
    has focus."""

    def __init__(self, label: str, field: Widget, *, id: str | None = None) -> None:
        super().__init__(
            Static(Content(label), classes="form-label"), field, classes="form-field", id=id
        )


def option_fields(
    options: Sequence[NumberOption], values: Mapping[str, str]
) -> Iterator[Horizontal]:
    """An input per number option (its id the option's name), labelled with Ollama's own
    name, two to a line so that all of them fit a small terminal."""
    fields = [
        FormField(option.name, SafeInput(values.get(option.name, ""), id=option.name, compact=True))
        for option in options
    ]
    for start in range(0, len(fields), 2):
        pair: list[Widget] = list(fields[start : start + 2])
        if len(pair) == 1:  # an odd one out keeps the width of the others
            pair.append(Static(classes="form-spacer"))
        yield Horizontal(*pair, classes="form-pair")
