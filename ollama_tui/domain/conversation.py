"""Provides the conversation model: the contents of one session file (storage contract v1)."""

from __future__ import annotations

from datetime import datetime, timezone
from enum import Enum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
)

from . import clock
from .ids import new_id

SESSION_SCHEMA = "ollama-tui/session"
SESSION_VERSION = 1


def utc_now() -> datetime:
    """Now, from the one clock (`clock.utc_now`), looked up at each call."""
    return clock.utc_now()


def comparable_time(moment: datetime) -> datetime:
    """A time written without a zone (by hand, or by another tool) is taken as UTC, so every
    time read is comparable with every other; years 1 and 9999 are refused, since showing
    them in a local zone overflows."""
    if not 1 < moment.year < 9999:
        raise ValueError("the year must be between 2 and 9998")
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


Timestamp = Annotated[datetime, AfterValidator(comparable_time)]


def _switch(value: object) -> bool | None:
    """A setting's on/off as written: anything but true or false (a hand-edited or newer
    file's value) reads as unset, so the conversation still opens."""
    return value if isinstance(value, bool) else None


Switch = Annotated[bool | None, BeforeValidator(_switch)]
"""An on/off setting added after the format's first release; None is the usual behaviour."""


def _ids(value: object) -> list[str] | None:
    """A list of message ids as written; anything else (a hostile or broken file) reads as
    none, so the conversation still opens and nothing is folded."""
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    return None


Ids = Annotated[list[str] | None, BeforeValidator(_ids)]


class _Tolerant(BaseModel):
    """Keeps fields it does not know, so a rewrite never loses what a newer version added.

    Each model builds its validator and serializer when first used, not when it is defined:
    a new conversation's first frame uses neither (`Conversation.new`), and the app builds
    them right after it (`build_models`)."""

    model_config = ConfigDict(
        extra="allow", populate_by_name=True, validate_assignment=False, defer_build=True
    )


class MessageStatus(str, Enum):
    """Where an assistant message stands."""

    STREAMING = "streaming"
    COMPLETE = "complete"
    INTERRUPTED = "interrupted"
    INCOMPLETE = "incomplete"
    ERROR = "error"


class Stats(_Tolerant):
    """Counters from a reply's final line; durations are nanoseconds."""

    prompt_eval_count: int = 0
    eval_count: int = 0
    eval_duration: int = 0
    total_duration: int = 0
    load_duration: int = 0
    prompt_eval_duration: int = 0

    @property
    def tokens_per_second(self) -> float | None:
        """Generation speed, or None when the server reported no duration."""
        if self.eval_count <= 0 or self.eval_duration <= 0:
            return None
        return self.eval_count / self.eval_duration * 1e9


class Role(str, Enum):
    SYSTEM = "system"
    USER = "user"
    ASSISTANT = "assistant"
    TOOL = "tool"


# Fields only an assistant message carries; left out of other roles' JSON when unset.
_ASSISTANT_FIELDS = ("thinking", "model", "status", "error", "done_reason", "stats")
# Fields added after the first release of the format; left out of every message when unset,
# so files stay as they were for conversations that never use them.
_OPTIONAL_FIELDS = (
    "format",
    "images",
    "attachments",
    "alternatives",
    "version",
    "tool_calls",
    "tool_name",
    "tool_call_id",
    "approval",
    "duration_ms",
    "host_name",
    "host",
    "summary_of",
    "restored",
)


class Approval(str, Enum):
    """How a tool call came to run, or that it did not."""

    ONCE = "once"
    CONVERSATION = "conversation"
    AUTO = "auto"
    DENIED = "denied"


