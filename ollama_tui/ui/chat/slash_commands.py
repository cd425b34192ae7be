"""Provides what each slash command does in a conversation: the same changes its key or
dialog makes (the settings dialog, inspect, the model picker, a new tab, quit)."""

from __future__ import annotations

from collections.abc import Sequence

from ...services.conversation_options import think_choices
from ...services.model_admin import model_name_problem
from ...services.slash import SHOW_SECTIONS, USAGE, Run, apply_set, completions
from ..kit.safe_text import notify_plain
from .library_commands import run_library_command
from .slash_host import SlashHost
from .tool_permissions import run_tools_command, tool_grants

SECTION_HEADINGS = {
    "info": "Facts",
    "license": "License",
    "modelfile": "Modelfile",
    "parameters": "Parameters",
    "system": "System prompt",
    "template": "Template",
}


def model_names(view: SlashHost) -> list[str]:
    return [model.name for model in view.backend.catalogue.models or []]


def completion_for(
    text: str, view: SlashHost, paths: Sequence[str] = ()
) -> tuple[list[tuple[str, str]], str | None]:
    """What the popup offers for the composer's text, and the line Tab makes of it: the
    part all offers share when it is longer than what is typed, else the first offer.
    `paths`: the disk's completions of a path after `/attach `."""
    library = view.backend.prompts
    granted = tool_grants(view).granted() if text.startswith("/tools ") else []
    offers = completions(
        text, model_names(view), paths, library.prompt_names, library.persona_names, granted
    )
    if not offers:
        return [], None
    lines = [line for line, _ in offers]
    shared = lines[0]
    for line in lines[1:]:
        while not line.startswith(shared):
            shared = shared[:-1]
    if len(lines) > 1 and len(shared) > len(text):
        return offers, shared
    return offers, tab_line(lines[0])


def tab_line(line: str) -> str:
    """The composer's text once Tab takes `line`: a space after it to type what follows,
    except after a folder, where a name follows."""
    return line if line.endswith("/") else line + " "


async def run_command(view: SlashHost, command: Run) -> None:
    """Do what the command asks; a problem is said, and nothing changes."""
    app = view.app
    if command.name == "help":
        from ..dialogs.slash_help import CommandsScreen

        app.push_screen(CommandsScreen(USAGE))
    elif command.name == "set":
        settings = view.conversation.settings
        try:
            said = apply_set(settings, command.argument, think_choices(view.backend.server_version))
        except ValueError as error:
            notify_plain(app, str(error), severity="error")
            return
        view.conversation.touch()
        view.settings_changed()
        await view.save()
        notify_plain(app, said)
    elif command.name == "show":
        from ..dialogs.inspect_model import InspectScreen

        model = view.conversation.settings.model
        if command.argument not in SHOW_SECTIONS:
            notify_plain(app, f"Usage: /show {'|'.join(SHOW_SECTIONS)}.", severity="error")
        elif not model:
            notify_plain(app, "This conversation has no model yet.", severity="error")
        else:
            heading = SECTION_HEADINGS[command.argument]
            options = view.conversation.settings.options
            app.push_screen(InspectScreen(view.backend, model, section=heading, options=options))
    elif command.name == "load":
        problem = model_name_problem(command.argument)
        if problem:
            notify_plain(app, f"Usage: /load MODEL. {problem}", severity="error")
            return
        view.set_model(command.argument)
        missing = command.argument not in model_names(view)
        notify_plain(
            app,
            f"Using {command.argument} from the next reply"
            + (" (not on the server: the reply offers to pull it)." if missing else "."),
        )
    elif command.name == "save":
        view.save_as_model(command.argument)
    elif command.name == "attach":
        if not command.argument:
            notify_plain(app, "Usage: /attach PATH (a file, a glob or a folder).", severity="error")
        elif view.read_only_reason is None:
            await view.attach(command.argument)
    elif command.name == "compact":
        if view.read_only_reason is None:
            view.compact_conversation()
    elif command.name == "tools":
        await run_tools_command(view, command.argument)
    elif command.name in ("prompt", "persona"):
        await run_library_command(view, command.name, command.argument)
    elif command.name == "clear":
        view.ask_new_conversation()
    elif command.name == "bye":
        view.ask_quit()
