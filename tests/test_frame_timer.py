"""Timers resumed late tick at their next step, not the one after: a screen's change is drawn
at most one frame later (Textual 8.2.8 waited up to two); what a user waits on is drawn at
once."""

from __future__ import annotations

import asyncio
import time

import pytest
from textual import events
from textual.app import App

from ollama_tui.ui.chat.composer import Composer
from ollama_tui.ui.kit import frame_timer
from tests.fake_ollama.server import FakeOllama
from tests.pilot import MakeApp, frames_written, ready, wait_until

INTERVAL = 0.2


async def test_a_timer_resumed_late_ticks_next_at_its_next_step() -> None:
    frame_timer.install()
    ticks: list[float] = []
    app: App[None] = App()
    async with app.run_test():
        timer = app.set_interval(INTERVAL, lambda: ticks.append(time.monotonic()), pause=True)
        resumed = time.monotonic()
        timer.resume()  # its steps are counted from here
        await wait_until(lambda: len(ticks) == 1)
        timer.pause()
        # Paused past two more steps, as a screen is while nothing changes (the time passing
        # is what is tested), then resumed just after a step: it ticks at once...
        await asyncio.sleep(resumed + 3.1 * INTERVAL - time.monotonic())
        timer.resume()
        await wait_until(lambda: len(ticks) == 2)
        # ...and next at the step 0.9 of an interval later, not 1.9 (a late timer skipped
        # one step too many).
        await wait_until(lambda: len(ticks) == 3, timeout=5)
        timer.stop()
    assert ticks[2] - ticks[1] < 1.4 * INTERVAL


async def test_a_character_typed_in_the_prompt_is_drawn_before_the_key_is_done(
    make_app: MakeApp, fake_ollama: FakeOllama, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app)
        composer = app.query_one(Composer)
        composer.focus()
        await pilot.pause()
        frames = frames_written(app, monkeypatch)
        # The key as the app hands it to the focused prompt; no tick of the screen comes in
        # between, so only a frame drawn at once can hold the character.
        await composer._on_key(events.Key("Ж", "Ж"))
        assert composer.text == "Ж"
        assert any("Ж" in frame for frame in frames)
