"""Provides the store's errors, each carrying a reason a person can act on."""

from __future__ import annotations

from pathlib import Path


class StoreError(Exception):
    """Anything the session store refuses or cannot do."""


class InvalidSessionId(StoreError):
    """An id that could name a path outside the sessions folder."""

    def __init__(self, session_id: str) -> None:
        super().__init__(
            f"{session_id!r} is not a conversation id (letters, digits, '_' and '-' only)"
        )
        self.session_id = session_id


class SessionNotFound(StoreError):
    def __init__(self, session_id: str) -> None:
        super().__init__(f"no saved conversation has the id {session_id}")
        self.session_id = session_id


class UnreadableSession(StoreError):
    """A file in the sessions folder that is not a conversation we can read; never touched."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path.name}: {reason}")
        self.path = path
        self.reason = reason


class SessionReadOnly(StoreError):
    """A save refused, so as not to overwrite what another writer owns."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
