"""Tool calls in the app, driven by keys: approve, deny, allow for the conversation, auto-approve,
stop mid-tool, open a reply's calls; the screen and the session file are checked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ollama_tui.ui.app import OllamaTuiApp
from ollama_tui.ui.chat.chat_view import ChatView
from ollama_tui.ui.dialogs.tool_approval import ToolApprovalDialog
from tests.fake_ollama.script import tool_call
from tests.fake_ollama.server import FakeOllama
from tests.pilot import ready, screen_text, session_file, wait_until


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "notes.txt").write_text("the launch code is plum\n")
    return folder.resolve()


def tools_app(make_app: Any, root: Path, tools: list[str], **overrides: Any) -> OllamaTuiApp:
    """The app as a config with `[defaults] tools = [...]` and `tool_roots` starts it."""
    app: OllamaTuiApp = make_app(
        conversation_defaults={"tools": tools}, tool_roots=(root,), **overrides
    )
    return app


async def send(pilot: Any, prompt: str) -> None:
    await pilot.press(*prompt, "enter")


async def approval(app: OllamaTuiApp) -> ToolApprovalDialog:
    await wait_until(lambda: isinstance(app.screen, ToolApprovalDialog), message="the approval")
    screen = app.screen
    assert isinstance(screen, ToolApprovalDialog)
    await wait_until(lambda: screen.is_mounted and screen.query("#approval-arguments"))
    return screen


async def settled(view: ChatView) -> None:
    await wait_until(lambda: not view.is_streaming, timeout=10, message="the turn to end")


def saved(data_dir: Path, view: ChatView) -> list[dict[str, Any]]:
    data = json.loads(session_file(data_dir, view.conversation.id).read_text())
    messages: list[dict[str, Any]] = data["messages"]
    return messages


async def test_an_approved_call_asks_with_its_arguments_runs_and_shows_its_block(
    make_app: Any, fake_ollama: FakeOllama, data_dir: Path, root: Path
) -> None:
    fake_ollama.script_reply(
        "Let me read it.", tool_calls=[tool_call("read_file", {"path": "notes.txt"}, "call_1")]
    )
    fake_ollama.script_reply("The code is plum.")
    app = tools_app(make_app, root, ["read_file"])
    async with app.run_test(size=(100, 32)) as pilot:
        view = await ready(app)
        await send(pilot, "what is in notes.txt?")
        await approval(app)
        text = screen_text(app)
        assert "Run read_file (built-in)?" in text
        assert "Asked in what is in notes.txt?" in text  # another tab may be the one asking
        assert '"path": "notes.txt"' in text
        assert "y: allow once" in text
        await pilot.press("y")
        await settled(view)
        await wait_until(lambda: "The code is plum." in screen_text(app), message="the answer")
        assert 'read_file path="notes.txt" · allowed once' in screen_text(app)
    messages = saved(data_dir, view)
    assert [m["role"] for m in messages] == ["user", "assistant", "tool", "assistant"]
    assert messages[1]["tool_calls"][0]["function"]["name"] == "read_file"
    assert messages[2]["content"] == "the launch code is plum\n"
    assert messages[2]["approval"] == "once"
    assert messages[2]["tool_call_id"] == "call_1"


async def test_r_denies_with_a_reason_and_the_command_never_runs(
    make_app: Any, fake_ollama: FakeOllama, data_dir: Path, root: Path
) -> None:
    fake_ollama.script_reply("", tool_calls=[tool_call("run_command", {"command": "touch ran"})])
    fake_ollama.script_reply("Understood, I will not.")
    app = tools_app(make_app, root, ["run_command"])
    async with app.run_test(size=(100, 32)) as pilot:
        view = await ready(app)
        await send(pilot, "make a file")
        await approval(app)
        text = screen_text(app)
        assert "Command" in text and "touch ran" in text
        assert f"In {root}" in text
        await pilot.press("r", *"not on my disk", "enter")
        await settled(view)
        await pilot.pause()
        assert 'run_command command="touch ran" · denied' in screen_text(app)
    assert not (root / "ran").exists()
    tool = saved(data_dir, view)[2]
    assert tool["approval"] == "denied"
    assert "duration_ms" not in tool
    assert (
        tool["content"] == "The user denied this call; it did not run. Their reason: not on my disk"
    )
    sent = fake_ollama.requests_to("/api/chat")[1].body["messages"][-1]
    assert sent["role"] == "tool" and "not on my disk" in sent["content"]


async def test_the_reason_field_shows_where_it_is_and_which_keys_work_now(
    make_app: Any, fake_ollama: FakeOllama, root: Path
) -> None:
    fake_ollama.script_reply("", tool_calls=[tool_call("run_command", {"command": "touch ran"})])
    fake_ollama.script_reply("Understood, I will not.")
    app = tools_app(make_app, root, ["run_command"])
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app)
        await send(pilot, "make a file")
        await approval(app)
        assert "y: allow once" in screen_text(app)
        await pilot.press("r", *"not now")
        text = screen_text(app)
        # Typed, the reason was bare text under the details, and the hint still offered
        # y, a and n, which are letters of the reason now.
        assert "▊ not now" in text, text
        assert "y: allow once" not in text, text
        assert "Enter: deny with this reason · Esc: deny without one" in text, text
        await pilot.press("enter")
        await wait_until(lambda: not isinstance(app.screen, ToolApprovalDialog))
    assert not (root / "ran").exists()


async def test_escape_in_the_dialog_denies_and_the_turn_goes_on(
    make_app: Any, fake_ollama: FakeOllama, data_dir: Path, root: Path
) -> None:
    fake_ollama.script_reply("", tool_calls=[tool_call("run_command", {"command": "touch ran"})])
    fake_ollama.script_reply("", tool_calls=[tool_call("read_file", {"path": "notes.txt"})])
    fake_ollama.script_reply("Read it instead.")
    app = tools_app(make_app, root, ["run_command", "read_file"])
    async with app.run_test(size=(100, 32)) as pilot:
        view = await ready(app)
        await send(pilot, "go")
        await approval(app)
        await pilot.press("escape")
        # The call after a denial is asked about in its turn.
        dialog = await approval(app)
        assert dialog.request.tool.name == "read_file"
        await pilot.press("y")
        await settled(view)
    assert not (root / "ran").exists()
    approvals = [m.get("approval") for m in saved(data_dir, view) if m["role"] == "tool"]
    assert approvals == ["denied", "once"]


async def test_a_allows_the_tool_for_the_rest_of_the_conversation(
    make_app: Any, fake_ollama: FakeOllama, data_dir: Path, root: Path
) -> None:
    for _ in range(3):
        fake_ollama.script_reply("", tool_calls=[tool_call("read_file", {"path": "notes.txt"})])
    fake_ollama.script_reply("Read three times.")
    app = tools_app(make_app, root, ["read_file"])
    async with app.run_test(size=(100, 32)) as pilot:
        view = await ready(app)
        await send(pilot, "read it thrice")
        await approval(app)
        await pilot.press("a")
        await settled(view)
        assert not isinstance(app.screen, ToolApprovalDialog)
        assert screen_text(app).count("allowed for this conversation") == 3
    approvals = [m.get("approval") for m in saved(data_dir, view) if m["role"] == "tool"]
    assert approvals == ["conversation"] * 3


async def test_auto_approve_runs_read_only_tools_without_asking(
    make_app: Any, fake_ollama: FakeOllama, data_dir: Path, root: Path
) -> None:
    fake_ollama.script_reply("", tool_calls=[tool_call("list_directory", {"path": "."})])
    fake_ollama.script_reply("One file.")
    app = tools_app(make_app, root, ["list_directory"], auto_approve=frozenset({"list_directory"}))
    async with app.run_test(size=(100, 32)) as pilot:
        view = await ready(app)
        await send(pilot, "what is here?")
        await settled(view)
        await pilot.pause()
        assert 'list_directory path="." · auto-approved' in screen_text(app)
    tool = saved(data_dir, view)[2]
    assert tool["approval"] == "auto" and tool["content"] == "notes.txt"


async def test_escape_mid_tool_stops_the_command_and_keeps_the_call(
    make_app: Any, fake_ollama: FakeOllama, data_dir: Path, root: Path
) -> None:
    fake_ollama.script_reply(
        "Waiting.", tool_calls=[tool_call("run_command", {"command": "sleep 30; touch late"})]
    )
    app = tools_app(make_app, root, ["run_command"])
    async with app.run_test(size=(100, 32)) as pilot:
        view = await ready(app)
        await send(pilot, "wait")
        await approval(app)
        await pilot.press("y")
        await wait_until(lambda: "running… (Esc stops)" in screen_text(app), message="running")
        await pilot.press("escape")
        await wait_until(lambda: not view.is_streaming, timeout=5, message="the stop")
        await pilot.pause()
        assert "allowed once · " in screen_text(app)
    messages = saved(data_dir, view)
    assert [m["role"] for m in messages] == ["user", "assistant", "tool"]
    assert messages[1]["content"] == "Waiting."
    assert messages[2]["content"] == "The user stopped this call before it finished."
    assert messages[2]["duration_ms"] < 5000
    assert len(fake_ollama.requests_to("/api/chat")) == 1


async def test_enter_on_a_selected_reply_opens_its_calls(
    make_app: Any, fake_ollama: FakeOllama, root: Path
) -> None:
    fake_ollama.script_reply("", tool_calls=[tool_call("read_file", {"path": "notes.txt"})])
    fake_ollama.script_reply("Plum.")
    app = tools_app(make_app, root, ["read_file"], auto_approve=frozenset({"read_file"}))
    async with app.run_test(size=(100, 40)) as pilot:
        view = await ready(app)
        await send(pilot, "read")
        await settled(view)
        assert "the launch code is plum" not in screen_text(app)
        await pilot.press("shift+tab", "up")
        await pilot.press("enter")
        await wait_until(lambda: "the launch code is plum" in screen_text(app), message="open")
        text = screen_text(app)
        assert "arguments:" in text and '"path": "notes.txt"' in text
        await pilot.press("enter")
        await wait_until(lambda: "the launch code is plum" not in screen_text(app))


async def test_f4_ticks_a_tool_for_the_conversation(
    make_app: Any, fake_ollama: FakeOllama, root: Path
) -> None:
    app = make_app(tool_roots=(root,))
    async with app.run_test(size=(100, 40)) as pilot:
        view = await ready(app)
        await pilot.press("f4")
        await wait_until(lambda: app.screen.query("#tools"), message="the settings")
        tools = app.screen.query_one("#tools")
        while not tools.has_focus:
            await pilot.press("tab")
        await pilot.press("space")  # read_file, the first
        await pilot.press("ctrl+s")
        await wait_until(lambda: not app.screen.query("#tools"), message="settings closed")
        await send(pilot, "hello")
        await settled(view)
    body = fake_ollama.requests_to("/api/chat")[-1].body
    assert [tool["function"]["name"] for tool in body["tools"]] == ["read_file"]
    assert view.conversation.settings.tools == ["read_file"]


@pytest.mark.parametrize("version", ["0.12.3", "0.30.1"])
async def test_the_picker_and_f3_mark_models_that_call_tools(
    make_app: Any, fake_ollama: FakeOllama, version: str
) -> None:
    from ollama_tui.ui.dialogs.model_picker import ModelPickerScreen
    from ollama_tui.ui.screens.models import ModelsScreen
    from tests.pilot import press_for

    fake_ollama.version = version
    fake_ollama.models = []
    # Servers from 0.30 list capabilities; before, only /api/show says them.
    key = "capabilities" if version == "0.30.1" else "_show_capabilities"
    fake_ollama.add_model("caller:7b", **{key: ["completion", "tools"]})
    fake_ollama.add_model("plain:1b", **{key: ["completion"]})
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await ready(app)
        await press_for(pilot, "ctrl+l", ModelPickerScreen)

        def rows() -> list[str]:
            return [line for line in screen_text(app).splitlines() if "Q4_K_M" in line]

        await wait_until(lambda: any("tools" in row for row in rows()), message="the mark")
        (caller,) = (row for row in rows() if "caller:7b" in row)
        (plain_row,) = (row for row in rows() if "plain:1b" in row)
        assert "tools" in caller and "tools" not in plain_row
        await pilot.press("escape")
        await press_for(pilot, "f3", ModelsScreen)
        await wait_until(lambda: "caller:7b" in screen_text(app), message="the table")
        text = screen_text(app)
        assert "Tools" in text
        (caller,) = (line for line in text.splitlines() if "caller:7b" in line)
        (plain_row,) = (line for line in text.splitlines() if "plain:1b" in line)
        assert " yes " in caller and " yes " not in plain_row
    if version == "0.12.3":
        # Before 0.30 the list does not say what a model can do: /api/show is asked.
        shows = {r.body["model"] for r in fake_ollama.requests_to("/api/show") if r.body}
        assert shows == {"caller:7b", "plain:1b"}


async def test_the_round_limit_stops_the_turn_and_says_so(
    make_app: Any, fake_ollama: FakeOllama, data_dir: Path, root: Path
) -> None:
    from tests.pilot import notified

    for _ in range(3):
        fake_ollama.script_reply("", tool_calls=[tool_call("read_file", {"path": "notes.txt"})])
    app = tools_app(
        make_app, root, ["read_file"], auto_approve=frozenset({"read_file"}), tool_rounds=1
    )
    async with app.run_test(size=(100, 32)) as pilot:
        view = await ready(app)
        await send(pilot, "loop forever")
        await settled(view)
        await wait_until(lambda: notified(app, "Stopped after 1 round of tool calls"))
    assert len(fake_ollama.requests_to("/api/chat")) == 2
    last = saved(data_dir, view)[-1]
    assert last["role"] == "tool"
    assert last["content"].startswith("Not run: this turn reached its limit of 1 round")
