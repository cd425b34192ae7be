"""The throughput test against a real Ollama: three requests each way, replies capped."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ollama_tui.api.client import OllamaClient
from ollama_tui.services.throughput import ThroughputPlan, measure
from ollama_tui.ui.app import OllamaTuiApp
from ollama_tui.ui.dialogs.throughput import ThroughputDialog
from tests.pilot import press_for, ready, screen_text, wait_until

pytestmark = pytest.mark.real_ollama

SENTENCES = ("requests queued", "faster together")


async def test_three_requests_each_way_are_measured(
    real_client: OllamaClient, real_model: str
) -> None:
    plan = ThroughputPlan(real_model, requests=3, num_predict=8)
    result = await measure(real_client, plan, host="real")
    for mode in result.modes():
        assert len(mode.timings) == 3 and mode.failures == 0, mode.timings
        assert (mode.tokens_per_request() or 0) > 0 and (mode.tokens_in_all() or 0) > 0
        assert all(t.eval_count <= 8 for t in mode.timings)
    assert any(sentence in result.verdict() for sentence in SENTENCES), result.verdict()


async def test_the_dialog_says_what_the_server_does(
    make_real_app: Callable[[], OllamaTuiApp], real_model: str
) -> None:
    app = make_real_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await ready(app, timeout=30)
        await press_for(pilot, "f8", ThroughputDialog)
        assert real_model in screen_text(app)  # the conversation's model, the only one there
        await pilot.press("tab", "tab", "backspace", "backspace", "3")
        await pilot.press("tab", "backspace", "backspace", "8", "enter")
        # The sentence comes first and the figures under it, brought into view once drawn.
        await wait_until(
            lambda: any(sentence in screen_text(app) for sentence in SENTENCES), timeout=90
        )
        await wait_until(lambda: "tokens/s in all" in screen_text(app), message="the figures")
