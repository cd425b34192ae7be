"""Provides the composer: Enter sends, Ctrl+J adds a line, Ctrl+G edits in $EDITOR."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from textual.message import Message

from ..kit.keys import bindings, bound_key
from ..kit.safe_text import SafeTextArea


class Composer(SafeTextArea):
    """The prompt editor at the bottom of a conversation."""

    BINDINGS = bindings("composer")

    @dataclass
    class Submitted(Message):
        """The user asked to send the prompt."""

        composer: Composer
        text: str

    @dataclass
    class EditRequested(Message):
        """The user asked to edit the prompt in an external editor."""

        composer: Composer

    def __init__(self, *, keymap: Mapping[str, str] | None = None, id: str | None = None) -> None:
        """`keymap`: the config's keys, which the hint names as they are bound."""
        keys = keymap or {}
        super().__init__(
            id=id,
            soft_wrap=True,
            show_line_numbers=False,
            tab_behavior="focus",
            compact=True,
            placeholder=f"Ask anything. {bound_key('composer.send', keys)} sends, "
            f"{bound_key('composer.newline', keys)} adds a line, "
            f"{bound_key('app.help', keys)} lists every key.",
        )
        # Still until the app applies the config's setting as it is focused (follow_cursor_blink).
        self.cursor_blink = False

    # Priority bindings run while the app dispatches the key, before the keys typed just
    # earlier (queued for this widget) are inserted. When keys arrive in one burst (fast
    # typing, tmux send-keys, a slow link) acting at once would send or break the line too
    # early, so both actions queue behind those keys.

    def action_submit(self) -> None:
        self.call_later(lambda: self.post_message(self.Submitted(self, self.text)))

    def action_newline(self) -> None:
        self.call_later(self.insert, "\n")

    def action_edit_externally(self) -> None:
        self.post_message(self.EditRequested(self))
