"""Provides the screen under every other: the tabs, the footer and the status line."""

from __future__ import annotations

from textual import events
from textual.screen import Screen


class WorkspaceScreen(Screen[None]):
    """The app's first screen, which stays at the bottom of the stack.

    Its first resume comes as start-up ends, when every widget on it has just been styled as
    it mounted, in the start theme (the theme is set before anything is styled). Textual
    styles the whole screen again then, a tenth of start-up's CPU (measured: 15-20 ms of
    ~150 ms from the first import to the first frame) for the same styles; later resumes
    (a dialog or screen closed over it) restyle as usual.
    """

    AUTO_FOCUS = ""
    """None: the conversation focuses its own prompt (or its transcript when read-only) as it
    mounts. Textual's default focused the tab bar first, the first focusable widget, and the
    focus moved on before the first frame: the footer's keys were mounted twice for it."""

    def __init__(self) -> None:
        super().__init__(id="_default")
        self._resumed = False

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        # Dispatched before Textual's own handler, which reads the flag.
        if not self._resumed:
            self._resumed = True
            event.refresh_styles = False
