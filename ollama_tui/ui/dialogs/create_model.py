"""Provides the create dialog: a new model from a base, its system prompt, options and
template."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button

from ...services.conversation_options import NUMBER_OPTIONS, parse_options
from ...services.errors import OllamaError
from ...services.model_admin import CreateSpec, model_name_problem
from ..kit.keys import bindings, key_on
from ..kit.safe_text import SafeInput, SafeTextArea, notify_plain, plain
from ..widgets.form import Form, FormField, option_fields

if TYPE_CHECKING:
    from ...services.backend import Backend


CREATE_OPTIONS = tuple(
    option
    for option in NUMBER_OPTIONS
    if option.name in ("temperature", "top_p", "top_k", "num_ctx", "seed")
)


class CreateDialog(ModalScreen[None]):
    """A new model from a base: system prompt, options, template."""

    BINDINGS = bindings("create")

    def __init__(self, backend: Backend, base: str) -> None:
        super().__init__(classes="dialog-screen")
        self.backend = backend
        self.base = base

    def compose(self) -> ComposeResult:
        create, cancel = key_on(self, "create.create"), key_on(self, "create.close")
        with Form(
            Content("Create a model"),
            plain(f"Tab: next field · {create}: create · {cancel}: cancel"),
        ):
            yield FormField(
                "Name", SafeInput(placeholder="like pirate or pirate:v2", id="name", compact=True)
            )
            yield FormField("From", SafeInput(self.base, id="base", compact=True))
            yield FormField(
                "System prompt", SafeTextArea(id="system", soft_wrap=True, compact=True)
            )
            yield from option_fields(CREATE_OPTIONS, {})
            yield FormField(
                "Stop sequences", SafeTextArea(id="stop", compact=True, placeholder="one per line")
            )
            yield FormField(
                "Template",
                SafeTextArea(
                    id="template", compact=True, placeholder="the base model's (Go template)"
                ),
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button(plain(f"Create ({create})"), id="create", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#name", SafeInput).focus()

    def _problems(self) -> dict[str, str]:
        """Field id -> what is wrong with it, in the order of the form."""
        found: dict[str, str] = {}
        if problem := model_name_problem(self.query_one("#name", SafeInput).value.strip()):
            found["name"] = f"Name: {problem}"
        if not self.query_one("#base", SafeInput).value.strip():
            found["base"] = "From: which model to start from?"
        for option in CREATE_OPTIONS:
            text = self.query_one(f"#{option.name}", SafeInput).value.strip()
            try:
                if text:
                    option.parse(text)
            except ValueError as error:
                found[option.name] = str(error)
        return found

    def _spec(self) -> CreateSpec:
        """Of a form without problems."""
        parameters = parse_options(
            {
                option.name: self.query_one(f"#{option.name}", SafeInput).value
                for option in CREATE_OPTIONS
            },
            self.query_one("#stop", SafeTextArea).text,
        )
        return CreateSpec(
            name=self.query_one("#name", SafeInput).value.strip(),
            base=self.query_one("#base", SafeInput).value.strip(),
            system=self.query_one("#system", SafeTextArea).text.strip(),
            template=self.query_one("#template", SafeTextArea).text.strip(),
            parameters=parameters,
        )

    @on(SafeInput.Changed)
    def _check(self) -> None:
        self.query_one(Form).show_problems(self._problems())

    @on(Button.Pressed, "#create")
    async def action_create(self) -> None:
        form = self.query_one(Form)
        if problems := self._problems():
            form.show_problems(problems)
            return
        spec = self._spec()
        try:
            await self.backend.create(spec)
        except OllamaError as error:
            form.show_problems({"": error.message})
            return
        notify_plain(self.app, f"Creating {spec.name}: progress is in the jobs list.")
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
