"""Provides the conversation settings dialog: system prompt, options, keep-alive, thinking
and structured output, each checked as it is typed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Select, SelectionList, Static
from textual.widgets.selection_list import Selection

from ...domain.tool_calls import BUILT_IN_TOOLS
from ...services.conversation_options import (
    FORMAT_CHOICES,
    HISTORY_CHOICES,
    NUMBER_OPTIONS,
    STATS_CHOICES,
    WRAP_CHOICES,
    SettingsForm,
    think_choices,
)
from ...services.errors import OllamaError
from ...services.model_admin import parse_parameters
from ..kit.keys import bindings, key_on
from ..kit.safe_text import SafeInput, SafeTextArea, plain
from ..kit.workers import background
from ..widgets.form import Form, FormField, option_fields

# Short enough for a row of the dialog at 80 columns: a list's rows do not wrap, and the end
# (what is shown before it runs) is what matters.
TOOL_DESCRIPTIONS = {
    "read_file": "read a file in the allowed folders",
    "list_directory": "list a folder",
    "search_files": "search files for a pattern",
    "write_file": "show the change, then write a file",
    "run_command": "show a shell command, then run it",
    "fetch_url": "fetch a web page",
}

if TYPE_CHECKING:
    from ...domain.conversation import ConversationSettings
    from ...services.backend import Backend


class SettingsDialog(ModalScreen[SettingsForm | None]):
    """Dismisses with the form to apply, or None."""

    BINDINGS = bindings("settings")

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
        with Form(
            plain(f"Settings of this conversation ({self.model or 'no model'})"),
            plain(
                f"Tab: next · {key_on(self, 'settings.save')}: save"
                f" · {key_on(self, 'settings.save_default')}: save as default"
                f" · {key_on(self, 'settings.cancel')}: cancel"
            ),
        ):
            yield FormField(
                "System prompt",
                SafeTextArea(form.system, id="system", soft_wrap=True, compact=True),
            )
            yield Static(
                Content("Options: empty is the model's own default, shown greyed"),
                classes="form-note",
            )
            yield from option_fields(NUMBER_OPTIONS, form.options)
            yield FormField(
                "Stop sequences",
                SafeTextArea(form.stop, id="stop", compact=True, placeholder="one per line"),
            )
            yield FormField(
                "Keep loaded",
                SafeInput(
                    form.keep_alive,
                    placeholder="5m (default) · 1h · 300 seconds · -1 for ever",
                    id="keep_alive",
                    compact=True,
                ),
            )
            choices = think_choices(self.backend.server_version)
            yield FormField(
                "Thinking",
                Select(
                    [(choice, choice) for choice in choices],
                    value=form.think if form.think in choices else "default",
                    allow_blank=False,
                    id="think",
                    compact=True,
                ),
            )
            yield FormField(
                "Reply format",
                Select(
                    [(choice, choice) for choice in FORMAT_CHOICES],
                    value=form.format,
                    allow_blank=False,
                    id="format",
                    compact=True,
                ),
            )
            yield FormField(
                "JSON Schema",
                SafeTextArea(form.schema, id="schema", language="json", compact=True),
                id="schema-field",
            )
            if self.completion:
                yield from self._completion_fields()
            else:
                # A completion sends each prompt alone: it has no history to leave out.
                yield self._choice("History sent", "history", HISTORY_CHOICES, form.history)
                yield FormField("Tools", self._tool_list())
            # Last: how replies are drawn here, after everything that goes to the server.
            yield self._choice("Under replies", "stats", STATS_CHOICES, form.stats)
            yield self._choice("Long lines", "wordwrap", WRAP_CHOICES, form.wordwrap)

    @staticmethod
    def _choice(label: str, id: str, choices: tuple[str, ...], value: str) -> FormField:
        return FormField(
            label,
            Select(
                [(choice, choice) for choice in choices],
                value=value,
                allow_blank=False,
                id=id,
                compact=True,
            ),
        )

    def _tool_list(self) -> SelectionList[str]:
        """Each tool the model may be offered, ticked when this conversation enables it;
        every tool asks before it runs."""
        enabled = list(self.form.tools)
        choices = [(name, TOOL_DESCRIPTIONS.get(name, "")) for name in BUILT_IN_TOOLS]
        listed = self.backend.tools.listed_tools()
        for source in self.backend.tools.source_names:
            if source != "built-in":
                choices.append((f"{source}.*", f"every tool of the MCP server {source}"))
                # A server already started shows its tools one by one (the server's words).
                choices += [
                    (tool.name, tool.description.strip().partition("\n")[0])
                    for tool in listed
                    if tool.source == source
                ]
        known = {name for name, _ in choices}
        choices += [(name, "") for name in enabled if name not in known]
        return SelectionList[str](
            *(
                Selection(
                    plain(name) + (plain(f"  {about}").stylize("$text-muted") if about else ""),
                    name,
                    name in enabled,
                )
                for name, about in choices
            ),
            id="tools",
            compact=True,
        )

    def _completion_fields(self) -> ComposeResult:
        form = self.form
        yield FormField(
            "Raw",
            Select(
                [("off", "off"), ("on", "on")],
                value="on" if form.raw else "off",
                allow_blank=False,
                id="raw",
                compact=True,
            ),
        )
        yield FormField(
            "Suffix",
            SafeInput(
                form.suffix,
                placeholder="the text after the gap (fill-in-the-middle models)",
                id="suffix",
                compact=True,
            ),
        )
        yield FormField(
            "Template",
            SafeTextArea(
                form.template,
                id="template",
                compact=True,
                placeholder="the model's own; a Go template replaces it (not with raw)",
            ),
        )

    def on_mount(self) -> None:
        self.query_one("#schema-field").display = self.form.format == "schema"
        self.query_one("#system", SafeTextArea).focus()
        if self.model:
            self.show_model_defaults(self.model)

    @background("Reading the model's defaults", group="model-defaults")
    async def show_model_defaults(self, model: str) -> None:
        """The Modelfile's own values as placeholders: what leaving a field empty means."""
        try:
            show = await self.backend.show(model)
        except OllamaError:
            return
        defaults = parse_parameters(show.parameters)
        for option in NUMBER_OPTIONS:
            if option.name in defaults:
                field = self.query_one(f"#{option.name}", SafeInput)
                field.placeholder = f"({defaults[option.name][0]})"

    def _read(self) -> SettingsForm:
        think = self.query_one("#think", Select).value
        output = self.query_one("#format", Select).value
        return SettingsForm(
            system=self.query_one("#system", SafeTextArea).text,
            options={
                option.name: self.query_one(f"#{option.name}", SafeInput).value
                for option in NUMBER_OPTIONS
            },
            stop=self.query_one("#stop", SafeTextArea).text,
            keep_alive=self.query_one("#keep_alive", SafeInput).value,
            think=str(think),
            format=str(output),
            schema=self.query_one("#schema", SafeTextArea).text,
            tools=list(self.form.tools)
            if self.completion
            else list(self.query_one("#tools", SelectionList).selected),
            history=self.form.history
            if self.completion
            else str(self.query_one("#history", Select).value),
            stats=str(self.query_one("#stats", Select).value),
            wordwrap=str(self.query_one("#wordwrap", Select).value),
            **self._read_completion_fields(),
        )

    def _read_completion_fields(self) -> dict[str, Any]:
        if not self.completion:
            form = self.form  # not shown: kept as they were
            return {"raw": form.raw, "suffix": form.suffix, "template": form.template}
        return {
            "raw": self.query_one("#raw", Select).value == "on",
            "suffix": self.query_one("#suffix", SafeInput).value,
            "template": self.query_one("#template", SafeTextArea).text,
        }

    @on(SafeInput.Changed)
    @on(SafeTextArea.Changed)
    @on(Select.Changed)
    @on(SelectionList.SelectedChanged)
    def _check(self) -> None:
        form = self._read()
        self.query_one("#schema-field").display = form.format == "schema"
        self.query_one(Form).show_problems(form.problems())

    def action_save(self, as_default: bool = False) -> None:
        form = self._read()
        if problems := form.problems():
            self.query_one(Form).show_problems(problems)
            return
        form.as_default = as_default
        self.dismiss(form)

    def action_cancel(self) -> None:
        self.dismiss(None)
