"""Provides what the prompt library does in a conversation: `/prompt` and `/persona` (and
their palette entries) insert a saved prompt, give the conversation a persona's settings,
save either (asking before a name is replaced), or open the library's list.

Every file is read or written on a thread: the library is a folder a person edits by hand,
on any disk."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.content import Content
from textual.message import Message as TextualMessage

from ...domain.conversation import Role
from ...services.prompt_library import (
    Entry,
    LibraryError,
    Persona,
    SavedPrompt,
    apply_persona,
    name_problem,
)
from ..kit.safe_text import notify_plain, plain

if TYPE_CHECKING:
    from ..dialogs.prompt_library import LibraryChoice
    from .slash_host import SlashHost

PROMPT = "prompt"
PERSONA = "persona"


@dataclass
class NewConversationWithPersona(TextualMessage):
    """Start a new conversation with this persona's settings (the tab owner opens it)."""

    persona: Persona


def _kind(entry: Entry) -> str:
    return PERSONA if isinstance(entry, Persona) else PROMPT


def last_prompt(host: SlashHost) -> str:
    """The last prompt sent in this conversation, or ""."""
    for message in reversed(host.conversation.messages):
        if message.role is Role.USER and message.content.strip():
            return message.content
    return ""


async def run_library_command(host: SlashHost, kind: str, argument: str) -> None:
    """`/prompt …` or `/persona …` (`kind`), as typed."""
    from ...services.slash import read_library_command  # loaded after the first frame

    try:
        command = read_library_command(argument)
    except ValueError:
        notify_plain(host.app, f"Usage: /{kind} save NAME.", severity="error")
        return
    if command.action == "list":
        open_library(host, PERSONA if kind == PERSONA else None)
    elif command.action == "use":
        await use_named(host, kind, command.name)
    elif kind == PROMPT:
        text = command.text if command.text.strip() else last_prompt(host)
        await save_entry(host, PROMPT, command.name, text)
    else:
        await save_entry(host, PERSONA, command.name)


def open_library(host: SlashHost, kind: str | None = None) -> None:
    """The list of saved prompts and personas (only `kind`'s when given)."""
    from ..dialogs.prompt_library import PromptLibraryScreen  # the first frame needs none

    async def chosen(choice: LibraryChoice | None) -> None:
        if choice is None:
            return
        if choice.new_conversation and isinstance(choice.entry, Persona):
            host.post_message(NewConversationWithPersona(choice.entry))
        else:
            await use_entry(host, choice.entry)

    host.app.push_screen(PromptLibraryScreen(host.backend.prompts, kind=kind), chosen)


async def use_named(host: SlashHost, kind: str, name: str) -> None:
    """`/prompt NAME` or `/persona NAME`: read now (an edit by hand is seen), then used."""
    try:
        entry = await asyncio.to_thread(host.backend.prompts.read, name)
    except LibraryError as error:
        notify_plain(host.app, f"Could not use {name}: {error}", severity="error")
        return
    if _kind(entry) != kind:
        other = _kind(entry)
        notify_plain(host.app, f"{name} is a {other}: /{other} {name} uses it.", severity="warning")
        return
    await use_entry(host, entry)


async def use_entry(host: SlashHost, entry: Entry) -> None:
    if host.read_only_reason:
        notify_plain(host.app, f"This conversation is read-only: {host.read_only_reason}")
        return
    if isinstance(entry, SavedPrompt):
        host.insert_in_composer(entry.text)
        return
    try:
        apply_persona(entry, host.conversation.settings)
    except ValueError as error:
        notify_plain(host.app, f"Could not use {entry.name}: {error}", severity="error")
        return
    host.conversation.touch()
    host.settings_changed()
    await host.save()
    model = entry.settings.model or "the same model"
    notify_plain(
        host.app,
        f"Using the persona {entry.name} from the next reply: {model}, its system prompt and "
        "options.",
    )


async def save_entry(host: SlashHost, kind: str, name: str, text: str = "") -> None:
    """Save the prompt `text`, or this conversation's settings as a persona, under `name`;
    an existing name is replaced only once the user says so."""
    library = host.backend.prompts
    if kind == PROMPT and not text.strip():
        notify_plain(host.app, "There is no prompt to save: type it first.", severity="error")
        return
    try:
        exists = await asyncio.to_thread(library.exists, name)
    except LibraryError as error:
        notify_plain(host.app, f"Usage: /{kind} save NAME. {error}", severity="error")
        return
    settings = host.conversation.settings.copy()

    async def write() -> None:
        try:
            if kind == PROMPT:
                await asyncio.to_thread(library.save_prompt, name, text)
            else:
                await asyncio.to_thread(library.save_persona, name, settings)
        except LibraryError as error:
            notify_plain(host.app, f"Could not save {name}: {error}", severity="error")
        except OSError as error:
            reason = error.strerror or str(error)
            notify_plain(host.app, f"Could not save {name}: {reason}", severity="error")
        else:
            use = f"/{kind} {name}"
            notify_plain(host.app, f"Saved the {kind} {name}; {use} uses it.")

    if not exists:
        await write()
        return
    _confirm(host, plain(f"'{name}' is in the library already. Replace it?"), write)


def _confirm(host: SlashHost, question: Content, then: Callable[[], Awaitable[None]]) -> None:
    from ..dialogs.basic import ConfirmDialog

    async def answered(yes: bool | None) -> None:
        if yes:
            await then()
        else:
            notify_plain(host.app, "Not saved: the one in the library stays.")

    host.app.push_screen(ConfirmDialog(question), answered)


def ask_name_then_save(host: SlashHost, kind: str, text: str = "") -> None:
    """The palette's "Save the prompt…" and "Save this conversation as a persona…": the
    name is asked for, checked as it is typed."""
    from ..dialogs.basic import TextDialog

    if kind == PROMPT and not text.strip():
        notify_plain(host.app, "There is no prompt to save: type it first.", severity="error")
        return
    question = Content(
        "Save the prompt as"
        if kind == PROMPT
        else "Save this conversation's model, system prompt and options as the persona"
    )

    async def named(name: str | None) -> None:
        if name:
            await save_entry(host, kind, name, text)

    host.app.push_screen(TextDialog(question, problem=name_problem), named)
