"""Provides the approval of one tool call: what runs, from where, with exactly which arguments.

Nothing a model asks for runs before this dialog is answered (unless the config auto-approves a
read-only tool, or the user allowed the tool for the conversation). The arguments came from a
model and are hostile: they are sanitised, then drawn as highlighted JSON; a write shows the
change as a diff, a command its exact line and the directory it runs in.
"""

from __future__ import annotations

import json

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.highlight import highlight
from textual.screen import ModalScreen
from textual.widgets import Static

from ...domain.conversation import Approval
from ...domain.text import sanitize_for_terminal
from ...services.tools.loop import ApprovalRequest, Decision
from ..kit.keys import bindings, key_on, keys_on
from ..kit.safe_text import SafeInput, plain

SHOWN_CHARACTERS = 20_000
"""Of the arguments, diff or command drawn: enough to judge them, not a 50 MB argument."""


def shown(text: str) -> str:
    """Sanitised and cut to `SHOWN_CHARACTERS`, saying how much was left out."""
    clean = sanitize_for_terminal(text)
    if len(clean) <= SHOWN_CHARACTERS:
        return clean
    more = len(clean) - SHOWN_CHARACTERS
    return f"{clean[:SHOWN_CHARACTERS]}\n… ({more:,} more characters not shown)"


def arguments_json(arguments: object) -> str:
    return json.dumps(arguments, indent=2, ensure_ascii=False, default=str)


class ToolApprovalDialog(ModalScreen[Decision]):
    """y allows once, a allows the tool for this conversation, n or Escape denies, r denies
    with a reason typed for the model."""

    BINDINGS = bindings("approval")

    def __init__(self, request: ApprovalRequest, conversation: str = "") -> None:
        """`conversation`: the title of the conversation asking (tabs stream at once: the
        question may come from a tab not shown)."""
        super().__init__(classes="dialog-screen")
        self.request = request
        self.conversation = conversation
        self._typing_reason = False
        """Whether the reason is being typed (asked before the dialog is mounted, too)."""

    def compose(self) -> ComposeResult:
        tool, preview = self.request.tool, self.request.preview
        source = "built-in" if tool.source == "built-in" else f"MCP server {tool.source}"
        with Vertical(classes="dialog tool-approval"):
            yield Static(
                Content("Run ") + plain(tool.name) + Content(" (") + plain(source) + Content(")?"),
                classes="dialog-title -above-conversation" if self.conversation else "dialog-title",
                id="approval-title",
            )
            if self.conversation:
                yield Static(
                    Content("Asked in ") + plain(self.conversation),
                    classes="dialog-hint",
                    id="approval-conversation",
                )
            with VerticalScroll(id="approval-details"):
                if tool.source != "built-in" and tool.description.strip():
                    # What the MCP server says the tool does, in its own words.
                    yield Static(
                        plain(tool.description.strip()).stylize("$text-muted"),
                        id="approval-description",
                    )
                if preview.command is not None:
                    yield Static(Content.styled("Command", "bold"))
                    yield Static(
                        highlight(shown(preview.command), language="bash"), id="approval-command"
                    )
                if preview.cwd is not None:
                    yield Static(Content("In ") + plain(preview.cwd), id="approval-cwd")
                if preview.diff is not None:
                    yield Static(Content.styled("Change", "bold"))
                    yield Static(
                        highlight(shown(preview.diff), language="diff"), id="approval-diff"
                    )
                yield Static(Content.styled("Arguments", "bold"))
                yield Static(
                    highlight(shown(arguments_json(self.request.arguments)), language="json"),
                    id="approval-arguments",
                )
            yield SafeInput(
                placeholder="Why not? (sent to the model; Enter denies)",
                compact=True,
                id="approval-reason",
            )
            deny = "/".join(keys_on(self, "approval.deny"))
            yield Static(
                plain(
                    f"{key_on(self, 'approval.once')}: allow once"
                    f" · {key_on(self, 'approval.all')}: allow for this conversation"
                    f" · {deny}: deny · {key_on(self, 'approval.reason')}: deny with a reason"
                ),
                classes="dialog-hint",
                id="approval-keys",
            )

    def on_mount(self) -> None:
        self.query_one("#approval-reason", SafeInput).display = False

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # While the reason is typed, letters are text; only Escape (deny) still answers.
        return not self._typing_reason or (action == "answer" and parameters == ("denied",))

    def action_answer(self, approval: str) -> None:
        self.dismiss(Decision(Approval(approval)))

    def action_reason(self) -> None:
        self._typing_reason = True
        field = self.query_one("#approval-reason", SafeInput)
        field.display = True
        field.focus()
        # Letters are the reason's now: the hint names only the keys that still answer (a
        # key that types a character goes into the field).
        deny = "/".join(key for key in keys_on(self, "approval.deny") if len(key) > 1)
        self.query_one("#approval-keys", Static).update(
            plain(f"Enter: deny with this reason · {deny}: deny without one")
        )
        self.refresh_bindings()

    @on(SafeInput.Submitted, "#approval-reason")
    def _reason_given(self, event: SafeInput.Submitted) -> None:
        event.stop()
        self.dismiss(Decision(Approval.DENIED, event.value.strip()))
