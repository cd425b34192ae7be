"""The status line, starting without a server, and a server that comes back."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from ollama_tui.config import HostConfig
from ollama_tui.domain.conversation import Conversation, Message, MessageStatus, Stats
from ollama_tui.ui.dialogs.model_picker import ModelPickerScreen
from tests.fake_ollama.server import FakeOllama
from tests.pilot import (
    MakeApp,
    ask,
    current_view,
    press_for,
    quit_app,
    ready,
    screen_text,
    session_file,
    wait_until,
)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


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


async def test_status_line_shows_host_version_and_state(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    fake_ollama.version = "0.12.3"
    app = make_app()
    async with app.run_test(size=(100, 24)) as pilot:
        await ready(app)
        await pilot.pause()
        line = screen_text(app).splitlines()[-1]
        host = fake_ollama.url.removeprefix("http://")
        assert host in line and "0.12.3" in line and "connected" in line


async def test_without_a_server_the_app_starts_explains_and_keeps_saved_chats(
    make_app: MakeApp, data_dir: Path
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
        view = current_view(app)
        assert view.conversation.id == saved.id
        assert "It is **4**." in view.transcript.shown[-1].content
        assert "It is 4." in text
        # Typing still works and the prompt is kept when the send fails.
        await ask(pilot, view, "still there?")
        assert view.conversation.messages[-1].status is MessageStatus.ERROR
        assert f"127.0.0.1:{port}" in (view.conversation.messages[-1].error or "")
        assert view.conversation.messages[-2].content == "still there?"
        await quit_app(pilot)
    assert app.return_code == 0


async def test_the_app_reconnects_and_ctrl_r_retries_the_failed_reply(
    make_app: MakeApp, data_dir: Path
) -> None:
    port = _closed_port()
    late = FakeOllama(port=port)
    app = make_app(host=f"127.0.0.1:{port}")
    try:
        async with app.run_test(size=(100, 24)) as pilot:
            await wait_until(lambda: app.server_status.state.value == "offline")
            view = current_view(app)
            view.set_model("llama3.2:latest")
            await ask(pilot, view, "hi")
            assert view.conversation.messages[-1].status is MessageStatus.ERROR
            late.start()
            await wait_until(lambda: app.server_status.state.value == "online", timeout=10)
            await pilot.press("ctrl+r")
            await wait_until(
                lambda: (
                    not view.is_streaming
                    and view.conversation.messages[-1].status is MessageStatus.COMPLETE
                )
            )
            assert [m.content for m in view.conversation.messages] == ["hi", "Echo: hi"]
            assert [m.content for m in view.transcript.shown] == ["hi", "Echo: hi"]
    finally:
        late.stop()


async def test_a_conversation_open_in_another_instance_is_read_only(
    make_app: MakeApp, data_dir: Path
) -> None:
    from ollama_tui.store import SessionStore

    saved = _save_conversation(data_dir)
    other_instance = SessionStore(data_dir)
    assert other_instance.load(saved.id).read_only_reason is None
    try:
        app = make_app()
        async with app.run_test(size=(100, 24)) as pilot:
            await wait_until(lambda: current_view(app).conversation.id == saved.id)
            await pilot.pause()
            view = current_view(app)
            assert view.read_only_reason and "another ollama-tui instance" in view.read_only_reason
            assert "Read-only:" in screen_text(app)
            assert "(read-only)" in str(app.tabs.get_tab(app.tabs.active).label)
            assert view.composer.disabled
            before = session_file(data_dir, saved.id).read_bytes()
            await quit_app(pilot)
        assert session_file(data_dir, saved.id).read_bytes() == before
    finally:
        other_instance.close()


async def test_a_long_conversation_mounts_only_its_end(make_app: MakeApp, data_dir: Path) -> None:
    from ollama_tui.store import SessionStore

    conversation = Conversation(title="Long")
    for n in range(60):
        conversation.messages.append(Message.user(f"question {n}"))
        reply = Message.assistant("llama3.2:latest")
        reply.content = f"answer {n}"
        reply.status = MessageStatus.COMPLETE
        conversation.messages.append(reply)
    store = SessionStore(data_dir)
    store.save(conversation)
    store.close()
    (data_dir / "workspace.json").write_text(json.dumps({"open_tabs": [conversation.id]}))
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(lambda: current_view(app).conversation.id == conversation.id)
        await pilot.pause()
        view = current_view(app)
        assert len(view.transcript.shown) == 20
        assert "answer 59" in screen_text(app)
        assert view.transcript.earlier_count == 100
        assert "↑ 100 earlier messages · Ctrl+Up shows more" in view.transcript.text_lines()[0]
        await pilot.press("ctrl+up")
        assert len(view.transcript.shown) == 40
        assert view.transcript.earlier_count == 80
        assert "answer 59" in screen_text(app)  # the view stays where it was


async def test_the_picker_says_at_once_that_the_server_cannot_be_reached(make_app: MakeApp) -> None:
    port = _closed_port()
    app = make_app(host=f"127.0.0.1:{port}")
    async with app.run_test(size=(100, 30)) as pilot:
        # Opened at once, while the first probe may still be under way: the picker learns
        # the outcome as soon as the app does.
        await press_for(pilot, "ctrl+l", ModelPickerScreen)
        await wait_until(
            lambda: f"Cannot reach Ollama at 127.0.0.1:{port}" in screen_text(app),
            timeout=3,
            message="the picker saying the server cannot be reached",
        )
        assert "models…" not in screen_text(app)  # not still waiting for them
        await pilot.press("escape")
        # Opened again once the app knows: said straight away.
        await wait_until(lambda: app.server_status.state.value == "offline")
        await press_for(pilot, "ctrl+l", ModelPickerScreen)
        await pilot.pause()
        text = screen_text(app)
        assert f"Cannot reach Ollama at 127.0.0.1:{port}" in text and "models…" not in text


async def test_the_picker_lists_the_hosts_that_answer_when_the_default_does_not(
    make_app: MakeApp, fake_ollama: FakeOllama
) -> None:
    port = _closed_port()
    app = make_app(host=f"127.0.0.1:{port}", other_hosts=(HostConfig("gpu", fake_ollama.url),))
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_until(lambda: app.server_status.state.value == "offline")
        await press_for(pilot, "ctrl+l", ModelPickerScreen)
        await wait_until(lambda: "llama3.2:latest" in screen_text(app), message="gpu's models")
        text = screen_text(app)
        heading = next(row for row in text.splitlines() if "── default" in row)
        assert "cannot be reached" in heading, text
        assert "── gpu" in text and "2 of 2 models" in text  # `auto`'s rows are not counted again
        await pilot.press(*"qwen", "down", "enter")  # `auto`'s row first, then gpu's
        await wait_until(lambda: not isinstance(app.screen, ModelPickerScreen))
        assert current_view(app).conversation.host_name == "gpu"


async def test_at_80_columns_the_status_line_keeps_the_context_figure_whole(
    make_app: MakeApp, data_dir: Path
) -> None:
    saved = _save_conversation(data_dir)
    saved.settings.options["num_ctx"] = 32
    saved.messages[-1].stats = Stats(prompt_eval_count=30, eval_count=1)
    session_file(data_dir, saved.id).write_text(json.dumps(saved.to_json_dict()))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app)
        await wait_until(lambda: "ctx" in screen_text(app).splitlines()[-1])
        await pilot.pause()
        line = screen_text(app).splitlines()[-1]
        # The version and "connected" give way (the ● says it); the figure stays whole.
        assert line.startswith(" ● 127.0.0.1:") and "Ollama" not in line
        assert "ctx 31/32 97% · full: the oldest turns are being cut" in line
        await pilot.resize_terminal(60, 24)
        await wait_until(lambda: "ctx 31/32 97% full" in screen_text(app).splitlines()[-1])
        # Wider, everything is said in full.
        await pilot.resize_terminal(160, 24)
        await wait_until(lambda: "oldest turns" in screen_text(app).splitlines()[-1])
        line = screen_text(app).splitlines()[-1]
        assert "Ollama 0.12.3 · connected · ctx 31/32 97% · full:" in line


async def test_at_80_columns_the_offline_advice_is_whole(make_app: MakeApp, data_dir: Path) -> None:
    port = _closed_port()
    app = make_app(host=f"127.0.0.1:{port}")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(lambda: app.server_status.state.value == "offline")
        await pilot.pause()
        line = screen_text(app).splitlines()[-1]
        assert f"127.0.0.1:{port} cannot be reached" in line
        assert "`ollama serve` or --host / OLLAMA_HOST" in line
