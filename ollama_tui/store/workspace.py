"""Provides what the app reopens at start: the open tabs, the active one, the last model, the
defaults and theme chosen in the app, and each conversation's unsent prompt.

Several instances share `workspace.json`. Each change is merged into the file as it is on
disk at that moment, under a lock, touching only the keys (and the drafts) it changes: an
instance that quits with a stale copy can no longer replace what another one saved since.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .atomic import atomic_write_bytes, ensure_private_dir
from .disk_json import DiskJsonError, read_json, repair_text

KNOWN_KEYS = frozenset(
    {"open_tabs", "active_tab", "last_model", "conversation_defaults", "theme", "drafts"}
)
MAX_WORKSPACE_BYTES = 16 * 1024 * 1024
"""A workspace file is a few kilobytes; anything this big is not ours to read."""


@dataclass
class WorkspaceState:
    open_tabs: list[str]
    active_tab: str | None
    last_model: str | None
    conversation_defaults: dict[str, Any] = field(default_factory=dict)
    """Settings new conversations start with ("use as default" in the settings)."""
    theme: str | None = None
    """The theme last chosen in the app."""
    drafts: dict[str, str] = field(default_factory=dict)
    """Unsent prompts, by conversation id: typed and not sent when the tab closed."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Keys this version does not know, written back as they were."""


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _state_of(data: dict[str, Any]) -> WorkspaceState:
    tabs = data.get("open_tabs")
    defaults = data.get("conversation_defaults")
    drafts = data.get("drafts")
    return WorkspaceState(
        open_tabs=[tab for tab in tabs if isinstance(tab, str)] if isinstance(tabs, list) else [],
        active_tab=_str_or_none(data.get("active_tab")),
        last_model=_str_or_none(data.get("last_model")),
        conversation_defaults=defaults if isinstance(defaults, dict) else {},
        theme=_str_or_none(data.get("theme")),
        drafts={key: text for key, text in drafts.items() if isinstance(text, str) and text}
        if isinstance(drafts, dict)
        else {},
        extra={key: value for key, value in data.items() if key not in KNOWN_KEYS},
    )


class WorkspaceStore:
    """`<data_dir>/workspace.json`, written atomically; a corrupt file is reported, not fatal."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "workspace.json"
        # Not in locks/ beside the conversations' locks: "workspace" is a valid id.
        self._lock_path = data_dir / ".workspace.lock"
        self.problem: str | None = None

    def _read(self) -> dict[str, Any]:
        """The file as a dict; sets `problem` and returns {} when it cannot be used."""
        self.problem = None
        try:
            with self.path.open("rb") as file:
                raw = file.read(MAX_WORKSPACE_BYTES + 1)
        except FileNotFoundError:
            return {}
        except OSError as error:
            self.problem = f"Could not read {self.path}: {error.strerror or error}"
            return {}
        if len(raw) > MAX_WORKSPACE_BYTES:
            self.problem = (
                f"Ignored {self.path}, which is larger than {MAX_WORKSPACE_BYTES:,} bytes"
            )
            return {}
        try:
            data = read_json(raw)
        except DiskJsonError as error:
            self.problem = f"Ignored {self.path}, which is {error.reason}"
            return {}
        if not isinstance(data, dict):
            self.problem = f"Ignored {self.path}, which does not hold a JSON object"
            return {}
        return data

    def load(self) -> WorkspaceState:
        return _state_of(self._read())

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Excludes the other instances' updates (and this process's other threads: each
        open has its own lock) for the read-merge-write of one update."""
        ensure_private_dir(self.path.parent, tighten=False)
        fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing lets go of the lock

    def update(
        self, values: Mapping[str, Any], drafts: Mapping[str, str] | None = None
    ) -> WorkspaceState:
        """Merge `values` (whole keys: "open_tabs", "theme"…) and `drafts` (one conversation's
        unsent prompt each; "" forgets it) into the file as it is now; returns the result.

        Raises:
            OSError: unchanged (a full disk, say); the file is as it was.
        """
        unknown = (set(values) - KNOWN_KEYS) | ({"drafts"} & set(values))
        if unknown:
            raise ValueError(f"not workspace keys: {sorted(unknown)}")
        with self._locked():
            data = self._read()
            data.update(values)
            if drafts:
                merged = data.get("drafts")
                merged = dict(merged) if isinstance(merged, dict) else {}
                for session_id, text in drafts.items():
                    if text:
                        merged[session_id] = text
                    else:
                        merged.pop(session_id, None)
                data["drafts"] = merged
            # A pasted draft may hold a lone surrogate, which UTF-8 cannot encode.
            payload = repair_text(json.dumps(data, ensure_ascii=False, indent=1))
            atomic_write_bytes(self.path, payload.encode("utf-8"))
        return _state_of(data)
