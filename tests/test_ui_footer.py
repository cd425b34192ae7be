"""The footer follows the keys that work, and costs nothing when they did not change: every
refresh of the bindings used to take down and mount again each key of the footer (a style
update per key), six times between Enter and the request leaving."""

from __future__ import annotations

import threading
import time

from textual import events
from textual.message import Message
from textual.widgets._footer import FooterKey

from ollama_tui.ui.app import OllamaTuiApp
from tests.fake_ollama.server import FakeOllama
from tests.pilot import MakeApp, current_view, ready, screen_text, wait_until


def _footer_row(app: OllamaTuiApp) -> str:
    return screen_text(app).splitlines()[-2]


class _KeyMounts:
    """When each footer key was mounted (Mount is the message every new widget gets)."""

    def __init__(self) -> None:
        self.times: list[float] = []

    def __call__(self, message: Message) -> None:
        if isinstance(message, events.Mount) and isinstance(message._sender, FooterKey):
            self.times.append(time.monotonic())


async def test_a_refresh_of_unchanged_bindings_leaves_the_footer_as_it_is(
    make_app: MakeApp,
) -> None:
    app = make_app()
    mounts = _KeyMounts()
    async with app.run_test(size=(160, 48), message_hook=mounts) as pilot:
        await ready(app)
        await wait_until(lambda: "Send" in _footer_row(app), message="the footer")
        await pilot.pause()
        shown = _footer_row(app)
        before = len(mounts.times)
        app.refresh_bindings()
        app.screen.refresh_bindings()
        await pilot.pause()
        await pilot.pause()
        assert len(mounts.times) == before
        assert _footer_row(app) == shown


async def test_enter_sends_without_rebuilding_the_footer(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    hold = threading.Event()
    fake_ollama.script_reply(["Hello ", "there."], hold=hold)
    app = make_app()
    mounts = _KeyMounts()
    async with app.run_test(size=(160, 48), message_hook=mounts) as pilot:
        await ready(app)
        await wait_until(lambda: "Send" in _footer_row(app), message="the footer")
        keys_shown = len(app.screen.query(FooterKey))
        await pilot.press(*"hi")
        await pilot.pause()
        entered = time.monotonic()
        await pilot.press("enter")
        await wait_until(lambda: fake_ollama.requests_to("/api/chat"), message="the request")
        received = fake_ollama.requests_to("/api/chat")[0].received_at
        # The footer follows the reply: Esc stops it while it is written...
        await wait_until(lambda: "esc Stop" in _footer_row(app), message="Stop in the footer")
        hold.set()
        view = current_view(app)
        await wait_until(lambda: not view.is_streaming, message="the reply's end")
        # ...and not after it.
        await wait_until(lambda: "esc Stop" not in _footer_row(app), message="Stop gone")
        # The keys changed in place (Stop for Settings): none was mounted anew on the way
        # (every key was, twice, before the request left).
        on_the_way = [t for t in mounts.times if entered <= t <= received]
        assert on_the_way == []
        assert len(app.screen.query(FooterKey)) == keys_shown
