"""The tools as a new user meets them: a config naming one MCP server and the built-in file
tools, a tool-capable model (the fake server's script) asked to read a file and run a command.
Both ask first with their exact arguments; the denied one does not run; the allowed one's
result is in the reply's block and in the session file; searching a word of it finds the
conversation; quitting stops the MCP server's process."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from ollama_tui.cli import build_app, build_parser, settings_from_args
from ollama_tui.ui.dialogs.tool_approval import ToolApprovalDialog
from ollama_tui.ui.screens.conversations import ConversationsScreen
from tests.fake_ollama.script import tool_call
from tests.fake_ollama.server import FakeOllama
from tests.pilot import (
    press_for,
    quit_app,
    ready,
    screen_text,
    session_file,
    wait_until,
)
from tests.test_mcp import SERVER, START, process_gone

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX process checks")


async def test_read_a_file_run_a_command_deny_one_find_the_result_and_quit(
    fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    root = tmp_path / "project"
    root.mkdir()
    (root / "notes.txt").write_text("the launch code is marmalade\n")
    config, data_dir = tmp_path / "config.toml", tmp_path / "data"
    config.write_text(
        f"tool_roots = [{json.dumps(str(root))}]\n"
        "[mcp.t]\n"
        f"command = {json.dumps(sys.executable)}\n"
        f"args = [{json.dumps(SERVER)}, 'stdio']\n"
        f"start_timeout = {START}\n"
        f"env = {{ MCP_TEST_LOG = {json.dumps(str(tmp_path / 'mcp.log'))} }}\n"
        "[defaults]\n"
        'tools = ["read_file", "run_command", "t.*"]\n',
        encoding="utf-8",
    )
    fake_ollama.script_reply(
        "Let me look.",
        tool_calls=[
            tool_call("read_file", {"path": "notes.txt"}, "call_read0001"),
            tool_call("run_command", {"command": "touch ran"}, "call_cmd00002"),
            tool_call("t__pid", {}, "call_pid00003"),
        ],
    )
    fake_ollama.script_reply("The launch code is marmalade; I did not run the command.")
    args = build_parser().parse_args(["--host", fake_ollama.url, "--data-dir", str(data_dir)])
    settings = settings_from_args(args, {"OLLAMA_TUI_CONFIG": str(config)})
    assert settings.problems == ()
    app = build_app(settings)
    async with app.run_test(size=(110, 36)) as pilot:
        view = await ready(app)
        await pilot.press(*"read notes.txt and touch a file", "enter")

        async def asked(tool: str) -> str:
            await wait_until(
                lambda: (
                    isinstance(app.screen, ToolApprovalDialog)
                    and app.screen.request.tool.name == tool
                    and f"Run {tool}" in screen_text(app)
                ),
                timeout=START,
                message=f"the approval of {tool}",
            )
            return screen_text(app)

        text = await asked("read_file")
        assert '"path": "notes.txt"' in text
        await pilot.press("y")
        text = await asked("run_command")
        assert "touch ran" in text and f"In {root.resolve()}" in text
        await pilot.press("n")
        text = await asked("t.pid")
        assert "(MCP server t)" in text
        await pilot.press("y")
        await wait_until(lambda: not view.is_streaming, timeout=START, message="the answer")
        await pilot.pause()
        text = screen_text(app)
        assert 'read_file path="notes.txt" · allowed once' in text
        assert 'run_command command="touch ran" · denied' in text
        # The allowed call's result, in the reply's block opened with Enter.
        await pilot.press("shift+tab", "up", "enter")
        await wait_until(lambda: "the launch code is marmalade" in screen_text(app))
        await pilot.press("escape")
        # Searching a word of the result finds the conversation.
        browser = await press_for(pilot, "ctrl+o", ConversationsScreen)
        title = "read notes.txt and touch a file"
        await wait_until(lambda: title in screen_text(app), message="the list")
        await pilot.press(*"zebra")
        await wait_until(lambda: title not in screen_text(app), message="no match for zebra")
        await pilot.press(*["backspace"] * 5, *"marmalade")
        await wait_until(
            lambda: title in screen_text(app),
            message="the conversation found by a word of the tool's result",
        )
        assert browser.is_attached
        messages = json.loads(session_file(data_dir, view.conversation.id).read_text())["messages"]
        pid = int(next(m for m in messages if m.get("tool_name") == "t__pid")["content"])
        assert not process_gone(pid)
        await quit_app(pilot)
    assert not (root / "ran").exists()
    tools = {m["tool_call_id"]: m for m in messages if m["role"] == "tool"}
    assert tools["call_read0001"]["content"] == "the launch code is marmalade\n"
    assert tools["call_read0001"]["approval"] == "once"
    assert tools["call_cmd00002"]["approval"] == "denied"
    assert "duration_ms" not in tools["call_cmd00002"]
    await wait_until(lambda: process_gone(pid), timeout=10, message="the MCP server to stop")
