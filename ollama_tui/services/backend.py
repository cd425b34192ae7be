"""Provides the one object the UI talks to: the client, the saver and the workspace together."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..api.host import display_host, public_url
from ..domain.conversation import Conversation, Message
from ..domain.events import StreamEvent
from .catalogue import ModelChoice, load_catalogue
from .chat_turn import ChatTurn
from .connection import ServerStatus, probe_server
from .context_meter import ContextUse, context_limit, tokens_used
from .errors import OllamaError
from .jobs import ModelJob, ModelJobs
from .library import ConversationLibrary
from .models import CreateSpec, EmbeddingReport, embed_texts, unload_model
from .saver import ConversationSaver, SaveProblem
from .workspace import Workspace

if TYPE_CHECKING:
    from ..api.client import OllamaClient
    from ..api.models import ShowResponse
    from ..api.version import ServerVersion
    from ..config import Settings


class Backend:
    """Everything behind the screen, built by the composition root and shared by all tabs."""

    def __init__(
        self,
        settings: Settings,
        client: OllamaClient,
        workspace: Workspace,
        saver: ConversationSaver,
    ) -> None:
        self.settings = settings
        self.client = client
        self.workspace = workspace
        self.saver = saver
        self.library = ConversationLibrary(workspace.store)
        self.jobs = ModelJobs(client)
        self.server_version: ServerVersion | None = None
        """Of the last successful probe: which request forms the server takes."""
        self._shown: dict[str, ShowResponse] = {}
        """`/api/show` per model, for the context meter (it does not change while loaded)."""

    @property
    def host_label(self) -> str:
        """`host:port` of the server, without credentials."""
        return display_host(self.client.base_url)

    @property
    def host_url(self) -> str:
        """The server's base URL as recorded in session files: never with credentials."""
        return public_url(self.client.base_url)

    async def probe(self) -> ServerStatus:
        status = await probe_server(self.client)
        if status.version is not None:
            self.server_version = status.version
        return status

    async def version(self) -> ServerVersion:
        if self.server_version is None:
            self.server_version = await self.client.version()
        return self.server_version

    async def models(self) -> list[ModelChoice]:
        return await load_catalogue(self.client)

    def chat_turn(
        self,
        conversation: Conversation,
        *,
        on_event: Callable[[StreamEvent], None],
        on_save_problem: Callable[[SaveProblem], None],
        versions: list[list[Message]] | None = None,
        continuing: Message | None = None,
    ) -> ChatTurn:
        return ChatTurn(
            self.client,
            self.saver,
            conversation,
            on_event=on_event,
            on_save_problem=on_save_problem,
            versions=versions,
            continuing=continuing,
        )

    async def show(self, model: str) -> ShowResponse:
        return await self.client.show(model)

    async def context_use(self, conversation: Conversation) -> ContextUse | None:
        """How full the context was after the last reply; None before any reply. A server
        that does not answer leaves the limit unknown rather than failing."""
        used = tokens_used(conversation)
        model = conversation.settings.model
        if used is None or not model:
            return None
        try:
            running = await self.client.ps()
        except OllamaError:
            running = []
        show = self._shown.get(model)
        if show is None:
            with contextlib.suppress(OllamaError):
                show = self._shown[model] = await self.client.show(model)
        limit, source = context_limit(conversation, running, show)
        return ContextUse(used, limit, source)

    async def copy(self, source: str, destination: str) -> None:
        await self.client.copy(source, destination)

    async def delete(self, model: str) -> None:
        await self.client.delete(model)
        self._shown.pop(model, None)

    async def load(self, model: str, keep_alive: float | str) -> None:
        await self.client.load(model, keep_alive)

    async def unload(self, model: str) -> bool:
        """Whether the server let go of it within a few seconds."""
        return await unload_model(self.client, model)

    async def embed(self, model: str, texts: list[str]) -> EmbeddingReport:
        return await embed_texts(self.client, model, texts)

    async def create(self, spec: CreateSpec) -> ModelJob:
        return self.jobs.create(spec, await self.version())

    async def aclose(self, timeout: float = 2.0) -> None:
        """Release the conversations, then close the connections; a server that does not
        let go within `timeout` seconds must not keep the app from quitting."""
        self.workspace.close_all()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.jobs.aclose(), timeout)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.client.aclose(), timeout)
