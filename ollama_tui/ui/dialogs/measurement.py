"""Provides the viewer of a saved throughput test, opened from the saved conversations."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..kit.keys import bindings, key_on
from ..kit.safe_text import plain


class MeasurementScreen(ModalScreen[None]):
    """A saved result's text as it is in its file (read and made inert by the caller)."""

    BINDINGS = bindings("measurement")

    def __init__(self, name: str, text: str) -> None:
        super().__init__(classes="dialog-screen")
        self.file_name = name
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog inspector"):
            yield Static(plain(self.file_name), classes="dialog-title")
            with VerticalScroll(id="measurement-text"):
                yield Static(plain(self.text), markup=False)
            yield Static(
                plain(f"{key_on(self, 'measurement.close')}: close"), classes="dialog-hint"
            )

    def on_mount(self) -> None:
        self.query_one("#measurement-text", VerticalScroll).focus()

    def action_close(self) -> None:
        self.dismiss(None)
