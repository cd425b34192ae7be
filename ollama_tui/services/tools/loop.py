"""The tool loop: the model asks for calls, each is approved and run, its result goes back,
and the model answers; up to `tool_rounds` times in one turn.

Every call ends as a `tool` message, whatever happens: arguments that are not a JSON object, a
tool nobody offers, a denial, a tool that raises or a call the user stops all become a result
the model can read (and the user can review), never a failed turn.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

from ...domain.conversation import Approval, Conversation, Message
from ...domain.grants import standing_grants
from ...domain.quantities import count_of
from ...domain.text import sanitize_for_terminal
from ...domain.tool_calls import ToolCall, calls_of, pair_results, results_for
from ..chat_turn import ChatTurn
from .base import ToolResult, ToolSpec
from .builtin import CallPreview
from .limits import SAVED_CAP, cap
from .registry import SourceFailure, ToolRegistry

DEFAULT_TOOL_ROUNDS = 8
NOT_RUN = "Not run: the turn was stopped before this call was answered."


@dataclass(frozen=True)
class ApprovalRequest:
    """One call waiting for the user: the tool, its exact arguments, and what it will do."""

    tool: ToolSpec
    arguments: Mapping[str, object]
    preview: CallPreview


@dataclass(frozen=True)
class Decision:
    """The user's answer: ONCE, CONVERSATION or DENIED (with the reason they typed)."""

    approval: Approval
    reason: str = ""


Approver = Callable[[ApprovalRequest], Awaitable[Decision]]
Previewer = Callable[[ToolSpec, Mapping[str, object]], CallPreview]


@dataclass
class ToolPermissions:
    """What may run without asking: the config's `auto_approve` (read-only tools only) and
    the tools the user allowed for the rest of one conversation."""

    auto_approve: frozenset[str] = frozenset()
    conversation: Conversation | None = None
    """Whose grants hold, read from its messages at each call (see `domain.grants`): a grant
    the user withdraws while a turn runs holds no longer for that turn's next call."""

    @classmethod
    def of(cls, conversation: Conversation, auto_approve: frozenset[str]) -> ToolPermissions:
        """The permissions in force in `conversation`."""
        return cls(auto_approve, conversation)

    @property
    def allowed(self) -> set[str]:
        """The tools allowed for the conversation, by the name the model calls them."""
        return set() if self.conversation is None else standing_grants(self.conversation.messages)

    def standing(self, tool: ToolSpec) -> Approval | None:
        if tool.wire_name in self.allowed:
            return Approval.CONVERSATION
        auto = tool.name in self.auto_approve or f"{tool.source}.*" in self.auto_approve
        if auto and tool.kind == "read":
            return Approval.AUTO
        return None


def _denial(reason: str) -> str:
    text = "The user denied this call; it did not run."
    return f"{text} Their reason: {reason}" if reason.strip() else text


