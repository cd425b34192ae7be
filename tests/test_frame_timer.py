"""Timers resumed late tick at their next step, not the one after: a screen's change is drawn
at most one frame later (Textual 8.2.8 waited up to two)."""

from __future__ import annotations

import asyncio
import time

from textual.app import App

from ollama_tui.ui.kit import frame_timer
from tests.pilot import wait_until

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
