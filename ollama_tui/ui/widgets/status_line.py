"""Provides the bottom status line: host, server version, connection state and hints."""

from __future__ import annotations

from dataclasses import dataclass

from textual.content import Content
from textual.events import Resize
from textual.widgets import Static

from ...services.connection import ConnectionState, ServerStatus
from ...services.context_meter import ContextUse
from ..kit.safe_text import plain

_CONTEXT_STYLES = {"ok": "$text-muted", "warn": "$warning", "full": "$error"}
_SEPARATOR = Content(" · ")


@dataclass
class _Part:
    """One piece of the line, in its forms from fullest to briefest ("" drops it)."""

    forms: list[Content]
    keep: int
    """How much it matters: on a narrow terminal the parts that matter least shrink first."""
    form: int = 0

    @property
    def shown(self) -> Content:
        return self.forms[self.form]


def fit(parts: list[_Part], width: int) -> Content:
    """The parts joined by ` · `, each as full as `width` columns allow: the least
    important part shrinks (or goes) first, a step at a time. What still does not fit is
    cut by the widget, with an ellipsis."""

    def line() -> Content:
        return _SEPARATOR.join(part.shown for part in parts if part.shown.cell_length)

    while line().cell_length > width:
        shrinkable = [part for part in parts if part.form < len(part.forms) - 1]
        if not shrinkable:
            break
        min(shrinkable, key=lambda part: part.keep).form += 1
    return line()


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

    def on_resize(self, event: Resize) -> None:
        self._render_line()

    def _parts(self) -> list[_Part]:
        """What the line says, most important parts with the highest `keep`: the host and
        its state always; the advice for a server that cannot be reached; the context
        figure; then the version and the words the marker already says."""
        status = self._server
        if status is None:
            parts = [_Part([Content("connecting…")], 9)]
        elif status.state is ConnectionState.ONLINE:
            version = status.version.raw if status.version else "?"
            parts = [
                _Part([Content.styled("● ", "$success") + plain(status.host)], 9),
                _Part([plain(f"Ollama {version}"), plain(version), Content("")], 2),
                _Part([Content("connected"), Content("")], 1),
            ]
        elif status.state is ConnectionState.CONNECTING:
            parts = [
                _Part([Content.styled("○ ", "$warning") + plain(status.host)], 9),
                _Part([Content("connecting…")], 8),
            ]
        elif not status.unreachable:
            parts = [
                _Part([Content.styled("✕ ", "$error") + plain(status.host)], 9),
                _Part([plain(status.problem or "")], 7),
                _Part([Content("retrying"), Content("")], 1),
            ]
        else:
            marker = Content.styled("✕ ", "$error") + plain(status.host)
            parts = [
                _Part(
                    [marker + Content(" cannot be reached"), marker + Content(" unreachable")], 8
                ),
                _Part(
                    [
                        Content("run `ollama serve` or use --host / OLLAMA_HOST"),
                        Content("`ollama serve` or --host / OLLAMA_HOST"),
                        Content("run `ollama serve`"),
                    ],
                    7,
                ),
                _Part([Content("retrying"), Content("")], 1),
            ]
        if self._context_use is not None:
            use = self._context_use
            style = _CONTEXT_STYLES[use.level]
            brief = Content.styled(use.describe_briefly(), style)
            # The figure matters more than the version; less than how to reach the server.
            parts.append(_Part([Content.styled(use.describe(), style), brief, Content("")], 5))
        return parts

    def _render_line(self) -> None:
        status = self._server
        width = self.size.width or 1_000
        self.update(fit(self._parts(), width))
        self.set_class(status is not None and status.state is ConnectionState.OFFLINE, "-offline")
