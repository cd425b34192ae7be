"""Provides conversation saving off the UI's critical path, newest snapshot always last."""

from __future__ import annotations

import asyncio
import errno
import threading
from dataclasses import dataclass, field
from typing import Any

from ..domain.conversation import Conversation
from ..store import SessionReadOnly, SessionStore


@dataclass(frozen=True)
class SaveProblem:
    """Why a save failed; the conversation stays in memory and the next save retries."""

    session_id: str
    message: str


def describe_save_error(conversation: Conversation, error: Exception) -> str:
    """A specific, user-facing sentence for a failed save."""
    title = conversation.title
    if isinstance(error, SessionReadOnly):
        return f"'{title}' is read-only and was not saved: {error.reason}."
    if isinstance(error, OSError):
        if error.errno == errno.ENOSPC:
            reason = "the disk is full"
        elif error.errno == errno.EDQUOT:
            reason = "the disk quota is exceeded"
        elif error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            reason = "permission denied"
        else:
            reason = error.strerror or str(error)
        return (
            f"Could not save '{title}': {reason}. It is kept in memory and saved again "
            "with the next change."
        )
    return f"Could not save '{title}': {error}."


@dataclass
class _Slot:
    """Write ordering for one conversation: snapshots are numbered, stale ones are skipped."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    issued: int = 0
    written: int = 0


class ConversationSaver:
    """Writes conversations through the store, usually in a worker thread.

    The JSON snapshot is taken on the event loop, where the conversation is mutated, so the
    thread never reads a half-updated object. Each snapshot gets a number; a write whose
    snapshot is older than one already on disk is skipped, so a slow checkpoint can never
    land after the final save of a reply.
    """

    def __init__(self, store: SessionStore) -> None:
        self.store = store
        self._slots: dict[str, _Slot] = {}
        self._folder_sync_due = False

    def _issue(self, conversation: Conversation) -> tuple[_Slot, int, dict[str, Any]]:
        slot = self._slots.setdefault(conversation.id, _Slot())
        slot.issued += 1
        return slot, slot.issued, conversation.to_json_dict()

    def _write(
        self,
        slot: _Slot,
        session_id: str,
        number: int,
        data: dict[str, Any],
        *,
        then_sync_folder: bool = True,
    ) -> None:
        with slot.lock:
            if number <= slot.written:
                return
            self.store.save_data(session_id, data, then_sync_folder=then_sync_folder)
            slot.written = number

    async def save(self, conversation: Conversation) -> SaveProblem | None:
        """Save now, off the loop; returns the problem instead of raising it.

        It returns once the file is written, synced and renamed into place: no kill can lose
        it from then on, and even a power cut leaves the old file or the whole new one. The
        sync of the folder, which makes the rename itself outlive a power cut, follows in
        the background: a prompt's request waits on this save, and need not wait on that."""
        slot, number, data = self._issue(conversation)
        try:
            await asyncio.to_thread(
                self._write, slot, conversation.id, number, data, then_sync_folder=False
            )
        except (OSError, SessionReadOnly, UnicodeError) as error:
            # Never raised into the reply being streamed: it is kept, and saving is retried.
            return SaveProblem(conversation.id, describe_save_error(conversation, error))
        self._sync_folder_soon()
        return None

    def _sync_folder_soon(self) -> None:
        """Sync the folder on a thread, once for the saves that asked since it last ran."""
        if self._folder_sync_due:
            return
        self._folder_sync_due = True

        def sync() -> None:
            self._folder_sync_due = False  # a save renamed after this point asks again
            self.store.sync_folder()

        # Its failures are not reported: a folder that cannot be synced is one the
        # filesystem does not let us open (see `sync_folder`), and the file is in place.
        asyncio.get_running_loop().run_in_executor(None, sync)

    def save_blocking(self, conversation: Conversation) -> SaveProblem | None:
        """Save on the calling thread: for the last save of a cancelled reply or at exit,
        when the event loop may not get to run another task."""
        slot, number, data = self._issue(conversation)
        try:
            self._write(slot, conversation.id, number, data)
        except (OSError, SessionReadOnly, UnicodeError) as error:
            return SaveProblem(conversation.id, describe_save_error(conversation, error))
        return None

    def forget(self, session_id: str) -> None:
        """Drop the bookkeeping of a conversation that was closed."""
        self._slots.pop(session_id, None)
