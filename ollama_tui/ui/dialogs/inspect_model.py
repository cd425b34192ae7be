"""Provides the inspect dialog: everything `/api/show` says about a model."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from ...services.errors import OllamaError
from ...services.model_admin import model_facts, parse_parameters
from ..kit.keys import bindings, key_on
from ..kit.safe_text import notify_plain, plain
from ..kit.workers import background

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ...services.backend import Backend


class InspectScreen(ModalScreen[None]):
    """Everything `/api/show` says about a model, scrollable; a key copies the Modelfile."""

    BINDINGS = bindings("inspect")

    def __init__(
        self,
        backend: Backend,
        model: str,
        *,
        section: str = "",
        options: Mapping[str, object] | None = None,
    ) -> None:
        """`section`: the heading to scroll to first (`/show license`: "License").
        `options`: the parameters a conversation sets over the model's (`/show parameters`
        lists them first, as `ollama run` does)."""
        super().__init__(classes="dialog-screen")
        self.backend = backend
        self.model = model
        self.options = dict(options or {})
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
        section(
            "Parameters set in this conversation",
            "\n".join(f"{name}: {value}" for name, value in sorted(self.options.items())),
        )
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
