"""Per-conversation control against a real Ollama: settings through the dialog, a schema that
the reply must follow, regenerate and flip, edit, and a raw completion."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Input, Select, TextArea

from ollama_tui.api.client import OllamaClient
from ollama_tui.api.wire import ChatRequest, GenerateRequest
from ollama_tui.domain.conversation import ConversationKind, MessageStatus
from ollama_tui.services.structured import check_structured_reply
from ollama_tui.ui.app import OllamaTuiApp
from ollama_tui.ui.dialogs.settings import SettingsDialog
from tests.pilot import (
    drawn,
    press_for,
    quit_app,
    ready,
    session_file,
    wait_until,
)
from tests.real.conftest import REPLY_CAP

pytestmark = pytest.mark.real_ollama

SCHEMA = {"type": "object", "properties": {"legs": {"type": "integer"}}, "required": ["legs"]}
SETTLED = 60.0
"""Seconds for a capped reply on the test machine's CPU, with room for a busy machine."""


async def test_a_schema_format_returns_json_the_validator_accepts(
    real_client: OllamaClient, real_model: str
) -> None:
    request = ChatRequest(
        model=real_model,
        messages=[{"role": "user", "content": "How many legs does a cat have?"}],
        format=SCHEMA,
        options={**REPLY_CAP, "temperature": 0},
    )
    result = await real_client.chat(request)
    check = check_structured_reply(result.content, SCHEMA)
    assert check.valid, (result.content, check.problems)


async def test_a_raw_completion_continues_the_prompt(
    real_client: OllamaClient, real_model: str
) -> None:
    request = GenerateRequest(
        model=real_model, prompt="def add(a, b):\n", raw=True, options={"num_predict": 16}
    )
    result = await real_client.generate(request)
    assert result.content and result.done_reason in ("stop", "length")
    assert result.stats.eval_count <= 17


async def test_a_new_user_sets_up_a_conversation_regenerates_flips_and_edits(
    make_real_app: Callable[[], OllamaTuiApp], real_model: str, tmp_path: Path
) -> None:
    app = make_real_app()
    async with app.run_test(size=(120, 50)) as pilot:
        view = await ready(app)
        view.set_model(real_model)
        dialog = await press_for(pilot, "f4", SettingsDialog)
        dialog.query_one("#system", TextArea).text = "Reply in JSON."
        dialog.query_one("#temperature", Input).value = "0"
        dialog.query_one("#num_predict", Input).value = "32"
        dialog.query_one("#format", Select).value = "schema"
        dialog.query_one("#schema", TextArea).text = json.dumps(SCHEMA)
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_until(lambda: not isinstance(app.screen, SettingsDialog))

        def settled(count: int) -> bool:
            messages = view.conversation.messages
            return len(messages) == count and not view.is_streaming

        view.composer.text = "How many legs does a cat have?"
        app.simulate_key("enter")
        await wait_until(lambda: settled(2), timeout=SETTLED, message="the first reply")
        first = view.conversation.messages[-1]
        assert first.status is MessageStatus.COMPLETE and first.format == SCHEMA
        check = check_structured_reply(first.content, SCHEMA)
        assert check.valid, (first.content, check.problems)
        await pilot.pause()
        assert "✓ valid JSON, matches the schema" in drawn(view, first)

        app.simulate_key("ctrl+r")
        await wait_until(
            lambda: view.conversation.messages[-1] is not first and settled(2),
            timeout=SETTLED,
            message="the regenerated reply",
        )
        second = view.conversation.messages[-1]
        assert second.alternatives == [[first]] and second.version == 1
        await pilot.press("shift+tab", "left")
        await wait_until(lambda: view.conversation.messages[-1] is first)

        await pilot.press("up", "e")
        await wait_until(lambda: view.editing is not None)
        view.composer.text = "How many legs does a spider have?"
        app.simulate_key("enter")
        await wait_until(
            lambda: view.conversation.messages[0].content.endswith("spider have?") and settled(2),
            timeout=SETTLED,
            message="the reply to the edited question",
        )
        old = (view.conversation.messages[0].alternatives or [])[0]
        assert [m.content for m in old] == ["How many legs does a cat have?", first.content]
        await quit_app(pilot)
    saved = json.loads(session_file(tmp_path / "data", view.conversation.id).read_text())
    settings = saved["settings"]
    assert settings["system"] == "Reply in JSON."
    assert settings["options"] == {"temperature": 0.0, "num_predict": 32}
    assert settings["format"] == SCHEMA
    assert saved["kind"] == ConversationKind.CHAT.value
    assert saved["messages"][0]["alternatives"][0][1]["alternatives"][0][0]["content"]
