"""Provides what the snapshot tests share besides their fixtures: the looks (sizes and themes)
a screen is shot in, and the steps that bring a screen to rest before the shot."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import Tabs
from textual.widgets._tabs import Underline

from ollama_tui.ui.app import OllamaTuiApp
from tests.pilot import screen_text, wait_until

SIZES = {"80x24": (80, 24), "120x40": (120, 40), "160x48": (160, 48)}
THEMES = {"dark": "ollama-dark", "16": "ollama-16"}


@dataclass(frozen=True)
class Look:
    """A terminal size and a theme to take a snapshot in."""

    size: tuple[int, int]
    theme: str


def _looks() -> list[Any]:
    looks = [pytest.param(Look(size, THEMES["dark"]), id=name) for name, size in SIZES.items()]
    looks.append(pytest.param(Look(SIZES["80x24"], THEMES["16"]), id="80x24-16"))
    return looks


LOOKS = _looks()
"""Every size in the default theme, and the 16-colour theme at 80x24."""

Steps = Callable[[Pilot[None]], Awaitable[None]]

Shoot = Callable[..., bool]
"""`shoot(look, steps, offline=False)`: the `shoot` fixture."""


async def listed(app: OllamaTuiApp) -> None:
    """The saved conversations are listed and indexed (the welcome shows the latest)."""

    def done() -> bool:
        indexing = any(w.group == "index" and not w.is_finished for w in app.workers)
        return app.backend.library.listed and not indexing

    await wait_until(done, timeout=10, message="the saved conversations listed")


async def shows(pilot: Pilot[None], text: str, timeout: float = 10) -> None:
    """Wait until the top screen shows `text`."""
    await wait_until(lambda: text in screen_text(pilot.app), timeout, f"{text!r} on screen")
    await pilot.pause()


async def settled_browser(pilot: Pilot[None]) -> None:
    """Wait until the saved-conversations screen has read the files and searched."""
    app = pilot.app

    def settled() -> bool:
        busy = {"library", "library-change", "search"}
        running = any(w.group in busy and not w.is_finished for w in app.workers)
        return not running and not app.backend.library.index.progress.running  # type: ignore[attr-defined]

    await wait_until(settled, timeout=10, message="the saved conversations")
    await pilot.pause()


async def open_saved(pilot: Pilot[None], query: str, shown: str) -> None:
    """Ctrl+O, type words of a saved conversation, Enter, and wait for `shown`."""
    await pilot.press("ctrl+o")
    await settled_browser(pilot)
    await pilot.press(*query)
    await settled_browser(pilot)
    await pilot.press("enter")
    await shows(pilot, shown)


async def palette(pilot: Pilot[None], query: str = "") -> None:
    """Ctrl+P, type `query`, and wait until the palette has listed what matches."""
    await pilot.press("ctrl+p", *query)
    app = pilot.app
    await wait_until(lambda: isinstance(app.screen, CommandPalette), message="the palette")
    group = CommandPalette._GATHER_COMMANDS_GROUP

    def listed() -> bool:
        return not any(w.group == group and not w.is_finished for w in app.workers)

    await wait_until(listed, message=f"the palette's commands for {query!r}")
    await pilot.pause()


async def settled_chat(pilot: Pilot[None]) -> None:
    """Wait until no tab is streaming and the tab bar's underline has caught up with the
    active tab's label (it follows a refresh later, and later still under a dialog)."""
    app = pilot.app
    await wait_until(
        lambda: not any(view.is_streaming for view in app.chat_views()),  # type: ignore[attr-defined]
        message="the replies to end",
    )

    # Textual moves the underline after the label's next refresh, which under a dialog can
    # come before the tab bar is laid out again: the underline then keeps the old label's
    # width until something else moves it. A resize moves it, after the layout.
    width, height = app.size
    await pilot.resize_terminal(width, height + 1)
    await pilot.pause()
    await pilot.resize_terminal(width, height)
    await pilot.pause()

    def underlined() -> bool:
        tabs = app.screen_stack[0].query_one(Tabs)
        tab = tabs.active_tab
        line = tabs.query_one(Underline)
        return tab is None or line.highlight_end - line.highlight_start == tab.label.cell_length

    await wait_until(underlined, message="the underline under the active tab")
    await pilot.pause()
