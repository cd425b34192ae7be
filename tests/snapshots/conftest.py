"""Shared setup of the snapshot tests: the fixed world and `shoot`, which takes one snapshot.

Each test reaches its screen with the keys a user presses (in `run_before`), then the
screenshot is compared with the SVG under `__snapshots__/` (`--snapshot-update` rewrites
them: look at every changed one before committing it).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from ollama_tui.cli import build_app
from ollama_tui.config import HostConfig, Settings
from ollama_tui.domain import clock
from ollama_tui.ui import app as app_module
from tests.fake_ollama.server import FakeOllama
from tests.pilot import ready, screen_text, wait_until

from . import world
from .steps import Look, Shoot, Steps, listed


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


@pytest.fixture
def shoot(snap_compare: Callable[..., bool], fixed_world: Path, fake_server: FakeOllama) -> Shoot:
    """`shoot(look, steps, offline=False, other_hosts=())`: start the app in the fixed world
    at the look's size and theme, wait for the server's models, run `steps` (the user's
    keys), compare. `other_hosts`: more hosts, each reached through the fake as its proxy."""

    def take(
        look: Look,
        steps: Steps | None = None,
        *,
        offline: bool = False,
        other_hosts: tuple[HostConfig, ...] = (),
    ) -> bool:
        settings = Settings(
            host=world.OFFLINE_HOST if offline else world.HOST,
            data_dir=fixed_world,
            use_proxy=not offline,
            theme=look.theme,
            animations=False,
            cursor_blink=False,
            reconnect_interval=60.0,
            other_hosts=other_hosts,
        )
        app = build_app(settings)

        async def run_before(pilot: Pilot[None]) -> None:
            if offline:
                await wait_until(lambda: "cannot be reached" in screen_text(app), timeout=10)
            else:
                await ready(app, timeout=10)
                # The list comes first, what each model can do (`/api/show`) just after: a
                # picker opened between the two would be shot with or without its marks.
                await wait_until(
                    lambda: all(model.capabilities for model in app.models or ()),
                    timeout=10,
                    message="the models' capabilities",
                )
            await listed(app)
            if steps is not None:
                await steps(pilot)
            # A dialog keeps lines of the screen under it drawn earlier; under load the
            # screenshot could catch them before the screen below had been drawn at all.
            app.screen.refresh()
            await pilot.pause()

        return bool(snap_compare(app, terminal_size=look.size, run_before=run_before))

    return take
