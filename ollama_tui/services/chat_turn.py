"""Provides a chat turn: the request from a conversation, the reply streamed into it, saved."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..api.errors import OllamaError, StreamIncomplete
from ..config import DEFAULT_MAX_REPLY_BYTES
from ..domain.compaction import folded_ids, is_summary
from ..domain.conversation import (
    Conversation,
    ConversationKind,
    Message,
    MessageStatus,
    Role,
)
from ..domain.events import (
    ReplyHost,
    StreamDone,
    StreamEvent,
    TextDelta,
    ThinkingDelta,
    ToolCallsArrived,
)
from ..domain.quantities import format_size
from ..domain.text import InlineThinkSplitter, derive_title, sanitize_for_terminal
from ..domain.tool_calls import ToolCall, history_call
from ..domain.versions import start_version
from .routing import ReplyClient
from .saver import ConversationSaver, SaveProblem
from .tools.base import ToolSpec
from .tools.limits import OUTPUT_CAP, cap

if TYPE_CHECKING:
    from ..api.wire import ChatRequest, GenerateRequest

SUMMARY_HEADING = "Summary of the conversation so far (it replaces the earlier turns):"

CHECKPOINT_INTERVAL = 2.0
"""Seconds between saves of a reply being streamed: a kill loses at most this much."""


def add_user_message(
    conversation: Conversation,
    text: str,
    *,
    images: list[str] | None = None,
    attachments: list[str] | None = None,
) -> Message:
    """Append the user's prompt, exactly as typed after sanitising; titles a new conversation."""
    message = Message.user(sanitize_for_terminal(text))
    message.images = images or None
    message.attachments = attachments or None
    if not any(m.role is Role.USER for m in conversation.messages):
        conversation.title = derive_title(message.content)
    conversation.messages.append(message)
    conversation.touch()
    return message


def _history_entry(message: Message) -> dict[str, Any]:
    content = message.content
    if message.role is Role.TOOL:
        # The file keeps up to SAVED_CAP of a tool's answer; the model gets the start of it.
        content = cap(content, OUTPUT_CAP)
    entry: dict[str, Any] = {"role": message.role.value, "content": content}
    if message.images:
        entry["images"] = message.images
    if message.tool_calls:
        entry["tool_calls"] = [history_call(call) for call in message.tool_calls]
    if message.tool_name:
        entry["tool_name"] = message.tool_name
    if message.tool_call_id:
        entry["tool_call_id"] = message.tool_call_id
    return entry


def sent_history(
    conversation: Conversation, history: Sequence[Message], *, leave_out: Message | None = None
) -> list[dict[str, Any]]:
    """The system prompt and `history` (some of the conversation's messages) as a request
    sends them: the turns a summary stands for are left out and the summary goes in their
    place; so are replies that failed before any text or call, and the one being written."""
    messages: list[dict[str, Any]] = []
    if conversation.settings.system:
        messages.append({"role": Role.SYSTEM.value, "content": conversation.settings.system})
    folded = folded_ids(conversation.messages)
    for message in history:
        if message is leave_out or message.id in folded:
            continue
        if is_summary(message):
            if not message.restored:
                messages.append({"role": Role.SYSTEM.value, "content": summary_text(message)})
            continue
        if message.role is Role.ASSISTANT and (
            (not message.content and not message.tool_calls)
            or message.status is MessageStatus.STREAMING
        ):
            continue
        messages.append(_history_entry(message))
    return messages


def summary_text(summary: Message) -> str:
    """A summary as the model reads it in place of the turns it stands for."""
    return f"{SUMMARY_HEADING}\n\n{summary.content}"


def tool_schema(tool: ToolSpec) -> dict[str, Any]:
    """A tool as the request's `tools` lists it, under the name the model uses."""
    return {
        "type": "function",
        "function": {
            "name": tool.wire_name,
            "description": tool.description,
            "parameters": dict(tool.parameters),
        },
    }


