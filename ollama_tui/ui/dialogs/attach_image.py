"""Provides the dialog that asks for an image file's path, completing it as it is typed."""

from __future__ import annotations

import os
from pathlib import Path

from textual.content import Content
from textual.suggester import Suggester

from ..kit.keys import bindings
from ..kit.safe_text import SafeInput
from .basic import TextDialog


def complete_path(text: str) -> str | None:
    """The first entry of the folder typed so far that extends `text` (folders end in `/`)."""
    if not text:
        return None
    typed = Path(os.path.expanduser(text))
    folder, stem = (typed, "") if text.endswith(os.sep) else (typed.parent, typed.name)
    try:
        names = sorted(
            entry.name + (os.sep if entry.is_dir() else "")
            for entry in os.scandir(folder)
            if entry.name.startswith(stem)
            and (stem.startswith(".") or not entry.name.startswith("."))
        )
    except OSError:
        return None
    if not names:
        return None
    return text + names[0][len(stem) :]


class PathSuggester(Suggester):
    """Suggests file names from the disk; not cached, as folders change."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        return complete_path(value)


class AttachImageDialog(TextDialog):
    """Tab or Right takes the suggested completion; Enter attaches."""

    BINDINGS = bindings("attach")

    def __init__(self) -> None:
        super().__init__(
            Content("Attach an image (PNG, JPEG, GIF, WebP, BMP) for a vision model: path"),
            suggester=PathSuggester(),
        )

    def action_complete(self) -> None:
        field = self.query_one(SafeInput)
        field.cursor_position = len(field.value)
        field.action_cursor_right()  # at the end, this takes the suggestion
