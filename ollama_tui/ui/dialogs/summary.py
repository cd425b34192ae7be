"""Provides the dialog that shows a compacted conversation's summary whole, with the choice
to restore the turns it stands for (or to send it again)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from ..kit.keys import key_on
from ..kit.safe_text import plain
from .basic import ChoiceDialog


class SummaryDialog(ChoiceDialog):
    """The summary scrolls (Up, Down, PageUp, PageDown) under its title; the choice's letter
    answers, Escape goes back."""

    DEFAULT_CSS = """
    SummaryDialog #summary-text {
        height: auto;
        max-height: 50vh;
        margin-bottom: 1;
    }
    """

    def __init__(self, title: Content, summary: str, choice: tuple[str, str]) -> None:
        super().__init__(title, [choice])
        self.summary = summary

    def compose(self) -> ComposeResult:
        hint = " · ".join(f"{letter}: {label}" for letter, label in self.choices.items())
        with Vertical(classes="dialog"):
            yield Static(self.question, classes="dialog-title")
            with VerticalScroll(id="summary-text"):
                yield Static(plain(self.summary))
            yield Static(
                plain(f"{hint} · {key_on(self, 'choice.back')}: back"), classes="dialog-hint"
            )

    def on_mount(self) -> None:
        self.query_one("#summary-text").focus()
