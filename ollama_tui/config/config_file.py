"""Provides `config.toml`: read, checked key by key, and reported with file, line and key.

The file is the user's: the app only reads it. A file that does not parse, or a key with a
wrong value, is reported and the rest of the file (or the defaults) is used; nothing here
raises for what a user typed.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..domain.auto_host import AUTO_HOST
from ..domain.headers import clean_header_value, header_problem
from ..domain.tool_calls import BUILT_IN_TOOLS, READ_ONLY_TOOLS
from .mcp_servers import McpServerConfig, read_mcp_servers
from .table_reader import TableReader

HOST_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
_KEY_NAMES = re.compile(r"[!-~]+(?: *, *[!-~]+)*")
"""One key or several, comma-separated, in printable ASCII."""


@dataclass(frozen=True)
class HostConfig:
    """One Ollama server, as named in `[hosts.<name>]` or given by `--host`/`OLLAMA_HOST`."""

    name: str
    url: str | None
    """As written (any form `OLLAMA_HOST` takes); parsed by the client. None: the default."""
    headers: dict[str, str] = field(default_factory=dict)
    verify_tls: bool = True
    use_proxy: bool = False
    """Whether HTTP(S)_PROXY / NO_PROXY apply (off: they often capture 127.0.0.1)."""
    connect_timeout: float = 5.0
    read_timeout: float = 300.0


@dataclass
class ConfigFile:
    """What a config file says; every field is None or empty where the file is silent."""

    path: Path | None = None
    default_host: str | None = None
    auto_host: bool = False
    """`default_host = "auto"` with two hosts or more: new conversations spread over them
    (`default_host` is then the first, whose models the models screen shows)."""
    hosts: list[HostConfig] = field(default_factory=list)
    connection: dict[str, Any] = field(default_factory=dict)
    """Top-level headers, timeouts, verify_tls and use_proxy: every host's defaults."""
    data_dir: Path | None = None
    theme: str | None = None
    flush_hz: float | None = None
    follow_step: int | str | None = None
    """Rows, or "half" (half the transcript's height)."""
    cursor_blink: bool | None = None
    animations: bool | None = None
    max_fps: int | None = None
    max_reply_bytes: int | None = None
    """From `max_reply_mb`."""
    keys: dict[str, str] = field(default_factory=dict)
    default_model: str | None = None
    conversation_defaults: dict[str, Any] = field(default_factory=dict)
    mcp_servers: list[McpServerConfig] = field(default_factory=list)
    tool_roots: list[Path] | None = None
    """Directories the file tools may use; None: the one the app was started in."""
    tool_rounds: int | None = None
    auto_approve: list[str] = field(default_factory=list)
    """Read-only tools that run without asking."""
    problems: list[str] = field(default_factory=list)
    """One sentence per problem: file, line, key and what is wrong."""


def _follow_step_problem(value: int | str) -> str | None:
    if isinstance(value, str):
        return None if value == "half" else 'must be a number of rows or "half"'
    return None if 1 <= value <= 1000 else "must be from 1 to 1000"


def _positive(value: float) -> str | None:
    return None if value > 0 else "must be more than 0"


def _read_headers(reader: TableReader, data: dict[str, Any], table: str) -> dict[str, str] | None:
    """The headers that can be sent; each one that cannot is a problem naming it. Values are
    never quoted in a problem: they are tokens and passwords."""
    if "headers" not in data:
        return None
    value = data.pop("headers")
    if not isinstance(value, dict):
        reader.problem(table, "headers", "expected a table like { Authorization = ... }; ignored")
        return None
    headers: dict[str, str] = {}
    where = f"{table}.headers" if table else "headers"
    for name, item in value.items():
        cleaned = clean_header_value(item) if isinstance(item, str) else ""
        problem = header_problem(name, cleaned) if isinstance(item, str) else "not text"
        if problem:
            reader.problem(where, name, f"{problem}; the header is not sent")
            continue
        headers[name] = cleaned
    return headers


