"""Comparing against a real Ollama: the test model and a copy of it (made with /api/copy and
deleted after), driven by keys; the second reply kept, the conversation going on with its
model, and the first answer still a flip away."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable

import pytest

from ollama_tui.api.client import OllamaClient
from ollama_tui.ui.app import OllamaTuiApp
from ollama_tui.ui.dialogs.model_picker import ModelPickerScreen
from tests.pilot import (
    current_view,
    drawn,
    press_for,
    ready,
    screen_text,
    session_file,
    wait_until,
)

pytestmark = pytest.mark.real_ollama


async def test_a_model_and_its_copy_answer_side_by_side(
    make_real_app: Callable[[], OllamaTuiApp], real_client: OllamaClient, real_model: str
) -> None:
    copy = f"tui-compare-{uuid.uuid4().hex[:8]}:latest"  # short: the picker shows it whole
    await real_client.copy(real_model, copy)
    try:
        app = make_real_app()
        async with app.run_test(size=(140, 40)) as pilot:
            await ready(app, timeout=30)
            view = current_view(app)
            await pilot.press(*"/set parameter num_predict 16", "enter")  # replies capped
            await wait_until(lambda: view.conversation.settings.options == {"num_predict": 16})
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
            first = reply.alternatives[0][0].content
            # The conversation goes on with the kept reply's model.
            await wait_until(lambda: "version 2 of 2" in screen_text(app))
            await pilot.press(*"And at sunset?", "enter")
            await wait_until(
                lambda: len(view.conversation.messages) == 4 and not view.is_streaming,
                timeout=120,
                message="the next reply",
            )
            follow = view.conversation.messages[-1]
            assert follow.model == copy and follow.content.strip()
            saved = json.loads(path.read_text())
            assert [m["model"] for m in saved["messages"][1::2]] == [copy, copy]
            # Flipping back, as a user: select the compared reply, then ←.
            await pilot.press("shift+tab", "up", "up")
            assert view.transcript.selected is reply
            await pilot.press("left")
            await wait_until(lambda: "version 1 of 2" in screen_text(app), message="flipped")
            shown = view.conversation.messages[-1]  # that version's turns: the first reply
            assert shown.model == real_model and shown.content == first
            assert real_model in drawn(view, shown)
            words = re.findall(r"[A-Za-z]{3,}", first)  # a word Markdown leaves as it is
            assert not words or words[0] in drawn(view, shown)
            saved = json.loads(path.read_text())
            assert saved["messages"][-1]["model"] == real_model
            assert saved["messages"][-1]["alternatives"][0][-1]["model"] == copy  # kept too
    finally:
        await real_client.delete(copy)
