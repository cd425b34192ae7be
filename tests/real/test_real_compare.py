"""Comparing against a real Ollama: the test model and a copy of it (made with /api/copy and
deleted after), driven by keys; the second reply kept."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

import pytest

from ollama_tui.api.client import OllamaClient
from ollama_tui.ui.app import OllamaTuiApp
from ollama_tui.ui.dialogs.model_picker import ModelPickerScreen
from tests.pilot import current_view, press_for, ready, screen_text, session_file, wait_until

pytestmark = pytest.mark.real_ollama


async def test_a_model_and_its_copy_answer_side_by_side(
    make_real_app: Callable[[], OllamaTuiApp], real_client: OllamaClient, real_model: str
) -> None:
    copy = f"ollama-tui-compare-{uuid.uuid4().hex[:8]}:latest"
    await real_client.copy(real_model, copy)
    try:
        app = make_real_app()
        async with app.run_test(size=(140, 40)) as pilot:
            await ready(app, timeout=30)
            view = current_view(app)
            view.conversation.settings.options = {"num_predict": 16}  # replies capped
            picker = await press_for(pilot, "f5", ModelPickerScreen)
            await wait_until(lambda: copy in screen_text(app), timeout=30)
            for name in (real_model, copy):
                await pilot.press(*name)  # the filter finds it; Space marks it
                await wait_until(lambda n=name: any(c and c.name == n for c in picker.shown))
                await pilot.press("space", *["backspace"] * len(name))
            await pilot.press("enter")
            await wait_until(lambda: not isinstance(app.screen, ModelPickerScreen))
            await pilot.press(*"Say hello.", "enter")
            await wait_until(lambda: view.compare_view is not None)
            compare = view.compare_view
            assert compare is not None
            await wait_until(lambda: not compare.running, timeout=120)
            assert screen_text(app).count("tok/s") >= 2
            await pilot.press("2")
            await wait_until(lambda: view.compare_view is None)
            reply = view.conversation.messages[-1]
            assert reply.model == copy and reply.content.strip()
            assert reply.alternatives and reply.alternatives[0][0].model == real_model
            path = session_file(app.backend.settings.data_dir, view.conversation.id)
            saved = json.loads(path.read_text())
            assert saved["messages"][-1]["model"] == copy
    finally:
        await real_client.delete(copy)
