"""Provides the helpers that drive the app as a user does and read what it shows: waiting on a
condition, pressing keys that open a screen or send a prompt, the screen's characters and
toasts, and where a conversation's file is. Fixtures stay in `conftest.py`."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar, cast

import pytest
from rich.console import RenderableType
from textual._compositor import CompositorUpdate
from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen
from textual.strip import Strip

from ollama_tui.domain.conversation import Message, Role
from ollama_tui.ui.app import OllamaTuiApp
from ollama_tui.ui.chat.chat_view import ChatView


class MakeApp(Protocol):
    """The `make_app` fixture: the real app, as the CLI builds it, on the fake server."""

    def __call__(self, *, host: str | None = None, **overrides: Any) -> OllamaTuiApp: ...


# -- waiting ---------------------------------------------------------------------------------


async def wait_until(
    predicate: Callable[..., object], timeout: float = 5.0, message: str = ""
) -> None:
    """Wait for a condition the app reaches asynchronously; fail with `message` on timeout.

    `predicate` is called without arguments; a lambda in a loop may bind the loop's
    variables as default arguments (`lambda turns=turns: ...`)."""
    deadline = time.monotonic() + timeout
    while True:
        _screen_reads.before_layout = False
        if predicate() and not _screen_reads.before_layout:
            return
        if time.monotonic() > deadline:
            if predicate():  # a screen laid out again and again all the while: it holds
                return
            raise AssertionError(f"timed out waiting for: {message or predicate}")
        await asyncio.sleep(0.01)


class _ScreenReads:
    """Whether `screen_strips` read a screen that had a layout pending.

    It renders each widget's content now in the region of the last layout: a Static updated
    from one line to ten shows one line until the next frame lays it out. A predicate that
    found its text in such a read is asked again once the layout has caught up, so what a
    test then reads is there whole."""

    before_layout = False


_screen_reads = _ScreenReads()


async def ready(app: OllamaTuiApp, timeout: float = 5.0) -> ChatView:
    """Wait until the server answered (within `timeout`) and the first tab has its default
    model; that tab's conversation."""
    await wait_until(lambda: app.models is not None, timeout, message="the model list")
    view = current_view(app)
    await wait_until(lambda: view.conversation.settings.model, message="a default model")
    return view


def current_view(app: OllamaTuiApp) -> ChatView:
    """The conversation shown: a test reading it has one open."""
    view = app.current_view
    assert view is not None, "no conversation is shown"
    return view


# -- keys ------------------------------------------------------------------------------------


async def ask(pilot: Pilot[None], view: ChatView, prompt: str) -> Message:
    """Type a prompt, send it, and wait until its reply has settled (whatever its status)."""
    before = len(view.conversation.messages)
    await pilot.press(*prompt, "enter")
    await wait_until(
        lambda: len(view.conversation.messages) >= before + 2 and not view.is_streaming,
        message=f"the reply to {prompt!r}",
    )
    return view.conversation.messages[-1]


async def ask_until_text(pilot: Pilot[None], view: ChatView, prompt: str, text: str) -> Message:
    """Send a prompt and wait until `text` of the (still streaming) reply is drawn."""
    await pilot.press(*prompt, "enter")
    await wait_until(lambda: last_reply(view), message="the reply in the transcript")
    reply = last_reply(view)
    assert reply is not None
    await wait_until(lambda: text in drawn(view, reply), message=f"{text!r} drawn")
    return reply


def last_reply(view: ChatView) -> Message | None:
    """The last reply the transcript lays out (streamed or not), if any."""
    replies = [m for m in view.transcript.shown if m.role is Role.ASSISTANT]
    return replies[-1] if replies else None


def drawn(view: ChatView, message: Message | None) -> str:
    """The text the transcript draws `message` with (on screen or scrolled away)."""
    if message is None:
        return ""
    return "\n".join(strip.text.rstrip() for strip in view.transcript.lines_of(message))


ScreenT = TypeVar("ScreenT", bound=Screen[Any])


async def press_for(pilot: Pilot[None], key: str, kind: type[ScreenT]) -> ScreenT:
    """Press a key that opens a screen, wait for that screen, and return it."""
    app = pilot.app
    await pilot.press(key)
    await wait_until(lambda: isinstance(app.screen, kind), message=f"{kind.__name__} after {key}")
    screen = app.screen
    assert isinstance(screen, kind)
    return screen


async def quit_app(pilot: Pilot[None]) -> int | None:
    """Press Ctrl+Q as a terminal would, wait until the app has quit, and return its code.

    Pilot's own press also waits for the app to go idle afterwards, and can wait for ever
    when the app exits meanwhile (one run in five in the real tier).
    """
    app = pilot.app
    app.simulate_key("ctrl+q")
    await wait_until(lambda: app.return_code is not None, timeout=10, message="the app to quit")
    return app.return_code


# -- what the screen shows -------------------------------------------------------------------


def screen_strips(app: App[Any]) -> list[Strip]:
    """The rows on the app's screen right now, with their styles.

    Textual has no public reader of the composed screen (only SVG screenshots): this is the
    one place tests read its compositor."""
    screen = app.screen
    if screen._layout_required:
        _screen_reads.before_layout = True
    return screen._compositor.render_strips()


def screen_text(app: App[Any]) -> str:
    """The characters on the app's screen right now, one line per row."""
    return "\n".join("".join(segment.text for segment in strip) for strip in screen_strips(app))


def notifications(app: App[Any]) -> list[str]:
    """The text of every notification the app has showing, oldest first.

    Under `run_test` toasts are not drawn (TEXTUAL-NOTES 3.7), and Textual has no public
    reader of the notifications: this is the one place tests read them."""
    return [str(notification.message) for notification in app._notifications]


def notified(app: App[Any], text: str) -> bool:
    """Whether a notification holding `text` is showing."""
    return any(text in message for message in notifications(app))


# -- files -----------------------------------------------------------------------------------


def session_file(data_dir: Path, conversation_id: str) -> Path:
    return data_dir / "sessions" / f"{conversation_id}.json"


def frames_written(app: App[Any], monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The frames `app` writes from now on, each as the text sent to the terminal (filled in
    as they are written: a frame drawn at once is there when the call that drew it returns)."""
    frames: list[str] = []
    display = app._display

    def recorded(screen: Screen[object], update: object) -> None:
        if isinstance(update, CompositorUpdate):
            frames.append(update.render_segments(app.console))
        display(screen, cast("RenderableType | None", update))

    monkeypatch.setattr(app, "_display", recorded)
    return frames
