"""Provides the UI's one door to the services: the composition root builds one `Backend`
and hands it to the app.

It is a holder, not a facade: the services it holds (`workspace`, `saver`, `library`, `jobs`,
`catalogue`, `tools`) are public and the UI calls them directly, each through its own narrow
API; a screen that needs only one of them is given only that one (`ConversationsScreen`
gets the library). Its own methods are what needs the clients the UI may not touch (the
UI never imports `api/`): host routing for a conversation, the chat turn, the context meter
and the model operations of the default host.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..api.host import display_host, public_url
from ..domain.conversation import Conversation, ConversationKind, Message
from ..domain.events import ReplyHost
from ..store.prompt_files import FOLDER as PROMPTS_FOLDER
from ..store.prompt_files import PromptFiles
from .catalogue import ModelCatalogue, ModelChoice, load_catalogue
from .chat_turn import ChatTurn
from .connection import ServerStatus, probe_server
from .context_meter import ContextUse, context_limit, tokens_used
from .errors import OllamaError
from .jobs import ModelJob, ModelJobs
from .library import ConversationLibrary
from .model_admin import CreateSpec, EmbeddingReport, embed_texts, unload_model
from .prompt_library import PromptLibrary
from .routing import AUTO, HostRouter, ReplyClient, RoutedClient
from .saver import ConversationSaver, SaveProblem
from .tools.base import ToolSource, ToolSpec
from .tools.builtin import BuiltinTools
from .tools.registry import ToolRegistry
from .workspace import Workspace

if TYPE_CHECKING:
    from ..api.client import OllamaClient
    from ..api.version import ServerVersion
    from ..api.wire import RunningModel, ShowResponse
    from ..config import Settings
    from ..domain.events import StreamEvent

    # Imported where they are used: a comparison, the tool rounds of a reply and the MCP
    # servers' closing come after the first frame, and the throughput test's module when a
    # test is run or saved.
    from .compare import Comparison
    from .throughput import Progress, SaveFormat, ThroughputPlan, ThroughputResult
    from .tools.loop import Approver, ToolRounds


@dataclass(frozen=True)
class HostClients:
    """A client per named host; `default` is the one of `--host`/`OLLAMA_HOST`/the config."""

    default: str
    clients: dict[str, OllamaClient]


@dataclass(frozen=True)
class HostCatalogue:
    """The models of one of the other hosts, or why it could not be asked."""

    host: str
    label: str
    models: list[ModelChoice]
    problem: str | None = None


def _mcp_sources(settings: Settings) -> Sequence[ToolSource]:
    """A source of tools per MCP server configured; MCP's client is imported only when one
    is (most users have none)."""
    if not settings.mcp_servers:
        return []
    from .tools.mcp import mcp_sources

    return mcp_sources(settings.mcp_servers)


class Backend:
    """Everything behind the screen, built by the composition root and shared by all tabs.

    Model administration (the models screen, pulls) works on the default host; each
    conversation chats with the host it records.
    """

    def __init__(
        self,
        settings: Settings,
        hosts: HostClients,
        workspace: Workspace,
        saver: ConversationSaver,
    ) -> None:
        self.settings = settings
        self.hosts = hosts
        self.client = hosts.clients[hosts.default]
        self.workspace = workspace
        self.saver = saver
        self.library = ConversationLibrary(workspace.store)
        self.prompts = PromptLibrary(PromptFiles(settings.data_dir / PROMPTS_FOLDER))
        """The saved prompts and personas."""
        self.jobs = ModelJobs(self.client)
        self.catalogue = ModelCatalogue(self.client)
        """The default host's models, the one list every screen reads."""
        self.server_version: ServerVersion | None = None
        """Of the last successful probe: which request forms the server takes."""
        self._shown: dict[tuple[str, str], ShowResponse] = {}
        """`/api/show` per host and model, for the context meter."""
        self.router = HostRouter(hosts.clients)
        """Where each request of a conversation on `auto` goes; counts what is in flight."""
        self.builtin_tools = BuiltinTools(settings.tool_roots)
        self.tools = ToolRegistry([self.builtin_tools, *_mcp_sources(settings)])
        """Every source of tools: the built-in ones, and each MCP server added to it."""

    @property
    def default_host(self) -> str:
        return self.hosts.default

    @property
    def has_several_hosts(self) -> bool:
        return len(self.hosts.clients) > 1

    @property
    def host_names(self) -> tuple[str, ...]:
        """Every configured host, the default first."""
        return tuple(self.hosts.clients)

    def hosts_not_asked(self) -> list[str]:
        """On `auto`, the hosts left out whose models are not known yet."""
        return self.router.not_asked()

    @property
    def new_conversation_host(self) -> str:
        """The host a new conversation chats with: `auto` when the config says so."""
        if self.settings.auto_host and self.has_several_hosts:
            return AUTO
        return self.hosts.default

    def host_of(self, conversation: Conversation) -> str:
        """The host a conversation chats with: the one it records, if it is still configured
        (`auto` while several are)."""
        name = conversation.host_name
        if name == AUTO and self.has_several_hosts:
            return AUTO
        return name if name in self.hosts.clients else self.hosts.default

    def _client_named(self, name: str) -> ReplyClient:
        return RoutedClient(self.router) if name == AUTO else self.hosts.clients[name]

    def client_for(self, conversation: Conversation) -> ReplyClient:
        """The client its replies go through: a host's, or `auto`'s."""
        return self._client_named(self.host_of(conversation))

    def _answering_host(self, conversation: Conversation) -> str:
        """The host that answers questions about the conversation's model (its context
        size): its own, or on `auto` the one that wrote the last reply."""
        host = self.host_of(conversation)
        if host != AUTO:
            return host
        for message in reversed(conversation.messages):
            if message.host_name in self.hosts.clients:
                return message.host_name
        return self.hosts.default

    def _recorded(self, name: str) -> ReplyHost | None:
        """The host a reply records from the start: with several hosts, not on `auto`
        (whose stream names the host that answers)."""
        if name == AUTO or not self.has_several_hosts:
            return None
        return ReplyHost(name, public_url(self.hosts.clients[name].base_url))

    def move_to_host(self, conversation: Conversation, name: str) -> None:
        """Record that the conversation now chats with host `name` (URL without credentials),
        or with `auto` (no one URL)."""
        conversation.host_name = name
        conversation.host = None if name == AUTO else public_url(self.hosts.clients[name].base_url)

    async def other_catalogues(self) -> list[HostCatalogue]:
        """The models of every host but the default, asked at once; a host that does not
        answer is listed with the reason instead."""

        async def one(name: str, client: OllamaClient) -> HostCatalogue:
            label = display_host(client.base_url)
            try:
                models = await load_catalogue(client)
            except OllamaError as error:
                return HostCatalogue(name, label, [], error.message)
            return HostCatalogue(name, label, [replace(model, host=name) for model in models])

        others = [(n, c) for n, c in self.hosts.clients.items() if n != self.hosts.default]
        return list(await asyncio.gather(*(one(name, client) for name, client in others)))

    def comparison(
        self,
        conversation: Conversation,
        models: Sequence[tuple[str, str]],
        *,
        on_event: Callable[[int, StreamEvent], None],
        on_save_problem: Callable[[SaveProblem], None],
    ) -> Comparison:
        """The next reply by each of `models` (name, host name; "" for the conversation's
        host), from the conversation's history and settings."""
        from .compare import CompareTarget, Comparison

        targets = []
        for model, host in models:
            name = host if host in self.hosts.clients else self.host_of(conversation)
            if host == AUTO and self.has_several_hosts:
                name = AUTO
            targets.append(
                CompareTarget(
                    model,
                    name,
                    self._client_named(name),
                    AUTO if name == AUTO else self._label(name),
                    self._recorded(name),
                )
            )
        return Comparison(
            targets,
            self.saver,
            conversation,
            on_event=on_event,
            on_save_problem=on_save_problem,
            max_reply_bytes=self.settings.max_reply_bytes,
        )

    async def measure(
        self, conversation: Conversation, plan: ThroughputPlan, progress: Callable[[Progress], None]
    ) -> ThroughputResult:
        """The throughput test against the conversation's host; on `auto`, against every
        host that has the model (each loads it first), the requests spread as any are."""
        from .throughput import measure as measure_throughput

        name = self.host_of(conversation)
        warm_up: list[ReplyClient] = []
        notes: tuple[str, ...] = ()
        if name == AUTO:
            holders = await self.router.hosts_with(plan.model)
            warm_up = [self.hosts.clients[host] for host in holders]
            notes = self.router.left_out_notes()  # failed before the run, or in that look
        return await measure_throughput(
            self._client_named(name),
            plan,
            host=self._label(name),
            progress=progress,
            warm_up=warm_up,
            notes=notes,
        )

    def _label(self, name: str) -> str:
        if name == AUTO:
            return f"{AUTO} ({', '.join(self.hosts.clients)})"
        return display_host(self.hosts.clients[name].base_url)

    def measurement_subject(self, conversation: Conversation) -> str:
        """What the throughput test measures for this conversation, said for its title."""
        name = self.host_of(conversation)
        if name == AUTO:
            return f"{AUTO}: the hosts {', '.join(self.hosts.clients)} together"
        return f"the server {self._label(name)}"

    def save_measurement(self, result: ThroughputResult, kind: SaveFormat) -> Path:
        """Beside the conversations, where the saved conversations list finds it."""
        from .throughput import save_result

        return save_result(self.settings.data_dir, result, kind)

    @property
    def host_label(self) -> str:
        """`host:port` of the server, without credentials."""
        return display_host(self.client.base_url)

    def prepare(self) -> None:
        """Build what the first reply would otherwise wait for (it blocks: from a thread,
        after the first frame): the default host's HTTP client."""
        self.client.prepare()

    async def probe(self) -> ServerStatus:
        status = await probe_server(self.client)
        if status.version is not None:
            self.server_version = status.version
        return status

    async def version(self) -> ServerVersion:
        if self.server_version is None:
            self.server_version = await self.client.version()
        return self.server_version

    def reply_rounds(
        self,
        conversation: Conversation,
        *,
        on_event: Callable[[StreamEvent], None],
        on_save_problem: Callable[[SaveProblem], None],
        approve: Approver,
        on_result: Callable[[Message, Message], None],
        versions: list[list[Message]] | None = None,
        continuing: Message | None = None,
    ) -> ToolRounds:
        """The replies of one turn: the first, and one more after each round of tool calls
        (a chat only, and only with the tools the conversation enables). Continuing a reply
        that called tools sends its calls' results for the model to answer, in a new reply;
        any other is carried on in place."""
        from .tools.loop import ToolPermissions, ToolRounds

        answering = continuing if continuing is not None and continuing.tool_calls else None
        if answering is not None:
            continuing = None

        def new_turn(tools: Sequence[ToolSpec], first: bool) -> ChatTurn:
            return ChatTurn(
                self.client_for(conversation),
                self.saver,
                conversation,
                on_event=on_event,
                on_save_problem=on_save_problem,
                versions=versions if first else None,
                continuing=continuing if first else None,
                max_reply_bytes=self.settings.max_reply_bytes,
                tools=tools,
                host=self._recorded(self.host_of(conversation)),
            )

        async def save() -> None:
            if (problem := await self.saver.save(conversation)) is not None:
                on_save_problem(problem)

        def save_blocking() -> None:
            if (problem := self.saver.save_blocking(conversation)) is not None:
                on_save_problem(problem)

        chat = conversation.kind is ConversationKind.CHAT
        return ToolRounds(
            conversation,
            new_turn=new_turn,
            registry=self.tools,
            permissions=ToolPermissions.of(conversation, self.settings.auto_approve),
            approve=approve,
            preview=self.builtin_tools.preview,
            on_result=on_result,
            save=save,
            save_blocking=save_blocking,
            rounds=self.settings.tool_rounds,
            enabled=(conversation.settings.tools or []) if chat else [],
            answering=answering,
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
        host = self._answering_host(conversation)
        client = self.hosts.clients[host]
        running: list[RunningModel]
        try:
            running = await client.ps()
        except OllamaError:
            running = []
        key = (host, model)
        show = self._shown.get(key)
        if show is None:
            with contextlib.suppress(OllamaError):
                show = self._shown[key] = await client.show(model)
        limit, source = context_limit(conversation, running, show)
        return ContextUse(used, limit, source)

    async def copy(self, source: str, destination: str) -> None:
        await self.client.copy(source, destination)

    async def delete(self, model: str) -> None:
        await self.client.delete(model)
        self._shown.pop((self.hosts.default, model), None)

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
        self.router.close()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.jobs.aclose(), timeout)
        from ..api.mcp_client import CLOSE_TIMEOUT as MCP_CLOSE_TIMEOUT

        with contextlib.suppress(asyncio.TimeoutError):
            # An MCP server that ignores its closed input is killed within its own bound:
            # giving up sooner would leave its process behind.
            await asyncio.wait_for(self.tools.close(), max(timeout, MCP_CLOSE_TIMEOUT + 1))
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(
                asyncio.gather(*(client.aclose() for client in self.hosts.clients.values())),
                timeout,
            )
