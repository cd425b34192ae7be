"""Provides saved conversations outside a tab: export as Markdown or JSON, and import."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from ..domain.conversation import Conversation, Message, MessageStatus, Role
from ..domain.ids import new_id
from ..domain.text import sanitize_for_terminal
from ..store import SessionStore, UnreadableSession, parse_session

MAX_IMPORT_BYTES = 256 * 1024 * 1024

_STATUS_NOTES = {
    MessageStatus.INTERRUPTED: "stopped before the end",
    MessageStatus.INCOMPLETE: "incomplete: the reply ended without its final line",
    MessageStatus.ERROR: "failed",
    MessageStatus.STREAMING: "stopped before the end",
}


def _yaml_string(text: str) -> str:
    # JSON strings are valid YAML scalars, and escape everything that could break the block.
    return json.dumps(text, ensure_ascii=False)


def _when(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def _reply_footer(message: Message) -> str:
    parts = []
    stats = message.stats
    if stats is not None and stats.eval_count:
        parts.append(f"{stats.eval_count} tokens")
        if stats.tokens_per_second is not None:
            parts.append(f"{stats.tokens_per_second:.1f} tok/s")
    if message.status in _STATUS_NOTES:
        parts.append(_STATUS_NOTES[message.status])
    if message.error:
        parts.append(message.error)
    return f"*{' · '.join(parts)}*" if parts else ""


def export_markdown(conversation: Conversation) -> str:
    """A readable Markdown file: front matter, then each turn headed with who wrote it and when.

    Replies are copied as they are, so their code blocks stay intact.
    """
    lines = [
        "---",
        f"title: {_yaml_string(conversation.title)}",
        f"id: {conversation.id}",
        f"created: {conversation.created_at.isoformat()}",
        f"updated: {conversation.updated_at.isoformat()}",
        f"models: [{', '.join(_yaml_string(m) for m in conversation.models_used)}]",
    ]
    if conversation.host:
        lines.append(f"host: {_yaml_string(conversation.host)}")
    if conversation.settings.system:
        lines.append(f"system: {_yaml_string(conversation.settings.system)}")
    lines += ["---", "", f"# {conversation.title}", ""]
    for message in conversation.messages:
        if message.role is Role.USER:
            heading = "You"
        elif message.role is Role.ASSISTANT:
            heading = message.model or "assistant"
        else:
            heading = message.role.value.capitalize()
        lines += [f"## {heading} · {_when(message.created_at)}", ""]
        if message.thinking:
            quoted = "\n".join(f"> {line}" for line in message.thinking.splitlines())
            lines += ["> **Thinking**", ">", quoted, ""]
        lines += [message.content.rstrip("\n"), ""]
        if message.role is Role.ASSISTANT and (footer := _reply_footer(message)):
            lines += [footer, ""]
    return sanitize_for_terminal("\n".join(lines).rstrip("\n") + "\n")


def export_json(conversation: Conversation) -> str:
    """The session file itself, as the storage contract defines it."""
    return json.dumps(conversation.to_json_dict(), ensure_ascii=False, indent=1) + "\n"


def import_conversation(store: SessionStore, path: Path) -> tuple[Conversation, bool]:
    """Save a JSON export as a new conversation; never overwrites an existing one.

    Returns:
        The conversation as saved, and whether it needed a new id because its own was taken.

    Raises:
        UnreadableSession: the file is not a conversation this version can read.
        OSError: the file cannot be read, or the new one cannot be written.
    """
    size = path.stat().st_size
    if size > MAX_IMPORT_BYTES:
        raise UnreadableSession(path, f"too large to import ({size:,} bytes)")
    conversation, version = parse_session(path, path.read_bytes())
    if version > 1:
        raise UnreadableSession(
            path, f"written by a newer version of ollama-tui (format {version})"
        )
    renamed = store.exists(conversation.id) or conversation.id in store.trashed_ids()
    if renamed:
        conversation.id = new_id()
    store.save(conversation)
    store.release(conversation.id)
    return conversation, renamed
