"""Provides what a conversation's tool permissions do on the screen: `/tools` says which tools
the model may call and which run without asking, `/tools revoke NAME|all` withdraws the
user's "allow for the rest of this conversation", and the palette's "Tool permissions…" opens
the list where one or all are withdrawn. A withdrawal is saved at once, and said."""

from __future__ import annotations

from ...services.slash import REVOKE
from ...services.tool_grants import ToolGrants
from ..kit.safe_text import notify_plain
from .slash_host import SlashHost

SUMMARY_SECONDS = 12
"""How long `/tools`'s list stays: several lines to read."""


def tool_grants(view: SlashHost) -> ToolGrants:
    return ToolGrants(view.conversation, view.tools_changed, view.backend.settings.auto_approve)


async def run_tools_command(view: SlashHost, argument: str) -> None:
    app = view.app
    word, _, name = argument.partition(" ")
    grants = tool_grants(view)
    if not word:
        notify_plain(app, grants.summary(), timeout=SUMMARY_SECONDS)
        return
    if word != REVOKE:
        notify_plain(app, f"Usage: /tools, or /tools {REVOKE} NAME|all.", severity="error")
        return
    if view.read_only_reason is not None:
        notify_plain(
            app, f"This conversation is read-only: {view.read_only_reason}", severity="error"
        )
        return
    try:
        said = await grants.withdraw(name.strip())
    except ValueError as error:
        notify_plain(app, str(error), severity="warning")
        return
    notify_plain(app, said)


def open_tool_permissions(view: SlashHost) -> None:
    """The palette's "Tool permissions…"."""
    from ..dialogs.tool_grants import ToolGrantsDialog  # the first frame needs no dialog

    dialog = ToolGrantsDialog(tool_grants(view), view.conversation.title, view.read_only_reason)
    view.app.push_screen(dialog)
