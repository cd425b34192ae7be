"""Provides saved conversations outside a tab: search, rename, duplicate, export, import."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path

from ..domain.columns import cell_width
from ..domain.compaction import is_summary
from ..domain.conversation import (
    SESSION_VERSION,
    Conversation,
    Message,
    MessageStatus,
    Role,
    utc_now,
)
from ..domain.folding import fold, word_spans
from ..domain.grants import withdraw_grants
from ..domain.ids import new_id
from ..domain.quantities import count_of, format_size
from ..domain.text import sanitize_for_terminal
from ..domain.tool_calls import calls_of
from ..store import (
    Listing,
    SearchIndex,
    SessionStore,
    UnreadableSession,
    newer_version_reason,
    parse_session,
    write_user_file,
)

_LONG_AGO = datetime.min.replace(tzinfo=timezone.utc)
"""Sorts unreadable entries last; `datetime.min.astimezone()` fails east of UTC."""
MAX_IMPORT_BYTES = 256 * 1024 * 1024


class ExportTargetExists(Exception):
    """An export would replace a file the user has; they are asked first."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path} exists")
        self.path = path


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
        parts.append(count_of(stats.eval_count, "token"))
        if stats.tokens_per_second is not None:
            parts.append(f"{stats.tokens_per_second:.1f} tok/s")
    if message.status in _STATUS_NOTES:
        parts.append(_STATUS_NOTES[message.status])
    if message.error:
        parts.append(message.error)
    return f"*{' · '.join(parts)}*" if parts else ""


def _fenced(text: str, language: str = "") -> list[str]:
    """`text` in a code fence longer than any run of backticks in it, so it stays whole."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{language}", text.rstrip("\n"), fence]


def _tool_calls_markdown(message: Message) -> list[str]:
    lines: list[str] = []
    for call in calls_of(message.tool_calls):
        arguments = json.dumps(call.raw_arguments, indent=2, ensure_ascii=False, default=str)
        lines += [f"**Tool call:** `{call.name}`", "", *_fenced(arguments, "json"), ""]
    return lines


def _tool_heading(message: Message) -> str:
    parts = [f"Tool {message.tool_name or ''}".rstrip()]
    if message.approval:
        parts.append(message.approval)
    if message.duration_ms is not None:
        parts.append(f"{message.duration_ms} ms")
    return " · ".join(parts)


def export_file_name(title: str, conversation_id: str) -> str:
    """The file name an export is offered under: the title's words joined by single dashes
    ("Hello there, show me code" gives `hello-there-show-me-code`), its first 40 characters,
    then the end of the id, which tells apart conversations of the same title."""
    spaced = "".join(ch if ch.isalnum() else " " for ch in title.lower())
    slug = "-".join(spaced.split())[:40].rstrip("-")
    return f"{slug or 'conversation'}-{conversation_id[-6:]}.md"


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
            if message.host_name:
                heading += f" @ {message.host_name}"
        elif message.role is Role.TOOL:
            heading = _tool_heading(message)
        elif is_summary(message):
            state = "restored: the turns are sent" if message.restored else "sent instead of them"
            heading = f"Summary of the turns above by {message.model or 'the model'} ({state})"
        else:
            heading = message.role.value.capitalize()
        lines += [f"## {heading} · {_when(message.created_at)}", ""]
        if message.thinking:
            quoted = "\n".join(f"> {line}" for line in message.thinking.splitlines())
            lines += ["> **Thinking**", ">", quoted, ""]
        if message.role is Role.TOOL:
            # A tool's output is data, not prose: fenced, so Markdown in it stays as it was.
            lines += [*_fenced(message.content), ""]
        elif message.content or not message.tool_calls:
            lines += [message.content.rstrip("\n"), ""]
        lines += _tool_calls_markdown(message)
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
        raise UnreadableSession(path, f"too large to import ({format_size(size)})")
    conversation, version = parse_session(path, path.read_bytes())
    if version > SESSION_VERSION:
        raise UnreadableSession(path, newer_version_reason(version))
    renamed = store.exists(conversation.id) or conversation.id in store.trashed_ids()
    if renamed:
        conversation.id = new_id()
    # A grant "for the rest of the conversation" in a file from elsewhere was not this
    # user's answer: nothing runs here without asking first.
    withdraw_grants(conversation.messages)
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
    measurement: Path | None = None
    """A saved throughput test's file, listed among the conversations (opened to be read)."""

    @cached_property
    def folded_title(self) -> str:
        return fold(self.title)


@dataclass(frozen=True)
class LibraryMatch:
    entry: LibraryEntry
    in_messages: bool = False
    """The query matched inside the messages, not (only) the title: worth a snippet."""


SNIPPET_RADIUS = 30
"""Terminal columns of context on each side of the word a snippet shows (a CJK character
takes two)."""


def _widened(text: str, start: int, end: int, floor: int) -> tuple[int, int]:
    """`start`..`end` grown by SNIPPET_RADIUS columns each way, not before `floor`."""
    room = SNIPPET_RADIUS
    while start > floor and room > 0:
        start -= 1
        room -= cell_width(text[start])
    room = SNIPPET_RADIUS
    while end < len(text) and room > 0:
        room -= cell_width(text[end])
        end += 1
    return start, end


def cut_snippet(text: str, words: list[str]) -> str | None:
    """A line of context around the first word found in the messages (the text after its
    first line, the title), found as the index finds it: case and accents aside, CJK across
    line breaks."""
    body_start = text.find("\n") + 1
    if not body_start:
        return None
    for word in words:
        found = next(word_spans(text, word, body_start), None)
        if found is None:
            continue
        start, end = _widened(text, *found, body_start)
        piece = " ".join(text[start:end].split())
        return ("…" if start > body_start else "") + piece + ("…" if end < len(text) else "")
    return None


