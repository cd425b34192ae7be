"""The model picker, switching models mid-conversation, and the default model."""

from __future__ import annotations

import json
from pathlib import Path

from textual.pilot import Pilot

from ollama_tui.ui.app import OllamaTuiApp
from ollama_tui.ui.chat.chat_view import ChatView
from ollama_tui.ui.dialogs.model_picker import ModelPickerScreen
from ollama_tui.ui.dialogs.pull_offer import PullOfferScreen
from tests.fake_ollama.server import FakeOllama
from tests.pilot import (
    MakeApp,
    ask,
    current_view,
    press_for,
    ready,
    screen_text,
    session_file,
    wait_until,
)


async def test_picker_lists_installed_and_loaded_models_and_filters(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    fake_ollama.running.append(
        {
            "name": "qwen2.5:0.5b",
            "model": "qwen2.5:0.5b",
            "size": 1_200_000_000,
            "size_vram": 1_200_000_000,
            "expires_at": "2030-01-01T00:00:00Z",
            "details": {"family": "qwen2"},
        }
    )
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(app)
        picker = await press_for(pilot, "ctrl+l", ModelPickerScreen)
        await wait_until(lambda: len(picker.shown) == 2)
        text = screen_text(app)
        assert "llama3.2:latest" in text and "qwen2.5:0.5b" in text
        assert "loaded" in text
        await pilot.press(*"qwen")
        assert [choice and choice.name for choice in picker.shown] == ["qwen2.5:0.5b"]
        await pilot.press("enter")
        await wait_until(lambda: not isinstance(app.screen, ModelPickerScreen))
        assert current_view(app).conversation.settings.model == "qwen2.5:0.5b"
        assert app.focused is current_view(app).composer


async def test_switching_model_mid_conversation_keeps_history(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        view = await ready(app)
        await ask(pilot, view, "first")
        await press_for(pilot, "ctrl+l", ModelPickerScreen)
        await pilot.press(*"qwen", "enter")
        await wait_until(lambda: view.conversation.settings.model == "qwen2.5:0.5b")
        await ask(pilot, view, "second")
        # A new tab starts with the model used last.
        await pilot.press("ctrl+n")
        assert current_view(app).conversation.settings.model == "qwen2.5:0.5b"
    body = fake_ollama.requests_to("/api/chat")[-1].body
    assert body["model"] == "qwen2.5:0.5b"
    assert [m["content"] for m in body["messages"]] == ["first", "Echo: first", "second"]
    saved = json.loads(session_file(data_dir, view.conversation.id).read_text())
    assert [m.get("model") for m in saved["messages"]] == [
        None,
        "llama3.2:latest",
        None,
        "qwen2.5:0.5b",
    ]
    assert saved["settings"]["model"] == "qwen2.5:0.5b"


async def test_escape_cancels_the_picker(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await ready(app)
        await press_for(pilot, "ctrl+l", ModelPickerScreen)
        await pilot.press(*"qwen", "escape")
        assert not isinstance(app.screen, ModelPickerScreen)
        assert current_view(app).conversation.settings.model == "llama3.2:latest"


async def test_a_loaded_model_is_the_default_without_a_last_used_one(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    fake_ollama.running.append({"name": "qwen2.5:0.5b", "model": "qwen2.5:0.5b", "size": 1})
    app = make_app()
    async with app.run_test():
        await ready(app)
        assert current_view(app).conversation.settings.model == "qwen2.5:0.5b"


async def _ask_a_missing_model(app: OllamaTuiApp, pilot: Pilot[None]) -> ChatView:
    """Send a prompt to a model the server lacks and wait for the offer to pull it."""
    view = await ready(app)
    view.set_model("mistral:7b")
    await pilot.press(*"hello", "enter")
    await wait_until(lambda: isinstance(app.screen, PullOfferScreen))
    return view


async def test_unknown_model_offers_a_pull_then_replies(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    fake_ollama.script_pull(layers=2, steps=3)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        view = await _ask_a_missing_model(app, pilot)
        assert "mistral:7b" in screen_text(app)
        await pilot.press("enter")
        await wait_until(lambda: not view.is_streaming and view.conversation.messages[-1].content)
        assert view.conversation.messages[-1].content == "Echo: hello"
        assert len(view.conversation.messages) == 2
        pulls = fake_ollama.requests_to("/api/pull")
        assert pulls and pulls[0].body["model"] == "mistral:7b"
        # The picker knows the new model without a restart.
        await wait_until(lambda: any(m.name == "mistral:7b" for m in app.models or []))
    saved = json.loads(session_file(data_dir, view.conversation.id).read_text())
    assert saved["messages"][-1]["model"] == "mistral:7b"
    assert saved["messages"][-1]["status"] == "complete"


async def test_a_failed_pull_is_shown_verbatim_and_nothing_is_lost(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    fake_ollama.offline = True
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        view = await _ask_a_missing_model(app, pilot)
        await pilot.press("enter")
        await wait_until(
            lambda: view.pull_panel is not None and view.pull_panel.has_class("-failed")
        )
        await pilot.pause()
        assert "dial tcp: lookup registry.ollama.ai" in screen_text(app)
        assert view.conversation.messages[0].content == "hello"
    saved = json.loads(session_file(data_dir, view.conversation.id).read_text())
    assert saved["messages"][0]["content"] == "hello"
    assert "not found" in saved["messages"][1]["error"]


async def test_at_80_columns_each_model_is_one_row_its_long_name_cut(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    long_name = "hf.co/bartowski/Qwen2.5-Coder-32B-Instruct-GGUF:Q4_K_M-imatrix-long"
    fake_ollama.add_model(long_name, size=19_851_336_256)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app)
        await press_for(pilot, "ctrl+l", ModelPickerScreen)
        await wait_until(lambda: "hf.co/" in screen_text(app))
        await pilot.pause()
        rows = screen_text(app).splitlines()
        # The picker's row, inside its border: the empty conversation behind the picker
        # names the model it will use, which is this one too.
        row = next(row for row in rows if "hf.co/" in row and "│" in row)
        # The name gives way, ending in an ellipsis; its facts stay on its row.
        assert "…" in row and "19 GB" in row and "Q4_K_M" in row, row
        below = rows[rows.index(row) + 1]
        assert "GB" not in below or "llama" in below or "qwen" in below, below
        short = next(row for row in rows if "llama3.2:latest" in row)
        assert "2.0 GB" in short and "3.2B" in short
        # Typing still finds it by its whole name.
        await pilot.press(*"imatrix-long", "enter")
        await wait_until(lambda: current_view(app).conversation.settings.model == long_name)


def _add_embedding_model(fake_ollama: FakeOllama) -> None:
    """An embedding model, listed first by name; only /api/show says what it can do."""
    fake_ollama.add_model(
        "all-minilm:latest",
        details={"family": "bert", "parameter_size": "23M", "quantization_level": "F16"},
        _show_capabilities=["embedding"],
    )


async def test_an_embedding_model_is_marked_listed_last_and_not_taken_for_chat(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    _add_embedding_model(fake_ollama)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(app)
        # A new conversation never starts on it, though its name comes first.
        assert current_view(app).conversation.settings.model == "llama3.2:latest"
        picker = await press_for(pilot, "ctrl+l", ModelPickerScreen)
        await wait_until(lambda: len(picker.shown) == 3)
        rows = [line for line in screen_text(app).splitlines() if "F16" in line or "Q4" in line]
        assert ["all-minilm" in row for row in rows] == [False, False, True]
        assert "embed" in rows[-1] and "tools" not in rows[-1]
        await pilot.press(*"minilm", "enter")
        await wait_until(
            lambda: "all-minilm:latest only makes embeddings: it cannot chat" in screen_text(app),
            message="the refusal",
        )
        assert "Models (F3), then e," in screen_text(app)
        assert isinstance(app.screen, ModelPickerScreen)  # still open: choose another
        await pilot.press("escape")
        await wait_until(lambda: not isinstance(app.screen, ModelPickerScreen))
        assert current_view(app).conversation.settings.model == "llama3.2:latest"
    assert fake_ollama.requests_to("/api/chat") == []


async def test_an_embedding_model_cannot_be_marked_for_comparing(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    _add_embedding_model(fake_ollama)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(app)
        picker = await press_for(pilot, "f5", ModelPickerScreen)
        await wait_until(lambda: len(picker.shown) == 3 and "embed" in screen_text(app))
        await pilot.press("down", "down", "space")  # the last row: the embedding model
        await wait_until(
            lambda: "all-minilm:latest only makes embeddings" in screen_text(app),
            message="the refusal",
        )
        assert "[1]" not in screen_text(app)
