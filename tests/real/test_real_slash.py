"""`/save` against a real Ollama (0.5.4 in CI: the Modelfile form with MESSAGE lines): the
conversation typed in the composer becomes a model that answers with its system prompt."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable

import pytest

from ollama_tui.api.client import OllamaClient
from ollama_tui.api.errors import OllamaError
from ollama_tui.api.wire import ChatRequest
from ollama_tui.ui.app import OllamaTuiApp
from tests.pilot import current_view, notified, wait_until
from tests.real.conftest import REPLY_CAP

pytestmark = pytest.mark.real_ollama


async def test_save_makes_a_model_of_the_conversation(
    make_real_app: Callable[[], OllamaTuiApp], real_client: OllamaClient, real_model: str
) -> None:
    name = f"ollama-tui-terse-{uuid.uuid4().hex[:8]}"
    app = make_real_app()
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(lambda: app.models is not None, timeout=30, message="the models")
            view = current_view(app)
            for line in (
                f"/load {real_model}",
                "/set system You are terse. Answer in one short sentence.",
                "/set parameter num_predict 24",
                "/set parameter temperature 0",
            ):
                await pilot.press(*line, "enter")
                await pilot.pause()
            await wait_until(lambda: view.conversation.settings.options.get("temperature") == 0)
            await pilot.press(*"Why is the sky blue?", "enter")
            await wait_until(
                lambda: len(view.conversation.messages) == 2 and not view.is_streaming,
                timeout=120,
                message="the reply",
            )
            await pilot.press(*f"/save {name}", "enter")
            await wait_until(
                lambda: notified(app, f"Create of {name} done."), timeout=120, message="create"
            )
        shown = await real_client.show(name)
        assert "You are terse." in shown.system
        assert "num_predict" in shown.parameters and "temperature" in shown.parameters
        assert "Why is the sky blue?" in shown.modelfile  # the conversation, as MESSAGE lines
        reply = await real_client.chat(
            ChatRequest(
                model=name, messages=[{"role": "user", "content": "Hello"}], options=REPLY_CAP
            )
        )
        assert reply.content.strip()
    finally:
        with contextlib.suppress(OllamaError):  # cleanup of what may not exist
            await real_client.delete(name)
