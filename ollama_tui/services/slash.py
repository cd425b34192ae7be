"""Provides the composer's slash commands as `ollama run` spells them: reading a line,
applying `/set` to a conversation's settings the way the settings form does, and the
completions offered while a command is typed."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

from ..domain.compaction import folded_ids, is_summary
from ..domain.conversation import Conversation, ConversationSettings, Role
from .chat_turn import summary_text
from .conversation_options import (
    HISTORY_CHOICES,
    NUMBER_OPTIONS,
    THINK_CHOICES,
    WRAP_CHOICES,
    SettingsForm,
)
from .model_admin import CreateSpec, model_name_problem
from .tool_grants import ALL

BLOCK = '"""'
"""Opens and closes a prompt of several lines, as in `ollama run`."""

SHOW_SECTIONS = ("info", "license", "modelfile", "parameters", "system", "template")
SET_WORDS = (
    "system",
    "parameter",
    "format",
    "noformat",
    "think",
    "nothink",
    "history",
    "nohistory",
    "verbose",
    "quiet",
    "wordwrap",
    "nowordwrap",
)
PARAMETERS = (*(option.name for option in NUMBER_OPTIONS), "stop")

COMMANDS: tuple[tuple[str, str], ...] = (
    ("/set", "Set a setting of this conversation (as the settings dialog does)"),
    ("/show", "Show what the server says of this conversation's model"),
    ("/load", "Use another model in this conversation"),
    ("/save", "Save this conversation as a new model"),
    ("/attach", "Attach files: text and code in the prompt, images for a vision model"),
    ("/compact", "Summarise the earlier turns into one, sent in their place"),
    ("/tools", "The tools of this conversation (/tools revoke NAME: ask again before each call)"),
    ("/prompt", "Insert a saved prompt (/prompt save NAME saves one; alone: the library)"),
    ("/persona", "Use a saved persona here (/persona save NAME saves this one's settings)"),
    ("/clear", "Start over in a new conversation (this one stays saved)"),
    ("/bye", "Quit"),
    ("/?", "List the commands"),
)
USAGE: tuple[tuple[str, str], ...] = (
    ("/set system TEXT", "The system prompt"),
    ("/set parameter NAME VALUE", f"One of {', '.join(PARAMETERS)}"),
    ("/set format json", "Replies in JSON (/set noformat: free text)"),
    ("/set think [LEVEL]", "Thinking on, or low/medium/high (/set nothink: off)"),
    ("/set history", "Send the whole conversation (/set nohistory: the last prompt only)"),
    ("/set verbose", "The server's timings under replies (/set quiet: no counts)"),
    ("/set wordwrap", "Wrap replies at the width (/set nowordwrap: cut long lines)"),
    ("/show info|license|modelfile|parameters|system|template", "The model, as inspected"),
    ("/load MODEL", "Use MODEL from the next reply"),
    ("/save MODEL", "Create MODEL: this model, system prompt, parameters and messages"),
    ("/attach PATH", "A file, a glob (src/*.py) or a folder's files, with the next prompt"),
    ("/compact", "Summarise the turns before the last prompt; they stay, folded"),
    ("/tools", "The tools offered here, and those that run without asking"),
    ("/tools revoke NAME|all", "Ask again before each call of NAME (all: of every tool)"),
    ("/prompt NAME", "Insert the saved prompt NAME in the composer (alone: the library)"),
    ("/prompt save NAME", "Save the lines typed under it, else the last prompt sent"),
    ("/persona NAME", "Use persona NAME here: its model, system prompt and options"),
    ("/persona save NAME", "Save this conversation's model, system prompt and options"),
    ("/clear", "A new conversation; this one stays saved"),
    ("/bye", "Quit"),
    ('"""', 'Begins a prompt of several lines; a line ending in """ sends it'),
    ("//TEXT", "Sends /TEXT as a prompt"),
)

SWITCHES = {
    "history": ("history", HISTORY_CHOICES[0], "The whole conversation is sent with each prompt."),
    "nohistory": (
        "history",
        HISTORY_CHOICES[1],
        "Only the last prompt is sent, without the turns before it.",
    ),
    "verbose": ("stats", "verbose", "Replies show the server's timings."),
    "quiet": ("stats", "quiet", "Replies show no counts."),
    "wordwrap": ("wordwrap", WRAP_CHOICES[0], "Replies wrap at the width."),
    "nowordwrap": ("wordwrap", WRAP_CHOICES[1], "Long lines of replies are cut at the edge."),
}
"""`/set WORD` for the settings that are on or off: the form's field, its value, what is said."""


