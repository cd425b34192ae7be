"""Provides the models screen's dialogs: inspect a model, create one, compare embeddings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from ...services.conversation_options import NUMBER_OPTIONS, parse_options
from ...services.errors import OllamaError
from ...services.models import (
    CreateSpec,
    model_facts,
    model_name_problem,
    parse_parameters,
)
from ..kit.keys import bindings, key_on
from ..kit.safe_text import SafeInput, SafeTextArea, notify_plain, plain
from ..kit.workers import background
from ..widgets.form import Form, FormField, option_fields

if TYPE_CHECKING:
    from ...services.backend import Backend


class InspectScreen(ModalScreen[None]):
    """Everything `/api/show` says about a model, scrollable; a key copies the Modelfile."""

    BINDINGS = bindings("inspect")

    def __init__(self, backend: Backend, model: str, *, section: str = "") -> None:
        """`section`: the heading to scroll to first (`/show license`: "License")."""
        super().__init__(classes="dialog-screen")
        self.backend = backend
        self.model = model
        self.modelfile = ""
        self.section = section

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog inspector"):
            yield Static(plain(self.model), classes="dialog-title")
            yield VerticalScroll(Static(Content("Loading…")), id="inspect-body")
            yield Static(
                plain(
                    f"↑↓ PgUp PgDn scroll · {key_on(self, 'inspect.copy')} copies the Modelfile"
                    f" · {key_on(self, 'inspect.close')} closes"
                ),
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        self.query_one("#inspect-body").focus()
        self.load()

    @background("Inspecting the model", group="inspect")
    async def load(self) -> None:
        body = self.query_one("#inspect-body", VerticalScroll)
        try:
            show = await self.backend.show(self.model)
        except OllamaError as error:
            await body.remove_children()
            await body.mount(Static(plain(f"Cannot inspect it: {error.message}")))
            return
        self.modelfile = show.modelfile
        sections: list[Static] = []

        def section(title: str, text: str) -> None:
            if text.strip():
                sections.append(Static(Content(title), classes="inspect-heading"))
                sections.append(Static(plain(text.rstrip()), markup=False))

        section("Facts", "\n".join(f"{label}: {value}" for label, value in model_facts(show)))
        parameters = parse_parameters(show.parameters)
        section(
            "Parameters (the Modelfile's defaults)",
            "\n".join(f"{name}: {', '.join(values)}" for name, values in parameters.items()),
        )
        section("System prompt", show.system)
        section("Template", show.template)
        section("License", show.license)
        section("Modelfile", show.modelfile)
        await body.remove_children()
        await body.mount_all(sections)
        heading = next(
            (s for s in sections if str(s.content).startswith(self.section or "\0")), None
        )
        if heading is not None:
            # After the layout that sizes the sections: only then is there somewhere to go.
            self.call_after_refresh(body.scroll_to_widget, heading, top=True, animate=False)
        elif self.section:
            notify_plain(self.app, f"{self.model} has no {self.section.lower()}.")

    def action_copy_modelfile(self) -> None:
        if self.modelfile:
            # OSC 52: reaches the clipboard of the terminal the user sits at, over SSH too.
            self.app.copy_to_clipboard(self.modelfile)
            notify_plain(self.app, "Copied the Modelfile.")

    def action_close(self) -> None:
        self.dismiss(None)


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


class EmbedDialog(ModalScreen[None]):
    """Texts in, one per line; their vectors' size, norms and pairwise cosine similarity out."""

    BINDINGS = bindings("embed")

    def __init__(self, backend: Backend, model: str) -> None:
        super().__init__(classes="dialog-screen")
        self.backend = backend
        self.model = model

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog inspector"):
            yield Static(plain(f"Embeddings with {self.model}"), classes="dialog-title")
            yield Static(Content("Texts, one per line (type or paste):"), classes="dialog-hint")
            yield SafeTextArea(id="texts")
            yield VerticalScroll(Static("", id="embed-result", markup=False))
            yield Static(
                plain(f"{key_on(self, 'embed.run')}: embed · {key_on(self, 'embed.close')}: close"),
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        self.query_one("#texts", SafeTextArea).focus()

    @background("Embedding the texts", group="embed", exclusive=True)
    async def action_embed(self) -> None:
        texts = [line for line in self.query_one("#texts", SafeTextArea).text.splitlines() if line]
        result = self.query_one("#embed-result", Static)
        if not texts:
            result.update(Content("Type at least one text."))
            return
        result.update(Content("Embedding…"))
        try:
            report = await self.backend.embed(self.model, texts)
        except OllamaError as error:
            result.update(plain(f"Cannot embed: {error.message}"))
            return
        lines = []
        for number, (text, size, norm) in enumerate(
            zip(report.texts, report.dimensions, report.norms, strict=True), 1
        ):
            shown = text if len(text) <= 40 else text[:39] + "…"
            lines.append(f"{number}. {shown!r}: {size} dimensions, norm {norm:.4f}")
        if report.similarities:
            lines.append("")
            lines.append("Cosine similarity:")
            for (first, second), value in sorted(
                report.similarities.items(), key=lambda item: -item[1]
            ):
                lines.append(f"  {first + 1} and {second + 1}: {value:.4f}")
        result.update(plain("\n".join(lines)))

    def action_close(self) -> None:
        self.dismiss(None)
