"""Provides the offer to pull a model the server does not have."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from ..kit.keys import bindings, key_on
from ..kit.safe_text import plain


class PullOfferScreen(ModalScreen[bool]):
    """Asks whether to pull a model the server does not have."""

    BINDINGS = bindings("pull_offer")

    def __init__(self, model: str, host: str) -> None:
        super().__init__(classes="dialog-screen")
        self.model = model
        self.host = host

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(
                Content("Model ")
                + plain(self.model).stylize("bold")
                + Content(f" is not on the server at {self.host}."),
                classes="dialog-title",
            )
            yield Static(
                Content(
                    "Pull it now? Your conversation is kept, and the reply is sent again "
                    "when the download finishes."
                ),
            )
            with Horizontal(classes="dialog-buttons"):
                accept, decline = (
                    key_on(self, "pull_offer.accept"),
                    key_on(self, "pull_offer.decline"),
                )
                yield Button(plain(f"Pull ({accept})"), id="accept", variant="primary")
                yield Button(plain(f"Not now ({decline})"), id="decline")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "accept")

    def action_accept(self) -> None:
        self.dismiss(True)

    def action_decline(self) -> None:
        self.dismiss(False)
