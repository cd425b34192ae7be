"""Provides saved conversations outside a tab: search, rename, duplicate, export, import."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..domain.conversation import (
    SESSION_VERSION,
    Conversation,
    Message,
    MessageStatus,
    Role,
    utc_now,
)
from ..domain.ids import new_id
from ..domain.text import sanitize_for_terminal
from ..store import (
    SessionStore,
    UnreadableSession,
    atomic_write_bytes,
    newer_version_reason,
    parse_session,
)

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
    if version > SESSION_VERSION:
        raise UnreadableSession(path, newer_version_reason(version))
    renamed = store.exists(conversation.id) or conversation.id in store.trashed_ids()
    if renamed:
        conversation.id = new_id()
    store.save(conversation)
    store.release(conversation.id)
    return conversation, renamed


@dataclass(frozen=True)
class LibraryEntry:
    """One saved conversation as the browser lists it, or an unreadable file and why."""

    id: str
    title: str
    updated_at: datetime | None
    models: tuple[str, ...]
    message_count: int
    unreadable_reason: str | None = None


@dataclass(frozen=True)
class LibraryMatch:
    entry: LibraryEntry
    snippet: str | None = None
    """Where the query matched inside the messages, when it did not match the title."""


SNIPPET_RADIUS = 30


def _snippet(text: str, folded: str, word: str) -> str | None:
    index = folded.find(word)
    if index < 0:
        return None
    start = max(0, index - SNIPPET_RADIUS)
    end = min(len(text), index + len(word) + SNIPPET_RADIUS)
    piece = " ".join(text[start:end].split())
    return ("…" if start else "") + piece + ("…" if end < len(text) else "")


class ConversationLibrary:
    """Every saved conversation, searchable by title and by the full text of its messages.

    Texts are read once and kept; a file that changed on disk since is read again.
    """

    def __init__(self, store: SessionStore) -> None:
        self.store = store
        self.entries: list[LibraryEntry] = []
        self._texts: dict[str, tuple[float, str, str]] = {}  # id -> (mtime, text, folded)

    def refresh(self) -> list[LibraryEntry]:
        summaries, unreadable = self.store.list_sessions()
        entries = [
            LibraryEntry(s.id, s.title, s.updated_at, tuple(s.models), s.message_count)
            for s in summaries
        ]
        entries += [
            LibraryEntry(u.path.stem, u.path.name, None, (), 0, unreadable_reason=u.reason)
            for u in unreadable
        ]
        self.entries = entries
        return entries

    def _text_of(self, session_id: str) -> tuple[str, str]:
        path = self.store.path_for(session_id)
        try:
            mtime = path.stat().st_mtime
        except OSError:
            return "", ""
        cached = self._texts.get(session_id)
        if cached is not None and cached[0] == mtime:
            return cached[1], cached[2]
        try:
            conversation, _ = parse_session(path, path.read_bytes())
        except (OSError, UnreadableSession):
            return "", ""
        text = "\n".join(message.content for message in conversation.messages)
        self._texts[session_id] = (mtime, text, text.casefold())
        return text, text.casefold()

    def search(self, query: str) -> list[LibraryMatch]:
        """Entries whose title, or else whose messages, hold every word of the query."""
        words = query.casefold().split()
        if not words:
            return [LibraryMatch(entry) for entry in self.entries]
        matches = []
        for entry in self.entries:
            title = entry.title.casefold()
            if all(word in title for word in words):
                matches.append(LibraryMatch(entry))
                continue
            if entry.unreadable_reason:
                continue
            text, folded = self._text_of(entry.id)
            haystack = f"{title}\n{folded}"
            if all(word in haystack for word in words):
                first = next((w for w in words if w not in title), words[0])
                matches.append(LibraryMatch(entry, _snippet(text, folded, first)))
        return matches

    def rename(self, session_id: str, title: str) -> None:
        conversation = self.store.load(session_id).conversation
        try:
            conversation.title = title
            conversation.touch()
            self.store.save(conversation)
        finally:
            self.store.release(session_id)

    def duplicate(self, session_id: str) -> Conversation:
        """A new conversation with the same messages and settings, to continue separately."""
        try:
            source = self.store.load(session_id).conversation
        finally:
            self.store.release(session_id)
        copy = Conversation.model_validate(source.to_json_dict())
        copy.id = new_id()
        copy.title = f"{source.title} (continued)"
        copy.created_at = copy.updated_at = utc_now()
        self.store.save(copy)
        self.store.release(copy.id)
        return copy

    def export_to(self, session_id: str, path: Path) -> None:
        """Markdown, or the JSON file when `path` ends in .json."""
        try:
            conversation = self.store.load(session_id).conversation
        finally:
            self.store.release(session_id)
        text = (
            export_json(conversation) if path.suffix == ".json" else export_markdown(conversation)
        )
        atomic_write_bytes(path, text.encode("utf-8"))

    def delete(self, session_id: str) -> None:
        """Move to the trash; `restore` undoes it."""
        self.store.move_to_trash(session_id)
        self._texts.pop(session_id, None)

    def restore(self, session_id: str) -> None:
        self.store.restore_from_trash(session_id)

    def trashed(self) -> list[LibraryEntry]:
        entries = []
        for session_id in self.store.trashed_ids():
            path = self.store.trash_dir / f"{session_id}.json"
            try:
                conversation, _ = parse_session(path, path.read_bytes())
            except (OSError, UnreadableSession) as error:
                entries.append(LibraryEntry(session_id, path.name, None, (), 0, str(error)))
                continue
            entries.append(
                LibraryEntry(
                    session_id,
                    conversation.title,
                    conversation.updated_at,
                    tuple(conversation.models_used),
                    len(conversation.messages),
                )
            )
        return sorted(
            entries, key=lambda e: e.updated_at or datetime.min.astimezone(), reverse=True
        )

    def empty_trash(self) -> int:
        return self.store.empty_trash()
