"""Provides the server's connection state: a version probe and what to tell the user."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from ..api.errors import OllamaError, ServerUnavailable
from ..api.host import display_host
from ..api.version import ServerVersion

if TYPE_CHECKING:
    from ..api.client import OllamaClient


class ConnectionState(str, Enum):
    CONNECTING = "connecting"
    ONLINE = "online"
    OFFLINE = "offline"


@dataclass(frozen=True)
class ServerStatus:
    """What the status line shows about the server."""

    host: str
    """`host:port`, never with credentials."""
    state: ConnectionState
    version: ServerVersion | None = None
    problem: str | None = None
    unreachable: bool = True
    """Offline because nothing answered; False when something answered but could not be used
    (a header that cannot be sent, an answer that is not Ollama's): `problem` says what."""

    @property
    def advice(self) -> str:
        """How to fix it, naming the host that was tried."""
        if not self.unreachable:
            return (
                f"Ollama at {self.host} cannot be used: {self.problem} Retrying in the background."
            )
        return (
            f"Cannot reach Ollama at {self.host}. Start it with `ollama serve`, or point "
            "ollama-tui at another server with --host or OLLAMA_HOST. Retrying in the background."
        )


async def probe_server(client: OllamaClient) -> ServerStatus:
    """Ask the server for its version; any failure is an offline status with the reason."""
    host = display_host(client.base_url)
    try:
        version = await client.version()
    except OllamaError as error:
        return ServerStatus(
            host,
            ConnectionState.OFFLINE,
            problem=error.message,
            unreachable=isinstance(error, ServerUnavailable),
        )
    return ServerStatus(host, ConnectionState.ONLINE, version=version)
