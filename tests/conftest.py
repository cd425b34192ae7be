"""Shared fixtures: the fake Ollama server, a private data dir and the app built on them."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from textual.pilot import Pilot
from textual.screen import Screen

from ollama_tui.cli import build_app
from ollama_tui.config import Settings
from ollama_tui.domain.conversation import Message
from ollama_tui.ui.app import OllamaTuiApp
from ollama_tui.ui.chat.chat_view import ChatView
from ollama_tui.ui.chat.message_widgets import AssistantMessage
from tests.fake_ollama.server import FakeOllama

pytest_plugins = ["tests.fake_ollama.fixtures"]


@pytest.fixture(autouse=True)
def no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's own config file and SSH session must not change what tests see."""
    monkeypatch.setenv("OLLAMA_TUI_CONFIG", str(tmp_path / "no-config.toml"))
    for name in ("SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY", "OLLAMA_HOST"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def make_app(fake_ollama: FakeOllama, data_dir: Path) -> Callable[..., OllamaTuiApp]:
    """Build the real app, as the CLI does, against the fake server and a temporary data dir."""

    def factory(*, host: str | None = None, **overrides: object) -> OllamaTuiApp:
        settings = Settings(
            host=host or fake_ollama.url,
            data_dir=data_dir,
            reconnect_interval=0.2,
            **overrides,  # type: ignore[arg-type]
        )
        return build_app(settings)

    return factory


async def wait_until(
    predicate: Callable[[], object], timeout: float = 5.0, message: str = ""
) -> None:
    """Wait for a condition the app reaches asynchronously; fail with `message` on timeout."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for: {message or predicate}")
        await asyncio.sleep(0.01)


async def ask(pilot: Pilot[None], view: ChatView, prompt: str) -> Message:
    """Type a prompt, send it, and wait until its reply has settled (whatever its status)."""
    before = len(view.conversation.messages)
    await pilot.press(*prompt, "enter")
    await wait_until(
        lambda: len(view.conversation.messages) >= before + 2 and not view.is_streaming,
        message=f"the reply to {prompt!r}",
    )
    return view.conversation.messages[-1]


async def ask_until_text(
    pilot: Pilot[None], view: ChatView, prompt: str, text: str
) -> AssistantMessage:
    """Send a prompt and wait until `text` of the (still streaming) reply is on screen."""
    await pilot.press(*prompt, "enter")
    await wait_until(lambda: view.query(AssistantMessage), message="the reply's widget")
    reply = view.query(AssistantMessage).last()
    await wait_until(lambda: text in reply._body.source, message=f"{text!r} on screen")
    return reply


def screen_text(app: OllamaTuiApp) -> str:
    """The characters on the app's screen right now, one line per row."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


def notified(app: OllamaTuiApp, text: str) -> bool:
    """Whether a notification holding `text` is showing (toasts are on a layer of their own,
    which `screen_text` does not read)."""
    return any(text in str(notification.message) for notification in app._notifications)


def session_file(data_dir: Path, conversation_id: str) -> Path:
    return data_dir / "sessions" / f"{conversation_id}.json"


ScreenT = TypeVar("ScreenT", bound=Screen[Any])


async def press_for(pilot: Pilot[None], key: str, kind: type[ScreenT]) -> ScreenT:
    """Press a key that opens a screen, wait for that screen, and return it."""
    app = pilot.app
    await pilot.press(key)
    await wait_until(lambda: isinstance(app.screen, kind), message=f"{kind.__name__} after {key}")
    screen = app.screen
    assert isinstance(screen, kind)
    return screen


async def quit_app(pilot: Pilot[None]) -> None:
    """Press Ctrl+Q as a terminal would, and wait until the app has quit.

    Pilot's own press also waits for the app to go idle afterwards, and can wait for ever
    when the app exits meanwhile (one run in five in the real tier).
    """
    app = pilot.app
    app.simulate_key("ctrl+q")
    await wait_until(lambda: app.return_code is not None, timeout=10, message="the app to quit")


async def ready(app: OllamaTuiApp) -> None:
    """Wait until the server answered and the first tab has its default model."""
    await wait_until(lambda: app.models is not None, message="the model list")
    view = app.current_view
    assert view is not None
    await wait_until(lambda: view.conversation.settings.model, message="a default model")
