"""Provides what slash commands work on, named as a protocol the conversation's view meets."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from textual.app import App
    from textual.message import Message

    from ...domain.conversation import Conversation
    from ...services.backend import Backend


class SlashHost(Protocol):
    """What a command works on: the conversation's view (ChatView), as far as commands reach.
    Named apart so the command modules need not import the view that imports them."""

    backend: Backend
    conversation: Conversation
    read_only_reason: str | None

    @property
    def app(self) -> App[object]: ...

    def settings_changed(self) -> None: ...

    async def tools_changed(self) -> None: ...

    async def save(self) -> None: ...

    def set_model(self, model: str, host: str | None = None, *, chosen: bool = True) -> None: ...

    def save_as_model(self, name: str) -> object: ...

    async def attach(self, typed: str) -> bool: ...

    def ask_new_conversation(self) -> None: ...

    def ask_quit(self) -> None: ...

    def compact_conversation(self) -> None: ...

    def insert_in_composer(self, text: str) -> None: ...

    def post_message(self, message: Message) -> bool: ...
