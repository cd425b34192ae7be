"""Provides the model catalogue: `/api/tags` merged with `/api/ps`, and the default choice."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..api.errors import ResponseError
from ..api.models import Listing, ModelEntry, RunningModel

if TYPE_CHECKING:
    from ..api.client import OllamaClient


@dataclass(frozen=True)
class ModelChoice:
    """One installed model as the picker shows it."""

    name: str
    size: int
    parameter_size: str
    quantization: str
    family: str
    loaded: bool = False
    size_in_memory: int = 0
    size_vram: int = 0
    expires_at: str = ""
    modified_at: str = ""
    context_length: int = 0
    """The context the loaded runner allocated (servers from 0.10.0 report it)."""
    host: str = ""
    """The host's name when it is not the default one."""

    def matches(self, query: str) -> bool:
        """Every word of the query occurs in the name, family, size or host, case-insensitively."""
        haystack = f"{self.name} {self.family} {self.parameter_size} {self.host}".casefold()
        return all(word in haystack for word in query.casefold().split())


def merge_models(installed: list[ModelEntry], running: list[RunningModel]) -> list[ModelChoice]:
    """Join the two lists by name; sorted by name as `ollama list` users expect."""
    loaded = {model.name or model.model: model for model in running}
    choices = []
    for entry in installed:
        name = entry.name or entry.model
        if not name:
            continue
        live = loaded.get(entry.name) or loaded.get(entry.model)
        details = entry.details
        choices.append(
            ModelChoice(
                name=name,
                size=entry.size,
                parameter_size=details.parameter_size,
                quantization=details.quantization_level,
                family=details.family,
                loaded=live is not None,
                size_in_memory=live.size if live else 0,
                size_vram=live.size_vram if live else 0,
                expires_at=live.expires_at if live else "",
                modified_at=entry.modified_at,
                context_length=live.context_length if live else 0,
            )
        )
    return sorted(choices, key=lambda choice: choice.name.casefold())


async def load_catalogue(client: OllamaClient) -> Listing[ModelChoice]:
    """Fetch both lists at once; a server without `/api/ps` (before 0.1.38) shows none loaded.
    `skipped` has an error for each entry of either list that could not be read."""

    async def running_models() -> Listing[RunningModel]:
        try:
            return await client.ps()
        except ResponseError as error:
            if error.status == 404:
                return Listing()
            raise

    installed, running = await asyncio.gather(client.tags(), running_models())
    catalogue = Listing(merge_models(installed, running))
    catalogue.skipped = [*installed.skipped, *running.skipped]
    return catalogue


def default_model(choices: list[ModelChoice], last_used: str | None) -> str | None:
    """The model for a new conversation: the last one used, else a loaded one, else the first."""
    names = {choice.name for choice in choices}
    if last_used and (last_used in names or not choices):
        return last_used
    for choice in choices:
        if choice.loaded:
            return choice.name
    return choices[0].name if choices else None
