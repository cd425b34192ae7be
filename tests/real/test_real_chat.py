"""User journeys against a real Ollama: list, chat, stop, switch model, unknown model."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from ollama_tui.api.client import OllamaClient
from ollama_tui.api.errors import ModelNotFound
from ollama_tui.api.wire import ChatRequest
from ollama_tui.domain.events import StreamDone, TextDelta
from ollama_tui.ui.app import OllamaTuiApp
from ollama_tui.ui.chat.chat_view import ChatView
from ollama_tui.ui.dialogs.model_picker import ModelPickerScreen
from ollama_tui.ui.dialogs.pull_offer import PullOfferScreen
from tests.pilot import (
    drawn,
    last_reply,
    press_for,
    quit_app,
    ready,
    session_file,
    wait_until,
)
from tests.real.conftest import REPLY_CAP

pytestmark = pytest.mark.real_ollama


async def _send(pilot: Pilot[None], view: ChatView, prompt: str) -> None:
    # Typing is covered by the unit tier; here a busy CPU (the model runs on it) makes
    # forty separate key presses slow, so the prompt is set and only Enter is sent, as a
    # terminal would: Pilot's press also waits for the app to go idle, and timed out once
    # while the model had both cores. Callers wait for what the key brings about.
    view.composer.text = prompt
    pilot.app.simulate_key("enter")


@pytest.fixture
async def second_model(real_client: OllamaClient, real_model: str) -> AsyncIterator[str]:
    name = f"ollama-tui-test-{uuid.uuid4().hex[:8]}:latest"
    await real_client.copy(real_model, name)
    try:
        yield name
    finally:
        await real_client.delete(name)


async def test_lists_models(real_client: OllamaClient, real_model: str) -> None:
    names = [entry.name for entry in await real_client.tags()]
    assert real_model in names
    version = await real_client.version()
    assert version.parts >= (0, 1, 0)


async def test_streamed_reply_has_text_and_stats(
    real_client: OllamaClient, real_model: str
) -> None:
    request = ChatRequest(
        model=real_model, messages=[{"role": "user", "content": "Say hello."}], options=REPLY_CAP
    )
    texts: list[str] = []
    done: StreamDone | None = None
    async with real_client.chat_stream(request) as events:
        async for event in events:
            if isinstance(event, TextDelta):
                texts.append(event.text)
            elif isinstance(event, StreamDone):
                done = event
    assert "".join(texts).strip()
    assert done is not None and done.done_reason in ("stop", "length")
    assert 0 < done.stats.eval_count <= 33


async def test_reply_stop_and_model_switch_are_saved(
    make_real_app: Callable[[], OllamaTuiApp], real_model: str, second_model: str, tmp_path: Path
) -> None:
    app = make_real_app()
    async with app.run_test(size=(100, 30)) as pilot:
        view = await ready(app)
        view.set_model(real_model)
        view.conversation.settings.options = dict(REPLY_CAP)
        await _send(pilot, view, "Name three colours.")
        await wait_until(
            lambda: not view.is_streaming and len(view.conversation.messages) == 2, timeout=60
        )
        first = view.conversation.messages[1]
        assert first.status == "complete" and first.content.strip()

        # Stop a longer reply as soon as text arrives.
        view.conversation.settings.options = {"num_predict": 400}
        await _send(pilot, view, "Write a long story about a lighthouse.")
        await wait_until(lambda: len(view.conversation.messages) == 4, timeout=30)
        # Text on screen, not only the reply's status line ("generating… (Esc stops)").
        await wait_until(
            lambda: any(
                line.strip() and "generating" not in line
                for line in drawn(view, last_reply(view)).splitlines()
            ),
            timeout=60,
        )
        await pilot.press("escape")
        await wait_until(lambda: not view.is_streaming, timeout=10)
        assert view.conversation.messages[3].status == "interrupted"

        # Switch to the copy and ask again.
        view.conversation.settings.options = dict(REPLY_CAP)
        picker = await press_for(pilot, "ctrl+l", ModelPickerScreen)
        await wait_until(
            lambda: any(c and c.name == second_model for c in picker.shown), timeout=10
        )
        await pilot.press(*second_model.split(":")[0], "enter")
        await wait_until(lambda: view.conversation.settings.model == second_model)
        await _send(pilot, view, "And one more colour?")
        await wait_until(
            lambda: not view.is_streaming and len(view.conversation.messages) == 6, timeout=60
        )
        conversation_id = view.conversation.id
        await quit_app(pilot)

    saved = json.loads(session_file(tmp_path / "data", conversation_id).read_text())
    replies = [m for m in saved["messages"] if m["role"] == "assistant"]
    assert [m["model"] for m in replies] == [real_model, real_model, second_model]
    assert [m["status"] for m in replies] == ["complete", "interrupted", "complete"]
    assert all(m["content"].strip() for m in replies)
    assert replies[0]["stats"]["eval_count"] > 0


async def test_unknown_model_is_reported_and_offered(
    real_client: OllamaClient, make_real_app: Callable[[], OllamaTuiApp]
) -> None:
    request = ChatRequest(model="no-such-model:latest", messages=[{"role": "user", "content": "x"}])
    with pytest.raises(ModelNotFound) as caught:
        async with real_client.chat_stream(request) as events:
            async for _ in events:
                pass
    assert caught.value.model == "no-such-model:latest"

    app = make_real_app()
    async with app.run_test(size=(100, 30)) as pilot:
        view = await ready(app)
        view.set_model("no-such-model:latest")
        await _send(pilot, view, "hello")
        await wait_until(lambda: isinstance(app.screen, PullOfferScreen), timeout=30)
        await pilot.press("enter")
        # No internet here: the server's own message is shown and nothing is lost.
        await wait_until(
            lambda: view.pull_panel is not None and view.pull_panel.has_class("-failed"),
            timeout=60,
        )
        assert view.conversation.messages[0].content == "hello"