class ConversationLibrary:
    """Every saved conversation, searchable by title and by the full text of its messages.

    Listing comes from the store's summary index, searching from the full-text index; both
    are caches that follow the files, so conversations written elsewhere show up.
    """

    def __init__(self, store: SessionStore) -> None:
        self.store = store
        self.entries: list[LibraryEntry] = []
        self._everything: list[LibraryMatch] = []
        self._listing: Listing | None = None
        self._measured: list[LibraryEntry] = []
        self.index = SearchIndex(store.data_dir)

    def refresh(self) -> list[LibraryEntry]:
        listing = self.store.list_sessions()
        measurements = self._measurements()
        if listing is self._listing and measurements == self._measured:
            return self.entries  # nothing changed on disk
        if listing is not self._listing:
            self._listing = listing
            summaries, unreadable = listing
            entries = [
                LibraryEntry(s.id, s.title, s.updated_at, tuple(s.models), s.message_count)
                for s in summaries
            ]
            entries += [
                LibraryEntry(u.path.stem, u.path.name, None, (), 0, unreadable_reason=u.reason)
                for u in unreadable
            ]
            self.entries = entries
        else:
            self.entries = list(self.entries)  # a new list: the browser shows it again
        self._measured = measurements
        self._everything = [LibraryMatch(entry) for entry in self.entries + measurements]
        return self.entries

    def _measurements(self) -> list[LibraryEntry]:
        """The saved throughput tests, after the conversations."""
        from .throughput import saved_results  # listed after the first frame, off the loop

        return [
            LibraryEntry(
                f"measurement:{saved.path.name}",
                saved.title,
                saved.saved_at,
                (saved.model,) if saved.model else (),
                0,
                measurement=saved.path,
            )
            for saved in saved_results(self.store.data_dir)
        ]

    @property
    def listed(self) -> bool:
        """Whether `entries` holds a listing yet (the app makes one in the background)."""
        return self._listing is not None

    def recent(self, count: int) -> list[LibraryEntry]:
        """The `count` most recently updated conversations that can be opened, of the last
        listing (no file is read)."""
        return [entry for entry in self.entries if not entry.unreadable_reason][:count]

    def update_index(self, should_stop: Callable[[], bool] = lambda: False) -> bool:
        """Bring the full-text index up to date with the files of the last `refresh` (one
        scan of the folder serves both); slow the first time, so run it in a thread.
        Returns whether the index changed."""
        stamps = self.store.listed_stamps
        if stamps is None:
            self.refresh()
            stamps = self.store.listed_stamps or {}
        return self.index.sync(stamps, should_stop)

    def search(self, query: str) -> list[LibraryMatch]:
        """Entries whose title holds every word of the query, or whose title and messages
        together hold every word (by prefix), newest first.

        When the full-text index cannot answer (`index.unavailable`), titles alone are searched.
        """
        words = fold(query).split()
        if not words:
            return self._everything
        in_text = self.index.matching(words) or set()
        matches = []
        listed = [match.entry for match in self._everything]
        for entry in listed:
            title = entry.folded_title
            if all(word in title for word in words):
                matches.append(LibraryMatch(entry))
            elif entry.id in in_text and not entry.unreadable_reason:
                matches.append(LibraryMatch(entry, in_messages=True))
        return matches

    def snippet(self, session_id: str, words: list[str]) -> str | None:
        text = self.index.text_of(session_id)
        return cut_snippet(text, words) if text is not None else None

    def rename(self, session_id: str, title: str) -> None:
        with self.store.borrowed(session_id) as loaded:
            conversation = loaded.conversation
            conversation.title = title
            conversation.touch()
            self.store.save(conversation)

    def duplicate(self, session_id: str) -> Conversation:
        """A new conversation with the same messages and settings, to continue separately."""
        source = self.store.read(session_id)
        return self.save_copy(source, f"{source.title} (continued)")

    def save_copy(self, conversation: Conversation, title: str) -> Conversation:
        """Save `conversation` (saved or not) as a new one under a new id; its own file, if
        any, is not touched.

        Raises:
            StoreError, OSError: from the store; nothing is written then.
        """
        copy = conversation.copy()
        copy.id = new_id()
        copy.title = title
        copy.created_at = copy.updated_at = utc_now()
        self.store.save(copy)
        self.store.release(copy.id)
        return copy

    def export_to(self, session_id: str, path: Path, *, replace: bool = False) -> Path:
        """Markdown, or the JSON file when `path` ends in .json; returns the file written
        (the one a symlink names).

        Raises:
            ExportTargetExists: `path` exists (or is a symlink) and `replace` is False.
            StoreError, OSError: from reading the conversation or writing the file.
        """
        exists = path.is_symlink() or (path.exists() and not path.is_dir())
        if not replace and exists:  # a folder is not asked about: writing refuses it
            raise ExportTargetExists(path)
        conversation = self.store.read(session_id)
        text = (
            export_json(conversation) if path.suffix == ".json" else export_markdown(conversation)
        )
        return write_user_file(path, text.encode("utf-8"))

    def delete(self, session_id: str) -> None:
        """Move to the trash; `restore` undoes it."""
        self.store.move_to_trash(session_id)

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
        return sorted(entries, key=lambda e: e.updated_at or _LONG_AGO, reverse=True)

    def empty_trash(self) -> int:
        return self.store.empty_trash()
