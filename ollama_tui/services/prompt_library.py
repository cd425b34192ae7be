"""Provides the prompt library: saved prompts and personas (a system prompt, a model and
options) by name, one file each in `<data_dir>/prompts/` (see `store/prompt_files.py`).

A persona's settings are checked exactly as the settings dialog checks what is typed in it
(`SettingsForm`), so a file edited by hand can hold nothing F4 or `/set` would refuse; it
never carries tools, raw mode or a template, which stay the conversation's own.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..domain.conversation import ConversationSettings
from ..store.prompt_files import (
    Front,
    FrontValue,
    PromptFile,
    PromptFileError,
    PromptFiles,
    PromptNotFound,
    SkippedFile,
    name_problem,
)
from .conversation_options import NUMBER_OPTIONS, SettingsForm
from .model_admin import model_name_problem

__all__ = [
    "Entry",
    "LibraryError",
    "LibraryListing",
    "Persona",
    "PromptLibrary",
    "SavedPrompt",
    "SkippedFile",
    "apply_persona",
    "name_problem",
]

PROMPT = "prompt"
PERSONA = "persona"
_OPTION_NAMES = {option.name for option in NUMBER_OPTIONS}


class LibraryError(Exception):
    """What went wrong with a name or a file, in words to show."""


@dataclass(frozen=True)
class SavedPrompt:
    """Text to put in the composer."""

    name: str
    text: str

    @property
    def summary(self) -> str:
        return _first_words(self.text)


@dataclass(frozen=True)
class Persona:
    """Settings to give a conversation: its model, system prompt and options (and the
    thinking, format and keep-alive, when the persona sets them)."""

    name: str
    settings: ConversationSettings

    @property
    def summary(self) -> str:
        model = self.settings.model or "the conversation's model"
        system = _first_words(self.settings.system or "") or "no system prompt"
        return f"{model} · {system}"


Entry = SavedPrompt | Persona


@dataclass(frozen=True)
class LibraryListing:
    entries: list[Entry]
    skipped: list[SkippedFile]


def _first_words(text: str, limit: int = 80) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


# -- reading ---------------------------------------------------------------------------------


def _text(value: object, key: str) -> str:
    """A number or a string from the file, as it would be typed in the settings form."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(f"{key} takes a number or a string, not {type(value).__name__}.")
    return str(value)


def _form_of(front: Mapping[str, Any], system: str) -> SettingsForm:
    """The settings form a persona's front matter fills in. Raises ValueError."""
    form = SettingsForm(system=system.strip())
    options = front.get("options", {})
    if not isinstance(options, dict):
        raise ValueError("options is a table ([options]).")
    for key, value in options.items():
        if key in _OPTION_NAMES:
            form.options[key] = _text(value, key)
        elif key == "stop":
            stops = value if isinstance(value, list) else [value]
            if not all(isinstance(stop, str) and stop and "\n" not in stop for stop in stops):
                raise ValueError("stop takes strings of one line each.")
            form.stop = "\n".join(stops)
        # Other keys are left: a newer version may know more options, and none is applied.
    if "think" in front:
        think = front["think"]
        if isinstance(think, bool):
            form.think = "on" if think else "off"
        else:
            form.think = _text(think, "think")
    if "keep_alive" in front:
        form.keep_alive = _text(front["keep_alive"], "keep_alive")
    if "format" in front:
        form_format = _text(front["format"], "format")
        if form_format.lstrip().startswith("{"):
            form.format, form.schema = "schema", form_format
        else:
            form.format = form_format
    if problems := form.problems():
        raise ValueError(next(iter(problems.values())))
    return form


def entry_of(file: PromptFile) -> Entry:
    """The prompt or persona a file holds. A file without front matter is a prompt.

    Raises:
        LibraryError: the front matter holds what the settings dialog would refuse.
    """
    kind = file.front.get("kind", PROMPT)
    if kind == PROMPT:
        return SavedPrompt(file.name, file.body)
    if kind != PERSONA:
        raise LibraryError(f"kind is {PROMPT!r} or {PERSONA!r}, not {kind!r}.")
    model = file.front.get("model")
    if model is not None and (not isinstance(model, str) or model_name_problem(model)):
        raise LibraryError(f"model {model!r} is not a model name.")
    try:
        form = _form_of(file.front, file.body)
    except ValueError as error:
        raise LibraryError(str(error)) from None
    settings = ConversationSettings(model=model)
    form.apply_to(settings)
    return Persona(file.name, settings)


