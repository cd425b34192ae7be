"""An MCP server's tools through the whole turn: offered to the model as NAME__tool, asked for
with NAME.tool and the server's name, run, answered, saved; stopped mid-call at the server;
and the server's process gone when the app's backend closes."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ollama_tui.cli import build_backend
from ollama_tui.config import Settings
from ollama_tui.domain.conversation import Approval, Message
from ollama_tui.domain.secrets import remember_secrets
from ollama_tui.services.backend import Backend
from ollama_tui.services.tools.loop import Decision
from tests.fake_ollama.script import tool_call
from tests.fake_ollama.server import FakeOllama
from tests.pilot import wait_until
from tests.test_mcp import process_gone, stdio_server
from tests.test_tools_loop import Approver, conversation, run, saved


@pytest.fixture
async def backend(fake_ollama: FakeOllama, tmp_path: Path) -> AsyncIterator[Backend]:
    token = f"tok-{secrets.token_hex(8)}"
    server = stdio_server(tmp_path / "server.log", env={"MCP_TEST_TOKEN": token})
    remember_secrets(server.secrets)
    settings = Settings(host=fake_ollama.url, data_dir=tmp_path / "data", mcp_servers=(server,))
    backend = build_backend(settings)
    yield backend
    await backend.aclose()


async def test_an_mcp_tool_is_offered_approved_run_saved_and_its_server_stopped_at_the_end(
    fake_ollama: FakeOllama, backend: Backend, tmp_path: Path
) -> None:
    fake_ollama.script_reply("", tool_calls=[tool_call("t__pid", {}, "call_pid00001")])
    fake_ollama.script_reply(
        "", tool_calls=[tool_call("t__env", {"name": "MCP_TEST_TOKEN"}, "call_env00001")]
    )
    fake_ollama.script_reply("Done.")
    found = conversation(["t.*"])
    approver = Approver(Decision(Approval.ONCE), Decision(Approval.ONCE))
    await run(backend, found, approver)

    offered = {
        tool["function"]["name"]: tool["function"]
        for tool in fake_ollama.requests_to("/api/chat")[0].body["tools"]
    }
    assert {"t__echo", "t__pid", "t__sleep", "t__fail"} <= set(offered)
    assert offered["t__echo"]["description"] == "Answers with the text it was given."
    asked = approver.asked[0]
    assert (asked.tool.name, asked.tool.source, dict(asked.arguments)) == ("t.pid", "t", {})

    messages = saved(backend, found)["messages"]
    pid_result, env_result = messages[2], messages[4]
    assert (pid_result["role"], pid_result["approval"], pid_result["tool_name"]) == (
        "tool",
        "once",
        "t__pid",
    )
    pid = int(pid_result["content"])
    # A server that tells its secret gets it masked before the model or the file sees it.
    assert env_result["content"] == "***"
    assert messages[-1]["content"] == "Done."
    assert not process_gone(pid)
    await backend.aclose()  # what quitting does
    assert process_gone(pid), "the MCP server outlived the app"


async def test_escape_mid_call_stops_the_call_at_the_server(
    fake_ollama: FakeOllama, backend: Backend, tmp_path: Path
) -> None:
    fake_ollama.script_reply("", tool_calls=[tool_call("t__sleep", {"seconds": 60})])
    found = conversation(["t.sleep"])
    started = asyncio.Event()

    def on_result(reply: Message, result: Message) -> None:
        started.set()

    rounds = backend.reply_rounds(
        found,
        on_event=lambda event: None,
        on_save_problem=lambda problem: None,
        approve=Approver(Decision(Approval.ONCE)),
        on_result=on_result,
    )

    async def drive() -> None:
        async for turn in rounds.turns():
            await turn.run()

    task = asyncio.create_task(drive())
    log = tmp_path / "server.log"
    await wait_until(lambda: log.exists() and "sleep started" in log.read_text(), timeout=20)
    task.cancel()  # what Escape does to the reply's worker
    with pytest.raises(asyncio.CancelledError):
        await task
    await wait_until(lambda: "sleep cancelled" in log.read_text(), timeout=10)
    (result,) = saved(backend, found)["messages"][2:]
    assert result["content"] == "The user stopped this call before it finished."


async def test_a_server_that_cannot_start_leaves_the_conversation_its_other_tools(
    fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    settings = Settings(
        host=fake_ollama.url,
        data_dir=tmp_path / "data",
        mcp_servers=(stdio_server(tmp_path / "log", name="broken", mode="exit"),),
        tool_roots=(tmp_path,),
    )
    backend = build_backend(settings)
    try:
        fake_ollama.script_reply("Fine without it.")
        found = conversation(["broken.*", "read_file"])
        rounds, _ = await run(backend, found, Approver())
        [failure] = rounds.report.failures
        assert failure.source == "broken" and "refuses to start" in failure.reason
        sent = fake_ollama.requests_to("/api/chat")[0].body["tools"]
        assert [tool["function"]["name"] for tool in sent] == ["read_file"]
        assert found.messages[-1].content == "Fine without it."
    finally:
        await backend.aclose()


async def test_auto_approve_runs_a_read_only_mcp_tool_and_still_asks_for_any_other(
    fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    settings = Settings(
        host=fake_ollama.url,
        data_dir=tmp_path / "data",
        mcp_servers=(stdio_server(tmp_path / "log"),),
        # t.echo is marked read-only by its server; t.fail is not, so listing it changes nothing.
        auto_approve=frozenset({"t.echo", "t.fail"}),
    )
    backend = build_backend(settings)
    try:
        fake_ollama.script_reply(
            "",
            tool_calls=[tool_call("t__echo", {"text": "hi"}), tool_call("t__fail", {})],
        )
        fake_ollama.script_reply("Done.")
        found = conversation(["t.*"])
        approver = Approver(Decision(Approval.DENIED, "not now"))
        await run(backend, found, approver)
        assert [request.tool.name for request in approver.asked] == ["t.fail"]
        echo, fail = saved(backend, found)["messages"][2:4]
        assert (echo["approval"], echo["content"]) == ("auto", "echo: hi")
        assert fail["approval"] == "denied"
    finally:
        await backend.aclose()
