"""The throughput test as a user runs it: opened from the palette or its key, the form's
fields typed into, Enter to start, the sentence on the screen, saved with its key, stopped
with Escape."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

from textual.pilot import Pilot

from ollama_tui.ui.app import OllamaTuiApp
from ollama_tui.ui.dialogs.measurement import MeasurementScreen
from ollama_tui.ui.dialogs.throughput import ThroughputDialog
from ollama_tui.ui.screens.conversations import ConversationsScreen
from tests.fake_ollama.server import FakeOllama
from tests.pilot import MakeApp, press_for, ready, screen_text, wait_until

SPEED = 60.0
"""Tokens per second: each echoed reply takes 100 ms, long beside a request's overhead."""


async def _set_requests(pilot: Pilot[None], count: str) -> None:
    """From the model field (focused on opening): Tab to the requests and type `count`."""
    await pilot.press("tab", "tab", "backspace", "backspace", *count)


async def _open_by_palette(app: OllamaTuiApp, pilot: Pilot[None]) -> ThroughputDialog:
    await pilot.press("ctrl+p", *"Measure the server")
    await wait_until(lambda: "Measure the server" in screen_text(app))
    await pilot.press("enter")
    await wait_until(lambda: isinstance(app.screen, ThroughputDialog), message="the dialog")
    assert isinstance(app.screen, ThroughputDialog)
    return app.screen


async def test_a_queuing_server_is_said_to_queue_and_the_result_is_saved(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    fake_ollama.parallel = 1
    fake_ollama.model_speeds["llama3.2:latest"] = SPEED
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await ready(app)
        await _open_by_palette(app, pilot)
        text = screen_text(app)
        assert "Why is the sky blue?" in text and "llama3.2:latest" in text and "64" in text
        await _set_requests(pilot, "3")
        await pilot.press("enter")
        await wait_until(lambda: "requests queued" in screen_text(app), timeout=10)
        text = screen_text(app)
        assert "requests queued: the server handles one at a time; see OLLAMA_NUM_PARALLEL" in text
        assert "p95 latency" in text and "tokens/s in all" in text and "60.0 tok/s" in text
        bodies = [request.body for request in fake_ollama.requests_to("/api/chat")]
        assert len(bodies) == 1 + 2 * 3
        assert all(body["options"] == {"num_predict": 64} for body in bodies)
        await pilot.press("ctrl+s")
        folder = data_dir / "measurements"
        await wait_until(lambda: folder.is_dir() and any(folder.iterdir()), message="saved")
        (saved,) = folder.iterdir()
        assert saved.suffix == ".md" and stat.S_IMODE(saved.stat().st_mode) == 0o600
        assert "requests queued" in saved.read_text()
        await wait_until(lambda: "Saved as" in screen_text(app))
        await pilot.press("escape")
        await wait_until(lambda: not isinstance(app.screen, ThroughputDialog))
        # Listed with the saved conversations, found by a search, opened to be read.
        await press_for(pilot, "ctrl+o", ConversationsScreen)
        await pilot.press(*"queued")
        listed = "Throughput of llama3.2:latest on 127.0.0.1"
        await wait_until(lambda: listed in screen_text(app), message="the measurement listed")
        assert "throughput test · throughput-" in screen_text(app)
        await pilot.press("f2")  # a measurement is not renamed
        await pilot.pause()
        assert isinstance(app.screen, ConversationsScreen)
        await press_for(pilot, "enter", MeasurementScreen)
        await wait_until(lambda: "| p95 latency |" in screen_text(app))
        await pilot.press("escape")
        await wait_until(lambda: isinstance(app.screen, ConversationsScreen))


async def test_a_parallel_server_is_said_to_run_them_together(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    fake_ollama.model_speeds["llama3.2:latest"] = SPEED
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await ready(app)
        await press_for(pilot, "f8", ThroughputDialog)
        await _set_requests(pilot, "3")
        await pilot.press("tab", "tab", "backspace", "backspace", *"json", "enter")
        await wait_until(lambda: "faster together" in screen_text(app), timeout=10)
        assert "the server handled all 3 at once" in screen_text(app)
        assert fake_ollama.most_at_once == 3
        await pilot.press("ctrl+s")
        folder = data_dir / "measurements"
        await wait_until(lambda: folder.is_dir() and any(folder.iterdir()), message="saved")
        assert next(folder.iterdir()).suffix == ".json"


async def test_escape_stops_a_run_and_a_second_closes(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    hold = threading.Event()
    fake_ollama.script_reply(["warm", "ing"], hold=hold, hold_after=1)
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await ready(app)
        await press_for(pilot, "f8", ThroughputDialog)
        await pilot.press("enter")
        await wait_until(lambda: "Warm-up: loading the model" in screen_text(app))
        await fake_ollama.async_wait_for(lambda: fake_ollama.requests_to("/api/chat"))
        await pilot.press("escape")
        await wait_until(lambda: "Stopped: nothing was measured." in screen_text(app))
        await fake_ollama.async_disconnect_time("/api/chat")  # the stream was closed
        assert len(fake_ollama.requests_to("/api/chat")) == 1
        await pilot.press("escape")
        await wait_until(lambda: not isinstance(app.screen, ThroughputDialog))
        hold.set()


async def test_wrong_numbers_are_named_and_nothing_is_sent(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await ready(app)
        await press_for(pilot, "f8", ThroughputDialog)
        await _set_requests(pilot, "x")
        await pilot.press("tab", "backspace", "backspace", "0", "enter")
        await wait_until(lambda: "Requests: a whole number" in screen_text(app))
        await pilot.press("shift+tab", "backspace", *"500", "enter")
        await wait_until(lambda: "from 1 to 64" in screen_text(app))
        assert not fake_ollama.requests_to("/api/chat")
