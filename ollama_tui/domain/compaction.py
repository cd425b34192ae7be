"""Provides compaction's bookkeeping: which messages a summary stands for, and so which are
folded (kept in the file, not sent, drawn as one line).

A summary is a `system` message placed before the last prompt when the conversation was
compacted; its `summary_of` names every message before it. A later compaction's summary names
the earlier summary too, which is then folded with the turns it stood for. Restoring a summary
(`restored`) unfolds its messages: an earlier summary among them is in use again.
"""

from __future__ import annotations

from collections.abc import Sequence

from .conversation import Message, Role


def is_summary(message: Message) -> bool:
    return message.role is Role.SYSTEM and message.summary_of is not None


def in_use(message: Message, folded: set[str]) -> bool:
    """Whether a summary is sent: not restored, and not folded itself by a later one."""
    return is_summary(message) and not message.restored and message.id not in folded


def folded_ids(messages: Sequence[Message]) -> set[str]:
    """The ids of the messages that summaries in use stand for; only messages before a
    summary are folded by it (a hand-edited file naming a later one folds nothing more)."""
    folded: set[str] = set()
    # The latest summary first: whatever it folds (an earlier summary) folds nothing.
    for index in range(len(messages) - 1, -1, -1):
        message = messages[index]
        if in_use(message, folded):
            earlier = {m.id for m in messages[:index]}
            folded.update(i for i in message.summary_of or () if i in earlier)
    return folded


def turns_summarised(messages: Sequence[Message], summary: Message) -> int:
    """How many prompts and replies `summary` stands for."""
    ids = set(summary.summary_of or ())
    return sum(1 for m in messages if m.id in ids and m.role in (Role.USER, Role.ASSISTANT))
