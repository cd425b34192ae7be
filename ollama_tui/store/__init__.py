"""Provides the session store: conversations on disk, safely (DESIGN.md section 4)."""

from .atomic import atomic_write_bytes, ensure_private_dir, write_user_file
from .errors import (
    InvalidSessionId,
    SessionNotFound,
    SessionReadOnly,
    StoreError,
    UnreadableSession,
)
from .search_index import IndexProgress, SearchIndex
from .sessions import (
    Listing,
    LoadedSession,
    SessionStore,
    SessionSummary,
    UnreadableEntry,
    newer_version_reason,
    parse_session,
)
from .workspace import WorkspaceState, WorkspaceStore

__all__ = [
    "IndexProgress",
    "InvalidSessionId",
    "Listing",
    "LoadedSession",
    "SearchIndex",
    "SessionNotFound",
    "SessionReadOnly",
    "SessionStore",
    "SessionSummary",
    "StoreError",
    "UnreadableEntry",
    "UnreadableSession",
    "WorkspaceState",
    "WorkspaceStore",
    "atomic_write_bytes",
    "ensure_private_dir",
    "newer_version_reason",
    "parse_session",
    "write_user_file",
]
