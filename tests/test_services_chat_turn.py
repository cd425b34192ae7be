"""The chat turn service against the fake server and a real store on disk."""

from __future__ import annotations

import asyncio
import errno
import json
import os
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from ollama_tui.api.client import OllamaClient
from ollama_tui.api.errors import ModelNotFound, StreamFailed
from ollama_tui.domain.conversation import Conversation, Message, MessageStatus, Role
from ollama_tui.domain.events import StreamEvent, TextDelta
from ollama_tui.services.chat_turn import ChatTurn, add_user_message, build_chat_request
from ollama_tui.services.saver import ConversationSaver, SaveProblem
from ollama_tui.store import SessionStore
from tests.fake_ollama.server import FakeOllama


@pytest.fixture
async def client(fake_ollama: FakeOllama) -> AsyncIterator[OllamaClient]:
    async with OllamaClient(fake_ollama.url) as client:
        yield client


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    return SessionStore(tmp_path / "data")


def _conversation(model: str = "llama3.2:latest", prompt: str = "hello") -> Conversation:
    conversation = Conversation()
    conversation.settings.model = model
    add_user_message(conversation, prompt)
    return conversation


def _saved(store: SessionStore, conversation: Conversation) -> dict[str, Any]:
    saved: dict[str, Any] = json.loads(store.path_for(conversation.id).read_text())
    return saved


def _turn(
    client: OllamaClient,
    store: SessionStore,
    conversation: Conversation,
    *,
    events: list[StreamEvent] | None = None,
    problems: list[SaveProblem] | None = None,
    clock: Callable[[], float] | None = None,
) -> ChatTurn:
    kwargs: dict[str, Any] = {"clock": clock} if clock else {}
    return ChatTurn(
        client,
        ConversationSaver(store),
        conversation,
        on_event=(events if events is not None else []).append,
        on_save_problem=(problems if problems is not None else []).append,
        **kwargs,
    )


def test_first_prompt_titles_the_conversation() -> None:
    conversation = Conversation()
    add_user_message(conversation, "\n  Why is the sky blue?\nmore")
    add_user_message(conversation, "second")
    assert conversation.title == "Why is the sky blue?"
    assert conversation.messages[0].content == "\n  Why is the sky blue?\nmore"


def test_request_carries_settings_and_skips_failed_replies() -> None:
    conversation = _conversation(prompt="one")
    conversation.settings.system = "Be brief."
    conversation.settings.options = {"temperature": 0.2}
    conversation.settings.keep_alive = "10m"
    failed = Message.assistant("llama3.2:latest")
    failed.status = MessageStatus.ERROR
    conversation.messages.append(failed)
    partial = Message.assistant("llama3.2:latest")
    partial.content = "half"
    partial.status = MessageStatus.INTERRUPTED
    conversation.messages.append(partial)
    add_user_message(conversation, "two")
    body = build_chat_request(conversation).to_body(stream=True)
    assert body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "one"},
        {"role": "assistant", "content": "half"},
        {"role": "user", "content": "two"},
    ]
    assert body["options"] == {"temperature": 0.2}
    assert body["keep_alive"] == "10m"
    assert "format" not in body and "think" not in body


async def test_a_complete_reply_is_saved_with_model_status_and_stats(
    client: OllamaClient, store: SessionStore, fake_ollama: FakeOllama
) -> None:
    fake_ollama.script_reply(["Hi", " there"])
    conversation = _conversation()
    events: list[StreamEvent] = []
    outcome = await _turn(client, store, conversation, events=events).run()
    assert outcome.error is None
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["Hi", " there"]
    saved = _saved(store, conversation)["messages"][-1]
    assert saved["content"] == "Hi there"
    assert saved["model"] == "llama3.2:latest"
    assert saved["status"] == "complete"
    assert saved["stats"]["eval_count"] > 0


