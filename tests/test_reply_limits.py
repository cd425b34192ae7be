"""A reply has a cap, and a reply that cannot be read settles: none stays "generating" or
grows without end, and what arrived is kept."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ollama_tui.api.client import OllamaClient
from ollama_tui.domain.conversation import Conversation, MessageStatus
from ollama_tui.services.chat_turn import ChatTurn, add_user_message
from ollama_tui.services.saver import ConversationSaver
from ollama_tui.store import SessionStore
from tests.fake_ollama.server import FakeOllama
from tests.pilot import MakeApp, ask, ready, screen_text, session_file

CAP = 64 * 1024


@pytest.fixture
async def client(fake_ollama: FakeOllama) -> AsyncIterator[OllamaClient]:
    async with OllamaClient(fake_ollama.url) as client:
        yield client


def _turn(client: OllamaClient, store: SessionStore, **kwargs: object) -> ChatTurn:
    conversation = Conversation()
    conversation.settings.model = "llama3.2:latest"
    add_user_message(conversation, "go on for ever")
    return ChatTurn(
        client,
        ConversationSaver(store),
        conversation,
        on_event=lambda event: None,
        on_save_problem=lambda problem: None,
        **kwargs,  # type: ignore[arg-type]
    )


async def test_an_endless_reply_is_cut_off_at_the_cap_as_incomplete_keeping_what_arrived(
    client: OllamaClient, fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    fake_ollama.script_reply(["é" * 1000, "ab" * 500], thinking=["hmm " * 100], end="endless")
    store = SessionStore(tmp_path)
    turn = _turn(client, store, max_reply_bytes=CAP)
    outcome = await turn.run()
    message = outcome.message
    assert message.status is MessageStatus.INCOMPLETE
    assert "64 KB" not in (message.error or "")  # said in MB, as the config sets it
    assert "65 KB limit" in (message.error or "") and "max_reply_mb" in (message.error or "")
    size = len(message.content.encode()) + len((message.thinking or "").encode())
    assert CAP - 4 <= size <= CAP  # to the byte, but for a character cut in two
    assert message.content.startswith("é" * 1000 + "abab")
    # The connection was closed, so the server stops generating.
    await fake_ollama.async_disconnect_time("/api/chat")
    saved = json.loads(store.path_for(turn.conversation.id).read_text())
    assert saved["messages"][-1]["status"] == "incomplete"
    assert saved["messages"][-1]["content"] == message.content


async def test_a_reply_line_that_cannot_be_read_settles_the_reply_as_an_error(
    client: OllamaClient, fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    deep = b'{"message": ' + b"[" * 200_000 + b"]" * 200_000 + b"}\n"
    fake_ollama.script_reply(["kept "], end="raw", raw=deep)
    store = SessionStore(tmp_path)
    turn = _turn(client, store)
    outcome = await turn.run()
    assert outcome.message.status is MessageStatus.ERROR
    assert outcome.message.content == "kept "
    assert "nested too deeply" in (outcome.message.error or "")
    saved = json.loads(store.path_for(turn.conversation.id).read_text())
    assert saved["messages"][-1]["status"] == "error"


async def test_the_app_says_why_a_reply_was_cut_off(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    fake_ollama.script_reply(["word " * 100], end="endless")
    app = make_app(max_reply_bytes=CAP)
    async with app.run_test(size=(120, 40)) as pilot:
        view = await ready(app)
        reply = await ask(pilot, view, "go")
        assert reply.status is MessageStatus.INCOMPLETE
        await pilot.pause()
        assert "limit for one reply and was cut off" in " ".join(screen_text(app).split())
    saved = json.loads(session_file(data_dir, view.conversation.id).read_text())
    assert saved["messages"][-1]["status"] == "incomplete"
    assert len(saved["messages"][-1]["content"].encode()) == CAP
