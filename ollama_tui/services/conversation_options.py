"""Provides the per-conversation request settings as a form: each field checked the way the
server will read it, before anything is sent."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..domain.conversation import ConversationSettings
from .model_admin import keep_alive_problem, parse_keep_alive
from .structured import schema_problem

if TYPE_CHECKING:
    from ..api.version import ServerVersion


@dataclass(frozen=True)
class NumberOption:
    name: str
    kind: type[int] | type[float]
    low: float | None = None
    high: float | None = None
    hint: str = ""

    def parse(self, text: str) -> int | float:
        """Raises ValueError saying what the option takes."""
        try:
            value: int | float = self.kind(text)
        except ValueError:
            noun = "a whole number" if self.kind is int else "a number"
            raise ValueError(f"{self.name} takes {noun}{self.hint}, not {text!r}.") from None
        if not math.isfinite(value):  # float("nan") passes every comparison below
            raise ValueError(f"{self.name} takes a finite number{self.hint}, not {text!r}.")
        if (self.low is not None and value < self.low) or (
            self.high is not None and value > self.high
        ):
            raise ValueError(f"{self.name} takes {self.low:g} to {self.high:g}{self.hint}.")
        return value


NUMBER_OPTIONS = (
    NumberOption("temperature", float, 0, 5, " (0 is deterministic, 0.8 typical)"),
    NumberOption("top_p", float, 0, 1),
    NumberOption("top_k", int, 0, 1_000_000),
    NumberOption("min_p", float, 0, 1),
    NumberOption("num_ctx", int, 1, 10_000_000, " (tokens of context)"),
    NumberOption("num_predict", int, -2, 10_000_000, " (-1: no limit)"),
    NumberOption("seed", int, -(2**63), 2**63 - 1),
    NumberOption("repeat_penalty", float, 0, 10),
)

THINK_CHOICES = ("default", "off", "on", "low", "medium", "high")
FORMAT_CHOICES = ("text", "json", "schema")
HISTORY_CHOICES = ("whole conversation", "last prompt only")
STATS_CHOICES = ("short", "verbose", "quiet")
"""The line under replies: model, tokens and speed; with the server's timings; without counts."""
WRAP_CHOICES = ("wrap", "no wrap")


def think_choices(version: ServerVersion | None) -> tuple[str, ...]:
    """Levels (low/medium/high) only where the server takes them: 0.11.0 and later."""
    if version is not None and not version.at_least(0, 11, 0):
        return THINK_CHOICES[:3]
    return THINK_CHOICES


def check_schema(text: str) -> dict[str, Any]:
    """A JSON Schema as typed. Raises ValueError with where it is wrong."""
    try:
        schema = json.loads(text)
    except ValueError as error:
        raise ValueError(f"The schema is not JSON: {error}") from None
    if not isinstance(schema, dict):
        raise ValueError('The schema must be a JSON object, like {"type": "object"}.')
    if problem := schema_problem(schema):
        raise ValueError(f"The schema is not valid JSON Schema {problem}")
    return schema


def parse_options(fields: Mapping[str, str], stop: str) -> dict[str, Any]:
    """Option fields as typed (empty: unset) and stop sequences one per line, as Ollama's
    `options`. Raises ValueError saying what a field takes."""
    options: dict[str, Any] = {}
    for option in NUMBER_OPTIONS:
        text = fields.get(option.name, "").strip()
        if text:
            options[option.name] = option.parse(text)
    stops = [line for line in stop.splitlines() if line]
    if stops:
        options["stop"] = stops
    return options


