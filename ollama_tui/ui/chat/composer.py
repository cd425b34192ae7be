"""Provides the composer: Enter sends, Ctrl+J adds a line, Ctrl+G edits in $EDITOR."""

from __future__ import annotations

import asyncio
import os
import shlex
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from textual import events
from textual.message import Message

from ..kit import frame_timer
from ..kit.keys import bindings, bound_key
from ..kit.safe_text import SafeTextArea, notify_plain


class Composer(SafeTextArea):
    """The prompt editor at the bottom of a conversation."""

    BINDINGS = bindings("composer")

    @dataclass
    class Submitted(Message):
        """The user asked to send the prompt."""

        composer: Composer
        text: str

    @dataclass
    class PopupMoved(Message):
        """Up or Down while the slash popup shows: highlight the entry before or after."""

        step: int

    @dataclass
    class PopupClosed(Message):
        """Escape while the slash popup shows: close it (until the next key typed)."""

    async def _on_key(self, event: events.Key) -> None:
        await super()._on_key(event)
        if event.is_printable and not self.read_only:
            # A typed character is drawn now, not at the screen's next tick: while replies
            # stream, that tick often comes after a frame of theirs (up to 17 ms later).
            frame_timer.draw_now(self)

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
        self.completion: str | None = None
        """The line Tab completes a slash command to, set by the view while its popup shows."""

    # Priority bindings run while the app dispatches the key, before the keys typed just
    # earlier (queued for this widget) are inserted. When keys arrive in one burst (fast
    # typing, tmux send-keys, a slow link) acting at once would send or break the line too
    # early, so both actions queue behind those keys.

    def action_submit(self) -> None:
        self.call_later(self._submit)

    def _submit(self) -> None:
        from ...services.slash import block_is_open  # loaded after the first frame

        if block_is_open(self.text):
            # Inside a """ prompt, as in `ollama run`: Enter adds a line until it is closed.
            self.insert("\n")
        else:
            self.post_message(self.Submitted(self, self.text))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("complete", "popup_move", "close_popup"):
            return self.completion is not None
        return True

    def action_popup_move(self, step: int) -> None:
        self.post_message(self.PopupMoved(step))

    def action_close_popup(self) -> None:
        self.completion = None
        self.post_message(self.PopupClosed())

    def action_complete(self) -> None:
        if self.completion is not None:
            self.text = self.completion
            self.move_cursor(self.document.end)

    def action_newline(self) -> None:
        self.call_later(self.insert, "\n")

    async def action_edit_externally(self) -> None:
        """Edit the prompt in $VISUAL / $EDITOR; what it saves replaces the prompt."""
        edited = await self._run_editor(self.text)
        if edited is not None:
            self.text = edited.rstrip("\n")
            self.move_cursor(self.document.end)

    async def _run_editor(self, text: str) -> str | None:
        command = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        with tempfile.TemporaryDirectory(prefix="ollama-tui-") as folder:
            path = Path(folder) / "prompt.md"
            path.write_text(text, encoding="utf-8")
            argv = [*shlex.split(command), str(path)]
            try:
                returncode = await self._run_suspended(argv)
            except OSError as error:
                notify_plain(
                    self.app,
                    f"Could not start the editor '{command}': {error.strerror or error}",
                    severity="error",
                )
                return None
            if returncode != 0:
                notify_plain(
                    self.app,
                    f"The editor exited with status {returncode}; the prompt is unchanged.",
                    severity="warning",
                )
                return None
            return path.read_text(encoding="utf-8", errors="replace")

    async def _run_suspended(self, argv: list[str]) -> int:
        from textual.app import SuspendNotSupported

        try:
            with self.app.suspend():
                # Blocking on purpose: the app is suspended and the editor owns the terminal.
                return subprocess.call(argv)  # noqa: ASYNC221
        except SuspendNotSupported:
            # Headless (tests, pipes): no terminal to hand over, so run it alongside.
            process = await asyncio.create_subprocess_exec(*argv)
            return await process.wait()
