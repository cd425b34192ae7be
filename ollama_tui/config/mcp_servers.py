"""Provides the `[mcp.NAME]` tables of the config: the MCP servers whose tools a conversation
may enable.

A server is started by a command (`command`, `args`, `env`, `cwd`: it speaks over its standard
input and output) or reached at a URL (`url`, `headers`: streamable HTTP), never both. Its name
becomes part of every tool's name, `NAME.tool` on screen and `NAME__tool` on the wire, so it is
letters, digits, `-` and single `_` inside. Values of `env` and `headers` are secrets: they are
never quoted in a problem, and the command line remembers them before anything is said.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..domain.headers import clean_header_value, header_problem
from ..domain.secrets import url_secrets

if TYPE_CHECKING:
    from .table_reader import TableReader

SERVER_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]|_(?!_)){0,30}(?<!_)$")
"""Letters, digits, `-`, and `_` neither doubled nor at an end: `NAME__tool` then splits one way."""
RESERVED_NAMES = frozenset({"built-in"})
"""The built-in tools' source name."""
_CREDENTIAL_NAME = re.compile(r"(?i)key|token|secret|pass|auth|cred|cookie|session|private")
MIN_ENV_SECRET_LENGTH = 8
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
DEFAULT_START_TIMEOUT = 30.0
"""Seconds for a server to start and list its tools (`npx` may download a package first)."""
DEFAULT_CALL_TIMEOUT = 120.0
"""Seconds one tool call may take before it is cancelled and the model told so."""


@dataclass(frozen=True)
class McpServerConfig:
    """One `[mcp.NAME]` table."""

    name: str
    command: str | None = None
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: Path | None = None
    url: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    start_timeout: float = DEFAULT_START_TIMEOUT
    call_timeout: float = DEFAULT_CALL_TIMEOUT

    def __repr__(self) -> str:
        # Never the values of env or headers: a repr ends up in tracebacks and logs.
        where = self.url if self.url else self.command
        return f"McpServerConfig(name={self.name!r}, {where!r})"

    @property
    def secrets(self) -> list[str]:
        """What must never be written anywhere: every header value, the URL's password, and
        each env value that is long or named like a credential.

        Short values of other variables (`DEBUG=true`, `LOG_LEVEL=info`) are left out: every
        remembered secret is masked in what the Ollama server says too, and masking "true" in
        every reply would garble it.
        """
        env = [
            value
            for name, value in self.env.items()
            if len(value) >= MIN_ENV_SECRET_LENGTH or _CREDENTIAL_NAME.search(name)
        ]
        return [*env, *self.headers.values(), *url_secrets(self.url)]


def _env(reader: TableReader, table: dict[str, Any], where: str) -> dict[str, str]:
    value = table.pop("env", {})
    if not isinstance(value, dict):
        reader.problem(where, "env", "expected a table like { API_KEY = ... }; ignored")
        return {}
    env: dict[str, str] = {}
    for name, item in value.items():
        if not _ENV_NAME.match(name):
            reader.problem(f"{where}.env", name, "a variable name is letters, digits and _")
        elif not isinstance(item, str) or "\0" in item:
            # The value is never quoted: it is usually a token.
            reader.problem(f"{where}.env", name, "expected text without NUL characters")
        else:
            env[name] = item
    return env


def _headers(reader: TableReader, table: dict[str, Any], where: str) -> dict[str, str]:
    value = table.pop("headers", {})
    if not isinstance(value, dict):
        reader.problem(where, "headers", "expected a table like { Authorization = ... }; ignored")
        return {}
    headers: dict[str, str] = {}
    for name, item in value.items():
        cleaned = clean_header_value(item) if isinstance(item, str) else ""
        problem = header_problem(name, cleaned) if isinstance(item, str) else "not text"
        if problem:
            reader.problem(f"{where}.headers", name, f"{problem}; the header is not sent")
        else:
            headers[name] = cleaned
    return headers


def _timeout(
    reader: TableReader, table: dict[str, Any], where: str, key: str, default: float
) -> float:
    seconds = reader.take(
        table,
        where,
        key,
        (int, float),
        "seconds",
        lambda v: None if 0 < v <= 3600 else "must be more than 0 and at most 3600",
    )
    return float(seconds) if seconds is not None else default


def _server(reader: TableReader, name: str, table: dict[str, Any]) -> McpServerConfig | None:
    where = f"mcp.{name}"
    table = dict(table)
    command = reader.take(table, where, "command", (str,), "a program to run, like npx")
    args = reader.take(table, where, "args", (list,), "a list of arguments")
    if args is not None and not all(isinstance(arg, str) and "\0" not in arg for arg in args):
        reader.problem(where, "args", "every argument must be text; the server is not started")
        return None
    env = _env(reader, table, where)
    cwd = reader.take(table, where, "cwd", (str,), "a folder path")
    url = reader.take(
        table,
        where,
        "url",
        (str,),
        "a URL like http://127.0.0.1:8000/mcp",
        lambda v: (
            None if re.match(r"(?i)^https?://[^\s/]", v) else "must start http:// or https://"
        ),
    )
    headers = _headers(reader, table, where)
    start_timeout = _timeout(reader, table, where, "start_timeout", DEFAULT_START_TIMEOUT)
    call_timeout = _timeout(reader, table, where, "call_timeout", DEFAULT_CALL_TIMEOUT)
    reader.unknown(table, where)
    if command and url:
        reader.problems.append(
            f"{reader.path}: [{where}] has both command and url (one server is started by a "
            "command or reached at a URL, not both); server ignored"
        )
        return None
    if not command and not url:
        reader.problems.append(f"{reader.path}: [{where}] has neither command nor url; ignored")
        return None
    stdio_only = [key for key, value in (("args", args), ("env", env), ("cwd", cwd)) if value]
    if url and stdio_only:
        reader.problems.append(
            f"{reader.path}: [{where}] is reached at a URL, so {', '.join(stdio_only)} "
            "(for a server started by a command) is ignored"
        )
    if command and headers:
        reader.problems.append(
            f"{reader.path}: [{where}] is started by a command, so headers (for a server at a "
            "URL) are ignored"
        )
    if url:
        return McpServerConfig(
            name, url=url, headers=headers, start_timeout=start_timeout, call_timeout=call_timeout
        )
    return McpServerConfig(
        name,
        command=command,
        args=tuple(args or ()),
        env=env,
        cwd=Path(cwd).expanduser() if cwd else None,
        start_timeout=start_timeout,
        call_timeout=call_timeout,
    )


def read_mcp_servers(reader: TableReader, data: dict[str, Any]) -> list[McpServerConfig]:
    """Every usable `[mcp.NAME]` table of `data` (taken out of it); the rest are problems."""
    tables = data.pop("mcp", {})
    if not isinstance(tables, dict):
        reader.problem("", "mcp", "expected tables like [mcp.files]; ignored")
        return []
    servers: list[McpServerConfig] = []
    for name, table in tables.items():
        if not isinstance(table, dict):
            reader.problem("mcp", name, "expected a table with command = ... or url = ...")
        elif not SERVER_NAME.match(name) or name in RESERVED_NAMES:
            reader.problem(
                "mcp",
                name,
                "a server name is up to 32 letters, digits, - and _ (not doubled, not at an "
                "end), since its tools are sent as NAME__tool; server ignored",
            )
        elif server := _server(reader, name, table):
            servers.append(server)
    return servers
