"""Provides advisory locks that tell running instances which conversations the others hold.

A lock is an open, `flock`ed file `<data_dir>/locks/<id>.lock` holding the owner's pid. The
kernel drops it when the process dies, so there are no stale locks to clean up. flock belongs
to the open file description, so two stores in one process also exclude each other.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from .atomic import ensure_private_dir


class SessionLocks:
    """The locks this instance holds, by session id."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._held: dict[str, int] = {}

    def holds(self, session_id: str) -> bool:
        return session_id in self._held

    def acquire(self, session_id: str) -> str | None:
        """Take the lock; returns None on success, else why another instance has it."""
        if session_id in self._held:
            return None
        ensure_private_dir(self.folder)
        path = self.folder / f"{session_id}.lock"
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            os.close(fd)
            who = f" (pid {owner})" if owner.isdigit() else ""
            return f"it is open in another ollama-tui instance{who}"
        except OSError:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._held[session_id] = fd
        return None

    def release(self, session_id: str) -> None:
        fd = self._held.pop(session_id, None)
        if fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def release_all(self) -> None:
        for session_id in list(self._held):
            self.release(session_id)
