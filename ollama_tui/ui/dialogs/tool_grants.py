"""Provides the list of the tools a conversation lets run without asking (the user's answers
"allow for the rest of this conversation"), where one or all are withdrawn: the next call of
that tool asks again. Each withdrawal is saved at once and said.

The names came from models and MCP servers (or a file edited by hand): they are made inert.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ...services.tool_grants import ALL, ToolGrants
from ..kit.keys import bindings, key_on, keys_on
from ..kit.safe_text import notify_plain, plain
from ..kit.workers import background


class ToolGrantsDialog(ModalScreen[None]):
    """Enter or Delete withdraws the highlighted tool's allowance, a withdraws them all."""

    BINDINGS = bindings("grants")

    def __init__(
        self, grants: ToolGrants, conversation: str, read_only_reason: str | None = None
    ) -> None:
        """`conversation`: its title; `read_only_reason`: why it cannot be changed here
        (open in another instance), when so: the list is shown, nothing is withdrawn."""
        super().__init__(classes="dialog-screen")
        self.grants = grants
        self.conversation = conversation
        self.read_only_reason = read_only_reason
        self._shown: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog tool-grants"):
            yield Static(Content("Tool permissions"), classes="dialog-title")
            yield Static(
                Content("Allowed without asking in ") + plain(self.conversation),
                id="grants-conversation",
            )
            yield OptionList(id="grants", compact=True)
            yield Static("", id="grants-note")
            withdraw = "/".join(keys_on(self, "grants.withdraw"))
            yield Static(
                plain(
                    f"{withdraw}: withdraw (ask again) · "
                    f"{key_on(self, 'grants.withdraw_all')}: withdraw all · "
                    f"{key_on(self, 'grants.close')}: close"
                ),
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        self._refill()

    def _refill(self) -> None:
        options = self.query_one("#grants", OptionList)
        kept = options.highlighted or 0
        self._shown = self.grants.granted()
        options.set_options(Option(plain(name)) for name in self._shown)
        options.display = bool(self._shown)
        if self._shown:
            options.highlighted = min(kept, len(self._shown) - 1)
        if not self._shown:
            note = "Nothing: each call of a tool asks first."
        elif self.read_only_reason is not None:
            note = f"Read-only here ({self.read_only_reason}): nothing can be withdrawn."
        else:
            note = "Withdrawn, a tool asks again before each call; the calls it made stay."
        self.query_one("#grants-note", Static).update(plain(note))

    def action_withdraw(self) -> None:
        index = self.query_one("#grants", OptionList).highlighted
        if index is not None and index < len(self._shown):
            self._withdraw(self._shown[index])

    def action_withdraw_all(self) -> None:
        if self._shown:
            self._withdraw(ALL)

    @background("Withdrawing a tool's permission", group="grants-withdraw")
    async def _withdraw(self, name: str) -> None:
        if self.read_only_reason is not None:
            notify_plain(
                self.app,
                f"This conversation is read-only: {self.read_only_reason}",
                severity="error",
            )
            return
        try:
            said = await self.grants.withdraw(name)
        except ValueError as error:  # withdrawn meanwhile (by /tools in the composer)
            notify_plain(self.app, str(error), severity="warning")
        else:
            notify_plain(self.app, said)
        if self.is_attached:
            self._refill()

    def action_close(self) -> None:
        self.dismiss(None)
