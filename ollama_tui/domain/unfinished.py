"""Provides how a conversation reads when the app that wrote it ended in the middle of a turn
(killed, crashed, the machine off): what was still under way is read as stopped, since
whoever was doing it is gone.
"""

from __future__ import annotations

from .conversation import Approval, Conversation, Message, MessageStatus, Role
from .tool_calls import calls_of, pair_results
from .versions import every_message

ENDED_MID_CALL = "Stopped: the app ended before this call finished; its result is unknown."
"""The result of a call that was running when the app ended (it may have done part of its
work): what the user reads in the call's block, and the model in its result."""
ENDED_BEFORE_CALL = "Not run: the turn ended before this call was answered."
"""The result of a call saved without one: the app ended while it waited for approval (or
its reply failed after asking for it)."""

_RAN = frozenset({Approval.ONCE.value, Approval.CONVERSATION.value, Approval.AUTO.value})


def settle_unfinished(conversation: Conversation) -> None:
    """Replies saved while `streaming` become `interrupted`; calls saved while they ran
    (allowed, with neither a result nor a duration) are answered as stopped, and calls saved
    with no result at all (asked about, never answered) as not run."""
    _answer_unanswered(conversation.messages)
    for message in every_message(conversation.messages):
        if message.status is MessageStatus.STREAMING:
            message.status = MessageStatus.INTERRUPTED
        elif (
            message.role is Role.TOOL
            and message.approval in _RAN
            and message.duration_ms is None
            and not message.content
        ):
            message.content = ENDED_MID_CALL


def _answer_unanswered(messages: list[Message]) -> None:
    """After each reply that called tools, in every version: a result for each call that
    has none, among the results that follow it (a call must have one before the history
    goes back, and the screen would say it waits for approval)."""
    index = 0
    while index < len(messages):
        message = messages[index]
        index += 1
        for tail in message.alternatives or ():
            _answer_unanswered(tail)
        calls = calls_of(message.tool_calls) if message.role is Role.ASSISTANT else []
        if not calls:
            continue
        end = index
        while end < len(messages) and messages[end].role is Role.TOOL:
            end += 1
        answered = pair_results(calls, messages[index:end])
        missing = [
            Message.tool(
                ENDED_BEFORE_CALL,
                tool_name=call.name,
                tool_call_id=call.id,
                approval=None,
                duration_ms=None,
            )
            for call, result in zip(calls, answered, strict=True)
            if result is None
        ]
        messages[end:end] = missing
        index = end + len(missing)
