"""Provides the tools a conversation lets run without asking: the user's answer "allow for the
rest of this conversation", kept in the conversation itself.

Each call answered so is saved with that approval, and the grant is read back from those calls
(every version counts: the answer was given to the conversation, not to one version of a
reply), so it holds after a restart as it did before. Withdrawing it marks those calls as
allowed once: the record of what ran stays true, and the next call of the tool asks again.
"""

from __future__ import annotations

from collections.abc import Collection

from .conversation import Approval, Message, Role
from .versions import every_message


def _granting(messages: list[Message]) -> list[Message]:
    return [
        message
        for message in every_message(messages)
        if message.role is Role.TOOL
        and message.approval == Approval.CONVERSATION.value
        and message.tool_name
    ]


def standing_grants(messages: list[Message]) -> set[str]:
    """The tools allowed for the conversation of `messages`, by the name the model calls
    them (an MCP server's tool as `NAME__tool`)."""
    return {message.tool_name for message in _granting(messages) if message.tool_name}


def withdraw_grants(messages: list[Message], names: Collection[str] | None = None) -> set[str]:
    """Withdraw the grants of `names` (None: every one); returns the names withdrawn. Each
    call that granted one is kept as allowed once, which is what it was for that call."""
    withdrawn: set[str] = set()
    for message in _granting(messages):
        if message.tool_name and (names is None or message.tool_name in names):
            message.approval = Approval.ONCE.value
            withdrawn.add(message.tool_name)
    return withdrawn