@dataclass(frozen=True)
class Prompt:
    """The line is a prompt to send."""

    text: str


@dataclass(frozen=True)
class Run:
    """The line is a command: its name without the slash, and what follows it."""

    name: str
    argument: str


@dataclass(frozen=True)
class Unknown:
    """The line names no command: what to say."""

    message: str


Line = Prompt | Run | Unknown


@dataclass(frozen=True)
class LibraryCommand:
    """`/prompt` or `/persona`, read: `list` (no argument), `use` NAME or `save` NAME, with
    the lines typed after a `save` line."""

    action: str
    name: str = ""
    text: str = ""


def read_library_command(argument: str) -> LibraryCommand:
    """Raises ValueError when `save` has no name."""
    first, _, rest = argument.partition("\n")
    first = first.strip()
    if not first:
        return LibraryCommand("list")
    word, _, name = first.partition(" ")
    if word != "save":
        return LibraryCommand("use", first)
    if not name.strip():
        raise ValueError("Usage: save NAME.")
    return LibraryCommand("save", name.strip(), rest)


def block_is_open(text: str) -> bool:
    """True while a `\"\"\"` prompt is typed and not closed yet (Enter then adds a line)."""
    if not text.startswith(BLOCK):
        return False
    return not text[len(BLOCK) :].rstrip().endswith(BLOCK)


def read_line(text: str) -> Line:
    """What the composer's text asks for when Enter is pressed."""
    if text.startswith(BLOCK):
        body = text[len(BLOCK) :].rstrip()
        body = body.removesuffix(BLOCK)
        return Prompt(body.removeprefix("\n"))
    if text.startswith("//"):
        return Prompt(text[1:])
    if not text.startswith("/"):
        return Prompt(text)
    word, _, rest = text[1:].partition(" ")
    name = word.strip()
    if name in ("?", "help"):
        return Run("help", rest.strip())
    if f"/{name}" in {command for command, _ in COMMANDS}:
        return Run(name, rest.strip())
    known = [command[1:] for command, _ in COMMANDS if command != "/?"]
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    hint = (
        f"Did you mean {' or '.join('/' + c for c in close)}? " if close else ""
    ) + "/? lists the commands; //TEXT sends /TEXT as a prompt."
    return Unknown(f"Unknown command /{name}. {hint}")


def apply_set(
    settings: ConversationSettings, argument: str, think_levels: Sequence[str] = THINK_CHOICES
) -> str:
    """Apply `/set ARGUMENT` to the settings as the settings form would, and say what changed.

    Raises:
        ValueError: what is wrong, in the form's words; the settings are then unchanged.
    """
    word, _, rest = argument.partition(" ")
    rest = rest.strip()
    form = SettingsForm.of(settings)
    if word == "system":
        form.system = rest
        said = f"System prompt set ({len(rest)} characters)." if rest else "System prompt cleared."
    elif word == "parameter":
        name, _, value = rest.partition(" ")
        value = value.strip()
        if name not in PARAMETERS:
            raise ValueError(
                f"Unknown parameter {name!r}: one of {', '.join(PARAMETERS)}."
                if name
                else f"Usage: /set parameter NAME VALUE, NAME one of {', '.join(PARAMETERS)}."
            )
        if not value:
            raise ValueError(f"Usage: /set parameter {name} VALUE.")
        if name == "stop":
            form.stop = "\n".join(value.split())
        else:
            form.options[name] = value
        said = f"Set parameter {name} to {value}."
    elif word == "format":
        if rest != "json":
            raise ValueError("Usage: /set format json (or /set noformat).")
        form.format = "json"
        said = "Replies are asked for in JSON."
    elif word == "noformat":
        form.format = "text"
        said = "Replies are free text."
    elif word == "think":
        level = rest or "on"
        levels = [choice for choice in think_levels if choice not in ("default", "off")]
        if level not in levels:
            raise ValueError(f"/set think takes {', '.join(levels)} on this server.")
        form.think = level
        said = f"Thinking {level}."
    elif word == "nothink":
        form.think = "off"
        said = "Thinking off."
    elif word in SWITCHES:
        field, value, said = SWITCHES[word]
        setattr(form, field, value)
    else:
        raise ValueError(f"Usage: /set {'|'.join(SET_WORDS)} …")
    form.apply_to(settings)
    return said


