"""An MCP server's tools in the app, driven with keys: the approval names the tool, its server
and what the server says it does; F4 lists a started server's tools one by one; quitting stops
the server's process."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from ollama_tui.ui.app import OllamaTuiApp
from ollama_tui.ui.dialogs.settings import SettingsDialog
from ollama_tui.ui.dialogs.tool_approval import ToolApprovalDialog
from tests.fake_ollama.script import tool_call
from tests.fake_ollama.server import FakeOllama
from tests.pilot import quit_app, ready, screen_text, session_file, wait_until
from tests.test_mcp import process_gone, stdio_server


async def test_an_mcp_tool_is_approved_with_keys_listed_in_f4_and_stopped_at_quit(
    make_app: Callable[..., OllamaTuiApp], fake_ollama: FakeOllama, data_dir: Path, tmp_path: Path
) -> None:
    fake_ollama.script_reply("", tool_calls=[tool_call("t__pid", {}, "call_pid00001")])
    fake_ollama.script_reply("It runs.")
    app = make_app(
        mcp_servers=(stdio_server(tmp_path / "server.log"),),
        conversation_defaults={"tools": ["t.*"]},
    )
    async with app.run_test(size=(100, 30)) as pilot:
        view = await ready(app)
        await pilot.press(*"which pid?", "enter")
        await wait_until(
            lambda: isinstance(app.screen, ToolApprovalDialog), timeout=30, message="approval"
        )
        await pilot.pause()
        text = screen_text(app)
        assert "Run t.pid (MCP server t)?" in text
        assert "Answers with its process id." in text
        app.save_screenshot(str(tmp_path / "approval.svg"))
        await pilot.press("y")
        await wait_until(
            lambda: view.conversation.messages[-1].content == "It runs." and not view.is_streaming,
            timeout=30,
            message="the reply after the call",
        )
        pid = int(view.conversation.messages[2].content)
        assert not process_gone(pid)

        await pilot.press("f4")
        await wait_until(lambda: isinstance(app.screen, SettingsDialog), message="F4")
        tools = app.screen.query_one("#tools")
        for _ in range(40):  # Tab to the tool list, as a user would
            if app.focused is tools:
                break
            await pilot.press("tab")
        assert app.focused is tools
        await pilot.pause()
        app.save_screenshot(str(tmp_path / "f4.svg"))
        text = screen_text(app)
        assert "t.*  every tool of the MCP server t" in text
        assert "t.echo  Answers with the text it was given." in text
        await pilot.press("escape")
        await quit_app(pilot)
    assert process_gone(pid), "the MCP server outlived the app"
    saved = json.loads(session_file(data_dir, view.conversation.id).read_text())
    result = saved["messages"][2]
    assert (result["tool_name"], result["approval"], result["content"]) == (
        "t__pid",
        "once",
        str(pid),
    )
