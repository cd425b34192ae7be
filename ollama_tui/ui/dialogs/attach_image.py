"""Provides the dialog that asks for the path of files to attach, completing it as it is typed."""

from __future__ import annotations

from textual.content import Content
from textual.suggester import Suggester

from ...services.path_completion import path_completions
from ..kit.keys import bindings
from ..kit.safe_text import SafeInput
from .basic import TextDialog


class PathSuggester(Suggester):
    """Suggests file names from the disk; not cached, as folders change."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        found = path_completions(value, 1)
        return found[0] if found else None


class AttachImageDialog(TextDialog):
    """Tab or Right takes the suggested completion; Enter attaches."""

    BINDINGS = bindings("attach")

    def __init__(self, typed: str = "") -> None:
        super().__init__(
            # Any file is taken (text in the prompt), not only images: say so, or a user with
            # code to attach would not think of this key.
            Content(
                "Attach a file, a glob or a folder (text and code go in the prompt; images, "
                "PNG, JPEG, GIF, WebP or BMP, to a vision model): path"
            ),
            typed,
            suggester=PathSuggester(),
            # Back after a path that attached nothing: the typo is fixed, not the path
            # retyped, so the first Backspace must not clear it all.
            replace=False,
        )

    def action_complete(self) -> None:
        field = self.query_one(SafeInput)
        field.cursor_position = len(field.value)
        field.action_cursor_right()  # at the end, this takes the suggestion
