"""The tool loop against the fake server: calls parsed, approved, run, answered, saved."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from ollama_tui.cli import build_backend
from ollama_tui.config import Settings
from ollama_tui.domain.conversation import Approval, Conversation, Message, Role
from ollama_tui.services.backend import Backend
from ollama_tui.services.chat_turn import TurnOutcome, add_user_message
from ollama_tui.services.tools.loop import ApprovalRequest, Decision, ToolRounds
from tests.fake_ollama.script import tool_call
from tests.fake_ollama.server import FakeOllama


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "notes.txt").write_text("the launch code is plum\n")
    return folder


@pytest.fixture
async def backend(fake_ollama: FakeOllama, tmp_path: Path, root: Path) -> AsyncIterator[Backend]:
    settings = Settings(
        host=fake_ollama.url, data_dir=tmp_path / "data", tool_roots=(root,), tool_rounds=3
    )
    backend = build_backend(settings)
    yield backend
    await backend.aclose()


def conversation(tools: list[str]) -> Conversation:
    found = Conversation()
    found.settings.model = "llama3.2:latest"
    found.settings.tools = tools
    add_user_message(found, "read my notes")
    return found


class Approver:
    """Answers approvals as scripted, recording what it was asked."""

    def __init__(self, *answers: Decision) -> None:
        self.answers = list(answers)
        self.asked: list[ApprovalRequest] = []

    async def __call__(self, request: ApprovalRequest) -> Decision:
        self.asked.append(request)
        return self.answers.pop(0)


async def run(
    backend: Backend,
    found: Conversation,
    approve: Callable[[ApprovalRequest], Any],
) -> tuple[ToolRounds, list[TurnOutcome]]:
    rounds = backend.reply_rounds(
        found,
        on_event=lambda event: None,
        on_save_problem=lambda problem: pytest.fail(problem.message),
        approve=approve,
        on_result=lambda reply, result: None,
    )
    outcomes = []
    async for turn in rounds.turns():
        outcomes.append(await turn.run())
    return rounds, outcomes


def saved(backend: Backend, found: Conversation) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(backend.workspace.store.path_for(found.id).read_text())
    return data


def roles(found: Conversation) -> list[str]:
    return [m.role.value for m in found.messages]


@pytest.mark.parametrize("where", ["chunk", "final"])
async def test_an_allowed_call_runs_and_its_result_goes_back_to_the_model(
    fake_ollama: FakeOllama, backend: Backend, where: str
) -> None:
    fake_ollama.script_reply(
        "Let me look.",
        tool_calls=[tool_call("read_file", {"path": "notes.txt"}, "call_abc12345")],
        tool_calls_in=where,  # type: ignore[arg-type]
    )
    fake_ollama.script_reply("The code is plum.")
    found = conversation(["read_file"])
    approver = Approver(Decision(Approval.ONCE))
    await run(backend, found, approver)

    assert [(r.tool.name, dict(r.arguments)) for r in approver.asked] == [
        ("read_file", {"path": "notes.txt"})
    ]
    assert roles(found) == ["user", "assistant", "tool", "assistant"]
    first, second = fake_ollama.requests_to("/api/chat")
    assert [t["function"]["name"] for t in first.body["tools"]] == ["read_file"]
    sent = second.body["messages"]
    assert sent[-2]["tool_calls"][0]["function"] == {
        "name": "read_file",
        "arguments": {"path": "notes.txt"},
    }
    assert sent[-1] == {
        "role": "tool",
        "content": "the launch code is plum\n",
        "tool_name": "read_file",
        "tool_call_id": "call_abc12345",
    }
    file = saved(backend, found)
    tool = file["messages"][2]
    assert tool["approval"] == "once"
    assert tool["duration_ms"] >= 0
    assert tool["content"] == "the launch code is plum\n"
    assert file["messages"][3]["content"] == "The code is plum."
    assert file["version"] == 1


async def test_several_calls_run_in_order_and_a_denial_does_not_run(
    fake_ollama: FakeOllama, backend: Backend, root: Path
) -> None:
    fake_ollama.script_reply(
        "",
        tool_calls=[
            tool_call("run_command", {"command": "touch ran-first"}),
            tool_call("run_command", {"command": "touch ran-second"}),
        ],
        tool_calls_in="chunks",
    )
    fake_ollama.script_reply("Done.")
    found = conversation(["run_command"])
    approver = Approver(Decision(Approval.DENIED, "not that one"), Decision(Approval.ONCE))
    await run(backend, found, approver)

    assert [r.preview.command for r in approver.asked] == ["touch ran-first", "touch ran-second"]
    assert not (root / "ran-first").exists()
    assert (root / "ran-second").exists()
    denied, allowed = (m for m in found.messages if m.role is Role.TOOL)
    assert denied.approval == "denied"
    assert denied.duration_ms is None
    assert denied.content == (
        "The user denied this call; it did not run. Their reason: not that one"
    )
    assert allowed.approval == "once"
    assert allowed.content == "[exit status 0]"


async def test_allowed_for_the_conversation_asks_once_and_auto_approve_never(
    fake_ollama: FakeOllama, tmp_path: Path, root: Path
) -> None:
    settings = Settings(
        host=fake_ollama.url,
        data_dir=tmp_path / "data",
        tool_roots=(root,),
        auto_approve=frozenset({"list_directory"}),
    )
    backend = build_backend(settings)
    try:
        for _ in range(2):
            fake_ollama.script_reply(
                "",
                tool_calls=[
                    tool_call("read_file", {"path": "notes.txt"}),
                    tool_call("list_directory", {"path": "."}),
                ],
            )
        fake_ollama.script_reply("ok")
        found = conversation(["read_file", "list_directory"])
        approver = Approver(Decision(Approval.CONVERSATION))
        await run(backend, found, approver)
    finally:
        await backend.aclose()
    assert [r.tool.name for r in approver.asked] == ["read_file"]
    assert [m.approval for m in found.messages if m.role is Role.TOOL] == [
        "conversation",
        "auto",
        "conversation",
        "auto",
    ]


async def test_bad_arguments_and_an_unknown_tool_are_answered_without_asking(
    fake_ollama: FakeOllama, backend: Backend
) -> None:
    fake_ollama.script_reply(
        "",
        tool_calls=[
            tool_call("read_file", '{"path": "notes.txt"'),
            tool_call("delete_everything", {}),
        ],
    )
    fake_ollama.script_reply("Sorry.")
    found = conversation(["read_file"])
    approver = Approver()
    await run(backend, found, approver)
    assert approver.asked == []
    bad, unknown = (m for m in found.messages if m.role is Role.TOOL)
    assert "not a JSON object" in bad.content
    assert bad.approval is None
    assert "There is no tool named 'delete_everything'" in unknown.content
    second = fake_ollama.requests_to("/api/chat")[1].body["messages"]
    # The bad arguments go back as an object: Ollama refuses a string there.
    assert second[-3]["tool_calls"][0]["function"]["arguments"] == {}
    assert found.messages[-1].content == "Sorry."


async def test_a_tool_that_raises_becomes_its_result(
    fake_ollama: FakeOllama, backend: Backend
) -> None:
    class Broken:
        name = "broken"

        async def list_tools(self) -> list[Any]:
            from ollama_tui.services.tools.base import ToolSpec

            return [ToolSpec("broken.boom", "broken__boom", "fails", {}, "broken", "read")]

        async def call(self, tool: Any, arguments: Any) -> Any:
            raise RuntimeError("the disk is on fire")

        async def close(self) -> None:
            pass

    backend.tools.add(Broken())
    fake_ollama.script_reply("", tool_calls=[tool_call("broken__boom", {})])
    fake_ollama.script_reply("Oh no.")
    found = conversation(["broken.*"])
    await run(backend, found, Approver(Decision(Approval.ONCE)))
    (result,) = (m for m in found.messages if m.role is Role.TOOL)
    assert result.content == "The tool failed: RuntimeError: the disk is on fire"
    assert result.tool_name == "broken__boom"


async def test_the_round_limit_stops_a_model_that_never_stops_calling(
    fake_ollama: FakeOllama, backend: Backend
) -> None:
    for _ in range(5):
        fake_ollama.script_reply("", tool_calls=[tool_call("read_file", {"path": "notes.txt"})])
    found = conversation(["read_file"])
    rounds, outcomes = await run(backend, found, Approver(*[Decision(Approval.CONVERSATION)]))
    assert len(outcomes) == 4  # the first reply and one after each of the 3 rounds
    assert len(fake_ollama.requests_to("/api/chat")) == 4
    assert rounds.report.round_limit == 3
    assert "limit of 3 rounds" in found.messages[-1].content
    assert found.messages[-1].role is Role.TOOL


async def test_no_tools_enabled_sends_none(fake_ollama: FakeOllama, backend: Backend) -> None:
    await run(backend, conversation([]), Approver())
    assert "tools" not in fake_ollama.requests_to("/api/chat")[0].body


async def test_stopping_mid_tool_keeps_the_call_as_stopped_in_the_file(
    fake_ollama: FakeOllama, backend: Backend
) -> None:
    fake_ollama.script_reply("", tool_calls=[tool_call("run_command", {"command": "sleep 30"})])
    found = conversation(["run_command"])
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
    await asyncio.wait_for(started.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    (result,) = saved(backend, found)["messages"][2:]
    assert result["role"] == "tool"
    assert result["content"] == "The user stopped this call before it finished."
    assert result["approval"] == "once"


async def test_a_model_without_tools_fails_with_the_servers_words(
    fake_ollama: FakeOllama, backend: Backend
) -> None:
    from ollama_tui.services.errors import ToolsNotSupported

    fake_ollama.add_model("tiny:1m", capabilities=["completion"])
    found = conversation(["read_file"])
    found.settings.model = "tiny:1m"
    _, (outcome,) = await run(backend, found, Approver())
    assert isinstance(outcome.error, ToolsNotSupported)
    assert outcome.error.model == "tiny:1m"


def test_allowing_for_the_conversation_is_read_from_every_version_of_the_file() -> None:
    from ollama_tui.domain.versions import set_aside, start_version
    from ollama_tui.services.tools.loop import ToolPermissions

    found = conversation(["read_file", "run_command"])
    reply = Message.assistant("llama3.2:latest")
    reply.tool_calls = [tool_call("run_command", {"command": "ls"})]
    ran = Message.tool(
        "a b",
        tool_name="run_command",
        tool_call_id=None,
        approval=Approval.CONVERSATION,
        duration_ms=3,
    )
    refused = Message.tool(
        "no", tool_name="read_file", tool_call_id=None, approval=Approval.DENIED, duration_ms=None
    )
    found.messages += [reply, ran, refused]
    # The reply is regenerated: the version holding the answer is set aside, not dropped.
    fresh = Message.assistant("llama3.2:latest")
    start_version(fresh, set_aside(found.messages, 1))
    found.messages.append(fresh)
    saved_again = found.copy()
    permissions = ToolPermissions.of(saved_again, frozenset())
    assert permissions.allowed == {"run_command"}


async def test_continuing_a_reply_saved_without_its_results_answers_them_as_not_run(
    fake_ollama: FakeOllama, backend: Backend
) -> None:
    # A file from a crash mid-round: the reply's calls are saved, their results are not.
    found = conversation(["read_file"])
    reply = Message.assistant("llama3.2:latest")
    reply.content = "Looking."
    reply.tool_calls = [tool_call("read_file", {"path": "notes.txt"}, "call_1")]
    found.messages.append(reply)
    fake_ollama.script_reply("It did not run; ask again?")
    approver = Approver()
    rounds = backend.reply_rounds(
        found,
        on_event=lambda event: None,
        on_save_problem=lambda problem: pytest.fail(problem.message),
        approve=approver,
        on_result=lambda reply, result: None,
        continuing=reply,
    )
    async for turn in rounds.turns():
        await turn.run()

    assert approver.asked == []
    (request,) = fake_ollama.requests_to("/api/chat")
    assert request.body["messages"][-1] == {
        "role": "tool",
        "content": "Not run: the turn was stopped before this call was answered.",
        "tool_name": "read_file",
        "tool_call_id": "call_1",
    }
    messages = saved(backend, found)["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "tool", "assistant"]
    assert messages[1]["content"] == "Looking."  # a new reply answers; this one is kept
    assert messages[3]["content"] == "It did not run; ask again?"


def test_a_grant_withdrawn_while_a_turn_runs_holds_no_longer_for_its_next_call() -> None:
    from ollama_tui.domain.grants import withdraw_grants
    from ollama_tui.services.tools.base import ToolSpec
    from ollama_tui.services.tools.loop import ToolPermissions

    found = conversation(["run_command"])
    command = ToolSpec("run_command", "run_command", "", {}, "built-in", "command")
    permissions = ToolPermissions.of(found, frozenset())  # as the turn began
    assert permissions.standing(command) is None
    found.messages.append(
        Message.tool(
            "",
            tool_name="run_command",
            tool_call_id=None,
            approval=Approval.CONVERSATION,
            duration_ms=None,
        )
    )
    assert permissions.standing(command) is Approval.CONVERSATION
    assert withdraw_grants(found.messages) == {"run_command"}
    assert permissions.standing(command) is None
    assert found.messages[-1].approval == Approval.ONCE.value
