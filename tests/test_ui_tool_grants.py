"""Withdrawing "allow for the rest of this conversation", driven by keys: `/tools` lists what the
model may call and what runs without asking, `/tools revoke NAME` (completed in the popup) and
the palette's "Tool permissions…" withdraw one or all; the file says so, and the next call of
the tool asks again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from ollama_tui.domain.conversation import Conversation, Message, MessageStatus
from ollama_tui.ui.app import OllamaTuiApp
from ollama_tui.ui.chat.chat_view import ChatView
from ollama_tui.ui.dialogs.tool_approval import ToolApprovalDialog
from ollama_tui.ui.dialogs.tool_grants import ToolGrantsDialog
from tests.fake_ollama.script import tool_call
from tests.fake_ollama.server import FakeOllama
from tests.pilot import current_view, notifications, notified, ready, screen_text, wait_until
from tests.snapshots.steps import palette
from tests.test_ui_tools import approval, root, saved, send, settled, tools_app

__all__ = ["root"]  # the fixture, shared with the other tool tests

READ = {"path": "notes.txt"}
HOSTILE = "evil__\x1b]0;pwned\x07tool[/]"
"""A tool name as a hostile MCP server (or a hand-edited file) may give it."""


def approvals(data_dir: Path, view: Any) -> list[Any]:
    return [m.get("approval") for m in saved(data_dir, view) if m["role"] == "tool"]


async def asks_again(pilot: Any, app: OllamaTuiApp, prompt: str) -> None:
    """Send `prompt` (the model calls read_file) and see the call asked about, then allowed."""
    await send(pilot, prompt)
    await approval(app)
    assert "Run read_file (built-in)?" in screen_text(app)
    await pilot.press("y")
    await settled(current_view(app))


async def test_slash_tools_lists_and_revoke_withdraws_so_the_next_call_asks(
    make_app: Any, fake_ollama: FakeOllama, data_dir: Path, root: Path
) -> None:
    fake_ollama.script_reply("", tool_calls=[tool_call("read_file", READ, "call_1")])
    fake_ollama.script_reply("Read.")
    fake_ollama.script_reply("", tool_calls=[tool_call("read_file", READ, "call_2")])
    fake_ollama.script_reply("Read again.")
    app = tools_app(
        make_app, root, ["read_file", "list_directory"], auto_approve=frozenset({"list_directory"})
    )
    async with app.run_test(size=(100, 32)) as pilot:
        view = await ready(app)
        await send(pilot, "read it")
        await approval(app)
        await pilot.press("a")
        await settled(view)
        await wait_until(lambda: "allowed for this conversation" in screen_text(app))
        await pilot.press(*"/tools", "enter")
        await wait_until(lambda: notified(app, "Tools the model may call here"))
        [listing] = [n for n in notifications(app) if "Tools the model" in n]
        assert "Tools the model may call here: read_file, list_directory." in listing
        assert "Allowed for this conversation without asking: read_file." in listing
        assert "auto_approve in config.toml: list_directory." in listing
        # The popup offers the tools allowed; Tab takes the one highlighted.
        await pilot.press(*"/tools revoke r")
        await wait_until(lambda: "/tools revoke read_file" in screen_text(app), message="popup")
        await pilot.press("tab")
        assert view.composer.text == "/tools revoke read_file "
        await pilot.press("enter")
        await wait_until(
            lambda: notified(app, "read_file asks again before each call in this conversation."),
            message="the withdrawal said",
        )
        assert approvals(data_dir, view) == ["once"]
        await wait_until(
            lambda: (
                'read_file path="notes.txt" · allowed once' in screen_text(app)
                and "allowed for this conversation" not in screen_text(app)
            ),
            message="the call's block drawn again",
        )
        # An auto-approved tool is the config's: said where to change it.
        await pilot.press(*"/tools revoke list_directory", "enter")
        await wait_until(lambda: notified(app, "auto_approve in config.toml names it"))
        await asks_again(pilot, app, "again")
        await wait_until(lambda: "Read again." in screen_text(app))
        await pilot.press(*"/tools revoke all", "enter")
        await wait_until(
            lambda: notified(app, "No tool is allowed without asking in this conversation.")
        )
    assert approvals(data_dir, view) == ["once", "once"]
    assert (
        not (data_dir / "sessions" / f"{view.conversation.id}.json")
        .read_text()
        .count('"conversation"')
    )


def _conversation_with_grants(data_dir: Path) -> Conversation:
    """A conversation saved with two tools allowed for it, one named by a hostile server."""
    found = Conversation(title="granted twice")
    found.settings.model = "llama3.2:latest"
    found.settings.tools = ["read_file"]
    found.messages.append(Message.user("read and poke"))
    reply = Message.assistant("llama3.2:latest")
    reply.status = MessageStatus.COMPLETE
    reply.content = "Done."
    reply.tool_calls = [tool_call("read_file", READ, "call_1"), tool_call(HOSTILE, {}, "call_2")]
    found.messages.append(reply)
    data = found.to_json_dict()
    for number, name in ((1, "read_file"), (2, HOSTILE)):
        data["messages"].append(
            {
                "role": "tool",
                "content": "ok",
                "tool_name": name,
                "tool_call_id": f"call_{number}",
                "approval": "conversation",
                "duration_ms": 3,
            }
        )
    sessions = data_dir / "sessions"
    sessions.mkdir(parents=True, mode=0o700, exist_ok=True)
    (sessions / f"{found.id}.json").write_text(json.dumps(data))
    return found


async def _open_recent(pilot: Pilot[None], app: OllamaTuiApp) -> ChatView:
    """Open the saved conversation with grants from the recent list (Tab, Enter): its view."""
    await ready(app)
    await wait_until(lambda: "granted twice" in screen_text(app), message="the recent")
    await pilot.press("tab", "enter")
    await wait_until(lambda: "Done." in screen_text(app), message="the conversation")
    return current_view(app)


async def test_the_palette_dialog_withdraws_one_then_all_and_the_next_call_asks(
    make_app: Any, fake_ollama: FakeOllama, data_dir: Path, root: Path
) -> None:
    found = _conversation_with_grants(data_dir)
    fake_ollama.script_reply("", tool_calls=[tool_call("read_file", READ, "call_3")])
    fake_ollama.script_reply("Read once more.")
    app = tools_app(make_app, root, ["read_file"])
    async with app.run_test(size=(100, 32)) as pilot:
        view = await _open_recent(pilot, app)
        assert view.conversation.id == found.id
        await palette(pilot, "Tool permissions")
        await pilot.press("enter")
        await wait_until(lambda: isinstance(app.screen, ToolGrantsDialog), message="the dialog")
        await wait_until(lambda: "read_file" in screen_text(app), message="the list")
        text = screen_text(app)
        assert "Allowed without asking in granted twice" in text
        assert "enter/Delete: withdraw" in text.replace("Enter", "enter")
        # The hostile name is shown, inert: no escape reaches the terminal, no markup.
        assert "pwned" in text and "tool[/]" in text and "\x1b" not in text
        # Sorted: the hostile one first. Delete withdraws it, and the list keeps the other.
        assert "│  evil.␛]0;pwned␇tool[/]" in text
        await pilot.press("delete")
        await wait_until(
            lambda: notified(app, "asks again before each call"), message="one withdrawn"
        )
        [said] = [n for n in notifications(app) if "asks again" in n]
        assert "pwned" in said and "\x1b" not in said
        await wait_until(lambda: "│  evil." not in screen_text(app), message="the list refilled")
        assert "│  read_file" in screen_text(app)
        # The call's block behind the dialog says how it was allowed now.
        assert "tool[/] · allowed once" in screen_text(app)
        assert approvals(data_dir, view) == ["conversation", "once"]
        await pilot.press("a")
        await wait_until(
            lambda: "Nothing: each call of a tool asks first." in screen_text(app),
            message="all withdrawn",
        )
        assert approvals(data_dir, view) == ["once", "once"]
        await pilot.press("escape")
        await wait_until(lambda: not isinstance(app.screen, ToolGrantsDialog))
        assert not isinstance(app.screen, ToolApprovalDialog)
        await asks_again(pilot, app, "read it once more")
        await wait_until(lambda: "Read once more." in screen_text(app))
    assert approvals(data_dir, view) == ["once", "once", "once"]


async def test_the_dialog_s_keys_are_the_keys_bound(
    make_app: Any, fake_ollama: FakeOllama, data_dir: Path, root: Path
) -> None:
    _conversation_with_grants(data_dir)
    app = tools_app(make_app, root, ["read_file"], keymap={"grants.withdraw_all": "x"})
    async with app.run_test(size=(100, 32)) as pilot:
        view = await _open_recent(pilot, app)
        await palette(pilot, "Tool permissions")
        await pilot.press("enter")
        await wait_until(lambda: "x: withdraw all" in screen_text(app), message="the hint")
        await pilot.press("x")
        await wait_until(
            lambda: "Nothing: each call of a tool asks first." in screen_text(app),
            message="all withdrawn",
        )
    assert approvals(data_dir, view) == ["once", "once"]
