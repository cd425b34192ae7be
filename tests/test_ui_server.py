"""The status line, starting without a server, and a server that comes back."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from ollama_tui.domain.conversation import Conversation, Message, MessageStatus
from ollama_tui.ui.message_widgets import AssistantMessage
from tests.conftest import ready, screen_text, wait_until
from tests.fake_ollama.server import FakeOllama


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _save_conversation(data_dir: Path) -> Conversation:
    conversation = Conversation(title="Saved earlier")
    conversation.settings.model = "llama3.2:latest"
    conversation.messages.append(Message.user("What is 2+2?"))
    reply = Message.assistant("llama3.2:latest")
    reply.content = "It is **4**."
    reply.status = MessageStatus.COMPLETE
    conversation.messages.append(reply)
    sessions = data_dir / "sessions"
    sessions.mkdir(parents=True, mode=0o700)
    (sessions / f"{conversation.id}.json").write_text(json.dumps(conversation.to_json_dict()))
    (data_dir / "workspace.json").write_text(
        json.dumps({"open_tabs": [conversation.id], "active_tab": conversation.id})
    )
    return conversation


async def test_status_line_shows_host_version_and_state(make_app, fake_ollama: FakeOllama) -> None:
    fake_ollama.version = "0.12.3"
    app = make_app()
    async with app.run_test(size=(100, 24)) as pilot:
        await ready(app)
        await pilot.pause()
        line = screen_text(app).splitlines()[-1]
        host = fake_ollama.url.removeprefix("http://")
        assert host in line and "0.12.3" in line and "connected" in line


async def test_without_a_server_the_app_starts_explains_and_keeps_saved_chats(
    make_app, data_dir: Path
) -> None:
    saved = _save_conversation(data_dir)
    port = _closed_port()
    app = make_app(host=f"127.0.0.1:{port}")
    async with app.run_test(size=(120, 24)) as pilot:
        await wait_until(lambda: app.server_status.state.value == "offline")
        await pilot.pause()
        text = screen_text(app)
        assert f"127.0.0.1:{port} cannot be reached" in text
        assert "ollama serve" in text
        view = app.current_view
        assert view.conversation.id == saved.id
        assert "It is **4**." in view.query_one(AssistantMessage)._body.source
        assert "It is 4." in text
        # Typing still works and the prompt is kept when the send fails.
        await pilot.press(*"still there?", "enter")
        await wait_until(lambda: not view.is_streaming and len(view.conversation.messages) == 4)
        assert view.conversation.messages[-1].status is MessageStatus.ERROR
        assert f"127.0.0.1:{port}" in (view.conversation.messages[-1].error or "")
        assert view.conversation.messages[-2].content == "still there?"
        await pilot.press("ctrl+q")
    assert app.return_code == 0


async def test_the_app_reconnects_when_the_server_comes_up(make_app, data_dir: Path) -> None:
    port = _closed_port()
    late = FakeOllama(port=port)
    app = make_app(host=f"127.0.0.1:{port}")
    try:
        async with app.run_test(size=(100, 24)) as pilot:
            await wait_until(lambda: app.server_status.state.value == "offline")
            late.start()
            await wait_until(lambda: app.server_status.state.value == "online", timeout=10)
            await ready(app)
            view = app.current_view
            await pilot.press(*"hi", "enter")
            await wait_until(lambda: not view.is_streaming and len(view.conversation.messages) == 2)
            assert view.conversation.messages[-1].content == "Echo: hi"
    finally:
        late.stop()
