"""Provides the one way untrusted strings reach a widget: sanitised, never parsed as markup."""

from __future__ import annotations

from typing import Any, Literal

from textual.app import App
from textual.content import Content

from ..domain.text import sanitize_for_terminal


def plain(text: str) -> Content:
    """Model names, titles, server errors: shown exactly, with no markup and no escape bytes.

    A plain `str` given to a Label, a tab title or a toast is parsed as markup, and text such as
    `a[/]b` would crash the app; `Content` is never parsed.
    """
    return Content(sanitize_for_terminal(text))


def notify_plain(
    app: App[Any],
    text: str,
    *,
    severity: Literal["information", "warning", "error"] = "information",
    timeout: float | None = None,
) -> None:
    """A toast whose text is shown as it is: server errors and file names can hold `[/]`."""
    app.notify(sanitize_for_terminal(text), severity=severity, timeout=timeout, markup=False)
