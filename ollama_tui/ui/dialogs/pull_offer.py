"""Provides the offer to pull a model the server does not have."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from ...domain.auto_host import AUTO_HOST
from ..kit.keys import bindings, key_on
from ..kit.safe_text import plain


class PullOfferScreen(ModalScreen[bool]):
    """Asks whether to pull a model the server does not have; on `auto`, one none of its
    hosts has, onto the host the pull goes to."""

    BINDINGS = bindings("pull_offer")

    def __init__(
        self,
        model: str,
        host: str,
        *,
        target: str = "",
        auto_hosts: Sequence[str] = (),
        not_asked: Sequence[str] = (),
    ) -> None:
        """`host`: the address the pull goes to. On `auto`: `target`, the name of that host;
        `auto_hosts`, the names of all its hosts; `not_asked`, those left out for now that
        have not listed their models (whether they have it cannot be said)."""
        super().__init__(classes="dialog-screen")
        self.model = model
        self.host = host
        self.target = target
        self.auto_hosts = tuple(auto_hosts)
        self.not_asked = tuple(not_asked)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self._title(), classes="dialog-title")
            where = f"onto {self.target} ({self.host}) " if self.auto_hosts else ""
            yield Static(
                plain(
                    f"Pull it {where}now? Your conversation is kept, and the reply is sent "
                    "again when the download finishes."
                ),
            )
            with Horizontal(classes="dialog-buttons"):
                accept, decline = (
                    key_on(self, "pull_offer.accept"),
                    key_on(self, "pull_offer.decline"),
                )
                yield Button(plain(f"Pull ({accept})"), id="accept", variant="primary")
                yield Button(plain(f"Not now ({decline})"), id="decline")

    def _title(self) -> Content:
        model = Content("Model ") + plain(self.model).stylize("bold")
        if not self.auto_hosts:
            return model + plain(f" is not on the server at {self.host}.")
        asked = [name for name in self.auto_hosts if name not in self.not_asked]
        title = model + plain(f" is on none of the hosts of {AUTO_HOST} ({', '.join(asked)}).")
        if self.not_asked:
            title += plain(
                f" Not asked: {', '.join(self.not_asked)}, left out for now after failing."
            )
        return title

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "accept")

    def action_accept(self) -> None:
        self.dismiss(True)

    def action_decline(self) -> None:
        self.dismiss(False)