def build_chat_request(
    conversation: Conversation,
    *,
    continuing: Message | None = None,
    tools: Sequence[ToolSpec] = (),
) -> ChatRequest:
    """The `/api/chat` request for the next reply: settings plus the history so far.

    Assistant turns that produced no text and called no tool (a failed request) are left
    out, as is the message being written; partial replies the user saw are kept. A reply
    being continued goes last, as the assistant's text for the model to carry on from.
    `tools`: those the model may call in this reply.
    """
    from ..api.wire import ChatRequest  # pydantic's models: loaded after the first frame

    settings = conversation.settings
    if not settings.model:
        raise ValueError("the conversation has no model")
    history = conversation.messages
    if settings.history is False:
        # From the last prompt on: its reply's tool rounds still go with it.
        prompts = [i for i, m in enumerate(history) if m.role is Role.USER]
        history = history[prompts[-1] :] if prompts else history
    messages = sent_history(conversation, history, leave_out=continuing)
    if continuing is not None:
        messages.append(_history_entry(continuing))
    return ChatRequest(
        model=settings.model,
        messages=messages,
        tools=[tool_schema(tool) for tool in tools] or None,
        options=dict(settings.options) or None,
        format=settings.format,
        keep_alive=settings.keep_alive,
        think=settings.think,
    )


def build_generate_request(
    conversation: Conversation, *, continuing: Message | None = None
) -> GenerateRequest:
    """The `/api/generate` request continuing the last prompt of a completion conversation.

    Each prompt stands alone. Continuing a reply sends the prompt and the text so far as
    one raw prompt, so it carries on word for word; that needs `raw` (a templated prompt
    cannot be resumed without the deprecated token `context`).
    """
    from ..api.wire import GenerateRequest  # pydantic's models: loaded after the first frame

    settings = conversation.settings
    if not settings.model:
        raise ValueError("the conversation has no model")
    prompt = next(
        (m for m in reversed(conversation.messages) if m.role is Role.USER), Message.user("")
    )
    raw = bool(settings.raw)
    text = prompt.content
    if continuing is not None:
        if not raw:
            raise ValueError("only a raw completion can be continued")
        text += continuing.content
    return GenerateRequest(
        model=settings.model,
        prompt=text,
        suffix=settings.suffix or None,
        # Ollama refuses `system` and `template` together with `raw`.
        system=None if raw else settings.system or None,
        template=None if raw else settings.template or None,
        raw=raw or None,
        images=prompt.images,
        options=dict(settings.options) or None,
        format=settings.format,
        keep_alive=settings.keep_alive,
        think=settings.think,
    )


def last_reply(conversation: Conversation) -> Message | None:
    """The last reply, with only the results of its tool calls after it (a turn stopped
    mid-tool or at the round limit ends on them); None when the last turn is a prompt."""
    for message in reversed(conversation.messages):
        if message.role is Role.ASSISTANT:
            return message
        if message.role is not Role.TOOL:
            return None
    return None


def can_continue(conversation: Conversation, message: Message) -> str | None:
    """Why `message` cannot be continued, or None when it can. A reply that called tools is
    continued by sending its calls' results for the model to answer (see `ToolRounds`)."""
    if last_reply(conversation) is not message:
        return "Only the last reply can be continued."
    if message.status is MessageStatus.STREAMING:
        return "The reply is still being written."
    if message.tool_calls and conversation.kind is ConversationKind.CHAT:
        return None
    if message.role is not Role.ASSISTANT or not message.content:
        return "There is no reply to continue."
    if message.status is MessageStatus.COMPLETE and message.done_reason != "length":
        return "The reply is finished: it was not cut off."
    if conversation.kind is ConversationKind.COMPLETION and not conversation.settings.raw:
        return (
            "A templated completion cannot be resumed word for word; turn on raw in the "
            "settings (F4) to continue completions."
        )
    return None


@dataclass(frozen=True)
class TurnOutcome:
    """How a turn ended: the assistant message as saved, and the error if it failed."""

    message: Message
    error: OllamaError | None = None