ATTACH = "/attach "
REVOKE = "revoke"
"""`/tools revoke NAME`: withdraw the tool's allowance for the conversation."""


def attach_argument(text: str) -> str | None:
    """The path typed after `/attach ` (spaces and all), or None for any other line."""
    if text.startswith(ATTACH) and "\n" not in text:
        return text[len(ATTACH) :]
    return None


def completions(
    text: str,
    models: Sequence[str],
    paths: Sequence[str] = (),
    prompts: Sequence[str] = (),
    personas: Sequence[str] = (),
    granted: Sequence[str] = (),
) -> list[tuple[str, str]]:
    """Whole lines the text so far may become, each with a short description, for the
    popup; empty when there is nothing to offer. `paths`: the completions of the path
    after `/attach ` (read from the disk by the caller, off the UI thread); `prompts` and
    `personas`: the library's names (which may hold spaces); `granted`: the tools the
    conversation allows without asking (`/tools revoke`)."""
    if not text.startswith("/") or text.startswith("//") or "\n" in text:
        return []
    if attach_argument(text) is not None:
        return [(ATTACH + path, "folder" if path.endswith("/") else "") for path in paths]
    words = text[1:].split(" ")
    if len(words) == 1:
        return [(command, about) for command, about in COMMANDS if command.startswith(text)]
    command, _, typed = text[1:].partition(" ")
    if command in ("prompt", "persona") and not typed.startswith("save "):
        names = prompts if command == "prompt" else personas
        offers = [("save", "")] if "save".startswith(typed) else []
        offers += [(name, command) for name in names if name.startswith(typed)]
        return [(f"/{command} {name}", about) for name, about in offers]
    if command == "tools":
        return _tools_completions(typed, granted)
    head, last = " ".join(words[:-1]), words[-1]
    choices: Sequence[str] = ()
    if head == "set":
        choices = SET_WORDS
    elif head == "set parameter":
        choices = PARAMETERS
    elif head == "set format":
        choices = ("json",)
    elif head == "set think":
        choices = tuple(c for c in THINK_CHOICES if c not in ("default", "off", "on"))
    elif head == "show":
        choices = SHOW_SECTIONS
    elif head in ("load", "save"):
        choices = models
    return [(f"/{head} {choice}", "") for choice in choices if choice.startswith(last)]


def _tools_completions(typed: str, granted: Sequence[str]) -> list[tuple[str, str]]:
    word, space, name = typed.partition(" ")
    if not space:
        return [("/tools revoke", "")] if granted and REVOKE.startswith(word) else []
    if word != REVOKE:
        return []
    # A name from a hand-edited file may hold a line break: one line each in the popup.
    names = [grant for grant in granted if "\n" not in grant]
    offers = [(grant, "ask again") for grant in names]
    if len(names) > 1:
        offers.append((ALL, "every tool"))
    return [
        (f"/tools {REVOKE} {grant}", about) for grant, about in offers if grant.startswith(name)
    ]


def save_spec(conversation: Conversation, name: str) -> CreateSpec:
    """`/save NAME`: a model made of this conversation's model, system prompt, parameters and
    the turns so far (prompts and replies with text), as `ollama run` saves one. A compacted
    conversation saves what it sends: its summary (a `system` message) instead of the turns
    it stands for.

    Raises:
        ValueError: the name is not one Ollama takes, or there is no model to start from.
    """
    if problem := model_name_problem(name):
        raise ValueError(f"Usage: /save MODEL. {problem}")
    settings = conversation.settings
    if not settings.model:
        raise ValueError("This conversation has no model to save from.")
    folded = folded_ids(conversation.messages)
    messages = [
        {"role": Role.SYSTEM.value, "content": summary_text(message)}
        if is_summary(message)
        else {"role": message.role.value, "content": message.content}
        for message in conversation.messages
        if message.id not in folded
        and (
            (message.role in (Role.USER, Role.ASSISTANT) and message.content)
            or (is_summary(message) and not message.restored)
        )
    ]
    return CreateSpec(
        name=name,
        base=settings.model,
        system=settings.system or "",
        parameters=dict(settings.options),
        messages=messages,
    )
