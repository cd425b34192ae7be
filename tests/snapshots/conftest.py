"""Shared setup of the snapshot tests: the fixed world and `shoot`, which takes one snapshot.

Each test reaches its screen with the keys a user presses (in `run_before`), then the
screenshot is compared with the SVG under `__snapshots__/` (`--snapshot-update` rewrites
them: look at every changed one before committing it).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import Input, Tabs, TextArea
from textual.widgets._tabs import Underline

from ollama_tui.cli import build_app
from ollama_tui.config import Settings
from ollama_tui.domain import clock
from ollama_tui.ui import app as app_module
from ollama_tui.ui.app import OllamaTuiApp
from tests.conftest import screen_text, wait_until
from tests.fake_ollama.server import FakeOllama

from . import world

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


@pytest.fixture
def fake_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOllama]:
    """The fake server with fixed models, reached through itself as the HTTP proxy."""
    with FakeOllama() as server:
        world.set_up_server(server)
        for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTP_PROXY", server.url)
        monkeypatch.setenv("http_proxy", server.url)
        yield server


@pytest.fixture
def fixed_world(
    fake_server: FakeOllama, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """The fixed clock, time zone and data dir; yields the data dir."""
    monkeypatch.setattr(clock, "utc_now", lambda: world.NOW)
    # The config's `cursor_blink = false` reaches only the composer: every other field would
    # show its cursor or not depending on when the screenshot falls.
    monkeypatch.setattr(Input, "_toggle_cursor", _cursor_stays)
    monkeypatch.setattr(TextArea, "_toggle_cursor_blink_visible", _cursor_stays)
    monkeypatch.setenv("TZ", "UTC")
    # The list of saved conversations is read a second after start; here at once (a
    # timer of 0 never fires).
    monkeypatch.setattr(app_module, "INDEX_DELAY", 0.01)
    monkeypatch.chdir("/tmp")  # exports are offered in the working directory, shown in full
    time.tzset()
    data_dir = tmp_path / "data"
    world.fill_data_dir(data_dir)
    yield data_dir
    monkeypatch.undo()
    time.tzset()


def _cursor_stays(self: Input | TextArea) -> None:
    self._cursor_visible = self.has_focus


Shoot = Callable[..., bool]


@pytest.fixture
def shoot(snap_compare: Callable[..., bool], fixed_world: Path, fake_server: FakeOllama) -> Shoot:
    """`shoot(look, steps, offline=False)`: start the app in the fixed world at the look's
    size and theme, wait for the server's models, run `steps` (the user's keys), compare."""

    def take(look: Look, steps: Steps | None = None, *, offline: bool = False) -> bool:
        settings = Settings(
            host=world.OFFLINE_HOST if offline else world.HOST,
            data_dir=fixed_world,
            use_proxy=not offline,
            theme=look.theme,
            animations=False,
            cursor_blink=False,
            reconnect_interval=60.0,
        )
        app = build_app(settings)

        async def run_before(pilot: Pilot[None]) -> None:
            if offline:
                await wait_until(lambda: "cannot be reached" in screen_text(app), timeout=10)
            else:
                await ready(app)
            await listed(app)
            if steps is not None:
                await steps(pilot)
            # A dialog keeps lines of the screen under it drawn earlier; under load the
            # screenshot could catch them before the screen below had been drawn at all.
            app.screen.refresh()
            await pilot.pause()

        return bool(snap_compare(app, terminal_size=look.size, run_before=run_before))

    return take


async def ready(app: OllamaTuiApp) -> None:
    """The server has answered, the first tab has its model and the index is built."""
    await wait_until(lambda: app.models is not None, timeout=10, message="the model list")
    view = app.current_view
    assert view is not None
    await wait_until(lambda: view.conversation.settings.model, message="a default model")


async def listed(app: OllamaTuiApp) -> None:
    """The saved conversations are listed and indexed (the welcome shows the latest)."""

    def done() -> bool:
        indexing = any(w.group == "index" and not w.is_finished for w in app.workers)
        return app.backend.library.listed and not indexing

    await wait_until(done, timeout=10, message="the saved conversations listed")


async def shows(pilot: Pilot[None], text: str, timeout: float = 10) -> None:
    """Wait until the top screen shows `text`."""
    await wait_until(lambda: text in screen_text(pilot.app), timeout, f"{text!r} on screen")  # type: ignore[arg-type]
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
