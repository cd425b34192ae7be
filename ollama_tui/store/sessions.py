"""Provides the session store: one JSON file per conversation, under the storage contract v1."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..domain.conversation import SESSION_SCHEMA, SESSION_VERSION, Conversation
from ..domain.ids import is_valid_id
from ..domain.json_fields import WrongValue, comparable_time
from ..domain.unfinished import settle_unfinished
from .atomic import atomic_write_bytes, ensure_private_dir, is_temp_name, sync_folder
from .disk_json import DiskJsonError, read_json
from .errors import InvalidSessionId, SessionNotFound, SessionReadOnly, UnreadableSession
from .locks import SessionLocks
from .summary_index import FileStamp, Record, SummaryIndex, is_fresh, session_files

STALE_TEMP_AGE = 60.0
"""Seconds after which a leftover temporary file is surely from a write that died."""
SYMLINK_REASON = "the file is a symbolic link, which is never replaced"


@dataclass(frozen=True)
class LoadedSession:
    """A conversation read from disk; `read_only_reason` is None when this instance may write."""

    conversation: Conversation
    read_only_reason: str | None


@dataclass(frozen=True)
class SessionSummary:
    """One line of the saved-conversations list."""

    id: str
    title: str
    created_at: datetime
    updated_at: datetime
    models: list[str]
    message_count: int


@dataclass(frozen=True)
class UnreadableEntry:
    """A file in the sessions folder that could not be read, and why; it is left as it is."""

    path: Path
    reason: str


def newer_version_reason(version: int) -> str:
    return f"it was written by a newer version of ollama-tui (format {version})"


def parse_session(path: Path, raw: bytes) -> tuple[Conversation, int]:
    """Parse a session file's bytes; returns the conversation and its format version.

    Raises:
        UnreadableSession: with a short, specific reason.
    """
    try:
        data = read_json(raw)
    except DiskJsonError as error:
        raise UnreadableSession(path, error.reason) from None
    if not isinstance(data, dict):
        raise UnreadableSession(path, f"not an ollama-tui session (a JSON {type(data).__name__})")
    schema = data.get("schema")
    if schema != SESSION_SCHEMA:
        found = "no schema field" if schema is None else f"schema {schema!r}"
        raise UnreadableSession(path, f"not an ollama-tui session ({found})")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise UnreadableSession(path, f"unknown format version {version!r}")
    try:
        conversation = Conversation.read(data)
    except WrongValue as error:
        raise UnreadableSession(path, f"not a valid session ({error})") from None
    except RecursionError:
        raise UnreadableSession(path, "nested too deeply to read") from None
    return conversation, version


Listing = tuple[list[SessionSummary], list[UnreadableEntry]]


def _summary_from(session_id: str, record: Record) -> SessionSummary | None:
    """The list line a summary index record holds, or None when it holds none of the right
    types (the index is a file on disk like any other: damaged, or written by someone else)."""
    summary = record.get("summary")
    if not isinstance(summary, dict):
        return None
    title, models, count = summary.get("title"), summary.get("models"), summary.get("message_count")
    if (
        not isinstance(title, str)
        or not isinstance(models, list)
        or not isinstance(count, int)
        or isinstance(count, bool)
    ):
        return None
    try:
        created_at = comparable_time(datetime.fromisoformat(summary["created_at"]))
        updated_at = comparable_time(datetime.fromisoformat(summary["updated_at"]))
    except (TypeError, KeyError, ValueError):
        return None
    return SessionSummary(
        id=session_id,
        title=title,
        created_at=created_at,
        updated_at=updated_at,
        models=[model for model in models if isinstance(model, str)],
        message_count=count,
    )


class SessionStore:
    """Reads and writes `<data_dir>/sessions/<id>.json` safely.

    Writes are atomic and private. A file that does not parse is never written, renamed or
    deleted. A file from a newer version, or a conversation another running instance holds,
    is read-only here.
    """

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.sessions_dir = data_dir / "sessions"
        ensure_private_dir(data_dir, tighten=False)
        ensure_private_dir(self.sessions_dir)
        self._locks = SessionLocks(data_dir / "locks")
        self._read_only: dict[str, str] = {}
        self._index = SummaryIndex(data_dir / "index.json")
        self._last_listing: tuple[dict[str, FileStamp], Listing] | None = None
        self._remove_stale_temp_files()

    def _remove_stale_temp_files(self) -> None:
        now = time.time()
        for entry in os.scandir(self.sessions_dir):
            if not is_temp_name(entry.name):
                continue
            with contextlib.suppress(OSError):
                if entry.is_file(follow_symlinks=False) and (
                    now - entry.stat(follow_symlinks=False).st_mtime > STALE_TEMP_AGE
                ):
                    os.unlink(entry.path)

    def path_for(self, session_id: str) -> Path:
        """The file of a conversation; refuses any id that could leave the sessions folder."""
        if not is_valid_id(session_id):
            raise InvalidSessionId(session_id)
        return self.sessions_dir / f"{session_id}.json"

    def exists(self, session_id: str) -> bool:
        return self.path_for(session_id).exists()

    def read(self, session_id: str) -> Conversation:
        """Read a conversation without taking or letting go of any lock (to export it or to
        continue it in a new one): a tab of this instance that has it open keeps its lock.

        The file's name is the conversation's identity: a copy (`cp B.json Bcopy.json`)
        is the conversation `Bcopy`, whatever `id` it holds inside, so saving it can never
        write to `B.json`. Replies that were `streaming` when the file was written are read
        back as `interrupted`, and calls that were running as stopped: whoever wrote them
        is gone (see `domain.unfinished`).

        Raises:
            InvalidSessionId, SessionNotFound, UnreadableSession.
        """
        return self._read(session_id)[0]

    def _read(self, session_id: str) -> tuple[Conversation, int]:
        path = self.path_for(session_id)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise SessionNotFound(session_id) from None
        except OSError as error:
            raise UnreadableSession(path, error.strerror or str(error)) from None
        conversation, version = parse_session(path, raw)
        conversation.id = session_id
        settle_unfinished(conversation)
        return conversation, version

    def load(self, session_id: str) -> LoadedSession:
        """Read a conversation (see `read`) and take this instance's lock on it if it can.

        Raises:
            InvalidSessionId, SessionNotFound, UnreadableSession.
        """
        try:
            conversation, version = self._read(session_id)
        except UnreadableSession as error:
            self._read_only[session_id] = f"the file on disk is unreadable ({error.reason})"
            raise
        reason: str | None
        if version > SESSION_VERSION:
            reason = newer_version_reason(version)
        elif self.path_for(session_id).is_symlink():
            reason = SYMLINK_REASON
        else:
            reason = self._locks.acquire(session_id)
        if reason is None:
            self._read_only.pop(session_id, None)
        else:
            self._read_only[session_id] = reason
        return LoadedSession(conversation, reason)

    @contextlib.contextmanager
    def borrowed(self, session_id: str) -> Iterator[LoadedSession]:
        """`load` for a change made outside a tab (a rename in the browser): the lock is
        let go afterwards only if it was taken here, never one an open tab holds.

        Raises:
            InvalidSessionId, SessionNotFound, UnreadableSession.
        """
        held = self._locks.holds(session_id)
        try:
            yield self.load(session_id)
        finally:
            if not held:
                self.release(session_id)

    def save(self, conversation: Conversation) -> None:
        """Write a conversation atomically, 0600; see `save_data`."""
        self.save_data(conversation.id, conversation.to_json_dict())

    def save_data(
        self, session_id: str, data: dict[str, Any], *, then_sync_folder: bool = True
    ) -> None:
        """Write a conversation already turned into its JSON dict (a snapshot taken elsewhere).
        `then_sync_folder=False`: the folder is synced later, by `sync_folder`.

        Raises:
            SessionReadOnly: the file belongs to a newer version or another instance, or is
                unreadable on disk (and so is left alone).
            OSError: unchanged (ENOSPC for a full disk); the previous file is intact.
        """
        path = self.path_for(session_id)
        reason = self._read_only.get(session_id)
        if reason is None and not self._locks.holds(session_id):
            reason = self._first_write_refusal(path)
            if reason is None:
                reason = self._locks.acquire(session_id)
        if reason is not None:
            raise SessionReadOnly(reason)
        if path.is_symlink():
            raise SessionReadOnly(SYMLINK_REASON)
        encoded = json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
        try:
            atomic_write_bytes(path, encoded, then_sync_folder=then_sync_folder)
        except FileNotFoundError:
            # The sessions folder, or the whole data folder, was deleted while the app ran:
            # made again, private, so what is open is saved rather than kept only on screen.
            ensure_private_dir(self.data_dir, tighten=False)
            ensure_private_dir(self.sessions_dir)
            atomic_write_bytes(path, encoded, then_sync_folder=then_sync_folder)

    def sync_folder(self) -> None:
        """Make the conversations renamed into place so far outlive a power cut."""
        sync_folder(self.sessions_dir)

    def _first_write_refusal(self, path: Path) -> str | None:
        """Before writing a conversation this instance never loaded: never clobber a file."""
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            return f"the file on disk cannot be read ({error.strerror or error})"
        try:
            _, version = parse_session(path, raw)
        except UnreadableSession as error:
            return f"the file on disk is unreadable ({error.reason})"
        if version > SESSION_VERSION:
            return newer_version_reason(version)
        return None

    def list_sessions(self) -> Listing:
        """Every saved conversation, most recently updated first, and the files that are not.

        Only files that changed since the last listing are read (see `SummaryIndex`). When no
        file changed since this store's last listing, the same lists come back: callers
        must not change them.
        """
        stamps = session_files(self.sessions_dir)
        if self._last_listing is not None and self._last_listing[0] == stamps:
            return self._last_listing[1]  # nothing changed: the same lists, not rebuilt
        cached = self._index.load()
        records: dict[str, Record] = {}
        changed = False
        summaries: list[SessionSummary] = []
        unreadable: list[UnreadableEntry] = []
        # Ten thousand of these must take milliseconds: no Path objects, no validation
        # beyond the types of the few fields a line shows.
        for name, stamp in stamps.items():
            session_id = name.removesuffix(".json")
            known = cached.get(name)
            summary = None
            if known is not None and is_fresh(known, stamp):
                summary = _summary_from(session_id, known)
                if summary is None and not isinstance(known.get("unreadable"), str):
                    known = None  # a damaged or hostile index: read the file again
            else:
                known = None
            if known is None:
                known = self._summarise(self.sessions_dir / name, stamp)
                summary = _summary_from(session_id, known)
                changed = True
            records[name] = known
            if summary is not None:
                summaries.append(summary)
            else:
                reason = str(known.get("unreadable", "?"))
                unreadable.append(UnreadableEntry(self.sessions_dir / name, reason))
        if changed or len(records) != len(cached):
            self._index.save(records)
        summaries.sort(key=lambda summary: summary.updated_at, reverse=True)
        self._last_listing = (stamps, (summaries, unreadable))
        return summaries, unreadable

    @property
    def listed_stamps(self) -> dict[str, FileStamp] | None:
        """The files as the last listing found them (for the search index: one scan)."""
        return self._last_listing[0] if self._last_listing is not None else None

    @staticmethod
    def _summarise(path: Path, stamp: FileStamp) -> Record:
        size, mtime_ns = stamp
        record: Record = {"size": size, "mtime_ns": mtime_ns}
        try:
            conversation, _ = parse_session(path, path.read_bytes())
        except UnreadableSession as error:
            record["unreadable"] = error.reason
            return record
        except OSError as error:
            record["unreadable"] = error.strerror or str(error)
            return record
        record["summary"] = {
            "title": conversation.title,
            "created_at": conversation.created_at.isoformat(),
            "updated_at": conversation.updated_at.isoformat(),
            "models": conversation.models_used,
            "message_count": len(conversation.messages),
        }
        return record

    @property
    def trash_dir(self) -> Path:
        return self.data_dir / "trash"

    def move_to_trash(self, session_id: str) -> Path:
        """Delete a conversation undoably: its file moves to `<data_dir>/trash/`.

        Raises:
            SessionNotFound; SessionReadOnly when another instance has it open.
        """
        path = self.path_for(session_id)
        if not path.exists():
            raise SessionNotFound(session_id)
        if not self._locks.holds(session_id):
            reason = self._locks.acquire(session_id)
            if reason is not None:
                raise SessionReadOnly(f"not moved to the trash: {reason}")
        ensure_private_dir(self.trash_dir)
        target = self._move_without_clobbering(path, session_id)
        self.release(session_id)
        return target

    def _move_without_clobbering(self, path: Path, session_id: str) -> Path:
        """Move `path` into the trash under its own name, or `<id>-2.json`, `-3`… when an
        earlier conversation with that id is there already: a link fails rather than
        replace, so nothing in the trash is ever overwritten."""
        for number in range(1, 10_000):
            name = f"{session_id}.json" if number == 1 else f"{session_id}-{number}.json"
            target = self.trash_dir / name
            try:
                os.link(path, target, follow_symlinks=False)
            except FileExistsError:
                continue
            except OSError as error:
                if error.errno not in (errno.EPERM, errno.ENOTSUP):
                    raise
                # A filesystem without hard links: look first (a race remains, alone here).
                if target.exists() or target.is_symlink():
                    continue
                os.replace(path, target)
                return target
            os.unlink(path)
            return target
        raise SessionReadOnly("not moved to the trash: it holds too many with this id")

    def restore_from_trash(self, session_id: str) -> Path:
        """Undo a delete. Raises SessionNotFound, or SessionReadOnly if the id is taken again."""
        source = self.trash_dir / self.path_for(session_id).name
        if not source.exists():
            raise SessionNotFound(session_id)
        target = self.path_for(session_id)
        if target.exists():
            raise SessionReadOnly(f"not restored: a conversation with the id {session_id} exists")
        os.replace(source, target)
        return target

    def trashed_ids(self) -> list[str]:
        if not self.trash_dir.is_dir():
            return []
        return sorted(
            path.stem for path in self.trash_dir.glob("*.json") if not is_temp_name(path.name)
        )

    def empty_trash(self) -> int:
        """The one place a conversation is ever unlinked; returns how many were."""
        removed = 0
        for session_id in self.trashed_ids():
            (self.trash_dir / f"{session_id}.json").unlink(missing_ok=True)
            removed += 1
        return removed

    def release(self, session_id: str) -> None:
        """Let other instances write this conversation (its tab was closed)."""
        self._locks.release(session_id)
        self._read_only.pop(session_id, None)

    def close(self) -> None:
        self._locks.release_all()
