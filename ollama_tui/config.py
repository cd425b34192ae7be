"""Provides the app's settings and every path it uses, from flags, environment and defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

APP_NAME = "ollama-tui"

DATA_DIR_ENV = "OLLAMA_TUI_DATA_DIR"
HOST_ENV = "OLLAMA_HOST"

DEFAULT_FLUSH_HZ = 15.0
"""Stream flushes per second: 10-20 keeps replies smooth at a fraction of the cost of per-token."""


def default_data_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """`OLLAMA_TUI_DATA_DIR`, else the platform's user data dir (which honours XDG_DATA_HOME)."""
    override = environ.get(DATA_DIR_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    # platformdirs is imported here so `--version` never pays for it.
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


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
    reconnect_interval: float = 3.0
    """Seconds between attempts to reach a server that is down."""


def parse_header(text: str) -> tuple[str, str]:
    """Parse a `Name: value` header given on the command line.

    Raises:
        ValueError: when there is no colon or the name is empty.
    """
    name, sep, value = text.partition(":")
    name = name.strip()
    if not sep or not name or any(ch.isspace() for ch in name):
        raise ValueError(f"expected 'Name: value', got {text!r}")
    return name, value.strip()