class ToolRunner:
    """Runs one call at a time against the tools the request offered."""

    def __init__(
        self,
        registry: ToolRegistry,
        tools: Sequence[ToolSpec],
        permissions: ToolPermissions,
        approve: Approver,
        preview: Previewer,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.registry = registry
        self.tools = {tool.wire_name: tool for tool in tools}
        self.permissions = permissions
        self.approve = approve
        self.preview = preview
        self.clock = clock

    def message_for(
        self,
        call: ToolCall,
        text: str,
        *,
        approval: Approval | None = None,
        duration_ms: int | None = None,
    ) -> Message:
        return Message.tool(
            cap(sanitize_for_terminal(text), SAVED_CAP),
            tool_name=call.name,
            tool_call_id=call.id,
            approval=approval,
            duration_ms=duration_ms,
        )

    async def run(self, call: ToolCall, on_started: Callable[[Message], None]) -> Message:
        """The call's `tool` message. `on_started` gets it (empty) once the call is approved
        and begins, so the screen can say it is running (and, in the conversation, it holds
        an "allow for this conversation" from then on); a cancelled call (Escape) is
        finished as stopped, then the cancellation goes on."""
        tool = self.tools.get(call.name)
        if tool is None:
            offered = ", ".join(sorted(self.tools)) or "none"
            return self.message_for(
                call, f"There is no tool named {call.name!r} here; the tools are: {offered}."
            )
        if call.arguments is None:
            return self.message_for(
                call,
                f"The arguments were not a JSON object ({str(call.raw_arguments)[:200]!r}); "
                "the call did not run. Send the arguments as a JSON object.",
            )
        approval = self.permissions.standing(tool)
        if approval is None:
            decision = await self.approve(
                ApprovalRequest(tool, call.arguments, self.preview(tool, call.arguments))
            )
            if decision.approval is Approval.DENIED:
                return self.message_for(call, _denial(decision.reason), approval=Approval.DENIED)
            approval = decision.approval
        message = self.message_for(call, "", approval=approval)
        on_started(message)
        started = self.clock()
        try:
            result = await self._call(tool, call.arguments)
        except asyncio.CancelledError:
            message.content = "The user stopped this call before it finished."
            message.duration_ms = round((self.clock() - started) * 1000)
            raise
        message.duration_ms = round((self.clock() - started) * 1000)
        text = result.text if not result.is_error or result.text else "The tool failed."
        message.content = cap(sanitize_for_terminal(text), SAVED_CAP)
        return message

    async def _call(self, tool: ToolSpec, arguments: Mapping[str, object]) -> ToolResult:
        source = self.registry.source(tool.source)
        if source is None:
            return ToolResult(f"The source {tool.source!r} of this tool is gone.", is_error=True)
        try:
            return await source.call(tool, arguments)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # the model is told and the turn goes on
            detail = str(error) or "no details"
            return ToolResult(f"The tool failed: {type(error).__name__}: {detail}", is_error=True)


@dataclass
class RoundsReport:
    """What the user is told after the loop: sources that failed, the round limit reached."""

    failures: list[SourceFailure] = field(default_factory=list)
    round_limit: int | None = None


class ToolRounds:
    """The replies of one turn: the first, then one more after each round of tool calls.

    Iterate `turns()`: run each turn it yields (and draw it); between them the calls of the
    last reply are approved and run here. Nothing is sent with tools when none are enabled.
    """

    def __init__(
        self,
        conversation: Conversation,
        *,
        new_turn: Callable[[Sequence[ToolSpec], bool], ChatTurn],
        registry: ToolRegistry,
        permissions: ToolPermissions,
        approve: Approver,
        preview: Previewer,
        on_result: Callable[[Message, Message], None],
        save: Callable[[], Awaitable[None]],
        save_blocking: Callable[[], None],
        rounds: int = DEFAULT_TOOL_ROUNDS,
        enabled: Sequence[str] = (),
        answering: Message | None = None,
    ) -> None:
        """`new_turn(tools, first)` builds the next reply's turn. `on_result(reply, tool)`:
        a call of `reply` started (empty content) or settled. `save`/`save_blocking`: keep the
        file up to date after each call (blocking when cancelled: the loop may be ending).
        `answering`: the last reply, whose calls were stopped or cut off by the round limit
        (the user continues it): the calls it left unanswered are answered as not run, and
        the first turn is the model's answer to the results."""
        self.conversation = conversation
        self.new_turn = new_turn
        self.registry = registry
        self.permissions = permissions
        self.approve = approve
        self.preview = preview
        self.on_result = on_result
        self.save = save
        self.save_blocking = save_blocking
        self.rounds = rounds
        self.enabled = list(enabled)
        self.answering = answering
        self.report = RoundsReport()

    async def turns(self) -> AsyncGenerator[ChatTurn, None]:
        tools: list[ToolSpec] = []
        if self.enabled:
            tools, self.report.failures = await self.registry.resolve(self.enabled)
        runner = ToolRunner(self.registry, tools, self.permissions, self.approve, self.preview)
        if self.answering is not None and self._answer_not_run(runner, self.answering):
            await self.save()
        turn = self.new_turn(tools, True)
        try:
            yield turn
            # The count starts again when a turn is continued: the limit stops a loop the
            # user is not watching, and continuing is the user asking for more.
            done = 0
            while turn.calls and turn.outcome is not None and turn.outcome.error is None:
                if done >= self.rounds:
                    self.report.round_limit = self.rounds
                    for call in turn.calls:
                        self._add(turn.message, runner.message_for(call, self._limit_text()))
                    await self.save()
                    return
                for call in turn.calls:
                    await self._run(runner, turn.message, call)
                done += 1
                turn = self.new_turn(tools, False)
                yield turn
        except (asyncio.CancelledError, GeneratorExit):
            # Stopped (Escape, a closed tab, quit): the file and the screen say at once which
            # calls never ran. The loop may be ending: write on this thread.
            self._answer_not_run(runner, turn.message)
            self.save_blocking()
            raise

    def _answer_not_run(self, runner: ToolRunner, reply: Message) -> bool:
        """Answer each call of `reply` still without a result as not run; whether any was.

        A call must have its result before the history goes back (a model's template may
        expect one per call), so a turn stopped before all ran is answered here, and one
        saved without them (an older file, a crash) when it is continued."""
        calls = calls_of(reply.tool_calls)
        answered = pair_results(calls, results_for(reply, self.conversation.messages))
        missing = [call for call, result in zip(calls, answered, strict=True) if result is None]
        for call in missing:
            self._add(reply, runner.message_for(call, NOT_RUN))
        return bool(missing)

    def _limit_text(self) -> str:
        rounds = count_of(self.rounds, "round")
        return (
            f"Not run: this turn reached its limit of {rounds} of tool calls "
            "(tool_rounds in config.toml)."
        )

    def _add(self, reply: Message, result: Message) -> None:
        if result not in self.conversation.messages:
            self.conversation.messages.append(result)
        self.conversation.touch()
        self.on_result(reply, result)

    async def _run(self, runner: ToolRunner, reply: Message, call: ToolCall) -> None:
        started: list[Message] = []

        def on_started(message: Message) -> None:
            started.append(message)
            self._add(reply, message)

        try:
            result = await runner.run(call, on_started)
        except asyncio.CancelledError:
            if started:
                self._add(reply, started[0])  # drawn as stopped; saved as the loop ends
            raise
        self._add(reply, result)
        await self.save()
