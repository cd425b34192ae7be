"""Provides the bottom status line: host, server version, connection state and hints."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from ..services.connection import ConnectionState, ServerStatus
from ..services.context_meter import ContextUse

_CONTEXT_STYLES = {"ok": "$text-muted", "warn": "$warning", "full": "$error"}


class StatusLine(Static):
    """One row that always says which host this is and whether it answers."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self._server: ServerStatus | None = None
        self._context_use: ContextUse | None = None

    def show_server(self, status: ServerStatus) -> None:
        self._server = status
        self._render_line()

    def show_context(self, use: ContextUse | None) -> None:
        """The current conversation's context meter; None hides it."""
        self._context_use = use
        self._render_line()

    def _render_line(self) -> None:
        status = self._server
        parts: list[Content] = []
        if status is None:
            parts.append(Content("connecting…"))
        elif status.state is ConnectionState.ONLINE:
            version = status.version.raw if status.version else "?"
            parts.append(Content.styled("● ", "$success"))
            parts.append(Content(f"{status.host} · Ollama {version} · connected"))
        elif status.state is ConnectionState.CONNECTING:
            parts.append(Content.styled("○ ", "$warning"))
            parts.append(Content(f"{status.host} · connecting…"))
        elif not status.unreachable:
            parts.append(Content.styled("✕ ", "$error"))
            parts.append(Content(f"{status.host} · {status.problem} · retrying"))
        else:
            parts.append(Content.styled("✕ ", "$error"))
            parts.append(
                Content(
                    f"{status.host} cannot be reached · run `ollama serve` or use "
                    "--host / OLLAMA_HOST · retrying"
                )
            )
        if self._context_use is not None:
            use = self._context_use
            parts.append(Content(" · "))
            parts.append(Content.styled(use.describe(), _CONTEXT_STYLES[use.level]))
        self.update(Content("").join(parts))
        self.set_class(status is not None and status.state is ConnectionState.OFFLINE, "-offline")
