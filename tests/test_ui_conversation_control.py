"""Regenerate, edit, versions, copy, continue, structured replies, completions, images and the
context meter, driven with the keys a user presses."""

from __future__ import annotations

import base64
import json
import threading
from pathlib import Path
from typing import Any

from textual.widgets import Input, Select

from ollama_tui.domain.conversation import (
    Conversation,
    ConversationKind,
    Message,
    MessageStatus,
    Role,
)
from ollama_tui.store import SessionStore
from ollama_tui.ui.dialogs.attach_image import AttachImageDialog
from ollama_tui.ui.dialogs.settings import SettingsDialog
from ollama_tui.ui.screens.conversations import ConversationsScreen
from tests.fake_ollama.server import FakeOllama
from tests.pilot import (
    MakeApp,
    ask,
    current_view,
    drawn,
    last_reply,
    notified,
    press_for,
    ready,
    screen_text,
    session_file,
    wait_until,
)

SCHEMA = {"type": "object", "properties": {"age": {"type": "integer"}}, "required": ["age"]}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def saved(data_dir: Path, conversation_id: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(session_file(data_dir, conversation_id).read_text())
    return data


async def test_regenerate_keeps_the_old_reply_and_the_user_flips_between_them(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    fake_ollama.script_reply("First answer")
    fake_ollama.script_reply("Second answer")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        view = await ready(app)
        await ask(pilot, view, "question")
        await pilot.press("ctrl+r")
        await wait_until(
            lambda: (
                view.conversation.messages[-1].content == "Second answer" and not view.is_streaming
            )
        )
        reply = view.conversation.messages[-1]
        assert len(view.conversation.messages) == 2
        assert [[m.content for m in tail] for tail in reply.alternatives or []] == [
            ["First answer"]
        ]
        # The regenerated request is the history without the reply it replaces.
        body = fake_ollama.requests_to("/api/chat")[-1].body
        assert [m["content"] for m in body["messages"]] == ["question"]
        await pilot.pause()
        assert "version 2 of 2" in screen_text(app)
        on_disk = saved(data_dir, view.conversation.id)["messages"][-1]
        assert on_disk["content"] == "Second answer" and on_disk["version"] == 1
        assert on_disk["alternatives"][0][0]["content"] == "First answer"

        await pilot.press("shift+tab")
        await wait_until(lambda: view.transcript.has_focus)
        await pilot.press("left")
        await wait_until(lambda: view.conversation.messages[-1].content == "First answer")
        await pilot.pause()
        assert "version 1 of 2" in screen_text(app)
        assert "Second answer" not in screen_text(app)
        await wait_until(
            lambda: (
                saved(data_dir, view.conversation.id)["messages"][-1]["content"] == "First answer"
            )
        )
        await pilot.press("right")
        await wait_until(lambda: view.conversation.messages[-1].content == "Second answer")
        # Escape goes back to the prompt; the next question follows the version in use.
        await pilot.press("escape")
        await wait_until(lambda: view.composer.has_focus)
        await ask(pilot, view, "more")
        body = fake_ollama.requests_to("/api/chat")[-1].body
        assert [m["content"] for m in body["messages"]] == ["question", "Second answer", "more"]


async def test_editing_an_earlier_prompt_keeps_the_later_turns_as_a_version(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        view = await ready(app)
        await ask(pilot, view, "first")
        await ask(pilot, view, "second")
        await pilot.press("shift+tab")
        await wait_until(lambda: view.transcript.selected is not None)
        await pilot.press("up", "up", "up")  # from the last reply to the first prompt
        await wait_until(lambda: getattr(view.transcript.selected, "content", None) == "first")
        await pilot.press("e")
        await wait_until(lambda: view.composer.has_focus and view.composer.text == "first")
        assert "editing an earlier prompt" in screen_text(app)
        view.composer.clear()
        await pilot.press(*"changed", "enter")
        await wait_until(
            lambda: (
                view.conversation.messages[-1].content == "Echo: changed" and not view.is_streaming
            )
        )
        messages = view.conversation.messages
        assert [m.content for m in messages] == ["changed", "Echo: changed"]
        assert [m.content for m in (messages[0].alternatives or [])[0]] == [
            "first",
            "Echo: first",
            "second",
            "Echo: second",
        ]
        body = fake_ollama.requests_to("/api/chat")[-1].body
        assert [m["content"] for m in body["messages"]] == ["changed"]
        # Nothing was discarded: the file holds both versions.
        on_disk = saved(data_dir, view.conversation.id)
        assert len(on_disk["messages"]) == 2
        assert len(on_disk["messages"][0]["alternatives"][0]) == 4
        # Flip back to the first version from the edited prompt.
        await pilot.press("shift+tab", "up")
        await wait_until(lambda: getattr(view.transcript.selected, "role", None) is Role.USER)
        await pilot.press("left")
        await wait_until(lambda: len(view.conversation.messages) == 4)
        assert [m.content for m in view.conversation.messages][::2] == ["first", "second"]
        assert [m.content for m in view.transcript.shown][::2] == ["first", "second"]


async def test_escape_cancels_an_edit_and_nothing_changes(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        view = await ready(app)
        await ask(pilot, view, "only")
        await pilot.press("shift+tab", "up", "e")
        await wait_until(lambda: view.editing is not None)
        await pilot.press("escape")
        await wait_until(lambda: view.editing is None and view.composer.text == "")
        await ask(pilot, view, "next")
        assert [m.content for m in view.conversation.messages][::2] == ["only", "next"]
        assert view.conversation.messages[0].alternatives is None


async def test_copy_a_message_and_its_code_blocks_one_after_another(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    reply = "Two ways:\n\n```python\nprint(1)\n```\n\nor\n\n~~~sh\necho 2\n~~~\n"
    fake_ollama.script_reply(reply)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        view = await ready(app)
        await ask(pilot, view, "how?")
        await pilot.press("shift+tab", "c")
        await wait_until(lambda: app.clipboard == reply)
        await wait_until(lambda: notified(app, "Copied the message (11 lines) to the clipboard."))
        await pilot.press("b")
        await wait_until(lambda: app.clipboard == "print(1)")
        await wait_until(lambda: notified(app, "Copied python code block 1 of 2 (1 line)."))
        await pilot.press("b")
        await wait_until(lambda: app.clipboard == "echo 2")
        await pilot.press("b")
        await wait_until(lambda: app.clipboard == "print(1)")
        await pilot.press("up", "b")  # the prompt has no code
        await wait_until(lambda: notified(app, "This message has no code block."))


async def test_continue_carries_on_a_reply_cut_off_by_the_length_limit(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    fake_ollama.script_reply(["Once ", "upon"], done_reason="length")
    fake_ollama.script_reply([" a ", "time."])
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        view = await ready(app)
        reply = await ask(pilot, view, "tell a story")
        await pilot.pause()
        assert "cut off at the length limit" in screen_text(app)
        await pilot.press("shift+tab", "n")
        await wait_until(lambda: reply.content == "Once upon a time." and not view.is_streaming)
        assert view.conversation.messages[-1] is reply and len(view.conversation.messages) == 2
        assert reply.status is MessageStatus.COMPLETE and reply.done_reason == "stop"
        body = fake_ollama.requests_to("/api/chat")[-1].body
        assert body["messages"] == [
            {"role": "user", "content": "tell a story"},
            {"role": "assistant", "content": "Once upon"},
        ]
        await pilot.pause()
        assert "Once upon a time." in screen_text(app)
        assert [m.role for m in view.transcript.shown] == [Role.USER, Role.ASSISTANT]
    assert saved(data_dir, view.conversation.id)["messages"][-1]["content"] == "Once upon a time."


async def test_a_structured_reply_is_shown_indented_and_checked_against_its_schema(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    fake_ollama.script_reply(['{"age":', " 3}"])
    fake_ollama.script_reply('{"age": "three"}')
    fake_ollama.script_reply("not json at all")
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        view = await ready(app)
        view.conversation.settings.format = SCHEMA
        await ask(pilot, view, "how old?")
        first = last_reply(view)
        await pilot.pause()
        # Indented by us (the model wrote `{"age": 3}`) and checked.
        assert '"age": 3' in drawn(view, first)
        assert "✓ valid JSON, matches the schema" in drawn(view, first)
        await ask(pilot, view, "again")
        await ask(pilot, view, "once more")
        await pilot.pause()
        text = screen_text(app)
        assert '"age": 3' in text  # indented by us: the model wrote `{"age": 3}`
        assert "✓ valid JSON, matches the schema" in text
        assert "✕ 1 schema error: $.age: 'three' is not of type 'integer'" in text
        assert "✕ not valid JSON" in text
        assert body_format(fake_ollama) == SCHEMA
    on_disk = saved(data_dir, view.conversation.id)["messages"]
    assert on_disk[1]["format"] == SCHEMA and on_disk[1]["content"] == '{"age": 3}'


def body_format(fake_ollama: FakeOllama) -> object:
    return fake_ollama.requests_to("/api/chat")[-1].body["format"]


async def test_thinking_is_open_while_the_model_thinks_and_closes_when_the_answer_starts(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    hold = threading.Event()
    fake_ollama.script_reply(["The answer"], thinking=["weighing"], hold=hold, hold_after=1)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        view = await ready(app)
        await pilot.press(*"q", "enter")
        await wait_until(lambda: last_reply(view))
        reply = last_reply(view)
        await wait_until(lambda: "weighing" in screen_text(app))
        assert "weighing" in drawn(view, reply)
        hold.set()
        await wait_until(lambda: not view.is_streaming)
        # Folded once the answer has started: the header stays, the thinking goes.
        await wait_until(lambda: "The answer" in screen_text(app))
        assert "weighing" not in screen_text(app) and "Thinking" in drawn(view, reply)


async def test_a_completion_conversation_uses_generate_with_raw_suffix_and_continue(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    fake_ollama.script_reply(["def add(a, b):", "\n    return"], done_reason="length")
    fake_ollama.script_reply(" a + b")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(app)
        await pilot.press("ctrl+p", *"New completion")
        await wait_until(lambda: "New completion" in screen_text(app))
        await pilot.press("enter")
        await wait_until(
            lambda: (
                current_view(app).conversation.kind is ConversationKind.COMPLETION
                and current_view(app).conversation.settings.model
            )
        )
        view = current_view(app)
        await pilot.pause()
        assert "completion (raw)" in screen_text(app)
        reply = await ask(pilot, view, "# add two numbers\n")
        body = fake_ollama.requests_to("/api/generate")[-1].body
        assert body["prompt"] == "# add two numbers" and body["raw"] is True
        assert "system" not in body and "messages" not in body
        await pilot.press("shift+tab", "n")
        await wait_until(lambda: reply.content.endswith("a + b") and not view.is_streaming)
        body = fake_ollama.requests_to("/api/generate")[-1].body
        assert body["prompt"] == "# add two numbers" + "def add(a, b):\n    return"
        # Templated, with a suffix: system and template go along, raw does not.
        dialog = await press_for(pilot, "f4", SettingsDialog)
        dialog.query_one("#raw", Select).value = "off"
        dialog.query_one("#suffix", Input).value = "\nprint(add(1, 2))"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_until(lambda: not isinstance(app.screen, SettingsDialog))
        await ask(pilot, view, "def sub(a, b):")
        body = fake_ollama.requests_to("/api/generate")[-1].body
        assert body["suffix"] == "\nprint(add(1, 2))" and "raw" not in body
        assert body["prompt"] == "def sub(a, b):"
    on_disk = saved(data_dir, view.conversation.id)
    assert on_disk["kind"] == "completion"
    assert on_disk["settings"]["suffix"] == "\nprint(add(1, 2))"


async def test_an_image_is_attached_by_path_sent_as_base64_and_saved(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path, tmp_path: Path
) -> None:
    (tmp_path / "cat.png").write_bytes(PNG)
    # Any other file is attached as text now; a binary one that is no image is refused.
    (tmp_path / "notes.bin").write_bytes(b"\x00\x01not an image")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        view = await ready(app)
        # Long temporary paths are set rather than typed key by key (slow); the keys that
        # matter (completion, Enter) are pressed.
        dialog = await press_for(pilot, "ctrl+t", AttachImageDialog)
        dialog.query_one(Input).value = str(tmp_path / "notes.bin")
        await pilot.press("enter")
        await wait_until(lambda: notified(app, "notes.bin is binary (it holds NUL bytes)"))
        # Nothing was taken: the dialog is back, holding the refused path to be changed.
        await wait_until(lambda: isinstance(app.screen, AttachImageDialog) and app.screen != dialog)
        again = app.screen
        assert isinstance(again, AttachImageDialog)
        field = again.query_one(Input)
        assert field.value == str(tmp_path / "notes.bin")
        field.value = str(tmp_path / "c")
        await pilot.press("end", "a", "tab")  # completes to cat.png
        await wait_until(lambda: field.value == str(tmp_path / "cat.png"))
        await pilot.press("enter")
        await wait_until(lambda: view.attachments)
        await pilot.pause()
        assert "Images: cat.png" in screen_text(app)
        await wait_until(lambda: notified(app, "Attached cat.png (PNG, 72 B);"))
        await ask(pilot, view, "what is this?")
        body = fake_ollama.requests_to("/api/chat")[-1].body
        assert body["messages"][-1]["images"] == [base64.b64encode(PNG).decode()]
        await pilot.pause()
        assert "Attached: cat.png" in screen_text(app)
        assert not view.attachments
    prompt = saved(data_dir, view.conversation.id)["messages"][0]
    assert prompt["attachments"] == ["cat.png"]
    assert prompt["images"] == [base64.b64encode(PNG).decode()]


async def test_the_context_meter_shows_tokens_against_the_context_size(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    fake_ollama.script_reply(["a", "b", "c", "d"])  # 26 prompt tokens + 4
    fake_ollama.script_reply(["e"])
    app = make_app()
    async with app.run_test(size=(140, 30)) as pilot:
        view = await ready(app)
        await ask(pilot, view, "hi")
        await wait_until(lambda: "ctx 30/131,072 (model max)" in screen_text(app))
        view.conversation.settings.options["num_ctx"] = 32
        await ask(pilot, view, "again")
        await wait_until(lambda: "ctx 27/32 84% · nearly full" in screen_text(app))


async def test_settings_saved_as_default_start_new_conversations(
    make_app: MakeApp, fake_ollama: FakeOllama, data_dir: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 50)) as pilot:
        await ready(app)
        dialog = await press_for(pilot, "f4", SettingsDialog)
        dialog.query_one("#temperature", Input).value = "0.2"
        await pilot.pause()
        await pilot.press("ctrl+d")
        await wait_until(lambda: not isinstance(app.screen, SettingsDialog))
        await pilot.press("ctrl+n")
        await wait_until(
            lambda: len(app.chat_views()) == 2 and current_view(app) is app.chat_views()[-1]
        )
        view = current_view(app)
        assert view.conversation.settings.options == {"temperature": 0.2}
        await ask(pilot, view, "hi")
        assert fake_ollama.requests_to("/api/chat")[-1].body["options"] == {"temperature": 0.2}
    state = json.loads((data_dir / "workspace.json").read_text())
    assert state["conversation_defaults"]["options"] == {"temperature": 0.2}


async def test_a_reply_that_is_not_valid_json_is_shown_as_written_with_its_line_numbers(
    make_app: MakeApp, data_dir: Path
) -> None:
    written = '{\n  "name": "Ada",\n  "age": 36,\n  "tags": ["a", "b"]\n  "city": "London"\n}'
    conversation = Conversation(title="as json")
    conversation.settings.model = "llama3.2:latest"
    conversation.settings.format = "json"
    conversation.messages.append(Message.user("who?"))
    reply = Message.assistant("llama3.2:latest")
    reply.content, reply.format, reply.status = written, "json", MessageStatus.COMPLETE
    conversation.messages.append(reply)
    store = SessionStore(data_dir)
    store.save(conversation)
    store.close()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app)
        await press_for(pilot, "ctrl+o", ConversationsScreen)
        await pilot.press(*"as json", "enter")
        await wait_until(lambda: current_view(app).conversation.id == conversation.id)
        await pilot.pause()
        rows = screen_text(app).splitlines()
        assert any("line 5 column 3" in row for row in rows)  # the parser's own words
        numbered = {row.split()[0]: row for row in rows if row.split() and row.split()[0].isdigit()}
        assert '"city": "London"' in numbered["5"]
        assert '"tags": ["a", "b"]' in numbered["4"]
        assert numbered["6"].split()[1] == "}"
