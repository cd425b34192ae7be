"""Provides the model catalogue: `/api/tags` merged with `/api/ps`, held once for every
reader (the app, the picker, the models screen), and the default choice."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ..api.answers import Listing
from ..api.errors import OllamaError, ResponseError

if TYPE_CHECKING:
    from ..api.client import OllamaClient
    from ..api.wire import ModelEntry, RunningModel


EMBEDDING_FAMILIES = frozenset(
    {"bert", "nomic-bert", "nomic-bert-moe", "xlm-roberta", "jina-bert-v2"}
)
"""Architectures that only make embeddings (nomic-embed-text, mxbai-embed-large, bge-m3…),
for servers that do not say what a model can do."""


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
    digest: str = ""
    capabilities: tuple[str, ...] = ()
    """What the model can do (`tools`, `vision`, `thinking`…): from `/api/tags` on servers
    from 0.30, else from `/api/show`, asked once per model; empty until known."""

    @property
    def calls_tools(self) -> bool:
        return "tools" in self.capabilities

    @property
    def embeds_only(self) -> bool:
        """The model makes embeddings and cannot chat: its capabilities say so (`embedding`
        without `completion`); until they are known (or where the server does not list
        them), its family does."""
        if self.capabilities:
            return "completion" not in self.capabilities and "embedding" in self.capabilities
        return self.family.casefold() in EMBEDDING_FAMILIES

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
                digest=entry.digest,
                capabilities=tuple(entry.capabilities),
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


Listener = Callable[[], None]
SHOW_AT_ONCE = 4
"""`/api/show` requests in flight while learning what the listed models can do."""


class ModelCatalogue:
    """The default host's models: fetched by whoever needs them fresh, held here once, and
    told to every listener, so that no reader keeps or fetches a copy of its own."""

    def __init__(self, client: OllamaClient) -> None:
        self.client = client
        self.models: Listing[ModelChoice] | None = None
        """The last list the server gave; None until it first answers."""
        self.problem: str | None = None
        """Why the last fetch failed; None once one succeeds."""
        self._listeners: list[Listener] = []
        self._requests = itertools.count(1)
        self._newest_kept = 0
        self._capabilities: dict[tuple[str, str], tuple[str, ...]] = {}
        """`/api/show`'s capabilities by model name and digest: asked once per model."""

    def listen(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` whenever the list or the problem changes; returns how to stop."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _changed(self) -> None:
        for listener in list(self._listeners):
            listener()

    async def refresh(self) -> Listing[ModelChoice]:
        """Ask the server again and tell the listeners. Raises `OllamaError` (the problem is
        kept and told too). Fetches can overlap (a poll, a change made): an answer older
        than one already kept is returned but not kept, so the list never goes back."""
        number = next(self._requests)
        try:
            models = await load_catalogue(self.client)
        except OllamaError as error:
            if number > self._newest_kept:
                self.problem = error.message
                self._changed()
            raise
        models = self._with_capabilities(models)
        if number > self._newest_kept:
            self._newest_kept = number
            changed = self.problem is not None or models != self.models
            self.models = models
            self.problem = None
            if changed:
                self._changed()
        await self._learn_capabilities(models)
        # What another fetch learned meanwhile counts too: the newest list gets it all.
        if self.models is not None:
            known = self._with_capabilities(self.models)
            if known != self.models:
                self.models = known
                self._changed()
        return self._with_capabilities(models)

    def _with_capabilities(self, models: Listing[ModelChoice]) -> Listing[ModelChoice]:
        known = Listing(
            [
                replace(model, capabilities=self._capabilities[(model.name, model.digest)])
                if not model.capabilities and (model.name, model.digest) in self._capabilities
                else model
                for model in models
            ]
        )
        known.skipped = models.skipped
        return known

    async def _learn_capabilities(self, models: list[ModelChoice]) -> None:
        """Ask `/api/show` about each model the list did not describe (servers before 0.30),
        a few at a time. A model that cannot be shown is left unmarked."""
        unknown = [
            model
            for model in models
            if not model.capabilities and (model.name, model.digest) not in self._capabilities
        ]
        gate = asyncio.Semaphore(SHOW_AT_ONCE)

        async def learn(model: ModelChoice) -> None:
            async with gate:
                try:
                    shown = await self.client.show(model.name)
                except OllamaError:
                    shown = None
            self._capabilities[(model.name, model.digest)] = tuple(
                shown.capabilities if shown else ()
            )

        await asyncio.gather(*(learn(model) for model in unknown))


def default_model(choices: list[ModelChoice], last_used: str | None) -> str | None:
    """The model for a new conversation: the last one used, else a loaded one, else the first."""
    names = {choice.name for choice in choices}
    if last_used and (last_used in names or not choices):
        return last_used
    # An embedding model cannot chat: a conversation starts on one only if nothing else is
    # installed (and then says why when it is asked).
    chatting = [choice for choice in choices if not choice.embeds_only] or choices
    for choice in chatting:
        if choice.loaded:
            return choice.name
    return chatting[0].name if chatting else None
