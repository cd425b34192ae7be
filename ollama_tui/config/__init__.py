"""Provides the app's settings and every path it uses, from flags, environment and defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..domain.headers import clean_header_value, header_problem
from .config_file import ConfigFile, HostConfig, read_config
from .mcp_servers import McpServerConfig

APP_NAME = "ollama-tui"

DATA_DIR_ENV = "OLLAMA_TUI_DATA_DIR"
HOST_ENV = "OLLAMA_HOST"
CONFIG_ENV = "OLLAMA_TUI_CONFIG"
FOLLOW_STEP = 1
"""Rows the transcript moves at once while following a reply, in a local terminal: the
terminal moves its own rows (a scroll region) and only the new ones are drawn."""
SSH_FOLLOW_STEP = None
"""Over SSH: half the transcript's height (None). Moves are scroll regions there too; half a
screen at once still sent about 10% fewer bytes than a row at a time (measured: 300 and 340
bytes a token at 160x48, 50 tokens a second), and a move that cannot be a scroll region (a
notification over the transcript) repaints it whole."""

__all__ = [
    "APP_NAME",
    "CONFIG_ENV",
    "DATA_DIR_ENV",
    "DEFAULT_MAX_REPLY_BYTES",
    "HOST_ENV",
    "ConfigFile",
    "HostConfig",
    "McpServerConfig",
    "Settings",
    "default_config_path",
    "default_data_dir",
    "follow_step",
    "over_ssh",
    "parse_header",
    "read_config",
    "sixteen_colours",
]

DEFAULT_MAX_REPLY_BYTES = 8_000_000
"""A reply longer than this is cut off as incomplete (config: `max_reply_mb`): an endless
stream would otherwise fill memory, and the session file rewritten every 2 s."""

DEFAULT_FLUSH_HZ = 15.0
"""Stream flushes per second: 10-20 keeps replies smooth at a fraction of the cost of per-token."""


def follow_step(configured: int | str | None, remote: bool) -> int | None:
    """The transcript's follow step: the config's (rows, or "half": None), else the
    default for where the app runs."""
    if configured == "half":
        return None
    if isinstance(configured, int):
        return configured
    return SSH_FOLLOW_STEP if remote else FOLLOW_STEP


def default_data_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """`OLLAMA_TUI_DATA_DIR`, else the platform's user data dir (which honours XDG_DATA_HOME)."""
    override = environ.get(DATA_DIR_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    # platformdirs is imported here so `--version` never pays for it.
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_config_path(environ: Mapping[str, str] = os.environ) -> Path:
    """`OLLAMA_TUI_CONFIG`, else `config.toml` in the platform's user config dir."""
    override = environ.get(CONFIG_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


def over_ssh(environ: Mapping[str, str] = os.environ) -> bool:
    return any(environ.get(name) for name in ("SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY"))


def sixteen_colours(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether the screen will be drawn in the terminal's 16 colours, judged as Rich (which
    draws for Textual) judges it: TEXTUAL_COLOR_SYSTEM, else COLORTERM, else TERM."""
    system = environ.get("TEXTUAL_COLOR_SYSTEM", "auto").strip().lower()
    if system != "auto":
        return system == "standard"
    if environ.get("COLORTERM", "").strip().lower() in ("truecolor", "24bit"):
        return False
    term = environ.get("TERM", "").strip().lower()
    return (
        bool(term)
        and term not in ("dumb", "unknown")
        and not term.endswith(("256color", "256", "truecolor", "direct"))
    )


@dataclass(frozen=True)
class Settings:
    """Everything the composition root needs to build the app."""

    host: str | None
    """The host as given (flag or OLLAMA_HOST), parsed by the client; None means the default."""
    data_dir: Path
    headers: dict[str, str] = field(default_factory=dict)
    """Extra HTTP headers sent on every request (for example a bearer token for a proxy)."""
    connect_timeout: float = 5.0
    read_timeout: float = 300.0
    """Seconds to wait for the next line of a reply; a large model can take minutes to load."""
    flush_hz: float = DEFAULT_FLUSH_HZ
    follow_step: int | None = FOLLOW_STEP
    """Rows the transcript moves at once while following a reply; None: half its height."""
    reconnect_interval: float = 3.0
    """Seconds between attempts to reach a server that is down."""
    host_name: str = "default"
    """The default host's name: the one `--host`/`OLLAMA_HOST` or `default_host` gave."""
    verify_tls: bool = True
    use_proxy: bool = False
    other_hosts: tuple[HostConfig, ...] = ()
    """Hosts from the config besides the default, listed in the model picker too."""
    auto_host: bool = False
    """New conversations chat with `auto` (config `default_host = "auto"`): each request
    goes to the host best placed to answer it."""
    theme: str | None = None
    sixteen_colours: bool = False
    """The terminal shows 16 colours: the theme made of them is the default."""
    keymap: Mapping[str, str] = field(default_factory=dict)
    """Binding id -> keys, from the config's [keys]."""
    cursor_blink: bool = False
    """Off by default: a blinking cursor writes to the terminal twice a second while idle."""
    animations: bool = True
    max_fps: int | None = None
    """Frames per second (Textual's TEXTUAL_FPS); None leaves Textual's own."""
    default_model: str | None = None
    conversation_defaults: Mapping[str, Any] = field(default_factory=dict)
    theme_dirs: tuple[Path, ...] = ()
    """Folders of the user's own theme files."""
    max_reply_bytes: int = DEFAULT_MAX_REPLY_BYTES
    """Bytes of one reply (its text and thinking) before it is cut off as incomplete."""
    mcp_servers: tuple[McpServerConfig, ...] = ()
    """The config's `[mcp.NAME]` servers, started only when a conversation uses their tools."""
    tool_roots: tuple[Path, ...] = ()
    """Directories the file tools may use (and commands run in the first); empty: the
    directory the app was started in."""
    tool_rounds: int = 8
    """Rounds of tool calls one turn may make before it stops."""
    auto_approve: frozenset[str] = frozenset()
    """Read-only tools that run without asking (the config refuses any other)."""
    problems: tuple[str, ...] = ()
    """What was wrong with the config file, to be shown at start; secrets masked."""
    config_path: Path | None = None

    @property
    def default_host(self) -> HostConfig:
        return HostConfig(
            name=self.host_name,
            url=self.host,
            headers=dict(self.headers),
            verify_tls=self.verify_tls,
            use_proxy=self.use_proxy,
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
        )

    @property
    def hosts(self) -> list[HostConfig]:
        """Every host, the default first."""
        return [self.default_host, *self.other_hosts]


def parse_header(text: str) -> tuple[str, str]:
    """Parse a `Name: value` header given on the command line.

    Raises:
        ValueError: when there is no colon, or the name or value cannot be sent; the
            message names the header and never quotes the value (it is often a token).
    """
    name, sep, value = text.partition(":")
    name, value = name.strip(), clean_header_value(value)
    if not sep or not name:
        raise ValueError("--header: expected 'Name: value' (a name, a colon, the value)")
    problem = header_problem(name, value)
    if problem:
        raise ValueError(f"--header {name!r}: {problem}")
    return name, value