# -- writing ---------------------------------------------------------------------------------


def _persona_front(settings: ConversationSettings) -> dict[str, FrontValue | dict[str, FrontValue]]:
    """The front matter of a persona saved from these settings."""
    form = SettingsForm.of(settings)
    front: dict[str, FrontValue | dict[str, FrontValue]] = {"kind": PERSONA}
    if settings.model:
        front["model"] = settings.model
    if form.think != "default":
        front["think"] = form.think
    if form.format == "json":
        front["format"] = "json"
    elif form.format == "schema":
        front["format"] = json.dumps(settings.format)
    if form.keep_alive:
        front["keep_alive"] = form.keep_alive
    options: dict[str, FrontValue] = {
        key: value
        for key, value in settings.options.items()
        if key in _OPTION_NAMES and isinstance(value, (int, float)) and not isinstance(value, bool)
    }
    if stops := [line for line in form.stop.splitlines() if line]:
        options["stop"] = stops
    front["options"] = options
    return front


def apply_persona(persona: Persona, settings: ConversationSettings) -> None:
    """Give `settings` the persona's model (when it names one), system prompt, options,
    thinking, format and keep-alive, checked as the settings dialog checks them; the
    conversation's tools, raw mode, suffix and template stay.

    Raises:
        ValueError: in the dialog's words (a system prompt in raw mode); nothing changed.
    """
    form = SettingsForm.of(settings)
    chosen = SettingsForm.of(persona.settings)
    form.system, form.options, form.stop = chosen.system, chosen.options, chosen.stop
    form.think, form.format, form.schema = chosen.think, chosen.format, chosen.schema
    form.keep_alive = chosen.keep_alive
    form.apply_to(settings)
    if persona.settings.model:
        settings.model = persona.settings.model


class PromptLibrary:
    """The saved prompts and personas. Every method reads or writes files: call them off
    the UI's loop. Nothing is cached but the names of the last listing (for completions)."""

    def __init__(self, files: PromptFiles) -> None:
        self.files = files
        self.prompt_names: list[str] = []
        self.persona_names: list[str] = []

    def listing(self) -> LibraryListing:
        """Every prompt and persona, read now; the files that cannot be used, with why.

        Raises:
            OSError: the folder cannot be listed.
        """
        files, skipped = self.files.listing()
        entries: list[Entry] = []
        for file in files:
            try:
                entries.append(entry_of(file))
            except LibraryError as error:
                skipped.append(SkippedFile(f"{file.name}.md", str(error)))
        self.prompt_names = [e.name for e in entries if isinstance(e, SavedPrompt)]
        self.persona_names = [e.name for e in entries if isinstance(e, Persona)]
        return LibraryListing(entries, sorted(skipped, key=lambda s: s.file_name))

    def read(self, name: str) -> Entry:
        """Raises LibraryError saying what is wrong (no such name, an unusable file)."""
        try:
            return entry_of(self.files.read(name))
        except (PromptNotFound, PromptFileError, ValueError) as error:
            raise LibraryError(str(error)) from None

    def exists(self, name: str) -> bool:
        """Raises LibraryError when `name` is not a name."""
        try:
            return self.files.exists(name)
        except ValueError as error:
            raise LibraryError(str(error)) from None

    def save_prompt(self, name: str, text: str) -> None:
        """Save (or replace) the prompt `name`. Raises LibraryError, OSError."""
        if not text.strip():
            raise LibraryError("There is no text to save as a prompt.")
        self._write(name, {"kind": PROMPT}, text)

    def save_persona(self, name: str, settings: ConversationSettings) -> None:
        """Save (or replace) the persona `name` from a conversation's settings (its system
        prompt is the body). Raises LibraryError, OSError."""
        self._write(name, _persona_front(settings), settings.system or "")

    def _write(self, name: str, front: Front, body: str) -> None:
        try:
            self.files.write(name, front, body)
        except (PromptFileError, ValueError) as error:
            raise LibraryError(str(error)) from None

    def delete(self, name: str) -> None:
        """Raises LibraryError, OSError."""
        try:
            self.files.delete(name)
        except (PromptNotFound, ValueError) as error:
            raise LibraryError(str(error)) from None