async def test_checkpoints_write_the_partial_reply_while_it_streams(
    client: OllamaClient, store: SessionStore, fake_ollama: FakeOllama
) -> None:
    hold = threading.Event()
    fake_ollama.script_reply(["one ", "two ", "three"], hold=hold, hold_after=2)
    conversation = _conversation()
    ticks = iter(range(0, 10_000, 3))  # every reading is 3 s after the last: always due
    turn = _turn(client, store, conversation, clock=lambda: float(next(ticks)))
    task = asyncio.create_task(turn.run())
    try:
        path = store.path_for(conversation.id)

        def partial_on_disk() -> bool:
            if not path.exists():
                return False
            last = json.loads(path.read_text())["messages"][-1]
            return bool(last.get("content") == "one two " and last.get("status") == "streaming")

        await fake_ollama.async_wait_for(partial_on_disk)
    finally:
        hold.set()
    await task
    assert _saved(store, conversation)["messages"][-1]["status"] == "complete"


async def test_cancelling_saves_interrupted_and_closes_the_connection(
    client: OllamaClient, store: SessionStore, fake_ollama: FakeOllama
) -> None:
    hold = threading.Event()
    fake_ollama.script_reply(["kept ", "lost"], hold=hold, hold_after=1)
    conversation = _conversation()
    events: list[StreamEvent] = []
    task = asyncio.create_task(_turn(client, store, conversation, events=events).run())
    try:
        await fake_ollama.async_wait_for(lambda: events)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await fake_ollama.async_disconnect_time("/api/chat")
    finally:
        hold.set()
    saved = _saved(store, conversation)["messages"][-1]
    assert saved["status"] == "interrupted"
    assert saved["content"] == "kept "


@pytest.mark.parametrize(
    ("end", "status"),
    [
        ("error", MessageStatus.ERROR),
        ("eof", MessageStatus.INCOMPLETE),
        ("disconnect", MessageStatus.ERROR),
    ],
)
async def test_a_broken_stream_keeps_the_partial_text_with_its_status(
    client: OllamaClient,
    store: SessionStore,
    fake_ollama: FakeOllama,
    end: str,
    status: MessageStatus,
) -> None:
    fake_ollama.script_reply(["partial"], end=end, error="runner crashed")  # type: ignore[arg-type]
    conversation = _conversation()
    outcome = await _turn(client, store, conversation).run()
    assert outcome.error is not None
    if end == "error":
        assert isinstance(outcome.error, StreamFailed)
        assert "runner crashed" in (outcome.message.error or "")
    saved = _saved(store, conversation)["messages"][-1]
    assert saved["content"] == "partial"
    assert saved["status"] == status.value
    assert saved["error"]


async def test_an_unknown_model_is_reported_as_such(
    client: OllamaClient, store: SessionStore
) -> None:
    conversation = _conversation(model="nope:latest")
    outcome = await _turn(client, store, conversation).run()
    assert isinstance(outcome.error, ModelNotFound)
    assert outcome.error.model == "nope:latest"
    assert outcome.message.status is MessageStatus.ERROR
    assert [m.role for m in conversation.messages] == [Role.USER, Role.ASSISTANT]


async def test_a_full_disk_is_reported_and_the_reply_is_kept_then_saved(
    client: OllamaClient,
    store: SessionStore,
    fake_ollama: FakeOllama,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    fake_ollama.script_reply(["all ", "of ", "it"])
    conversation = _conversation()
    problems: list[SaveProblem] = []
    monkeypatch.setattr(os, "fsync", no_space)
    outcome = await _turn(client, store, conversation, problems=problems).run()
    monkeypatch.undo()
    assert outcome.error is None
    assert problems and "disk is full" in problems[-1].message
    assert conversation.messages[-1].content == "all of it"
    assert not store.path_for(conversation.id).exists()
    # The next save, with room again, writes everything.
    assert await ConversationSaver(store).save(conversation) is None
    assert _saved(store, conversation)["messages"][-1]["content"] == "all of it"


async def test_a_stale_snapshot_never_lands_after_a_newer_one(store: SessionStore) -> None:
    saver = ConversationSaver(store)
    conversation = _conversation()
    slow = asyncio.create_task(saver.save(conversation))  # snapshot 1: one message
    conversation.messages.append(Message.user("later"))
    assert saver.save_blocking(conversation) is None  # snapshot 2 written first
    assert await slow is None
    assert len(_saved(store, conversation)["messages"]) == 2
