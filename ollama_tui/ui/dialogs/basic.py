"""Provides the small dialogs: a yes/no confirmation, a choice of a few answers by letter, and
a one-line text question."""

from __future__ import annotations

from collections.abc import Callable

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Static

from ..kit.keys import bindings, key_on
from ..kit.safe_text import SafeInput, plain


class ConfirmDialog(ModalScreen[bool]):
    """Enter or y confirms; Escape or n cancels."""

    BINDINGS = bindings("confirm")

    def __init__(self, question: Content) -> None:
        super().__init__(classes="dialog-screen")
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.question, classes="dialog-title")
            yes, no = key_on(self, "confirm.yes"), key_on(self, "confirm.no")
            yield Static(plain(f"{yes}: yes · {no}: no"), classes="dialog-hint")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class ChoiceDialog(ModalScreen[str | None]):
    """A question with a few answers, each chosen by its letter; Escape answers None."""

    BINDINGS = bindings("choice")

    def __init__(self, question: Content, choices: list[tuple[str, str]]) -> None:
        """`choices`: (letter, what it does), in the order shown."""
        super().__init__(classes="dialog-screen")
        self.question = question
        self.choices = dict(choices)

    def compose(self) -> ComposeResult:
        hint = " · ".join(f"{letter}: {label}" for letter, label in self.choices.items())
        with Vertical(classes="dialog"):
            yield Static(self.question, classes="dialog-title")
            yield Static(
                plain(f"{hint} · {key_on(self, 'choice.back')}: back"), classes="dialog-hint"
            )

    def on_key(self, event: events.Key) -> None:
        if event.character in self.choices:
            event.stop()
            self.dismiss(event.character)

    def action_answer_none(self) -> None:
        self.dismiss(None)


class TextDialog(ModalScreen[str | None]):
    """Asks for one line of text; Enter accepts, Escape cancels.

    With `problem`, what is typed is checked as it is typed: the reason shows under the field
    and Enter is refused until it is fixed.
    """

    BINDINGS = bindings("text_dialog")

    def __init__(
        self,
        question: Content,
        value: str = "",
        *,
        problem: Callable[[str], str | None] | None = None,
        suggester: Suggester | None = None,
        replace: bool = True,
    ) -> None:
        """`replace`: the value comes selected, so that typing replaces it (a new name for
        an old one); else the cursor waits at its end, for the value to be fixed."""
        super().__init__(classes="dialog-screen")
        self.question = question
        self.value = value
        self.problem = problem
        self.suggester = suggester
        self.replace = replace

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.question, classes="dialog-title")
            yield SafeInput(
                self.value,
                compact=True,
                id="answer",
                suggester=self.suggester,
                select_on_focus=self.replace,
            )
            yield Static("", id="problem", classes="dialog-problem", markup=False)
            yield Static(
                plain(f"Enter: accept · {key_on(self, 'text_dialog.cancel')}: cancel"),
                classes="dialog-hint",
            )

    def _problem_with(self, text: str) -> str | None:
        return self.problem(text) if self.problem is not None and text else None

    @on(SafeInput.Changed)
    def _changed(self, event: SafeInput.Changed) -> None:
        self.query_one("#problem", Static).update(plain(self._problem_with(event.value) or ""))

    @on(SafeInput.Submitted)
    def _submitted(self, event: SafeInput.Submitted) -> None:
        text = event.value.strip()
        problem = self._problem_with(text)
        if problem:
            self.query_one("#problem", Static).update(plain(problem))
            return
        self.dismiss(text or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