def _read_connection(reader: TableReader, data: dict[str, Any], table: str) -> dict[str, Any]:
    found = {
        "headers": _read_headers(reader, data, table),
        "verify_tls": reader.take(data, table, "verify_tls", (bool,), "true or false"),
        "use_proxy": reader.take(data, table, "use_proxy", (bool,), "true or false"),
        "connect_timeout": reader.take(
            data, table, "connect_timeout", (int, float), "seconds", _positive
        ),
        "read_timeout": reader.take(
            data, table, "read_timeout", (int, float), "seconds", _positive
        ),
    }
    return {key: value for key, value in found.items() if value is not None}


def _read_hosts(reader: TableReader, data: dict[str, Any], config: ConfigFile) -> None:
    hosts = data.pop("hosts", {})
    if not isinstance(hosts, dict):
        reader.problem("", "hosts", "expected tables like [hosts.gpu]; ignored")
        return
    for name, table in hosts.items():
        where = f"hosts.{name}"
        if not isinstance(table, dict):
            reader.problem("hosts", name, "expected a table with url = ...; ignored")
            continue
        if not HOST_NAME.match(name):
            reader.problem("hosts", name, "a host name is letters, digits, . _ -; ignored")
            continue
        if name == AUTO_HOST:
            reader.problem(
                "hosts", name, f'"{AUTO_HOST}" chooses among the hosts, it cannot be one; ignored'
            )
            continue
        table = dict(table)
        url = reader.take(table, where, "url", (str,), "a URL like http://gpu-box:11434")
        connection = _read_connection(reader, table, where)
        reader.unknown(table, where)
        if not url:
            reader.problems.append(f"{reader.path}: [{where}] has no url; host ignored")
            continue
        settings = {**config.connection, **connection}
        config.hosts.append(HostConfig(name=name, url=url, **settings))


def _check_auto_host(reader: TableReader, config: ConfigFile) -> None:
    """`default_host = "auto"` needs hosts to choose from: two [hosts.NAME] tables or more.
    With fewer it is refused, said, and the one host (or the default address) is used."""
    if config.default_host != AUTO_HOST:
        return
    if len(config.hosts) >= 2:
        config.auto_host = True
        config.default_host = config.hosts[0].name
        return
    config.default_host = config.hosts[0].name if config.hosts else None
    instead = f"[hosts.{config.default_host}]" if config.default_host else "127.0.0.1:11434"
    reader.problem(
        "",
        "default_host",
        f'"{AUTO_HOST}" spreads requests over two [hosts.NAME] tables or more, and there '
        f"{'is one' if config.hosts else 'are none'}; {instead} is used",
    )


def _read_defaults(reader: TableReader, data: dict[str, Any], config: ConfigFile) -> None:
    defaults = data.pop("defaults", {})
    if not isinstance(defaults, dict):
        reader.problem("", "defaults", "expected a [defaults] table; ignored")
        return
    defaults = dict(defaults)
    config.default_model = reader.take(defaults, "defaults", "model", (str,), "a model name")
    for key, kinds, describe in (
        ("system", (str,), "text"),
        ("keep_alive", (str, int, float), "a duration like 5m, or seconds"),
        ("think", (bool, str), "true, false, or low/medium/high"),
        ("format", (str, dict), '"json" or a JSON schema table'),
        ("options", (dict,), "a table of Ollama options"),
        ("tools", (list,), 'a list of tool names like ["read_file", "NAME.*"]'),
    ):
        check = _tool_names if key == "tools" else None
        value = reader.take(defaults, "defaults", key, kinds, describe, check)
        if value is not None:
            config.conversation_defaults[key] = value
    reader.unknown(defaults, "defaults")


def _tool_names(value: list[Any]) -> str | None:
    for name in value:
        if not isinstance(name, str) or not name:
            return "expected tool names (text)"
        if "." not in name and name not in BUILT_IN_TOOLS:
            return f"{name!r} is not a built-in tool ({', '.join(BUILT_IN_TOOLS)}), nor NAME.tool"
    return None


def _auto_approvable(value: list[Any]) -> str | None:
    if problem := _tool_names(value):
        return problem
    for name in value:
        if "." not in name and name not in READ_ONLY_TOOLS:
            return (
                f"{name!r} changes things or reaches out (a command, a write or the network) "
                "and always asks first; only read-only tools can be auto-approved "
                f"({', '.join(READ_ONLY_TOOLS)}, or an MCP server's read-only tools)"
            )
    return None


