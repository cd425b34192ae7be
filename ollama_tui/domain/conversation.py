"""Provides the conversation model: the contents of one session file (storage contract v1).

Plain classes, read from and written to JSON by hand (`domain.json_fields`): the app's
first frame holds a conversation, and a validation library would cost that frame more than
everything else of ours in it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from enum import Enum
from typing import Any

from . import clock
from .ids import new_id
from .json_fields import (
    JsonObject,
    Where,
    WrongValue,
    copied,
    json_object,
    list_of,
    member,
    optional,
    optional_text,
    text,
    timestamp,
    timestamp_text,
    whole_number,
)

SESSION_SCHEMA = "ollama-tui/session"
SESSION_VERSION = 1


def utc_now() -> datetime:
    """Now, from the one clock (`clock.utc_now`), looked up at each call."""
    return clock.utc_now()


def _switch(value: object, where: Where) -> bool | None:
    """A setting's on/off as written: anything but true or false (a hand-edited or newer
    file's value) reads as unset, so the conversation still opens."""
    return value if isinstance(value, bool) else None


def _ids(value: object, where: Where) -> list[str] | None:
    """A list of message ids as written; anything else (a hostile or broken file) reads as
    none, so the conversation still opens and nothing is folded."""
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    return None


def _format(value: object, where: Where) -> str | dict[str, Any] | None:
    """A structured-output format: `json`, or a JSON schema."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict):
        return json_object(value, where)
    raise WrongValue(where, "should be text or an object")


def _think(value: object, where: Where) -> bool | str | None:
    if value is None or isinstance(value, (bool, str)):
        return value
    raise WrongValue(where, "should be true, false or text")


def _keep_alive(value: object, where: Where) -> str | int | float | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    raise WrongValue(where, "should be text or a number")


def _flag(value: object, where: Where) -> bool:
    if not isinstance(value, bool):
        raise WrongValue(where, "should be true or false")
    return value


_AS_IS = frozenset((str, int, float, bool, type(None)))
"""Types JSON holds as they are (a str enumeration's type is not among them)."""


def _encoded(value: Any) -> Any:
    """A field's value as JSON holds it."""
    if type(value) in _AS_IS:
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return timestamp_text(value)
    if isinstance(value, (Stats, Message, ConversationSettings)):
        return value.to_json_dict()
    if isinstance(value, list):
        return [_encoded(item) for item in value]
    if isinstance(value, dict):
        return {key: _encoded(item) for key, item in value.items()}
    return value


def _json_names(record: type) -> tuple[str, ...]:
    """The fields a class writes, in the file's order (its declaration's); not `unknown`."""
    return tuple(item.name for item in fields(record) if item.name != "unknown")


def _written(record: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """`record`'s fields `names` as JSON, then the fields it read and did not know."""
    data = {name: _encoded(getattr(record, name)) for name in names}
    data.update(copied(record.unknown))
    return data


class MessageStatus(str, Enum):
    """Where an assistant message stands."""

    STREAMING = "streaming"
    COMPLETE = "complete"
    INTERRUPTED = "interrupted"
    INCOMPLETE = "incomplete"
    ERROR = "error"


@dataclass(kw_only=True)
class Stats:
    """Counters from a reply's final line; durations are nanoseconds."""

    prompt_eval_count: int = 0
    eval_count: int = 0
    eval_duration: int = 0
    total_duration: int = 0
    load_duration: int = 0
    prompt_eval_duration: int = 0
    unknown: dict[str, Any] = field(default_factory=dict)
    """Fields of a newer version, kept as read (so are every class's here)."""

    @property
    def tokens_per_second(self) -> float | None:
        """Generation speed, or None when the server reported no duration."""
        if self.eval_count <= 0 or self.eval_duration <= 0:
            return None
        return self.eval_count / self.eval_duration * 1e9

    @classmethod
    def read(cls, value: object, where: Where) -> Stats:
        data = JsonObject(value, where)
        counters = {name: data.take(name, whole_number, 0) for name in STAT_COUNTERS}
        return cls(**counters, unknown=data.unknown())

    def to_json_dict(self) -> dict[str, Any]:
        return _written(self, STAT_COUNTERS)


STAT_COUNTERS = _json_names(Stats)
"""The counters a reply's final line may carry, under Ollama's names."""


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


_optional_number = optional(whole_number)
_role = member(Role)
_status = optional(member(MessageStatus))
_stats = optional(Stats.read)
_tool_calls = optional(list_of(json_object))
_optional_texts = optional(list_of(text))


@dataclass(kw_only=True)
class Message:
    """One turn of a conversation."""

    id: str = field(default_factory=new_id)
    role: Role
    content: str = ""
    created_at: datetime = field(default_factory=utc_now)
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
    summary_of: list[str] | None = None
    """On a `system` message the app wrote when compacting: the ids of the messages before it
    that it summarises. They stay in the file, and the summary is sent in their place (see
    `domain.compaction`)."""
    restored: bool | None = None
    """On a summary: True once the user restored the turns it stands for, which are then sent
    again (and the summary is not)."""
    unknown: dict[str, Any] = field(default_factory=dict)

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

    @classmethod
    def read(cls, value: object, where: Where) -> Message:
        data = JsonObject(value, where)
        return cls(
            id=data.take_or_make("id", text, new_id),
            role=data.require("role", _role),
            content=data.take("content", text, ""),
            created_at=data.take_or_make("created_at", timestamp, utc_now),
            thinking=data.take("thinking", optional_text, None),
            model=data.take("model", optional_text, None),
            status=data.take("status", _status, None),
            error=data.take("error", optional_text, None),
            done_reason=data.take("done_reason", optional_text, None),
            stats=data.take("stats", _stats, None),
            format=data.take("format", _format, None),
            images=data.take("images", _optional_texts, None),
            attachments=data.take("attachments", _optional_texts, None),
            alternatives=data.take("alternatives", _versions_with_turns, None),
            version=data.take("version", _optional_number, None),
            tool_calls=data.take("tool_calls", _tool_calls, None),
            tool_name=data.take("tool_name", optional_text, None),
            tool_call_id=data.take("tool_call_id", optional_text, None),
            approval=data.take("approval", optional_text, None),
            duration_ms=data.take("duration_ms", _optional_number, None),
            host_name=data.take("host_name", optional_text, None),
            host=data.take("host", optional_text, None),
            summary_of=data.take("summary_of", _ids, None),
            restored=data.take("restored", _switch, None),
            unknown=data.unknown(),
        )

    def to_json_dict(self) -> dict[str, Any]:
        unused = _UNUSED_WHEN_UNSET[self.role is Role.ASSISTANT]
        data = {}
        for name in _MESSAGE_FIELDS:
            value = getattr(self, name)
            if value is not None:
                data[name] = _encoded(value)
            elif name not in unused:
                data[name] = None
        data.update(copied(self.unknown))
        return data


_MESSAGE_FIELDS = _json_names(Message)
_UNUSED_WHEN_UNSET = {
    True: frozenset(_OPTIONAL_FIELDS),
    False: frozenset(_OPTIONAL_FIELDS + _ASSISTANT_FIELDS),
}
"""By whether the message is an assistant's: the fields its JSON leaves out when unset."""


_versions = optional(list_of(list_of(Message.read)))


def _versions_with_turns(value: object, where: Where) -> list[list[Message]] | None:
    """The alternatives as read. A version without a single turn (a file edited by hand) has
    nothing to show and nothing to flip to: it is left out."""
    versions = _versions(value, where)
    kept = [tail for tail in versions or () if tail]
    return kept or None


class ConversationKind(str, Enum):
    """A chat (`/api/chat`, with history) or a completion (`/api/generate`, prompt by prompt)."""

    CHAT = "chat"
    COMPLETION = "completion"


@dataclass(kw_only=True)
class ConversationSettings:
    """The Ollama request fields for the next reply, under Ollama's own names.

    `raw`, `suffix` and `template` apply to completions only.
    """

    model: str | None = None
    system: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    format: str | dict[str, Any] | None = None
    think: bool | str | None = None
    keep_alive: str | int | float | None = None
    raw: bool | None = None
    suffix: str | None = None
    template: str | None = None
    history: bool | None = None
    """False: each request carries only the last prompt (`/set nohistory`), not the turns
    before it; None: the whole conversation, as usual."""
    verbose: bool | None = None
    """The line under each reply: True adds the server's timings (`/set verbose`), False
    leaves out the counts (`/set quiet`: the model and how it ended stay); None: the model,
    tokens and speed."""
    wordwrap: bool | None = None
    """False: replies are not wrapped at the width (`/set nowordwrap`); a longer line is cut
    at the edge with a mark. None: wrapped, as usual."""
    tools: list[str] | None = None
    """The tools this conversation lets the model call: built-in names, `NAME.tool` for one
    tool of MCP server NAME, `NAME.*` for all of its tools. Sent as schemas, not as names."""
    unknown: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def read(cls, value: object, where: Where = ()) -> ConversationSettings:
        """Settings as a file holds them.

        Raises:
            WrongValue: for the first value that is not what its field takes.
        """
        data = JsonObject(value, where)
        return cls(
            model=data.take("model", optional_text, None),
            system=data.take("system", optional_text, None),
            options=data.take("options", json_object, {}),
            format=data.take("format", _format, None),
            think=data.take("think", _think, None),
            keep_alive=data.take("keep_alive", _keep_alive, None),
            raw=data.take("raw", _optional_flag, None),
            suffix=data.take("suffix", optional_text, None),
            template=data.take("template", optional_text, None),
            history=data.take("history", _switch, None),
            verbose=data.take("verbose", _switch, None),
            wordwrap=data.take("wordwrap", _switch, None),
            tools=data.take("tools", _optional_texts, None),
            unknown=data.unknown(),
        )

    def to_json_dict(self) -> dict[str, Any]:
        return _written(self, _SETTINGS_FIELDS)

    def copy(self) -> ConversationSettings:
        """An equal copy that shares nothing with this one."""
        return ConversationSettings.read(self.to_json_dict())


_SETTINGS_FIELDS = _json_names(ConversationSettings)
_optional_flag = optional(_flag)
_kind = member(ConversationKind)
_messages = list_of(Message.read)


@dataclass(kw_only=True)
class Conversation:
    """A whole conversation, exactly as saved in `<data_dir>/sessions/<id>.json`."""

    schema: str = SESSION_SCHEMA
    version: int = SESSION_VERSION
    id: str = field(default_factory=new_id)
    title: str = "New conversation"
    created_at: datetime = field(default_factory=utc_now)
    updated_at: datetime = field(default_factory=utc_now)
    host: str | None = None
    """The URL of the server it chats with, never with credentials."""
    host_name: str | None = None
    """That server's name in the config (`default` for `--host`/`OLLAMA_HOST`), or `auto`
    (then `host` is None: each reply records the host that wrote it)."""
    kind: ConversationKind = ConversationKind.CHAT
    settings: ConversationSettings = field(default_factory=ConversationSettings)
    messages: list[Message] = field(default_factory=list)
    unknown: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def read(cls, value: object) -> Conversation:
        """A conversation as its file holds it (parsed JSON).

        Raises:
            WrongValue: for the first value that is not what its field takes.
        """
        data = JsonObject(value, ())
        return cls(
            schema=data.take("schema", text, SESSION_SCHEMA),
            version=data.take("version", whole_number, SESSION_VERSION),
            id=data.take_or_make("id", text, new_id),
            title=data.take("title", text, "New conversation"),
            created_at=data.take_or_make("created_at", timestamp, utc_now),
            updated_at=data.take_or_make("updated_at", timestamp, utc_now),
            host=data.take("host", optional_text, None),
            host_name=data.take("host_name", optional_text, None),
            kind=data.take("kind", _kind, ConversationKind.CHAT),
            settings=data.take_or_make("settings", ConversationSettings.read, ConversationSettings),
            messages=data.take("messages", _messages, []),
            unknown=data.unknown(),
        )

    def touch(self) -> None:
        """Mark the conversation as changed now."""
        self.updated_at = utc_now()

    def to_json_dict(self) -> dict[str, Any]:
        """The JSON-ready dict of the storage contract, unknown fields included."""
        return _written(self, _CONVERSATION_FIELDS)

    def copy(self) -> Conversation:
        """An equal copy that shares nothing with this one."""
        return Conversation.read(self.to_json_dict())

    @property
    def models_used(self) -> list[str]:
        """Every model that wrote a reply, in first-use order."""
        seen: dict[str, None] = {}
        for message in self.messages:
            if message.role is Role.ASSISTANT and message.model:
                seen.setdefault(message.model, None)
        return list(seen)


_CONVERSATION_FIELDS = _json_names(Conversation)
