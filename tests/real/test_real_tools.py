"""Tools against a real Ollama 0.5.4: a model without the tools capability is refused with the
server's own words, and the app turns that into a question naming the model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ollama_tui.api.client import OllamaClient
from ollama_tui.cli import build_app, build_backend
from ollama_tui.config import Settings
from ollama_tui.domain.conversation import Conversation
from ollama_tui.services.chat_turn import add_user_message
from ollama_tui.services.errors import ToolsNotSupported
from ollama_tui.services.tools.loop import ApprovalRequest, Decision
from ollama_tui.ui.dialogs.basic import ConfirmDialog
from tests.pilot import ready, screen_text, session_file, wait_until
from tests.real.conftest import REPLY_CAP

pytestmark = pytest.mark.real_ollama


async def never_asked(request: ApprovalRequest) -> Decision:
    raise AssertionError("nothing runs when the server refuses the tools")


async def test_the_server_refuses_tools_for_a_model_without_them(
    real_host: str, real_model: str, real_client: OllamaClient, tmp_path: Path
) -> None:
    shown = await real_client.show(real_model)
    assert "tools" not in shown.capabilities  # 0.5.4 lists none; the model has no tools
    backend = build_backend(Settings(host=real_host, data_dir=tmp_path / "data"))
    try:
        conversation = Conversation()
        conversation.settings.model = real_model
        conversation.settings.options = dict(REPLY_CAP)
        conversation.settings.tools = ["read_file"]
        add_user_message(conversation, "Read notes.txt")
        rounds = backend.reply_rounds(
            conversation,
            on_event=lambda event: None,
            on_save_problem=lambda problem: None,
            approve=never_asked,
            on_result=lambda reply, result: None,
        )
        outcomes = [await turn.run() async for turn in rounds.turns()]
    finally:
        await backend.aclose()
    (outcome,) = outcomes
    assert isinstance(outcome.error, ToolsNotSupported)
    assert outcome.error.model == real_model
    assert outcome.error.message == (
        f"registry.ollama.ai/library/{real_model} does not support tools"
    )


async def test_the_app_offers_to_turn_tools_off_and_asks_again(
    real_host: str, real_model: str, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    app = build_app(
        Settings(
            host=real_host,
            data_dir=data_dir,
            default_model=real_model,
            conversation_defaults={"tools": ["read_file"], "options": REPLY_CAP},
            tool_roots=(tmp_path,),
        )
    )
    async with app.run_test(size=(110, 32)) as pilot:
        view = await ready(app)
        view.composer.text = "Say hello."
        app.simulate_key("enter")
        await wait_until(
            lambda: isinstance(app.screen, ConfirmDialog), timeout=60, message="the offer"
        )
        await wait_until(lambda: "cannot call tools" in screen_text(app), message="drawn")
        text = " ".join(screen_text(app).replace("│", " ").split())
        assert f"{real_model} cannot call tools" in text
        assert "Turn tools off for this conversation" in text
        await pilot.press("y")
        await wait_until(
            lambda: (
                not view.is_streaming
                and view.conversation.messages[-1].content
                and view.conversation.settings.tools is None
            ),
            timeout=120,
            message="the reply asked for again without tools",
        )
    data = json.loads(session_file(data_dir, view.conversation.id).read_text())
    assert data["settings"].get("tools") is None
    assert data["messages"][-1]["role"] == "assistant"
    assert data["messages"][-1]["status"] == "complete"
