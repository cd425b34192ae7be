"""Provides the review of what a conversation lets run without asking: the tools it offers, the
ones the user allowed for the rest of it, the ones the config auto-approves, and withdrawing an
allowance so that the next call of that tool asks again (`/tools`, "Tool permissions…").

Tool names come from models and MCP servers: they are returned as they are, and the screen
makes them inert.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from ..domain.conversation import Conversation
from ..domain.grants import standing_grants, withdraw_grants
from ..domain.tool_calls import shown_name

ALL = "all"
"""`/tools revoke all`: every allowance of the conversation."""


def _listed(names: Sequence[str]) -> str:
    return ", ".join(names) if names else "none"


def _applies(entry: str, offered: Sequence[str]) -> bool:
    """Whether the `auto_approve` entry names a tool of `offered` (F4's names: a built-in
    tool, `NAME.tool`, or `NAME.*` for every tool of server NAME)."""
    server, dot, tool = entry.partition(".")
    if entry in offered or (dot and f"{server}.*" in offered):
        return True
    return bool(dot) and tool == "*" and any(name.startswith(f"{server}.") for name in offered)


class ToolGrants:
    """The allowances of one conversation. `save` keeps a withdrawal: it writes the file
    (and the screen draws the calls' decisions again)."""

    def __init__(
        self,
        conversation: Conversation,
        save: Callable[[], Awaitable[None]],
        auto_approve: frozenset[str] = frozenset(),
    ) -> None:
        self.conversation = conversation
        self.save = save
        self.auto_approve = auto_approve

    def granted(self) -> list[str]:
        """The tools allowed for the rest of the conversation, as the user knows them
        (`NAME.tool` for an MCP server's), in order."""
        return sorted(shown_name(name) for name in standing_grants(self.conversation.messages))

    def _auto_approved(self, shown: str) -> bool:
        """Whether the config's `auto_approve` names `shown` (it holds for read-only tools
        only, which the loop checks when the call comes)."""
        server, dot, _ = shown.partition(".")
        return shown in self.auto_approve or (bool(dot) and f"{server}.*" in self.auto_approve)

    def summary(self) -> str:
        """`/tools`: what the model may call here and what runs without asking."""
        offered = list(self.conversation.settings.tools or [])
        granted = self.granted()
        auto = sorted(entry for entry in self.auto_approve if _applies(entry, offered))
        lines = [
            f"Tools the model may call here: {_listed(offered)}."
            if offered
            else "The model is offered no tools here (the conversation settings tick them)."
        ]
        lines.append(f"Allowed for this conversation without asking: {_listed(granted)}.")
        if auto:
            lines.append(f"Read-only, auto_approve in config.toml: {', '.join(auto)}.")
        if granted:
            lines.append("/tools revoke NAME (or all) asks again before each call.")
        return "\n".join(lines)

    async def withdraw(self, typed: str) -> str:
        """Withdraw the allowance of the tool `typed` (as shown, or as the model names it),
        or of every tool (`all`), saved at once; returns what to tell the user.

        Raises:
            ValueError: nothing to withdraw by that name; why, in the user's words.
        """
        granted = standing_grants(self.conversation.messages)
        if typed == ALL:
            names: set[str] = granted
        else:
            names = {name for name in granted if typed in (name, shown_name(name))}
        if not names:
            raise ValueError(self._nothing_to_withdraw(typed, granted))
        withdrawn = sorted(
            shown_name(name) for name in withdraw_grants(self.conversation.messages, names)
        )
        self.conversation.touch()
        await self.save()
        if len(withdrawn) == 1:
            return f"{withdrawn[0]} asks again before each call in this conversation."
        return f"{', '.join(withdrawn)} ask again before each call in this conversation."

    def _nothing_to_withdraw(self, typed: str, granted: set[str]) -> str:
        if typed not in ("", ALL) and self._auto_approved(typed):
            return (
                f"{typed} runs without asking because auto_approve in config.toml names it "
                "(read-only tools): remove it there to be asked."
            )
        if not granted:
            return "No tool is allowed without asking in this conversation."
        if not typed:
            return "Usage: /tools revoke NAME (or all)."
        allowed = ", ".join(sorted(shown_name(name) for name in granted))
        return f"{typed} is not allowed for this conversation (allowed: {allowed})."
