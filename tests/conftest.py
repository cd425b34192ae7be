"""Shared fixtures: the fake Ollama server, a private data dir and the app built on them.

The helpers that drive the app and read its screen are in `tests/pilot.py`."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import textual._wait

from ollama_tui.cli import build_app
from ollama_tui.config import Settings
from ollama_tui.ui.app import OllamaTuiApp
from tests.fake_ollama.server import FakeOllama
from tests.pilot import MakeApp

pytest_plugins = ["tests.fake_ollama.fixtures"]

# Pilot's `press` and `pause` wait until the process is idle: it sleeps a window and looks
# at the CPU the process used meanwhile (idle below a twentieth of the window), twice for
# every key. Textual's windows of 20 ms made each key typed cost 60-90 ms, most of it
# asleep after the app had long finished, and typing most of a test's time. Windows of 5 ms,
# with the same share of CPU, still wait out every key's handling and the frame it draws.
textual._wait.SLEEP_GRANULARITY = 0.005
textual._wait.SLEEP_IDLE = textual._wait.SLEEP_GRANULARITY / 20


@pytest.fixture(autouse=True)
def no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's own config file and SSH session must not change what tests see."""
    monkeypatch.setenv("OLLAMA_TUI_CONFIG", str(tmp_path / "no-config.toml"))
    for name in ("SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY", "OLLAMA_HOST"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def collector_as_python_sets_it() -> Iterator[None]:
    """An app leaves the collector's full passes to its own quiet moments, for the whole
    process (`ui/kit/collector.py`): each test ends with Python's thresholds again, so that
    the apps of the tests before are freed as usual."""
    thresholds = gc.get_threshold()
    yield
    gc.set_threshold(*thresholds)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def make_app(fake_ollama: FakeOllama, data_dir: Path) -> MakeApp:
    """Build the real app, as the CLI does, against the fake server and a temporary data dir."""

    def factory(*, host: str | None = None, **overrides: Any) -> OllamaTuiApp:
        settings = Settings(
            host=host or fake_ollama.url,
            data_dir=data_dir,
            reconnect_interval=0.2,
            **overrides,
        )
        return build_app(settings)

    return factory
