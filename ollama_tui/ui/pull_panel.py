"""Provides the pull offer and the progress panel shown while a missing model downloads."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, ProgressBar, Static

from ..domain.quantities import format_size
from ..services.pull import PullState
from .safe_text import plain


class PullOfferScreen(ModalScreen[bool]):
    """Asks whether to pull a model the server does not have."""

    BINDINGS = [
        Binding("enter,y", "accept", "Pull it", id="pull_offer.accept"),
        Binding("escape,n", "decline", "Not now", id="pull_offer.decline"),
    ]

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
                yield Button(Content("Pull (Enter)"), id="accept", variant="primary")
                yield Button(Content("Not now (Esc)"), id="decline")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "accept")

    def action_accept(self) -> None:
        self.dismiss(True)

    def action_decline(self) -> None:
        self.dismiss(False)


class PullPanel(Vertical):
    """A progress bar driven by the pull's progress lines, and its outcome."""

    def __init__(self) -> None:
        super().__init__(classes="pull-panel")
        self.display = False
        self._label = Static("", markup=False, classes="pull-label")
        self._bar = ProgressBar(total=None, show_eta=True)

    def compose(self) -> ComposeResult:
        yield self._label
        yield self._bar

    def show_progress(self, state: PullState) -> None:
        self.display = True
        self.remove_class("-failed")
        self._bar.display = True
        fraction = state.fraction
        detail = ""
        if fraction is not None:
            detail = f" · {format_size(state.completed)} of {format_size(state.total)}"
            self._bar.update(total=state.total, progress=state.completed)
        self._label.update(plain(f"Pulling {state.model}: {state.status}{detail}"))

    def show_failure(self, model: str, message: str) -> None:
        self.display = True
        self.add_class("-failed")
        self._bar.display = False
        self._label.update(plain(f"Could not pull {model}: {message}"))

    def hide(self) -> None:
        self.display = False
