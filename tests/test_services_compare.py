"""A comparison against the fake server and a real store: the replies of several models to
one prompt, written at once, each in the session file as it streams, one kept."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from ollama_tui.api.client import OllamaClient
from ollama_tui.domain.conversation import Conversation, MessageStatus
from ollama_tui.domain.events import StreamDone, StreamEvent, TextDelta
from ollama_tui.domain.versions import switch_version
from ollama_tui.services.chat_turn import add_user_message
from ollama_tui.services.compare import CompareTarget, Comparison
from ollama_tui.services.saver import ConversationSaver
from ollama_tui.store import SessionStore
from tests.fake_ollama.server import FakeOllama

LLAMA, QWEN = "llama3.2:latest", "qwen2.5:0.5b"


@pytest.fixture
async def client(fake_ollama: FakeOllama) -> AsyncIterator[OllamaClient]:
    async with OllamaClient(fake_ollama.url) as client:
        yield client


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    return SessionStore(tmp_path / "data")


def _conversation() -> Conversation:
    conversation = Conversation()
    conversation.settings.model = LLAMA
    conversation.settings.system = "Be brief."
    conversation.settings.options = {"temperature": 0.2}
    add_user_message(conversation, "Why is the sky blue?")
    return conversation


def _comparison(
    client: OllamaClient,
    store: SessionStore,
    conversation: Conversation,
    models: list[str],
    events: list[tuple[int, StreamEvent]],
) -> Comparison:
    return Comparison(
        [CompareTarget(model, "default", client) for model in models],
        ConversationSaver(store),
        conversation,
        on_event=lambda column, event: events.append((column, event)),
        on_save_problem=lambda problem: None,
    )


def _saved(store: SessionStore, conversation: Conversation) -> dict[str, Any]:
    saved: dict[str, Any] = json.loads(store.path_for(conversation.id).read_text())
    return saved


async def test_replies_stream_at_once_with_the_same_history_and_settings(
    client: OllamaClient, store: SessionStore, fake_ollama: FakeOllama
) -> None:
    fake_ollama.model_speeds.update({LLAMA: 100, QWEN: 100})
    fake_ollama.script_reply(["Rayleigh ", "scattering."])
    fake_ollama.script_reply(["Short ", "waves ", "scatter."])
    events: list[tuple[int, StreamEvent]] = []
    conversation = _conversation()
    comparison = _comparison(client, store, conversation, [LLAMA, QWEN], events)
    outcomes = await comparison.run()
    assert all(outcome is not None and outcome.error is None for outcome in outcomes)
    assert fake_ollama.most_at_once == 2  # both written at the same time
    columns = [column for column, event in events if isinstance(event, TextDelta)]
    assert columns != sorted(columns)  # interleaved, not one after the other
    bodies = [request.body for request in fake_ollama.requests_to("/api/chat")]
    assert sorted(body["model"] for body in bodies) == [LLAMA, QWEN]
    for body in bodies:
        assert body["messages"] == bodies[0]["messages"]
        assert body["messages"][0] == {"role": "system", "content": "Be brief."}
        assert body["options"] == {"temperature": 0.2}
    assert {column for column, event in events if isinstance(event, StreamDone)} == {0, 1}
    # In the file: the first column is the turn, the other its version, each with its model
    # and what that column streamed (the fake server answers requests in the order they
    # arrive, so which column got which script is not fixed).
    streamed = ["", ""]
    for column, event in events:
        if isinstance(event, TextDelta):
            streamed[column] += event.text
    assert sorted(streamed) == ["Rayleigh scattering.", "Short waves scatter."]
    reply = _saved(store, conversation)["messages"][-1]
    assert reply["model"] == LLAMA and reply["version"] == 0
    assert reply["content"] == streamed[0]
    (other,) = reply["alternatives"]
    assert other[0]["model"] == QWEN and other[0]["content"] == streamed[1]


async def test_choosing_a_column_keeps_the_others_as_versions(
    client: OllamaClient, store: SessionStore, fake_ollama: FakeOllama
) -> None:
    for text in ("one", "two", "three"):
        fake_ollama.script_reply(text)
    fake_ollama.add_model("gemma3:1b")
    conversation = _conversation()
    comparison = _comparison(client, store, conversation, [LLAMA, QWEN, "gemma3:1b"], [])
    await comparison.run()
    kept = comparison.choose(1)
    assert kept.model == QWEN and conversation.messages[-1] is kept
    await ConversationSaver(store).save(conversation)
    reply = _saved(store, conversation)["messages"][-1]
    assert reply["model"] == QWEN and reply["version"] == 1
    assert [tail[0]["model"] for tail in reply["alternatives"]] == [LLAMA, "gemma3:1b"]
    flipped = switch_version(conversation.messages, comparison.index, 0)
    assert flipped[0].model == LLAMA  # flipping shows the others, in the columns' order


async def test_a_missing_model_fails_in_its_column_only(
    client: OllamaClient, store: SessionStore, fake_ollama: FakeOllama
) -> None:
    conversation = _conversation()
    comparison = _comparison(client, store, conversation, ["missing:7b", LLAMA], [])
    first, second = await comparison.run()
    assert first is not None and first.error is not None and "not found" in first.error.message
    assert second is not None and second.error is None
    assert comparison.messages[0].status is MessageStatus.ERROR
    assert comparison.messages[1].status is MessageStatus.COMPLETE


async def test_one_column_stops_and_the_others_go_on(
    client: OllamaClient, store: SessionStore, fake_ollama: FakeOllama
) -> None:
    hold = threading.Event()
    fake_ollama.script_reply(["slow ", "reply"], hold=hold, hold_after=1)
    fake_ollama.script_reply(["the ", "other"], hold=hold, hold_after=1)
    conversation = _conversation()
    events: list[tuple[int, StreamEvent]] = []
    comparison = _comparison(client, store, conversation, [LLAMA, QWEN], events)
    running = asyncio.ensure_future(comparison.run())
    await fake_ollama.async_wait_for(lambda: len(events) == 2)  # a first word in each
    comparison.stop(0)
    requests = fake_ollama.requests_to("/api/chat")
    await fake_ollama.async_wait_for(lambda: any(r.disconnected_at for r in requests))
    hold.set()
    first, second = await running
    assert first is None and second is not None and second.error is None
    assert comparison.messages[0].status is MessageStatus.INTERRUPTED
    saved = _saved(store, conversation)["messages"][-1]
    assert saved["status"] == "interrupted"
    assert saved["alternatives"][0][0]["status"] == "complete"


async def test_stopping_all_keeps_what_each_wrote(
    client: OllamaClient, store: SessionStore, fake_ollama: FakeOllama
) -> None:
    hold = threading.Event()
    fake_ollama.script_reply(["a ", "b"], hold=hold, hold_after=1)
    fake_ollama.script_reply(["c ", "d"], hold=hold, hold_after=1)
    conversation = _conversation()
    events: list[tuple[int, StreamEvent]] = []
    comparison = _comparison(client, store, conversation, [LLAMA, QWEN], events)
    running = asyncio.ensure_future(comparison.run())
    await fake_ollama.async_wait_for(lambda: len(events) == 2)
    comparison.stop_all()
    assert await running == [None, None]
    hold.set()
    saved = _saved(store, conversation)["messages"][-1]
    other = saved["alternatives"][0][0]
    assert saved["status"] == other["status"] == "interrupted"
    # The fake server hands its scripted replies out in the order the requests reach it, and
    # the two columns' requests race: each column keeps the first word of whichever it got.
    assert sorted([saved["content"], other["content"]]) == ["a ", "c "]
    assert [saved["model"], other["model"]] == [LLAMA, QWEN]


def test_two_to_four_models(client: OllamaClient, store: SessionStore) -> None:
    with pytest.raises(ValueError, match="2 to 4"):
        _comparison(client, store, _conversation(), [LLAMA], [])
