"""Provides the conversation settings dialog: system prompt, options, keep-alive, thinking
and structured output, each checked as it is typed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Select, Static, TextArea

from ..services.conversation_options import (
    FORMAT_CHOICES,
    NUMBER_OPTIONS,
    SettingsForm,
    think_choices,
)
from ..services.errors import OllamaError
from ..services.models import parse_parameters
from .safe_text import plain

if TYPE_CHECKING:
    from ..domain.conversation import ConversationSettings
    from ..services.backend import Backend


class SettingsDialog(ModalScreen[SettingsForm | None]):
    """Dismisses with the form to apply (Ctrl+S), or None (Esc)."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="settings.cancel"),
        Binding("ctrl+s", "save", "Save", priority=True, id="settings.save"),
        Binding(
            "ctrl+d",
            "save(True)",
            "Save as default",
            tooltip="Save, and start new conversations with these settings too",
            priority=True,
            id="settings.save_default",
        ),
    ]

    def __init__(
        self, backend: Backend, settings: ConversationSettings, *, completion: bool = False
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.backend = backend
        self.model = settings.model
        self.form = SettingsForm.of(settings)
        self.completion = completion

    def compose(self) -> ComposeResult:
        form = self.form
        with VerticalScroll(classes="dialog inspector"):
            yield Static(
                plain(f"Settings of this conversation ({self.model or 'no model'})"),
                classes="dialog-title",
            )
            yield Static(Content("System prompt"), classes="form-field-label")
            yield TextArea(form.system, id="system", soft_wrap=True)
            yield Static(
                Content("Options (empty: the model's own default, shown greyed)"),
                classes="form-field-label",
            )
            with Horizontal(classes="form-row"):
                for option in NUMBER_OPTIONS[:4]:
                    yield self._option_input(option.name)
            with Horizontal(classes="form-row"):
                for option in NUMBER_OPTIONS[4:]:
                    yield self._option_input(option.name)
            yield Static(Content("Stop sequences, one per line"), classes="form-field-label")
            yield TextArea(form.stop, id="stop")
            yield Static(
                Content("Keep the model loaded for (5m, 1h, 300 seconds, -1 for ever)"),
                classes="form-field-label",
            )
            yield Input(form.keep_alive, placeholder="server default (5m)", id="keep_alive")
            yield Static(Content("Thinking"), classes="form-field-label")
            choices = think_choices(self.backend.server_version)
            yield Select(
                [(choice, choice) for choice in choices],
                value=form.think if form.think in choices else "default",
                allow_blank=False,
                id="think",
            )
            yield Static(Content("Reply format"), classes="form-field-label")
            yield Select(
                [(choice, choice) for choice in FORMAT_CHOICES],
                value=form.format,
                allow_blank=False,
                id="format",
            )
            yield TextArea(form.schema, id="schema", language="json")
            if self.completion:
                yield from self._completion_fields()
            yield Static("", id="problem", classes="dialog-problem", markup=False)
            yield Static(
                Content("Ctrl+S: save · Ctrl+D: save and use for new conversations · Esc: cancel"),
                classes="dialog-hint",
            )

    def _completion_fields(self) -> ComposeResult:
        form = self.form
        yield Static(
            Content("Raw: the prompt as typed, without the model's template"),
            classes="form-field-label",
        )
        yield Select(
            [("off", "off"), ("on", "on")],
            value="on" if form.raw else "off",
            allow_blank=False,
            id="raw",
        )
        yield Static(
            Content("Suffix: the text after the gap, for fill-in-the-middle models"),
            classes="form-field-label",
        )
        yield Input(form.suffix, placeholder="none", id="suffix", compact=True)
        yield Static(
            Content("Template instead of the model's (Go template; not with raw)"),
            classes="form-field-label",
        )
        yield TextArea(form.template, id="template")

    def _option_input(self, name: str) -> Input:
        value = (self.form.options or {}).get(name, "")
        return Input(value, placeholder=name, id=name, compact=True)

    def on_mount(self) -> None:
        self.query_one("#schema", TextArea).display = self.form.format == "schema"
        self.query_one("#system", TextArea).focus()
        if self.model:
            self.show_model_defaults(self.model)

    @work(exit_on_error=False)
    async def show_model_defaults(self, model: str) -> None:
        """The Modelfile's own values as placeholders: what leaving a field empty means."""
        try:
            show = await self.backend.show(model)
        except OllamaError:
            return
        defaults = parse_parameters(show.parameters)
        for option in NUMBER_OPTIONS:
            if option.name in defaults:
                field = self.query_one(f"#{option.name}", Input)
                field.placeholder = f"{option.name} ({defaults[option.name][0]})"

    def _read(self) -> SettingsForm:
        think = self.query_one("#think", Select).value
        output = self.query_one("#format", Select).value
        return SettingsForm(
            system=self.query_one("#system", TextArea).text,
            options={
                option.name: self.query_one(f"#{option.name}", Input).value
                for option in NUMBER_OPTIONS
            },
            stop=self.query_one("#stop", TextArea).text,
            keep_alive=self.query_one("#keep_alive", Input).value,
            think=str(think),
            format=str(output),
            schema=self.query_one("#schema", TextArea).text,
            **self._read_completion_fields(),
        )

    def _read_completion_fields(self) -> dict[str, Any]:
        if not self.completion:
            form = self.form  # not shown: kept as they were
            return {"raw": form.raw, "suffix": form.suffix, "template": form.template}
        return {
            "raw": self.query_one("#raw", Select).value == "on",
            "suffix": self.query_one("#suffix", Input).value,
            "template": self.query_one("#template", TextArea).text,
        }

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Select.Changed)
    def _check(self) -> None:
        form = self._read()
        self.query_one("#schema", TextArea).display = form.format == "schema"
        problems = form.problems()
        self.query_one("#problem", Static).update(plain("\n".join(problems.values())))

    def action_save(self, as_default: bool = False) -> None:
        form = self._read()
        if problems := form.problems():
            self.query_one("#problem", Static).update(plain("\n".join(problems.values())))
            return
        form.as_default = as_default
        self.dismiss(form)

    def action_cancel(self) -> None:
        self.dismiss(None)
