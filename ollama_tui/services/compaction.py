"""Provides compaction: the conversation's model summarises the turns before the last prompt
into one summary, sent in their place from then on; the turns stay in the file (see
`domain.compaction`), and nothing changes until the summary has arrived whole."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..api.errors import OllamaError
from ..api.wire import ChatRequest
from ..domain.compaction import folded_ids
from ..domain.conversation import Conversation, Message, Role, Stats
from ..domain.events import StreamDone, TextDelta
from ..domain.quantities import format_size
from ..domain.text import InlineThinkSplitter, sanitize_for_terminal
from .chat_turn import build_chat_request, sent_history
from .context_meter import tokens_used

if TYPE_CHECKING:
    from .routing import ReplyClient

SUMMARY_PROMPT = (
    "Summarise our conversation so far, to be read in its place from now on: the turns "
    "above will no longer be sent. Keep every fact, name, number, decision, piece of code "
    "and open question the rest of the conversation may need, and what I asked for and "
    "prefer. Leave out greetings and repetition. Write it in the conversation's language, "
    "as plain notes, without any words addressed to me."
)
"""The last prompt of the summarising request, after the turns to summarise."""

MAX_SUMMARY_BYTES = 256 * 1024
"""A summary longer than this is refused: it would win no space (and bounds what is read)."""


class CompactionError(Exception):
    """Why the conversation was not compacted; it is unchanged."""


@dataclass(frozen=True)
class CompactionPlan:
    """What a compaction summarises: every message before the last prompt."""

    keep_from: Message
    """The last prompt: it and what follows are kept as they are."""
    summarised: list[Message]
    request: ChatRequest


def plan_compaction(conversation: Conversation) -> CompactionPlan:
    """The summarising request: the conversation's model and options, the turns as they are
    sent now (an earlier summary in place of its turns), then the request to summarise.

    Raises:
        CompactionError: there is nothing to summarise yet, or no model.
    """
    settings = conversation.settings
    if not settings.model:
        raise CompactionError("This conversation has no model to write a summary.")
    messages = conversation.messages
    prompts = [index for index, m in enumerate(messages) if m.role is Role.USER]
    before = messages[: prompts[-1]] if prompts else []
    folded = folded_ids(messages)
    if not any(m.role is Role.USER and m.id not in folded for m in before):
        raise CompactionError(
            "Nothing to compact yet: the last prompt and its reply are always kept as they "
            "are, and no turn before them is sent."
        )
    history = sent_history(conversation, before)
    history.append({"role": Role.USER.value, "content": SUMMARY_PROMPT})
    request = ChatRequest(
        model=settings.model,
        messages=history,
        options=dict(settings.options) or None,
        keep_alive=settings.keep_alive,
        # Reasoning would only slow the summary down; off unless the model decides alone.
        think=False if settings.think else None,
    )
    return CompactionPlan(messages[prompts[-1]], before, request)


async def summarise(
    client: ReplyClient, plan: CompactionPlan, on_progress: Callable[[int], None]
) -> Message:
    """Stream the summary; `on_progress` gets its length in characters as it grows. The
    conversation is not touched: `apply_summary` puts the result in.

    Raises:
        CompactionError: the server failed, or the summary came back empty or too long.
    """
    splitter = InlineThinkSplitter()
    parts: list[str] = []
    size = 0
    stats: Stats | None = None
    try:
        async with client.chat_stream(plan.request) as events:
            async for event in events:
                if isinstance(event, TextDelta):
                    _thinking, answer = splitter.feed(event.text)
                    parts.append(answer)
                    size += len(event.text.encode())
                    if size > MAX_SUMMARY_BYTES:
                        raise CompactionError(
                            f"The summary grew past {format_size(MAX_SUMMARY_BYTES)}, which "
                            "wins no space; nothing changed."
                        )
                    on_progress(sum(map(len, parts)))
                elif isinstance(event, StreamDone):
                    stats = event.stats
    except OllamaError as error:
        raise CompactionError(f"The summary failed: {error.message} Nothing changed.") from None
    parts.append(splitter.finish()[1])
    text = sanitize_for_terminal("".join(parts)).strip()
    if not text:
        raise CompactionError("The model wrote an empty summary; nothing changed.")
    summary = Message(
        role=Role.SYSTEM,
        content=text,
        model=plan.request.model,
        summary_of=[message.id for message in plan.summarised],
    )
    summary.stats = stats
    return summary


@dataclass(frozen=True)
class SpaceWon:
    """The context before and after, in tokens when a reply measured it, else in characters
    sent (the next reply measures the tokens)."""

    before: int
    after: int
    unit: str

    def describe(self) -> str:
        about = "" if self.unit == "characters" else "about "
        return f"{self.before:,} → {about}{self.after:,} {self.unit}"


def _sent_size(conversation: Conversation) -> int:
    with contextlib.suppress(ValueError):
        return sum(
            len(str(m.get("content", ""))) for m in build_chat_request(conversation).messages
        )
    return 0


def apply_summary(conversation: Conversation, plan: CompactionPlan, summary: Message) -> SpaceWon:
    """Put `summary` in before the last prompt; returns the space it wins.

    Raises:
        CompactionError: the conversation changed meanwhile (the last prompt is not there).
    """
    messages = conversation.messages
    if not any(m is plan.keep_from for m in messages):
        raise CompactionError("The conversation changed while it was summarised; nothing changed.")
    before_chars = _sent_size(conversation)
    messages.insert(messages.index(plan.keep_from), summary)
    conversation.touch()
    after_chars = _sent_size(conversation)
    tokens = tokens_used(conversation)
    if tokens is None or not before_chars:
        return SpaceWon(before_chars, after_chars, "characters")
    # The last reply measured the context in tokens; the text sent shrinks by this much.
    return SpaceWon(tokens, round(tokens * after_chars / before_chars), "tokens")


def set_restored(conversation: Conversation, summary: Message, restored: bool) -> None:
    """Send the turns `summary` stands for again (restored), or the summary again."""
    summary.restored = True if restored else None
    conversation.touch()