def _read_tools(reader: TableReader, data: dict[str, Any], config: ConfigFile) -> None:
    roots = reader.take(data, "", "tool_roots", (list,), "a list of folder paths")
    if roots is not None:
        if all(isinstance(root, str) and root for root in roots):
            config.tool_roots = [Path(root).expanduser() for root in roots]
        else:
            reader.problem("", "tool_roots", "expected folder paths (text); ignored")
    config.tool_rounds = reader.take(
        data,
        "",
        "tool_rounds",
        (int,),
        "a number of rounds",
        lambda v: None if 1 <= v <= 100 else "must be from 1 to 100",
    )
    auto = reader.take(data, "", "auto_approve", (list,), "a list of tool names", _auto_approvable)
    config.auto_approve = list(auto or [])


def _check_servers_named(reader: TableReader, config: ConfigFile) -> None:
    """A `NAME.tool` or `NAME.*` whose NAME has no `[mcp.NAME]` is a typo or a server left out:
    said at start, not first at the request that would use it."""
    servers = {server.name for server in config.mcp_servers}
    for table, key, names in (
        ("", "auto_approve", config.auto_approve),
        ("defaults", "tools", config.conversation_defaults.get("tools", [])),
    ):
        missing = sorted({name.partition(".")[0] for name in names if "." in name} - servers)
        if missing:
            reader.problem(
                table,
                key,
                f"no [mcp.NAME] table for {', '.join(missing)}: those tools are not there",
            )


def read_config(path: Path) -> ConfigFile:
    """Read `path`; a missing file is no problem, anything else wrong is one."""
    # Imported here: `--version` and `--help` never read the file.
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib

    config = ConfigFile(path=path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return config
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or error
        config.problems.append(f"{path}: cannot be read ({reason}); using the defaults")
        return config
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        config.problems.append(f"{path}: not valid TOML: {error}; using the defaults")
        return config
    reader = TableReader(path, text, config.problems)
    config.connection = _read_connection(reader, data, "")
    config.default_host = reader.take(data, "", "default_host", (str,), "a host name or URL")
    data_dir = reader.take(data, "", "data_dir", (str,), "a folder path")
    config.data_dir = Path(data_dir).expanduser() if data_dir else None
    config.theme = reader.take(data, "", "theme", (str,), "a theme name")
    config.flush_hz = reader.take(
        data,
        "",
        "flush_hz",
        (int, float),
        "flushes per second",
        lambda v: None if 1 <= v <= 120 else "must be from 1 to 120",
    )
    config.follow_step = reader.take(
        data,
        "",
        "follow_step",
        (int, str),
        'rows (a whole number) or "half"',
        _follow_step_problem,
    )
    config.cursor_blink = reader.take(data, "", "cursor_blink", (bool,), "true or false")
    config.animations = reader.take(data, "", "animations", (bool,), "true or false")
    config.max_fps = reader.take(
        data,
        "",
        "max_fps",
        (int,),
        "frames per second",
        lambda v: None if 1 <= v <= 240 else "must be from 1 to 240",
    )
    reply_mb = reader.take(
        data,
        "",
        "max_reply_mb",
        (int, float),
        "megabytes",
        lambda v: None if 0.001 <= v <= 1024 else "must be from 0.001 to 1024",
    )
    # Decimal megabytes, as every size the app shows (and Ollama) is written.
    config.max_reply_bytes = int(reply_mb * 1_000_000) if reply_mb else None
    keys = reader.take(data, "", "keys", (dict,), "a [keys] table")
    for binding_id, keys_text in (keys or {}).items():
        # Key names are printable ASCII ("ctrl+k,f3"): the text is drawn in F1, the footer and
        # the welcome, so an escape sequence in it is refused here, where it enters.
        if isinstance(keys_text, str) and _KEY_NAMES.fullmatch(keys_text.strip()):
            config.keys[binding_id] = keys_text.strip()
        else:
            reader.problem("keys", binding_id, 'expected keys like "f3" or "ctrl+k,f3"; ignored')
    _read_hosts(reader, data, config)
    _check_auto_host(reader, config)
    _read_defaults(reader, data, config)
    config.mcp_servers = read_mcp_servers(reader, data)
    _read_tools(reader, data, config)
    _check_servers_named(reader, config)
    reader.unknown(data, "")
    return config
