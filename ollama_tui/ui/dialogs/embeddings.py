"""Provides the embeddings dialog: texts in, their vectors' sizes, norms and pairwise
cosine similarity out."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from ...services.errors import OllamaError
from ..kit.keys import bindings, key_on
from ..kit.safe_text import SafeTextArea, plain
from ..kit.workers import background

if TYPE_CHECKING:
    from ...services.backend import Backend


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
