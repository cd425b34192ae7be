"""Provides what the app reopens at start: the open tabs, the active one, the last model."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .atomic import atomic_write_bytes, ensure_private_dir


@dataclass
class WorkspaceState:
    open_tabs: list[str]
    active_tab: str | None
    last_model: str | None
    conversation_defaults: dict[str, Any] = field(default_factory=dict)
    """Settings new conversations start with ("use as default" in the settings)."""
    theme: str | None = None
    """The theme last chosen in the app."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Keys this version does not know, written back as they were."""


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


class WorkspaceStore:
    """`<data_dir>/workspace.json`, written atomically; a corrupt file is reported, not fatal."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "workspace.json"
        self.problem: str | None = None

    def load(self) -> WorkspaceState:
        self.problem = None
        empty = WorkspaceState(open_tabs=[], active_tab=None, last_model=None)
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return empty
        except OSError as error:
            self.problem = f"Could not read {self.path}: {error.strerror or error}"
            return empty
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            self.problem = f"Ignored {self.path}, which is not valid JSON ({error})"
            return empty
        if not isinstance(data, dict):
            self.problem = f"Ignored {self.path}, which does not hold a JSON object"
            return empty
        tabs = data.get("open_tabs")
        known = {"open_tabs", "active_tab", "last_model", "conversation_defaults", "theme"}
        defaults = data.get("conversation_defaults")
        return WorkspaceState(
            open_tabs=[tab for tab in tabs if isinstance(tab, str)]
            if isinstance(tabs, list)
            else [],
            active_tab=_str_or_none(data.get("active_tab")),
            last_model=_str_or_none(data.get("last_model")),
            conversation_defaults=defaults if isinstance(defaults, dict) else {},
            theme=_str_or_none(data.get("theme")),
            extra={key: value for key, value in data.items() if key not in known},
        )

    def save(self, state: WorkspaceState) -> None:
        """Raises OSError unchanged (a full disk, say)."""
        ensure_private_dir(self.path.parent, tighten=False)
        data = {
            **state.extra,
            "open_tabs": state.open_tabs,
            "active_tab": state.active_tab,
            "last_model": state.last_model,
            "conversation_defaults": state.conversation_defaults,
            "theme": state.theme,
        }
        atomic_write_bytes(self.path, json.dumps(data, ensure_ascii=False, indent=1).encode())
