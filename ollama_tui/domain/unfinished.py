"""Provides how a conversation reads when the app that wrote it ended in the middle of a turn
(killed, crashed, the machine off): what was still under way is read as stopped, since
whoever was doing it is gone.
"""

from __future__ import annotations

from .conversation import Approval, Conversation, MessageStatus, Role
from .versions import every_message

ENDED_MID_CALL = "Stopped: the app ended before this call finished; its result is unknown."
"""The result of a call that was running when the app ended (it may have done part of its
work): what the user reads in the call's block, and the model in its result."""

_RAN = frozenset({Approval.ONCE.value, Approval.CONVERSATION.value, Approval.AUTO.value})


def settle_unfinished(conversation: Conversation) -> None:
    """Replies saved while `streaming` become `interrupted`, and calls saved while they
    ran (allowed, with neither a result nor a duration) are answered as stopped."""
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
