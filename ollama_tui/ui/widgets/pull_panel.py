"""Provides the progress panel shown while a missing model downloads."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import ProgressBar, Static

from ...domain.quantities import format_size
from ...services.pull import PullState
from ..kit.safe_text import plain


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
