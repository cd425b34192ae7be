"""The `ollama run` habits tried end to end against a real Ollama, typed in the composer as a
new user would: `/set`, a question, `/show parameters`, `/save` (a model on the server that
answers), `/load` it, more turns, `/compact`, `/bye`; then the conversation reopened in a new
app shows all of it, and its file holds every turn."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from ollama_tui.api.client import OllamaClient
from ollama_tui.api.errors import OllamaError
from ollama_tui.api.wire import ChatRequest
from ollama_tui.ui.app import OllamaTuiApp
from ollama_tui.ui.chat.chat_view import ChatView
from ollama_tui.ui.dialogs.inspect_model import InspectScreen
from ollama_tui.ui.screens.conversations import ConversationsScreen
from tests.pilot import (
    current_view,
    notified,
    press_for,
    ready,
    screen_text,
    session_file,
    wait_until,
)
from tests.real.conftest import REPLY_CAP

pytestmark = pytest.mark.real_ollama

REPLY = 120.0
"""Seconds a capped real reply may take on a busy two-core machine."""

QUESTION = "Why is the sky blue?"
LATER = ("Name one colour.", "Name one animal.")


async def type_line(pilot: Pilot[None], line: str) -> None:
    await pilot.press(*line, "enter")
    await pilot.pause()


async def ask(pilot: Pilot[None], view: ChatView, prompt: str) -> None:
    before = len(view.conversation.messages)
    await pilot.press(*prompt, "enter")
    await wait_until(
        lambda: len(view.conversation.messages) >= before + 2 and not view.is_streaming,
        timeout=REPLY,
        message=f"the reply to {prompt!r}",
    )
    assert view.conversation.messages[-1].content.strip()


def saved(data_dir: Path, conversation_id: str) -> list[dict[str, Any]]:
    data = json.loads(session_file(data_dir, conversation_id).read_text())
    messages: list[dict[str, Any]] = data["messages"]
    return messages


async def test_ollama_run_habits_from_set_to_bye_and_back(
    make_real_app: Callable[[], OllamaTuiApp], real_client: OllamaClient, real_model: str
) -> None:
    name = f"ollama-tui-terse-{uuid.uuid4().hex[:8]}"
    app = make_real_app()
    data_dir = app.backend.settings.data_dir
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await ready(app, timeout=30)
            view = current_view(app)
            conversation_id = view.conversation.id
            await type_line(pilot, f"/load {real_model}")
            await type_line(pilot, "/set parameter temperature 0")
            await type_line(pilot, "/set parameter num_predict 24")
            await type_line(pilot, "/set system You are terse.")
            await wait_until(lambda: view.conversation.settings.system == "You are terse.")
            assert view.conversation.settings.options == {"temperature": 0, "num_predict": 24}
            await ask(pilot, view, QUESTION)
            assert view.conversation.messages[-1].model == real_model

            # /show parameters: inspect opens at the parameters, the ones set here among them.
            await type_line(pilot, "/show parameters")
            await wait_until(lambda: isinstance(app.screen, InspectScreen))
            await wait_until(
                lambda: "temperature: 0" in screen_text(app), timeout=30, message="temperature"
            )
            assert "Parameters" in screen_text(app) and "Facts" not in screen_text(app)
            await pilot.press("escape")
            await wait_until(lambda: not isinstance(app.screen, InspectScreen))

            # /save: the model exists on the server, with the conversation's settings.
            await type_line(pilot, f"/save {name}")
            await wait_until(
                lambda: notified(app, f"Create of {name} done."), timeout=REPLY, message="create"
            )
            shown = await real_client.show(name)
            assert "You are terse." in shown.system
            assert "temperature" in shown.parameters and "num_predict" in shown.parameters
            answer = await real_client.chat(
                ChatRequest(
                    model=name, messages=[{"role": "user", "content": "Hello"}], options=REPLY_CAP
                )
            )
            assert answer.content.strip()

            # /load it: the following replies are written by the saved model.
            await type_line(pilot, f"/load {name}")
            await wait_until(lambda: notified(app, f"Using {name} from the next reply"))
            for prompt in LATER:
                await ask(pilot, view, prompt)
                assert view.conversation.messages[-1].model == name
            assert [m.get("model") for m in saved(data_dir, conversation_id)[1::2]] == [
                real_model,
                name,
                name,
            ]

            # /compact: the real model summarises all but the last prompt and its reply.
            await type_line(pilot, "/compact")
            await wait_until(
                lambda: notified(app, "Compacted:"), timeout=REPLY, message="the summary"
            )
            messages = saved(data_dir, conversation_id)
            summaries = [m for m in messages if m.get("summary_of")]
            assert len(summaries) == 1
            summary = summaries[0]
            assert summary["role"] == "system" and summary["content"].strip()
            assert summary["summary_of"] == [m["id"] for m in messages[:4]]
            assert [m["content"] for m in messages[-2:-1]] == [LATER[-1]]
            await wait_until(
                lambda: "4 earlier turns summarised" in screen_text(app), message="folded"
            )
            # The folded turns are not drawn (the first prompt still names the tab).
            assert LATER[0] not in screen_text(app) and LATER[-1] in screen_text(app)

            # /bye quits (keys simulated: Pilot's press waits on an app that has gone).
            for key in "/bye":
                app.simulate_key(key)
            app.simulate_key("enter")
            await wait_until(lambda: app.return_code is not None, timeout=10, message="quit")

        # A new app on the same data: the conversation reopens folded, its last turns shown.
        again = make_real_app()
        async with again.run_test(size=(120, 40)) as pilot:
            await ready(again, timeout=30)
            browser = await press_for(pilot, "ctrl+o", ConversationsScreen)
            await wait_until(lambda: browser.matches, timeout=10, message="the saved list")
            await pilot.press(*LATER[-1][:-1])
            await wait_until(
                lambda: [m.entry.id for m in browser.matches] == [conversation_id],
                message="the conversation found",
            )
            await pilot.press("enter")
            await wait_until(lambda: current_view(again).conversation.id == conversation_id)
            await wait_until(
                lambda: "4 earlier turns summarised" in screen_text(again), message="folded"
            )
            text = screen_text(again)
            assert LATER[-1] in text and name in text and LATER[0] not in text
        # The file holds every turn: the three prompts, their replies, and the summary.
        messages = saved(data_dir, conversation_id)
        prompts = [m["content"] for m in messages if m["role"] == "user"]
        assert prompts == [QUESTION, *LATER]
        replies = [m for m in messages if m["role"] == "assistant"]
        assert len(replies) == 3 and all(r["content"].strip() for r in replies)
    finally:
        with contextlib.suppress(OllamaError):  # cleanup of what may not exist
            await real_client.delete(name)