@dataclass
class SettingsForm:
    """What the settings dialog holds, as text."""

    system: str = ""
    options: dict[str, str] = field(default_factory=dict)
    """Option name -> the text typed; empty means the model's default."""
    stop: str = ""
    """One stop sequence per line."""
    keep_alive: str = ""
    think: str = "default"
    format: str = "text"
    schema: str = ""
    raw: bool = False
    """Completions only: send the prompt as it is, without the model's template."""
    suffix: str = ""
    """Completions only: the text after the gap, for fill-in-the-middle."""
    template: str = ""
    """Completions only: a template to use instead of the model's."""
    tools: list[str] = field(default_factory=list)
    """The tools the model may call (names as in `ConversationSettings.tools`)."""
    history: str = HISTORY_CHOICES[0]
    stats: str = STATS_CHOICES[0]
    wordwrap: str = WRAP_CHOICES[0]
    as_default: bool = False
    """Also start new conversations with these settings."""

    @classmethod
    def of(cls, settings: ConversationSettings) -> SettingsForm:
        options = {
            option.name: str(settings.options[option.name])
            for option in NUMBER_OPTIONS
            if option.name in settings.options
        }
        stop = settings.options.get("stop")
        think = settings.think
        if think is None:
            think_text = "default"
        elif isinstance(think, bool):
            think_text = "on" if think else "off"
        else:
            think_text = think
        return cls(
            system=settings.system or "",
            options=options,
            stop="\n".join(stop) if isinstance(stop, list) else "",
            keep_alive="" if settings.keep_alive is None else str(settings.keep_alive),
            think=think_text,
            format="schema" if isinstance(settings.format, dict) else settings.format or "text",
            schema=json.dumps(settings.format, indent=2)
            if isinstance(settings.format, dict)
            else "",
            raw=bool(settings.raw),
            suffix=settings.suffix or "",
            template=settings.template or "",
            tools=list(settings.tools or []),
            history=HISTORY_CHOICES[settings.history is False],
            stats={None: "short", True: "verbose", False: "quiet"}[settings.verbose],
            wordwrap=WRAP_CHOICES[settings.wordwrap is False],
        )

    def problems(self) -> dict[str, str]:
        """Field name -> what is wrong with it; empty when the form can be applied."""
        found: dict[str, str] = {}
        for option in NUMBER_OPTIONS:
            text = self.options.get(option.name, "").strip()
            if text:
                try:
                    option.parse(text)
                except ValueError as error:
                    found[option.name] = str(error)
        if self.keep_alive.strip() and (problem := keep_alive_problem(self.keep_alive)):
            found["keep_alive"] = problem
        if self.think not in THINK_CHOICES:
            found["think"] = f"think is one of {', '.join(THINK_CHOICES)}."
        if self.format == "schema":
            try:
                check_schema(self.schema)
            except ValueError as error:
                found["schema"] = str(error)
        elif self.format not in FORMAT_CHOICES:
            found["format"] = f"format is one of {', '.join(FORMAT_CHOICES)}."
        for name, value, choices in (
            ("history", self.history, HISTORY_CHOICES),
            ("stats", self.stats, STATS_CHOICES),
            ("wordwrap", self.wordwrap, WRAP_CHOICES),
        ):
            if value not in choices:
                found[name] = f"{name} is one of {', '.join(choices)}."
        if self.raw and self.template.strip():
            found["template"] = "Ollama refuses a template in raw mode: raw sends no template."
        if self.raw and self.system.strip():
            found["system"] = "Ollama refuses a system prompt in raw mode: write it in the prompt."
        return found

    def apply_to(self, settings: ConversationSettings) -> None:
        """Write the form into the settings (their model stays). Raises ValueError when
        `problems()` is not empty."""
        if problems := self.problems():
            raise ValueError(next(iter(problems.values())))
        options: dict[str, Any] = {
            key: value
            for key, value in settings.options.items()
            if key not in {option.name for option in NUMBER_OPTIONS} | {"stop"}
        }  # options this form does not show are kept
        settings.options = options | parse_options(self.options, self.stop)
        settings.system = self.system.strip() or None
        settings.keep_alive = parse_keep_alive(self.keep_alive) if self.keep_alive.strip() else None
        settings.think = {"default": None, "off": False, "on": True}.get(self.think, self.think)
        settings.format = (
            check_schema(self.schema)
            if self.format == "schema"
            else "json"
            if self.format == "json"
            else None
        )
        settings.raw = self.raw or None
        settings.suffix = self.suffix or None
        settings.template = self.template.strip() or None
        settings.tools = list(self.tools) or None
        settings.history = None if self.history == HISTORY_CHOICES[0] else False
        settings.verbose = {"short": None, "verbose": True, "quiet": False}[self.stats]
        settings.wordwrap = None if self.wordwrap == WRAP_CHOICES[0] else False
