"""Tool calls in the storage contract: added fields (version stays 1), read back as written,
files without them unchanged, an export that shows each call and its result."""

from __future__ import annotations

import json
from pathlib import Path

from ollama_tui.domain.conversation import Approval, Conversation, Message, MessageStatus
from ollama_tui.services.chat_turn import build_chat_request
from ollama_tui.services.library import export_markdown
from ollama_tui.store import SessionStore


def conversation_with_calls() -> Conversation:
    conversation = Conversation(title="Notes")
    conversation.settings.model = "llama3.2"
    conversation.messages.append(Message.user("read my notes"))
    reply = Message.assistant("llama3.2")
    reply.status = MessageStatus.COMPLETE
    reply.tool_calls = [
        {"id": "call_1", "function": {"name": "read_file", "arguments": {"path": "n.txt"}}},
        {"function": {"name": "run_command", "arguments": '{"command": "rm'}},
    ]
    conversation.messages += [
        reply,
        Message.tool(
            "plum ``` fence",
            tool_name="read_file",
            tool_call_id="call_1",
            approval=Approval.ONCE,
            duration_ms=7,
        ),
        Message.tool(
            "The user denied this call; it did not run.",
            tool_name="run_command",
            tool_call_id=None,
            approval=Approval.DENIED,
            duration_ms=None,
        ),
    ]
    answer = Message.assistant("llama3.2")
    answer.content = "It says plum."
    answer.status = MessageStatus.COMPLETE
    conversation.messages.append(answer)
    return conversation


def test_the_fields_are_saved_and_read_back_version_one(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    conversation = conversation_with_calls()
    store.save(conversation)
    data = json.loads(store.path_for(conversation.id).read_text())
    assert data["version"] == 1
    user, reply, read, denied, answer = data["messages"]
    assert reply["tool_calls"][0]["function"]["arguments"] == {"path": "n.txt"}
    assert read == {
        "id": read["id"],
        "role": "tool",
        "content": "plum ``` fence",
        "created_at": read["created_at"],
        "tool_name": "read_file",
        "tool_call_id": "call_1",
        "approval": "once",
        "duration_ms": 7,
    }
    assert "duration_ms" not in denied and "tool_call_id" not in denied
    for message in (user, answer):
        assert not {"tool_calls", "tool_name", "approval", "duration_ms"} & set(message)
    again = store.read(conversation.id)
    assert again.messages[2].approval == "once"
    assert again.messages[1].tool_calls == reply["tool_calls"]


def test_the_history_sends_calls_and_results_with_object_arguments() -> None:
    request = build_chat_request(conversation_with_calls())
    sent = request.messages
    assert [m["role"] for m in sent] == ["user", "assistant", "tool", "tool", "assistant"]
    assert sent[1]["content"] == ""
    assert sent[1]["tool_calls"][1]["function"]["arguments"] == {}  # not JSON: sent as {}
    assert sent[2] == {
        "role": "tool",
        "content": "plum ``` fence",
        "tool_name": "read_file",
        "tool_call_id": "call_1",
    }
    assert "tool_call_id" not in sent[3]


def test_markdown_export_shows_each_call_and_its_result() -> None:
    text = export_markdown(conversation_with_calls())
    assert "**Tool call:** `read_file`" in text
    assert '"path": "n.txt"' in text
    assert "## Tool read_file · once · 7 ms" in text
    assert "## Tool run_command · denied" in text
    # A result holding a fence is fenced with a longer one, so it stays whole.
    assert "````\nplum ``` fence\n````" in text


def test_a_file_written_before_tools_loads_and_asks_without_them(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    old = {
        "schema": "ollama-tui/session",
        "version": 1,
        "id": "01JD3X5Q8M5K2R7T9V0W1Y2Z3A",
        "title": "Why is the sky blue?",
        "created_at": "2026-11-24T18:15:00.123456+00:00",
        "updated_at": "2026-11-24T18:16:02.551210+00:00",
        "settings": {"model": "llama3.1:8b", "options": {}},
        "messages": [
            {"id": "a", "role": "user", "content": "Why?", "created_at": "2026-11-24T18:15:00Z"},
            {"id": "b", "role": "assistant", "content": "Rayleigh.", "model": "llama3.1:8b",
             "created_at": "2026-11-24T18:16:00Z", "status": "complete"},
        ],
    }  # fmt: skip
    store.sessions_dir.mkdir(parents=True, exist_ok=True)
    store.path_for(str(old["id"])).write_text(json.dumps(old))
    conversation = store.read(str(old["id"]))
    assert conversation.settings.tools is None
    assert all(m.tool_calls is None and m.approval is None for m in conversation.messages)
    request = build_chat_request(conversation)
    assert request.tools is None
    assert request.messages == [
        {"role": "user", "content": "Why?"},
        {"role": "assistant", "content": "Rayleigh."},
    ]
