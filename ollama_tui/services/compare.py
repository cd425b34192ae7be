"""Provides a comparison: the next reply written by 2-4 models at once, each from the same
history and settings, until the user keeps one.

While they stream, the first column's reply is the conversation's turn and the others are
its versions (`alternatives`, each with its model), so the session file holds every reply as
it is written, crash-safe as any reply. Choosing a column puts that version in use; the
others stay, to be flipped to as any version.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from ..config import DEFAULT_MAX_REPLY_BYTES
from ..domain.conversation import Conversation, Message
from ..domain.events import ReplyHost, StreamEvent
from ..domain.versions import switch_version
from .chat_turn import ChatTurn, TurnOutcome
from .routing import ReplyClient
from .saver import ConversationSaver, SaveProblem

MIN_COLUMNS = 2
MAX_COLUMNS = 4


@dataclass(frozen=True)
class CompareTarget:
    """A model to compare, on the host (by its configured name) that serves it."""

    model: str
    host: str
    """Its configured name, or `auto`: each column's request goes where it is best served."""
    client: ReplyClient
    label: str = ""
    """The host's address, without credentials, for the column's heading."""
    recorded: ReplyHost | None = None
    """The host the reply records from the start (several hosts configured, not `auto`)."""


class Comparison:
    """The replies of several models to the conversation's last prompt, written at once."""

    def __init__(
        self,
        targets: Sequence[CompareTarget],
        saver: ConversationSaver,
        conversation: Conversation,
        *,
        on_event: Callable[[int, StreamEvent], None],
        on_save_problem: Callable[[SaveProblem], None],
        max_reply_bytes: int = DEFAULT_MAX_REPLY_BYTES,
    ) -> None:
        if not MIN_COLUMNS <= len(targets) <= MAX_COLUMNS:
            raise ValueError(f"compare {MIN_COLUMNS} to {MAX_COLUMNS} models")
        self.targets = list(targets)
        self.conversation = conversation
        self.index = len(conversation.messages)
        """Where the replies go in the conversation's messages."""
        self.turns = [
            ChatTurn(
                target.client,
                saver,
                conversation,
                on_event=partial(on_event, column),
                on_save_problem=on_save_problem,
                model=target.model,
                held=column > 0,
                max_reply_bytes=max_reply_bytes,
                host=target.recorded,
            )
            for column, target in enumerate(self.targets)
        ]
        head = self.turns[0].message
        head.alternatives = [[turn.message] for turn in self.turns[1:]]
        head.version = 0  # the columns' order is the versions' order
        self._tasks: list[asyncio.Task[TurnOutcome]] = []

    @property
    def messages(self) -> list[Message]:
        """Each column's reply, in the order of the columns."""
        return [turn.message for turn in self.turns]

    async def run(self) -> list[TurnOutcome | None]:
        """Stream every reply; each column's outcome, None for one that was stopped. A
        column that fails does not stop the others."""
        self._tasks = [asyncio.ensure_future(turn.run()) for turn in self.turns]
        results = await asyncio.gather(*self._tasks, return_exceptions=True)
        outcomes: list[TurnOutcome | None] = []
        for result in results:
            if isinstance(result, asyncio.CancelledError):
                outcomes.append(None)
            elif isinstance(result, BaseException):
                raise result
            else:
                outcomes.append(result)
        return outcomes

    def stop(self, column: int) -> None:
        """Stop one column's reply (kept as interrupted); the others go on."""
        if 0 <= column < len(self._tasks):
            self._tasks[column].cancel()

    def stop_all(self) -> None:
        for task in self._tasks:
            task.cancel()

    def choose(self, column: int) -> Message:
        """Make that column's reply the conversation's turn; the others stay its versions."""
        return switch_version(self.conversation.messages, self.index, column)[0]