class ChatTurn:
    """Streams one reply into a conversation and keeps its file up to date.

    The assistant message is appended at once with status `streaming`, saved at most every
    `checkpoint_interval` seconds while text arrives, and settled as `complete`,
    `interrupted` (cancelled), `incomplete` (no final line) or `error` at the end.
    """

    def __init__(
        self,
        client: ReplyClient,
        saver: ConversationSaver,
        conversation: Conversation,
        *,
        on_event: Callable[[StreamEvent], None],
        on_save_problem: Callable[[SaveProblem], None],
        checkpoint_interval: float = CHECKPOINT_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
        versions: list[list[Message]] | None = None,
        continuing: Message | None = None,
        max_reply_bytes: int = DEFAULT_MAX_REPLY_BYTES,
        tools: Sequence[ToolSpec] = (),
        model: str | None = None,
        held: bool = False,
        host: ReplyHost | None = None,
    ) -> None:
        """`model`: another model than the conversation's (a compared reply). `held`: the
        message is not appended to the conversation, which holds it elsewhere (among the
        versions of a compared reply). `versions`: earlier versions of the reply (it is
        regenerated); they are held by the new reply from its first save. `continuing`: the
        last reply, to be carried on.
        `max_reply_bytes`: the reply's text and thinking (UTF-8) are cut off there.
        `tools`: those the model may call (a chat only); the calls it asks for are collected
        in `calls` and on the message, for the tool loop to run. `host`: the host the reply
        is written by, recorded on it (with several hosts); on `auto` the stream names it."""
        self.client = client
        self.saver = saver
        self.conversation = conversation
        self.on_event = on_event
        self.on_save_problem = on_save_problem
        self.checkpoint_interval = checkpoint_interval
        self.clock = clock
        self.request: ChatRequest | GenerateRequest = (
            build_generate_request(conversation, continuing=continuing)
            if conversation.kind is ConversationKind.COMPLETION
            else build_chat_request(conversation, continuing=continuing, tools=tools)
        )
        if model is not None:
            self.request = self.request.model_copy(update={"model": model})
        self.held = held
        self.calls: list[ToolCall] = []
        """The tool calls the model asked for in this reply, in order."""
        self.outcome: TurnOutcome | None = None
        """How the reply ended, once `run` has returned."""
        self.continuing = continuing is not None
        if continuing is not None:
            self.message = continuing
            self.message.status = MessageStatus.STREAMING
            self.message.error = None
            self.message.done_reason = None
        else:
            self.message = Message.assistant(self.request.model)
            self.message.format = self.request.format
            start_version(self.message, versions or [])
        if host is not None:
            self._record_host(host)
        # Text arrives in thousands of fragments: join on checkpoints, not per fragment.
        self._content: list[str] = [self.message.content]
        self._thinking: list[str] = [self.message.thinking or ""]
        self._inline_think = InlineThinkSplitter()
        self.max_reply_bytes = max_reply_bytes
        self._size = len(self.message.content.encode()) + len(
            (self.message.thinking or "").encode()
        )
        self._cut_off = False

    def _take(self, thinking: str, answer: str) -> None:
        """Keep reasoning and answer text apart, and pass each on as it arrives."""
        if thinking:
            self._thinking.append(thinking)
            self.on_event(ThinkingDelta(thinking))
        if answer:
            self._content.append(answer)
            self.on_event(TextDelta(answer))

    def _record_host(self, host: ReplyHost) -> None:
        self.message.host_name = host.name
        self.message.host = host.url

    def _within_cap(self, text: str) -> str:
        """The part of `text` that still fits in the reply's cap; at the cap the turn is
        cut off (an endless stream once reached 907 MB and a 237 MB session file)."""
        size = len(text.encode())
        if self._size + size <= self.max_reply_bytes:
            self._size += size
            return text
        self._cut_off = True
        room = max(0, self.max_reply_bytes - self._size)
        self._size = self.max_reply_bytes
        return text.encode()[:room].decode("utf-8", "ignore")

    def _cut_off_reason(self) -> str:
        limit = format_size(self.max_reply_bytes)
        return (
            f"The reply reached the {limit} limit for one reply and was cut off there; the "
            "text up to it is kept (max_reply_mb in config.toml sets the limit)."
        )

    def sync_text(self) -> None:
        """Bring the message's text up to date with the fragments received so far."""
        self.message.content = "".join(self._content)
        self.message.thinking = "".join(self._thinking)

    async def _checkpoint(self) -> None:
        self.sync_text()
        self.conversation.touch()
        problem = await self.saver.save(self.conversation)
        if problem is not None:
            self.on_save_problem(problem)

    def _settle(self, status: MessageStatus, error: str | None = None) -> None:
        self._take(*self._inline_think.finish())
        self.sync_text()
        self.message.status = status
        self.message.error = error
        self.conversation.touch()

    def _open_stream(self) -> contextlib.AbstractAsyncContextManager[AsyncIterator[StreamEvent]]:
        from ..api.wire import GenerateRequest  # pydantic's models: loaded after the first frame

        if isinstance(self.request, GenerateRequest):
            return self.client.generate_stream(self.request)
        return self.client.chat_stream(self.request)

    async def run(self) -> TurnOutcome:
        """Stream the reply; cancellation (the user's stop) is saved and re-raised."""
        if not self.continuing and not self.held:
            self.conversation.messages.append(self.message)
        last_save = self.clock()
        try:
            async with self._open_stream() as events:
                async for event in events:
                    if isinstance(event, TextDelta):
                        # Servers before 0.9.0 (and some models) put reasoning inline.
                        self._take(*self._inline_think.feed(self._within_cap(event.text)))
                    elif isinstance(event, ThinkingDelta):
                        self._take(self._within_cap(event.text), "")
                    elif isinstance(event, ToolCallsArrived):
                        self.calls += event.calls
                        self.message.tool_calls = [call.to_wire() for call in self.calls]
                        self.on_event(event)
                    elif isinstance(event, ReplyHost):
                        self._record_host(event)
                        self.on_event(event)
                    elif isinstance(event, StreamDone):
                        self.message.done_reason = event.done_reason
                        self.message.stats = event.stats
                        self._settle(MessageStatus.COMPLETE)
                        self.on_event(event)
                    if self._cut_off:
                        # Leaving the stream closes the connection: the server stops too.
                        self._settle(MessageStatus.INCOMPLETE, self._cut_off_reason())
                        break
                    if self.clock() - last_save >= self.checkpoint_interval:
                        last_save = self.clock()
                        await self._checkpoint()
        except asyncio.CancelledError:
            self._settle(MessageStatus.INTERRUPTED)
            # The loop may be shutting down: write on this thread rather than await a worker.
            problem = self.saver.save_blocking(self.conversation)
            if problem is not None:
                self.on_save_problem(problem)
            raise
        except OllamaError as error:
            status = (
                MessageStatus.INCOMPLETE
                if isinstance(error, StreamIncomplete)
                else MessageStatus.ERROR
            )
            self._settle(status, error.message)
            await self._checkpoint()
            self.outcome = TurnOutcome(self.message, error)
            return self.outcome
        except Exception as error:
            # A bug, not the server: the reply must not stay "streaming"; the worker's
            # failure is reported and logged by the app.
            self._settle(
                MessageStatus.ERROR,
                f"The reply failed unexpectedly ({type(error).__name__}); the text so far is kept.",
            )
            await self._checkpoint()
            raise
        if self.message.status is MessageStatus.STREAMING:
            # The client ends iteration only after `done`; this guards a client bug.
            self._settle(MessageStatus.INCOMPLETE, "The reply ended without a final line.")
        await self._checkpoint()
        self.outcome = TurnOutcome(self.message)
        return self.outcome