class Message(_Tolerant):
    """One turn of a conversation."""

    id: str = Field(default_factory=new_id)
    role: Role
    content: str = ""
    created_at: Timestamp = Field(default_factory=utc_now)
    thinking: str | None = None
    model: str | None = None
    status: MessageStatus | None = None
    error: str | None = None
    done_reason: str | None = None
    stats: Stats | None = None
    format: str | dict[str, Any] | None = None
    """The structured-output format the reply was asked for (`json` or a JSON schema)."""
    images: list[str] | None = None
    """Attached images as plain base64, as Ollama takes them."""
    attachments: list[str] | None = None
    """The attached files' names, one per image, for the transcript."""
    alternatives: list[list[Message]] | None = None
    """Other versions of the conversation from this message on (earlier replies when it was
    regenerated, earlier turns when it was edited). Only the first message of the path in use
    holds them."""
    version: int | None = None
    """This path's place among all versions (0-based): the alternatives fill the others."""
    tool_calls: list[dict[str, Any]] | None = None
    """On an assistant message: the calls it asked for, in Ollama's shape, as they arrived."""
    tool_name: str | None = None
    """On a `tool` message: the tool that answered, as the model named it."""
    tool_call_id: str | None = None
    """On a `tool` message: the id of the call it answers, when the call had one."""
    approval: str | None = None
    """On a `tool` message: an `Approval` value (kept as text: a newer value must load)."""
    duration_ms: int | None = None
    """On a `tool` message of a call that ran: how long it took."""
    host_name: str | None = None
    """On a reply, when several hosts are configured: the name of the host that wrote it (a
    conversation on `auto` records its choice, each reply the host that answered)."""
    host: str | None = None
    """That host's URL, never with credentials."""

    @field_validator("alternatives")
    @classmethod
    def _versions_with_turns(cls, value: list[list[Message]] | None) -> list[list[Message]] | None:
        """A version without a single turn (a file edited by hand) has nothing to show and
        nothing to flip to: it is left out."""
        kept = [tail for tail in value or () if tail]
        return kept or None

    summary_of: Ids = None
    """On a `system` message the app wrote when compacting: the ids of the messages before it
    that it summarises. They stay in the file, and the summary is sent in their place (see
    `domain.compaction`)."""
    restored: Switch = None
    """On a summary: True once the user restored the turns it stands for, which are then sent
    again (and the summary is not)."""

    @model_serializer(mode="wrap")
    def _drop_unused_fields(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if not isinstance(data, dict):
            return data
        unused: tuple[str, ...] = _OPTIONAL_FIELDS
        if self.role is not Role.ASSISTANT:
            unused += _ASSISTANT_FIELDS
        for key in unused:
            if data.get(key) is None:
                data.pop(key, None)
        return data

    @property
    def version_count(self) -> int:
        """How many versions of the conversation branch here (1 when never regenerated)."""
        return len(self.alternatives or ()) + 1

    @classmethod
    def user(cls, content: str) -> Message:
        return cls(role=Role.USER, content=content)

    @classmethod
    def tool(
        cls,
        content: str,
        *,
        tool_name: str,
        tool_call_id: str | None,
        approval: Approval | None,
        duration_ms: int | None,
    ) -> Message:
        """A tool's answer; `approval` None: the call did not come to be asked about (its
        arguments were not an object, or no such tool was offered)."""
        return cls(
            role=Role.TOOL,
            content=content,
            tool_name=tool_name,
            tool_call_id=tool_call_id,
            approval=approval.value if approval is not None else None,
            duration_ms=duration_ms,
        )

    @classmethod
    def assistant(cls, model: str) -> Message:
        return cls(
            role=Role.ASSISTANT,
            content="",
            thinking="",
            model=model,
            status=MessageStatus.STREAMING,
        )


class ConversationKind(str, Enum):
    """A chat (`/api/chat`, with history) or a completion (`/api/generate`, prompt by prompt)."""

    CHAT = "chat"
    COMPLETION = "completion"


class ConversationSettings(_Tolerant):
    """The Ollama request fields for the next reply, under Ollama's own names.

    `raw`, `suffix` and `template` apply to completions only.
    """

    model: str | None = None
    system: str | None = None
    options: dict[str, Any] = Field(default_factory=dict)
    format: str | dict[str, Any] | None = None
    think: bool | str | None = None
    keep_alive: str | int | float | None = None
    raw: bool | None = None
    suffix: str | None = None
    template: str | None = None
    history: Switch = None
    """False: each request carries only the last prompt (`/set nohistory`), not the turns
    before it; None: the whole conversation, as usual."""
    verbose: Switch = None
    """The line under each reply: True adds the server's timings (`/set verbose`), False
    leaves out the counts (`/set quiet`: the model and how it ended stay); None: the model,
    tokens and speed."""
    wordwrap: Switch = None
    """False: replies are not wrapped at the width (`/set nowordwrap`); a longer line is cut
    at the edge with a mark. None: wrapped, as usual."""
    tools: list[str] | None = None
    """The tools this conversation lets the model call: built-in names, `NAME.tool` for one
    tool of MCP server NAME, `NAME.*` for all of its tools. Sent as schemas, not as names."""


class Conversation(_Tolerant):
    """A whole conversation, exactly as saved in `<data_dir>/sessions/<id>.json`."""

    schema_: str = Field(default=SESSION_SCHEMA, alias="schema")
    version: int = SESSION_VERSION
    id: str = Field(default_factory=new_id)
    title: str = "New conversation"
    created_at: Timestamp = Field(default_factory=utc_now)
    updated_at: Timestamp = Field(default_factory=utc_now)
    host: str | None = None
    """The URL of the server it chats with, never with credentials."""
    host_name: str | None = None
    """That server's name in the config (`default` for `--host`/`OLLAMA_HOST`), or `auto`
    (then `host` is None: each reply records the host that wrote it)."""
    kind: ConversationKind = ConversationKind.CHAT
    settings: ConversationSettings = Field(default_factory=ConversationSettings)
    messages: list[Message] = Field(default_factory=list)

    @classmethod
    def new(cls, kind: ConversationKind, settings: ConversationSettings) -> Conversation:
        """A conversation not yet saved, made of our own values: nothing in it to validate,
        so its model's validator is not built for it (see `_Tolerant`)."""
        return cls.model_construct(kind=kind, settings=settings)

    def touch(self) -> None:
        """Mark the conversation as changed now."""
        self.updated_at = utc_now()

    def to_json_dict(self) -> dict[str, Any]:
        """The JSON-ready dict of the storage contract, unknown fields included."""
        return self.model_dump(mode="json", by_alias=True)

    @property
    def models_used(self) -> list[str]:
        """Every model that wrote a reply, in first-use order."""
        seen: dict[str, None] = {}
        for message in self.messages:
            if message.role is Role.ASSISTANT and message.model:
                seen.setdefault(message.model, None)
        return list(seen)


def build_models(*bases: type[BaseModel]) -> None:
    """Build now the validators and serializers of `bases` (the conversation's models when
    none is given) and of every model derived from them. From a thread after the first
    frame, for models that defer their build (`_Tolerant`, `api.wire.WireModel`): neither
    that frame nor the first save or request then waits for one."""
    pending = list(bases or (_Tolerant,))
    while pending:
        model = pending.pop()
        pending.extend(model.__subclasses__())
        model.model_rebuild()
