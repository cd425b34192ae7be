"""The floor of start-up: what Textual alone takes to draw a first screen of the app's shape.

A tab bar with one tab, an empty transcript, a composer showing "Ask anything", a status line
and a footer of keys: the widgets of the app's first frame, with nothing of this repository
behind them.

    python bench/start_floor.py [URL]

The URL the bench hands every client is ignored: this draws and waits. Ctrl+Q quits.
"""

from __future__ import annotations

import gc

# As the app's command line does: start-up makes objects that live as long as the process,
# and collector passes over them would only add to the floor.
gc.disable()

from textual.app import App, ComposeResult  # noqa: E402
from textual.containers import VerticalScroll  # noqa: E402
from textual.widgets import Footer, Static, TabbedContent, TabPane, TextArea  # noqa: E402


class StartFloor(App[None]):
    CSS = """
    #transcript { height: 1fr; }
    #composer { height: 5; }
    #status { height: 1; }
    """
    BINDINGS = [
        ("ctrl+p", "noop", "Model"),
        ("ctrl+o", "noop", "Conversations"),
        ("ctrl+n", "noop", "New tab"),
        ("f2", "noop", "Models"),
        ("f1", "noop", "Help"),
    ]

    def compose(self) -> ComposeResult:
        with TabbedContent(), TabPane("New chat"):
            yield VerticalScroll(id="transcript")
            yield TextArea(id="composer", placeholder="Ask anything. Enter sends")
        yield Static("127.0.0.1:11434 connecting", id="status")
        yield Footer()

    def on_ready(self) -> None:
        gc.enable()

    def action_noop(self) -> None:
        """The keys are there to be drawn, as the app's footer draws its own."""


if __name__ == "__main__":
    StartFloor().run()
